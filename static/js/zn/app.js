// @ts-check
// The window's controller: imported by the loader on first open. It owns the socket, the outbox, the model of
// what this tab holds, decides what the window shows and what its own controls do (the text box, attach, close,
// history); actions.js holds the requests the taxpayer's controls send, given only what they need (ActionsDeps).
import { TaxpayerSocket, newCid } from "../shared/socket.js";
import { Outbox } from "../shared/outbox.js";
import { Model, LIVE } from "./model.js";
import { buildPanel, setComposer } from "./ui.js";
import { MessageList } from "./messages.js";
import { HumanService } from "./human.js";
import { ratingForm, ratedNote } from "./rating.js";
import { Attachments } from "./attach.js";
import { confirmDialog, toaster } from "./confirm.js";
import { Mover } from "./drag.js";
import { translator, errorText } from "./i18n.js";
import { formatTime } from "../shared/i18n.js";
import { panelSheet } from "./styles.js";
import { h, icon, relabel, useTranslator } from "../shared/dom.js";
import { Actions, withHuman } from "./actions.js";
import { renderHistory } from "./history.js";

const SHOWN = new Set(["message.send", "bot.ask"]); // outbox entries drawn as the taxpayer's own messages

const VIDEO_ICON =
  "M17 10.5V7a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-3.5l4 4v-11z";

/** Start the window for the loader; return the controls the public API drives. */
export function start(ctx) {
  const app = new App(ctx);
  return {
    open: () => app.open(),
    close: () => app.closeFromApi(),
    minimise: () => app.minimise(),
    setTheme: () => app.setTheme(),
    logout: () => app.logout(),
  };
}

class App {
  constructor(ctx) {
    this.ctx = ctx;
    this.cfg = ctx.cfg;
    this.t = translator(this.cfg);
    useTranslator(this.t);
    ctx.shadow.adoptedStyleSheets = [...ctx.sheets, panelSheet()];
    this.key = (name) => this.cfg.prefix + name; // browser storage is kept per person (see widget.js)
    this.model = new Model();
    this.auth = null;
    this.viewId = null; // the interaction on screen; null = a new conversation
    this.readOnly = false; // a past conversation chosen from the history
    this.historyOpen = false;
    this.unread = 0;
    this.windowState = "closed";
    this.ratingForms = new Map();
    this.ackTimers = new Map();
    this.parts = buildPanel({
      send: () => this.sendInput(),
      attach: (file) => this.attach(file),
      typing: () => this.actions.typed(),
      minimise: () => this.minimise(),
      close: () => this.closeClicked(),
      history: () => this.toggleHistory(),
      forms: () => this.toggleForms(),
    });
    ctx.shadow.append(this.parts.panel);
    this.toast = toaster(this.parts.panel);
    this.files = new Attachments(this.cfg, this.t, () => this.socket.credential, this.toast);
    this.list = new MessageList(this.parts.messages, this.t, {
      pick: (id, lang) => this.actions.pick(id, lang),
      feedback: (item, seq, value, buttons) => this.actions.feedback(item, seq, value, buttons),
      retry: (cid) => this.actions.retry(cid),
      renderAttachment: (att) => this.files.render(att),
      form: (item, frame) => this.formLine(item, frame),
      clock: (ms) =>
        formatTime(new Date(ms).toISOString(), this.cfg.locale, {
          hour: "2-digit",
          minute: "2-digit",
        }),
      reason: (error) => errorText(this.cfg, error),
    });
    this.human = new HumanService(this.cfg, this.t, {
      request: () => this.actions.requestHuman(),
      cancel: () => this.actions.cancel(),
      leave: (text, contact) => this.actions.leave(text, contact),
    });
    this.mover = new Mover(
      this.parts.panel,
      this.parts.handle,
      this.key("pos"),
      () => this.cfg.position,
    );
    this.badge = h("span", {
      cls: "zn-badge",
      tid: "zn-unread",
      attrs: { "data-count": "0", "aria-hidden": "true" },
    });
    this.badge.hidden = true;
    ctx.launcher.append(this.badge);
    this.typingEl = null;
    this.typingTimer = null;
    const origin = new URL(this.cfg.origin);
    this.socket = new TaxpayerSocket({
      url:
        (origin.protocol === "https:" ? "wss://" : "ws://") +
        origin.host +
        "/ws/taxpayer?site=" +
        encodeURIComponent(this.cfg.site),
      token: this.cfg.token,
      credentialKey: this.key("credential"),
      onAuth: (frame, first) => this.authenticated(frame, first),
      onFrame: (frame) => this.frame(frame),
      onStatus: (status, detail) => this.status(status, detail),
    });
    this.outbox = new Outbox({
      owner: this.cfg.prefix, // per site and person, as everything else kept in the browser
      socket: this.socket,
      onChange: (entry, reply) => this.outboxChanged(entry, reply),
    });
    this.actions = new Actions({
      t: this.t,
      toast: this.toast,
      refused: (error) => this.sayRefused(error),
      outbox: this.outbox,
      socket: this.socket,
      live: () => this.model.live(),
      redraw: () => this.redraw(),
      confirm: (kind, question) => this.confirm(kind, question),
    });
    document.addEventListener("visibilitychange", () => this.markRead());
    this.parts.panel.setAttribute("data-state", "connecting");
    this.showFresh();
    let was;
    try {
      was = sessionStorage.getItem(this.key("window"));
    } catch {
      was = null;
    }
    if (was === "minimised") this.setWindow("minimised");
    this.socket.connect();
  }

