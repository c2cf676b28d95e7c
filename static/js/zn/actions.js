// What the taxpayer's controls do: ask the bot, send, retry, pick, feedback, ask for a person, cancel, close,
// leave a message, rate, attach, typing, history. Each sends its frame and lets the events redraw the window.
import { newCid } from "./socket.js";
import { confirmDialog } from "./confirm.js";
import { errorText } from "./i18n.js";
import { renderHistory } from "./history.js";
import { LIVE } from "./model.js";

const TYPING_IDLE = 3000; // ms without a keystroke before "typing off"; also the least gap between "on"s

export class Actions {
  constructor(app) {
    this.app = app;
    this.retries = new Map(); // cid -> frame of an own message, for 重新发送 with the same cid
    this.typingId = null;
    this.typingTimer = null;
    this.lastOn = 0;
  }

  get t() {
    return this.app.t;
  }

  fail(error) {
    const app = this.app;
    if (error && error.code === "centre_closed") app.centreClosed(error);
    app.toast(error && error.code === "timeout" ? this.t("timeout") : errorText(app.cfg, error));
  }

  request(frame, timeoutMs = 15000) {
    return this.app.socket.request(frame, { timeoutMs }).catch((error) => {
      this.fail(error);
      throw error;
    });
  }

  sendInput() {
    const app = this.app,
      input = app.parts.input;
    if (input.disabled) return;
    const text = input.value.trim();
    if (!text) return;
    const max = (app.auth && app.auth.limits && app.auth.limits.max_message_chars) || 2000;
    if (text.length > max) return; // the textarea's maxlength already stops this
    input.value = "";
    input.style.height = "";
    this.stopTyping();
    const live = app.model.live();
    if (live && (live.state === "queued" || live.state === "connected")) {
      this.own({ type: "message.send", interaction_id: live.id, text }, text);
    } else {
      if (!live && app.viewId !== null) app.showFresh(); // after an ended one: a new conversation
      this.own({ type: "bot.ask", text, lang: app.cfg.locale === "en" ? "en" : "zh" }, text);
    }
    input.focus();
  }

  own(frame, text, attachmentName) {
    const cid = newCid();
    this.app.list.addPending(cid, text, attachmentName);
    this.transmit(cid, frame);
    return cid;
  }

  transmit(cid, frame) {
    const app = this.app;
    this.retries.set(cid, frame);
    app.socket.request(frame, { cid, timeoutMs: 10000 }).then(
      (reply) => {
        this.retries.delete(cid);
        const item = reply.interaction_id ? app.model.item(reply.interaction_id) : null;
        if (typeof reply.seq === "number")
          app.list.sent(cid, reply.seq, item ? item.agentReadSeq : 0);
      },
      (error) => {
        app.list.failed(cid, true);
        this.fail(error);
      },
    );
  }

  retry(cid) {
    const frame = this.retries.get(cid);
    const el = this.app.list.pending.get(cid);
    if (!frame) return;
    if (el) this.app.list.setStatus(el, "sending");
    this.transmit(cid, frame);
  }

  pick(kbId, lang) {
    this.request({ type: "bot.pick", kb_id: kbId, lang: lang === "en" ? "en" : "zh" }).catch(
      () => {},
    );
  }

  feedback(item, seq, value, buttons) {
    for (const b of buttons)
      b.setAttribute("aria-pressed", String(b.getAttribute("data-value") === value));
    this.request({ type: "bot.feedback", interaction_id: item.id, seq, value }).then(
      () => this.app.toast(this.t("thanks")),
      () => {},
    );
  }

  requestHuman() {
    this.request({ type: "human.request" }).catch(() => {});
  }

  async cancel() {
    const app = this.app,
      live = app.model.live();
    if (!live || live.state !== "queued") return;
    if (
      !(await confirmDialog(app.parts.panel, app.ctx.shadow, this.t, "cancel", this.t("cancelAsk")))
    )
      return;
    this.request({ type: "interaction.cancel", interaction_id: live.id }).then(
      () => app.toast(this.t("cancelled")),
      () => {},
    );
  }

