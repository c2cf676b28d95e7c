// @ts-check
// What the taxpayer's controls do: ask the bot, send, retry, pick, feedback, ask for a person, cancel, close,
// leave a message, rate, attach, typing, history. Each sends its frame and lets the events redraw the window.
import { newCid } from "../shared/socket.js";
import { confirmDialog } from "./confirm.js";
import { errorText } from "./i18n.js";
import { renderHistory } from "./history.js";
import { LIVE } from "./model.js";

const TYPING_IDLE = 3000; // ms without a keystroke before "typing off"; also the least gap between "on"s
// What the taxpayer typed or chose goes through the durable outbox (kept until the server has it); the rest
// (lists, cancel, close, feedback, calls) are plain requests that may time out.
export const DURABLE = new Set([
  "message.send",
  "bot.ask",
  "bot.pick",
  "rating.submit",
  "leave.submit",
  "form.submit",
  "form.attach",
]);

export class Actions {
  constructor(app) {
    this.app = app;
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

  /** Send frame (through the outbox when it is something the taxpayer typed or chose); toast a refusal. */
  request(frame, timeoutMs = 15000) {
    const answer = DURABLE.has(frame.type)
      ? this.app.outbox.add(frame, frame.interaction_id || "").done
      : this.app.socket.request(frame, { timeoutMs });
    return answer.catch((error) => {
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

  /** Put a typed message in the outbox; the window shows it from there (see App.outboxChanged). */
  own(frame, text, attachmentName, cid) {
    const meta = { text, name: attachmentName };
    return this.app.outbox.add(frame, frame.interaction_id || "", { meta, cid }).entry.cid;
  }

  retry(cid) {
    this.app.outbox.retry(cid);
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
    const cid = newCid("o");
    const name = file.name || "image.png";
    app.list.addPending(cid, "", name);
    app.files.upload(file, live.id).then(
      (att) => {
        const frame = { type: "message.send", interaction_id: live.id, attachment_id: att.id };
        this.own(frame, "", name, cid);
      },
      (error) => {
        app.list.failed(cid);
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