  emit(name, detail) {
    this.ctx.emit(name, detail);
  }

  /** Zhengna.logout(): close for good; the panel, its text and its conversations leave the page. */
  logout() {
    this.socket.stop();
    this.socket.credential = null;
    this.outbox.clear(); // what this person typed and the server never got leaves the browser too
    clearTimeout(this.typingTimer);
    for (const timer of this.ackTimers.values()) clearTimeout(timer);
    if (this.video) this.video.end(); // camera and microphone released
    this.parts.panel.remove();
    this.badge.remove();
    this.ctx.launcher.hidden = false;
    this.ctx.launcher.setAttribute("aria-label", this.t("launcher"));
  }

  // -- the window ------------------------------------------------------------------------------

  setWindow(state) {
    this.windowState = state;
    this.ctx.host.setAttribute("data-state", state);
    try {
      if (state === "closed") sessionStorage.removeItem(this.key("window"));
      else sessionStorage.setItem(this.key("window"), state);
    } catch {
      /* not remembered across reloads */
    }
  }

  open() {
    if (this.windowState === "open") return;
    this.parts.panel.hidden = false;
    this.ctx.launcher.hidden = true;
    this.setWindow("open");
    this.mover.place();
    this.list.scroll();
    this.focusStart();
    this.focusOnAuth = !this.auth; // still connecting: the text box is enabled only after auth.ok
    this.emit("open", {});
    this.markRead();
  }

  focusStart() {
    const p = this.parts;
    (p.input.disabled || p.composer.hidden ? p.handle : p.input).focus();
  }

  hide(state) {
    if (this.windowState === state) return;
    const was = this.windowState;
    this.parts.panel.hidden = true;
    this.ctx.launcher.hidden = false;
    this.setWindow(state);
    if (was === "open") this.ctx.launcher.focus();
    this.emit("close", { minimised: state === "minimised" });
  }

  minimise() {
    if (this.windowState === "open") this.hide("minimised");
  }

  setTheme() {
    relabel(this.ctx.shadow);
    this.redraw();
    this.mover.place();
    this.setUnread(this.unread);
  }

  setUnread(count) {
    const changed = count !== this.unread;
    this.unread = count;
    this.badge.hidden = count === 0;
    this.badge.textContent = String(count);
    this.badge.setAttribute("data-count", String(count));
    this.ctx.launcher.setAttribute(
      "aria-label",
      count ? this.t("unread", { n: count }) : this.t("launcher"),
    );
    if (changed) this.emit("unread", { count });
  }