  /** 关闭: end the live interaction at once (asking first while an agent is serving) and close the window. */
  async closeClicked() {
    const app = this.app,
      live = app.model.live();
    if (
      live &&
      live.state === "connected" &&
      !(await confirmDialog(app.parts.panel, app.ctx.shadow, this.t, "close", this.t("closeAsk")))
    )
      return;
    if (live) this.request({ type: "interaction.close", interaction_id: live.id }).catch(() => {});
    app.hide("closed");
  }

  /** Zhengna.close(): like 关闭, but never hangs up on an agent from a script: that only minimises. */
  closeFromApi() {
    const app = this.app,
      live = app.model.live();
    if (live && live.state === "connected") return app.minimise();
    if (live) this.request({ type: "interaction.close", interaction_id: live.id }).catch(() => {});
    app.hide("closed");
  }

  leave(text, contact) {
    return this.request({ type: "leave.submit", text, contact });
  }

  rate(item, score, tags, comment) {
    return this.request({
      type: "rating.submit",
      interaction_id: item.id,
      score,
      tags,
      comment,
    }).then(
      () => {
        item.rated = true;
        this.app.redraw();
      },
      (error) => {
        if (error && error.code === "already_rated") {
          item.rated = true;
          this.app.redraw();
        }
        throw error;
      },
    );
  }

  attach(file) {
    const app = this.app,
      live = app.model.live();
    if (!live || (live.state !== "queued" && live.state !== "connected"))
      return app.toast(this.t("attachNeedsHuman"));
    const problem = app.files.check(file);
    if (problem) return app.toast(problem);
    const cid = newCid();
    app.list.addPending(cid, "", file.name || "image.png");
    app.files.upload(file, live.id).then(
      (att) => {
        this.transmit(cid, {
          type: "message.send",
          interaction_id: live.id,
          attachment_id: att.id,
        });
      },
      (error) => {
        app.list.failed(cid, false);
        app.files.report(error);
      },
    );
  }

  typed() {
    const live = this.app.model.live();
    if (!live || (live.state !== "queued" && live.state !== "connected")) return;
    const now = Date.now();
    if (this.typingId !== live.id || now - this.lastOn > TYPING_IDLE) {
      this.app.socket.send({ type: "typing", interaction_id: live.id, on: true });
      this.typingId = live.id;
      this.lastOn = now;
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE);
  }

  stopTyping() {
    clearTimeout(this.typingTimer);
    if (this.typingId)
      this.app.socket.send({ type: "typing", interaction_id: this.typingId, on: false });
    this.typingId = null;
  }

  toggleHistory() {
    const app = this.app;
    if (app.historyOpen) return this.backToLive();
    this.request({ type: "history.list" }).then(
      (frame) => {
        app.historyOpen = true;
        app.redraw();
        renderHistory(
          app.parts.historyView,
          this.t,
          app.cfg,
          frame.items || [],
          (view) => this.choose(view),
          () => this.backToLive(),
        );
      },
      () => {},
    );
  }

  /** 我的业务确认单: the person's forms across their conversations; choosing one opens its conversation. */
  toggleForms() {
    const app = this.app;
    if (app.historyOpen) return this.backToLive();
    Promise.all([app.loadForms(), this.request({ type: "forms.list" })]).then(
      ([forms, frame]) => {
        app.historyOpen = true;
        app.redraw();
        forms.renderList(
          app.parts.historyView,
          frame.items || [],
          (view) => this.choose(view),
          () => this.backToLive(),
        );
      },
      () => {},
    );
    return undefined;
  }

  choose(view) {
    const app = this.app;
    app.historyOpen = false;
    const item = app.model.merge(view);
    if (LIVE.has(item.state)) return this.backToLive();
    app.showItem(item.id, true);
    if (item.maxSeq < (view.seq || 0)) app.sync(item);
    app.parts.messages.focus();
  }

  backToLive() {
    const app = this.app;
    app.historyOpen = false;
    const live = app.model.live();
    if (live) app.showItem(live.id);
    else if (app.readOnly) app.showFresh();
    else app.redraw();
    (app.parts.input.disabled ? app.parts.handle : app.parts.input).focus();
  }
}