  /** Tell the server (and the badge) that what is on screen has been seen. */
  markRead() {
    const item = this.viewId && this.model.items.get(this.viewId);
    if (this.windowState !== "open" || document.visibilityState !== "visible" || this.historyOpen)
      return;
    this.setUnread(0);
    if (item && item.maxSeq > item.readSeq) {
      item.readSeq = item.maxSeq;
      this.socket.send({ type: "read", interaction_id: item.id, seq: item.maxSeq });
    }
  }

  /** Say what the link is doing: connecting again, reconnecting in N s, offline, refused for good. */
  status(status, detail) {
    const banner = this.parts.banner;
    const error = detail.error;
    if (status === "fatal" && error && error.code === "role_not_allowed") {
      this.fatal = true; // not a connection problem: the window says why, and where to go instead (refused.js)
      import("./refused.js").then(
        (module) => {
          this.refused = { error, draw: module.drawRefused };
          this.redraw();
        },
        () => this.status("fatal", { error: { ...error, code: "refused" } }),
      );
      return;
    }
    if (status === "online" || (status === "connecting" && !this.socket.everAuthed)) {
      banner.hidden = true; // the first connection shows as the window's connecting state
      banner.removeAttribute("data-status");
      return;
    }
    banner.hidden = false;
    banner.setAttribute("data-status", status);
    if (status === "fatal") {
      banner.textContent = this.t("fatal", { msg: errorText(this.cfg, error) });
      this.fatal = true;
      this.redraw();
    } else if (status === "reconnecting" || status === "offline") {
      const key = status === "offline" ? "offline" : "reconnectIn";
      banner.textContent = this.t(key, { n: detail.seconds || 1 });
    } else {
      banner.textContent = this.t("reconnecting"); // connecting again
    }
  }

  // -- the window's own controls ---------------------------------------------------------------

  sendInput() {
    const input = this.parts.input;
    if (input.disabled) return;
    const text = input.value.trim();
    if (!text) return;
    const max = (this.auth && this.auth.limits && this.auth.limits.max_message_chars) || 2000;
    if (text.length > max) return; // the textarea's maxlength already stops this
    input.value = "";
    input.style.height = "";
    if (!this.model.live() && this.viewId !== null) this.showFresh(); // after an ended one: a new conversation
    this.actions.say(text, this.cfg.locale);
    input.focus();
  }

  attach(file) {
    const live = this.model.live();
    if (!withHuman(live)) return this.toast(this.t("attachNeedsHuman"));
    const problem = this.files.check(file);
    if (problem) return this.toast(problem);
    const cid = newCid("o");
    const name = file.name || "image.png";
    this.list.addPending(cid, "", name);
    this.files.upload(file, live.id).then(
      (att) => {
        const frame = { type: "message.send", interaction_id: live.id, attachment_id: att.id };
        this.actions.own(frame, "", name, cid);
      },
      (error) => {
        this.list.failed(cid);
        this.files.report(error);
      },
    );
    return undefined;
  }

  /** Ask in the window before doing something for good (confirm.js); resolves true when agreed. */
  confirm(kind, question) {
    return confirmDialog(this.parts.panel, this.ctx.shadow, this.t, kind, question);
  }

  /** 关闭: end the live interaction at once (asking first while an agent is serving) and close the window. */
  async closeClicked() {
    const live = this.model.live();
    if (live && live.state === "connected" && !(await this.confirm("close", this.t("closeAsk"))))
      return;
    if (live) this.actions.close(live);
    this.hide("closed");
  }

  /** Zhengna.close(): like 关闭, but never hangs up on an agent from a script: that only minimises. */
  closeFromApi() {
    const live = this.model.live();
    if (live && live.state === "connected") return this.minimise();
    if (live) this.actions.close(live);
    this.hide("closed");
    return undefined;
  }

  toggleHistory() {
    if (this.historyOpen) return this.backToLive();
    this.actions.request({ type: "history.list" }).then(
      (frame) => {
        this.historyOpen = true;
        this.redraw();
        renderHistory(
          this.parts.historyView,
          this.t,
          this.cfg,
          frame.items || [],
          (view) => this.choose(view),
          () => this.backToLive(),
        );
      },
      () => {},
    );
    return undefined;
  }

  /** 我的业务确认单: the person's forms across their conversations; choosing one opens its conversation. */
  toggleForms() {
    if (this.historyOpen) return this.backToLive();
    Promise.all([this.loadForms(), this.actions.request({ type: "forms.list" })]).then(
      ([forms, frame]) => {
        this.historyOpen = true;
        this.redraw();
        forms.renderList(
          this.parts.historyView,
          frame.items || [],
          (view) => this.choose(view),
          () => this.backToLive(),
        );
      },
      () => {},
    );
    return undefined;
  }

  /** Open a conversation chosen from the history or the forms list (the live one as live). */
  choose(view) {
    this.historyOpen = false;
    const item = this.model.merge(view);
    if (LIVE.has(item.state)) return this.backToLive();
    this.showItem(item.id, true);
    if (item.maxSeq < (view.seq || 0)) this.sync(item);
    this.parts.messages.focus();
    return undefined;
  }

  backToLive() {
    this.historyOpen = false;
    const live = this.model.live();
    if (live) this.showItem(live.id);
    else if (this.readOnly) this.showFresh();
    else this.redraw();
    (this.parts.input.disabled ? this.parts.handle : this.parts.input).focus();
  }

  // -- frames ----------------------------------------------------------------------------------

  authenticated(frame, first) {
    this.auth = frame;
    this.human.setCentre(frame.centre);
    if (frame.live) {
      const item = this.model.merge(frame.live);
      if (first && this.viewId === null && !this.readOnly) this.viewId = item.id;
    }
    for (const item of this.model.items.values()) {
      // catch up: the live one, and whatever is on screen
      if (LIVE.has(item.state) || item.id === this.viewId) this.sync(item);
    }
    if (first) this.showView();
    else this.redraw();
    if (this.focusOnAuth && this.windowState === "open") {
      const active = this.ctx.shadow.activeElement;
      if (!active || active === this.parts.handle) this.focusStart();
    }
    this.focusOnAuth = false;
  }

  sync(item) {
    this.socket.send({ type: "sync", interaction_id: item.id, last_seq: item.maxSeq });
  }

  frame(frame) {
    // durable events carry interaction_id, seq, at and actor; replies and ephemeral frames do not
    if (typeof frame.seq === "number" && frame.interaction_id && frame.at && frame.actor)
      return this.event(frame);
    const item = frame.interaction_id ? this.model.item(frame.interaction_id) : null;
    switch (frame.type) {
      case "typing":
        if (frame.role === "agent" && item.id === this.model.liveId) this.agentTyping(frame.on);
        break;
      case "read":
        if (frame.role === "agent") {
          item.agentReadSeq = Math.max(item.agentReadSeq, frame.seq);
          if (item.id === this.viewId) this.list.read(frame.seq);
        }
        break;
      case "queue.position":
        item.position = frame;
        if (item.id === this.model.liveId) this.human.setPosition(frame.position, frame.wait_s);
        break;
      case "interaction.opened":
        if (!item.maxSeq) this.sync(item);
        break;
      case "call.media":
        if (this.video) this.video.media(frame);
        break;
      case "centre.status":
        this.human.setCentre(frame.centre);
        this.redraw();
        break;
      case "sync.done":
        item.synced = true;
        this.scheduleAck(item);
        break;
      case "error":
        this.sayRefused(frame);
        break;
      default:
        break;
    }
  }

  /** Say why a request was refused (or timed out); a closed centre also shows as closed. */
  sayRefused(error) {
    if (error && error.code === "centre_closed") this.centreClosed(error);
    this.toast(error && error.code === "timeout" ? this.t("timeout") : errorText(this.cfg, error));
  }

  centreClosed(error) {
    const centre = {
      ...(this.human.centre || {}),
      open: false,
      next_open:
        (error.detail && error.detail.next_open) ||
        (this.human.centre && this.human.centre.next_open),
    };
    this.human.setCentre(centre);
    this.redraw();
  }

  event(frame) {
    const wasLive = this.model.liveId;
    const known = this.model.items.get(frame.interaction_id);
    const callBefore = known ? known.call : "none";
    const item = this.model.add(frame);
    if (!item) return; // already held
    if (item.call !== callBefore) this.emit("call", { interaction_id: item.id, call: item.call });
    this.scheduleAck(item);
    if (frame.type === "interaction.state") {
      this.emit("state", { interaction_id: item.id, state: frame.state, event: frame.event });
      if (frame.state !== "connected") this.agentTyping(false);
    }
    const seen =
      this.windowState === "open" &&
      document.visibilityState === "visible" &&
      this.viewId === item.id;
    const unseen = item.id === this.model.liveId && frame.seq > item.readSeq && !seen;
    if (frame.type === "message.new") {
      const m = frame.message || {};
      this.emit("message", {
        interaction_id: item.id,
        seq: frame.seq,
        from: m.from,
        text: m.body || "",
      });
      if (m.from === "agent") this.agentTyping(false);
      if (m.from !== "taxpayer" && unseen) this.setUnread(this.unread + 1);
    }
    if (frame.type === "form.state" && frame.actor.role === "agent" && unseen) {
      this.setUnread(this.unread + 1); // a form sent, returned or done while the window is away
    }
    if (!this.readOnly && item.id === this.model.liveId && this.viewId !== item.id) {
      if (this.viewId === null)
        this.viewId = item.id; // the conversation this tab just started
      else if (wasLive !== item.id) return this.showItem(item.id); // a new one replaces the ended one
    }
    if (item.id === this.viewId) this.list.render(item, frame);
    this.redraw();
    this.markRead();
  }

  scheduleAck(item) {
    clearTimeout(this.ackTimers.get(item.id));
    this.ackTimers.set(
      item.id,
      setTimeout(() => {
        this.socket.send({ type: "ack", interaction_id: item.id, seq: item.maxSeq });
        try {
          sessionStorage.setItem(this.key("seq:" + item.id), String(item.maxSeq));
        } catch {
          /* ok */
        }
      }, 150),
    );
  }

  agentTyping(on) {
    clearTimeout(this.typingTimer);
    if (!on) {
      if (this.typingEl) this.typingEl.remove();
      this.typingEl = null;
      return;
    }
    const live = this.model.live();
    const name = (live && live.agent && live.agent.name) || this.t("agentFallback");
    if (!this.typingEl) this.typingEl = h("div", { cls: "zn-typing", tid: "zn-typing" });
    this.typingEl.textContent = this.t("typing", { name });
    const list = this.parts.messages;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    this.parts.typingSlot.append(this.typingEl);
    if (atBottom) this.list.scroll(); // the list got shorter: keep the newest message in view
    this.typingTimer = setTimeout(() => this.agentTyping(false), 15000); // a lost "off" must not stick
  }

  // -- what the window shows -------------------------------------------------------------------

  showFresh() {
    this.viewId = null;
    this.readOnly = false;
    this.showView();
  }

  showItem(id, readOnly = false) {
    this.viewId = id;
    this.readOnly = readOnly;
    this.showView();
  }

  /** Clear the list and draw the whole conversation on screen. */
  showView() {
    this.list.clear();
    this.list.readOnly = this.readOnly;
    const smart = !this.auth || this.auth.region.smart_service;
    if (this.auth) this.list.local(smart ? "bot" : "system", smart ? "greeting" : "humanIntro");
    const item = this.viewId && this.model.items.get(this.viewId);
    if (item) {
      for (const frame of [...item.events].sort((x, y) => x.seq - y.seq))
        this.list.render(item, frame);
    }
    for (const entry of this.outbox.list()) this.outboxChanged(entry, null);
    this.redraw();
  }

  /** Is an outbox entry part of the conversation on screen (a question asked before it had an id included)? */
  inView(entry) {
    if (this.readOnly) return false;
    const view = this.viewId || "";
    return entry.conversation === view || (entry.conversation === "" && view === this.model.liveId);
  }

  /** Show what the outbox did with an entry: waiting, acknowledged (with its seq) or refused. */
  outboxChanged(entry, reply) {
    if (!SHOWN.has(entry.frame.type)) {
      if (entry.status === "failed" && !this.outbox.waiters.has(entry.cid)) {
        this.toast(errorText(this.cfg, entry.error)); // refused after a reload: said once, then dropped
        this.outbox.discard(entry.cid);
      }
      return;
    }
    if (!this.inView(entry)) return;
    if (entry.status === "sent") {
      const item = reply && reply.interaction_id ? this.model.item(reply.interaction_id) : null;
      if (reply && typeof reply.seq === "number")
        this.list.sent(entry.cid, reply.seq, item ? item.agentReadSeq : 0);
    } else {
      this.list.own(entry);
    }
  }

  /** Bring the title, state, actions and composer in line with the model. */
  redraw() {
    const p = this.parts,
      t = this.t;
    const item = this.viewId ? this.model.items.get(this.viewId) : null;
    const smart = Boolean(this.auth && this.auth.region.smart_service);
    const state = !this.auth
      ? "connecting"
      : item && item.state
        ? item.state
        : smart
          ? "bot"
          : "human";
    p.panel.setAttribute("data-state", state);
    if (item) p.panel.setAttribute("data-interaction-id", item.id);
    else p.panel.removeAttribute("data-interaction-id");
    p.panel.toggleAttribute("data-readonly", this.readOnly);
    const agentName = item && item.agent && item.agent.name;
    let sub = this.auth ? this.auth.region.name || "" : "";
    if (state === "connected" && agentName) sub = t("connectedTo", { name: agentName });
    else if (["bot", "queued", "connected", "ended", "cancelled", "expired"].includes(state))
      sub = t("state_" + state);
    p.sub.textContent = sub;
    this.drawActions(item, state);
    this.drawCall(item);
    if (this.forms) this.forms.redraw(); // a form can be filled only in the live, connected conversation
    let placeholder = "inputDisabled",
      enabled = false,
      attach = false;
    if (this.readOnly || this.historyOpen) placeholder = null;
    else if (state === "queued" || state === "connected")
      [placeholder, enabled, attach] = ["inputHuman", true, true];
    else if (smart && state !== "connecting") [placeholder, enabled] = ["input", true];
    if (this.fatal) enabled = false;
    if (this.refused) placeholder = null;
    setComposer(p, enabled, placeholder, t, attach);
    for (const part of [p.messages, p.typingSlot, p.actions])
      part.hidden = this.historyOpen || Boolean(this.refused);
    p.historyView.hidden = !this.historyOpen;
    if (this.refused) this.refused.draw(this);
  }

  drawActions(item, state) {
    const actions = this.parts.actions,
      human = this.human;
    const children = [];
    if (this.readOnly) {
      this.readOnlyNote =
        this.readOnlyNote ||
        h("div", { cls: "zn-form" }, [
          h("p", { cls: "zn-note", t: "readOnly" }),
          h("div", { cls: "zn-row" }, [
            h("button", {
              cls: "zn-btn zn-secondary",
              tid: "zn-back-to-live",
              attrs: { type: "button" },
              t: "back",
              on: { click: () => this.backToLive() },
            }),
          ]),
        ]);
      children.push(this.readOnlyNote);
    }
    if (item && item.state === "ended" && item.ratingOffered) children.push(this.ratingPart(item));
    if (!this.readOnly && state === "queued") {
      children.push(human.waiting);
      if (item && item.position) human.setPosition(item.position.position, item.position.wait_s);
    }
    if (
      !this.readOnly &&
      state === "connected" &&
      item &&
      item.call === "none" &&
      this.auth.media &&
      this.auth.media.video
    )
      children.push(this.startVideoRow());
    const callRow =
      !this.readOnly &&
      this.video &&
      item &&
      item.id === this.model.liveId &&
      this.video.actionRow(item);
    if (callRow) children.push(callRow); // 关闭视频 in the chat window's action row while a call is on
    const offer = !this.readOnly && !["queued", "connected", "connecting"].includes(state);
    if (offer) {
      const anchor = state === "bot" ? this.list.humanAnchor() : null;
      if (!anchor) children.push(human.offer);
      else if (anchor.lastChild !== human.offer) anchor.append(human.offer);
      if (!human.open) children.push(human.leave);
    } else {
      human.offer.remove();
    }
    // move only what changes, so the focus and half-typed text in the action area survive a redraw
    for (const child of [...actions.children]) if (!children.includes(child)) child.remove();
    children.forEach((node, i) => {
      if (actions.children[i] !== node) actions.insertBefore(node, actions.children[i] || null);
    });
  }

  startVideoRow() {
    if (!this.startVideo) {
      this.startVideo = h("div", { cls: "zn-row" }, [
        h(
          "button",
          {
            cls: "zn-btn zn-secondary",
            tid: "zn-start-video",
            attrs: { type: "button" },
            on: { click: () => this.beginVideo() },
          },
          [icon(VIDEO_ICON), h("span", { t: "startVideo" })],
        ),
      ]);
    }
    return this.startVideo;
  }

  /** The line of one form.state event; forms.js (fetched with the first form) fills it and the form's card. */
  formLine(item, frame) {
    const el = this.list.shell("system", frame.seq);
    el.setAttribute("data-form-event", frame.event);
    this.loadForms().then(
      (forms) => forms.show(item, frame, el),
      () => {},
    );
    return el;
  }

  loadForms() {
    if (!this.formsLoading) {
      this.formsLoading = import("./forms.js").then((module) => {
        this.forms = new module.FormsView(this);
        return this.forms;
      });
      this.formsLoading.catch(() => {
        this.formsLoading = null;
        this.toast(this.t("reconnecting"));
      });
    }
    return this.formsLoading;
  }

  /** The call part (call.js) is fetched only when a call is first needed. */
  loadVideo() {
    if (!this.videoLoading) {
      this.videoLoading = import("./call.js").then((module) => {
        this.video = new module.VideoCall(this);
        return this.video;
      });
      this.videoLoading.catch(() => {
        this.videoLoading = null;
        this.toast(this.t("reconnecting"));
      });
    }
    return this.videoLoading;
  }

  beginVideo() {
    const live = this.model.live();
    if (live && live.state === "connected")
      this.loadVideo().then(
        (video) => video.begin(live),
        () => {},
      );
  }

  /** Bring the call area in line with the live interaction's call (none on a past one). */
  drawCall(item) {
    const live = item && !this.readOnly && item.id === this.model.liveId ? item : null;
    if (this.video) return this.video.update(live);
    if (live && live.call !== "none")
      this.loadVideo().then(
        () => this.redraw(),
        () => {},
      );
    return undefined;
  }

  ratingPart(item) {
    if (item.rated) {
      if (!this.ratedNotes) this.ratedNotes = new Map();
      if (!this.ratedNotes.has(item.id)) this.ratedNotes.set(item.id, ratedNote());
      this.ratingForms.delete(item.id);
      return this.ratedNotes.get(item.id);
    }
    if (!this.ratingForms.has(item.id)) {
      this.ratingForms.set(
        item.id,
        ratingForm(this.t, (score, tags, comment) => this.actions.rate(item, score, tags, comment)),
      );
    }
    return this.ratingForms.get(item.id);
  }
}
