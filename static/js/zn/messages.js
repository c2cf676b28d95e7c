// @ts-check
// The message list: one element per durable event (in seq order, repeats already dropped by the model), the
// taxpayer's own messages from "sending" to "sent"/"read"/"failed", bot answers with feedback, suggestions.
import { FINAL_STATES } from "../shared/codes.js";
import { h } from "../shared/dom.js";

const STATE_LINES = {
  request_human: "evRequest",
  accept: "evAccept",
  transfer_to_agent: "evAccept",
  transfer_to_queue: "evRequeue",
  agent_lost: "evRequeue",
  cancel: "evCancel",
  end: "evEnd",
  expire: "evExpire",
  idle_timeout: "evIdle",
};
const CALL_LINES = {
  request: "evCallRequest",
  accept: "evCallAccept",
  decline: "evCallDecline",
  cancel: "evCallCancel",
  hangup: "evCallHangup",
  ring_timeout: "evCallTimeout",
};

export class MessageList {
  /**
   * on: {pick(kbId, lang), feedback(item, seq, value, buttons), retry(cid), renderAttachment(att),
   * form(item, frame), clock(ms) -> "HH:MM", reason(error) -> words}
   */
  constructor(el, t, on) {
    this.el = el;
    this.t = t;
    this.on = on;
    this.pending = new Map(); // cid -> element of an own message without a server seq yet
    this.byCid = new Map(); // cid -> element of every own message this tab sent
    this.readOnly = false;
  }

  clear() {
    this.el.replaceChildren();
    this.pending.clear();
    this.byCid.clear();
  }

  /** Add a local line that is not an event (the greeting, the human-service introduction). */
  local(from, key) {
    const el = this.shell(from, null);
    el.append(h("div", { cls: "zn-bubble", t: key }));
    el.setAttribute("data-local", "true");
    this.el.append(el);
    return el;
  }

  shell(from, seq, name) {
    const el = h("div", { cls: "zn-msg", tid: "zn-message", attrs: { "data-from": from } });
    if (seq != null) el.setAttribute("data-seq", String(seq));
    const who =
      name ||
      this.t(
        from === "taxpayer"
          ? "you"
          : from === "bot"
            ? "bot"
            : from === "agent"
              ? "agentFallback"
              : "system",
      );
    el.append(h("div", { cls: from === "system" ? "zn-vh" : "zn-who", text: who }));
    return el;
  }

  /** Show an own message before the server has it (status sending): an upload's line, or an outbox entry. */
  addPending(cid, text, attachmentName) {
    const el = this.shell("taxpayer", null);
    el.setAttribute("data-cid", cid);
    const bubble = h("div", {
      cls: "zn-bubble",
      text: text || this.t("uploading", { name: attachmentName || "" }),
    });
    if (!text) bubble.setAttribute("data-upload", "true");
    el.append(bubble);
    this.el.append(el);
    this.pending.set(cid, el);
    this.byCid.set(cid, el);
    this.setStatus(el, "sending");
    this.scroll();
    return el;
  }

  /** Show an outbox entry of this conversation: waiting (sending, with the time typed) or refused (failed). */
  own(entry) {
    const drawn = this.byCid.get(entry.cid);
    if (drawn && !this.pending.has(entry.cid)) return drawn; // already stored: drawn from its event
    const el = drawn || this.addPending(entry.cid, entry.meta.text || "", entry.meta.name);
    el.setAttribute("data-typed-at", new Date(entry.at).toISOString());
    this.setStatus(el, entry.status, entry);
    return el;
  }

  /** Set an own message's state in words; sending says when it was typed, failed why and offers a retry. */
  setStatus(el, status, entry) {
    el.setAttribute("data-status", status);
    let meta = el.querySelector(".zn-meta");
    if (!meta) {
      meta = h("div", { cls: "zn-meta zn-row" });
      el.append(meta);
    }
    const typed = status === "sending" && entry;
    meta.replaceChildren(
      h("span", {
        text: typed ? this.t("sendingAt", { time: this.on.clock(entry.at) }) : this.t(status),
      }),
    );
    if (status !== "failed") return;
    if (entry && entry.error) {
      meta.append(
        h("span", { cls: "zn-reason", tid: "zn-failed-reason", text: this.on.reason(entry.error) }),
      );
    }
    if (entry && !this.readOnly) {
      meta.append(
        h("button", {
          cls: "zn-link",
          tid: "zn-retry",
          attrs: { type: "button" },
          text: this.t("retry"),
          on: { click: () => this.on.retry(entry.cid) },
        }),
      );
    }
  }

  /** The server acknowledged an own message with its seq. */
  sent(cid, seq, agentReadSeq) {
    const el = this.pending.get(cid);
    if (!el) return;
    this.pending.delete(cid);
    el.setAttribute("data-seq", String(seq));
    this.insert(el, seq); // stored: its place is its seq's (an event may have come in meanwhile)
    this.setStatus(el, seq <= agentReadSeq ? "read" : "sent");
  }

  /** An upload that never became a message (its file was refused): failed, nothing to retry. */
  failed(cid) {
    const el = this.pending.get(cid);
    if (el) this.setStatus(el, "failed");
  }

  /** The agent has read everything up to seq. */
  read(seq) {
    for (const el of this.el.querySelectorAll('[data-from="taxpayer"][data-status="sent"]')) {
      if (Number(el.getAttribute("data-seq")) <= seq) this.setStatus(el, "read");
    }
  }

  /** Render one durable event of item; return its element or null. */
  render(item, frame) {
    let el = null;
    if (frame.type === "message.new") el = this.message(item, frame);
    else if (frame.type === "interaction.state") el = this.stateLine(frame);
    else if (frame.type === "rating.saved") el = this.system(frame.seq, this.t("rated"));
    else if (frame.type === "form.state") el = this.on.form(item, frame);
    else if (frame.type === "call.state" && CALL_LINES[frame.event])
      el = this.system(frame.seq, this.t(CALL_LINES[frame.event]));
    if (!el) return null;
    if (!el.isConnected) this.insert(el, frame.seq);
    this.scroll();
    return el;
  }

  /** Put el in seq order: before the first later event, and before own messages still waiting. */
  insert(el, seq) {
    const later = [...this.el.children].find((c) =>
      c.hasAttribute("data-seq")
        ? Number(c.getAttribute("data-seq")) > seq
        : c.hasAttribute("data-cid") && c !== el,
    );
    this.el.insertBefore(el, later || null);
  }

  system(seq, text) {
    const el = this.shell("system", seq);
    el.append(h("div", { cls: "zn-bubble", text }));
    return el;
  }

  stateLine(frame) {
    let key = STATE_LINES[frame.event];
    if (frame.event === "close") key = frame.ended_by === "system" ? "evIdle" : "evClose";
    if (frame.event === "expire" && frame.reason === "centre_closed") key = "evCentreClosed";
    if (frame.event === "agent_lost" && frame.state === "ended") key = "evAgentLost";
    if (!key && FINAL_STATES.includes(frame.state)) key = "evEnded";
    if (!key) return null;
    const name = (frame.agent && frame.agent.name) || this.t("agentFallback");
    return this.system(frame.seq, this.t(key, { name }));
  }

  message(item, frame) {
    const m = frame.message || {};
    const own = m.from === "taxpayer";
    const mine = own && m.cid && (this.pending.get(m.cid) || this.byCid.get(m.cid));
    if (mine) {
      // the echo of a message this tab is sending: it becomes the acknowledged one
      this.sent(m.cid, frame.seq, item.agentReadSeq);
      if (m.attachment) this.attachment(mine, m.attachment, true);
      return mine;
    }
    const el = this.shell(m.from || "system", frame.seq, m.from === "agent" ? m.sender : null);
    if (own && m.cid) {
      el.setAttribute("data-cid", m.cid); // an outbox entry of this cid is this message: drawn once
      this.byCid.set(m.cid, el);
    }
    const bot = frame.bot;
    let body = m.body || "";
    if (bot && bot.outcome === "suggest") body = this.t("suggest");
    if (bot && bot.outcome === "reject") body = this.t("reject");
    if (body || !m.attachment) el.append(h("div", { cls: "zn-bubble", text: body }));
    if (m.attachment) this.attachment(el, m.attachment, false);
    if (bot) this.botExtras(el, item, frame, bot);
    if (own) this.setStatus(el, frame.seq <= item.agentReadSeq ? "read" : "sent");
    if (m.from === "bot" && bot && bot.human) el.setAttribute("data-human", "true");
    return el;
  }

  attachment(el, att, replaceText) {
    const node = this.on.renderAttachment(att);
    const bubble = el.querySelector(".zn-bubble");
    if (replaceText && bubble && bubble.hasAttribute("data-upload")) bubble.remove();
    const meta = el.querySelector(".zn-meta");
    el.insertBefore(node, meta || null);
  }

  botExtras(el, item, frame, bot) {
    if (bot.outcome === "suggest" && Array.isArray(bot.suggestions)) {
      const list = h("ul", { cls: "zn-suggestions" });
      for (const s of bot.suggestions) {
        list.append(
          h("li", {}, [
            h("button", {
              cls: "zn-link",
              tid: "zn-suggestion",
              attrs: { type: "button", "data-kb-id": s.id, disabled: this.readOnly },
              text: s.question,
              on: { click: () => this.on.pick(s.id, bot.lang) },
            }),
          ]),
        );
      }
      el.querySelector(".zn-bubble").append(list);
    }
    if (bot.outcome === "answer") {
      const buttons = [];
      const row = h("div", {
        cls: "zn-row",
        attrs: { role: "group" },
        ta: { "aria-label": "feedbackGroup" },
      });
      for (const [value, key] of [
        ["up", "useful"],
        ["down", "useless"],
      ]) {
        const b = h("button", {
          cls: "zn-chip",
          tid: "zn-bot-feedback",
          attrs: {
            type: "button",
            "data-value": value,
            "aria-pressed": "false",
            disabled: this.readOnly,
          },
          t: key,
          on: { click: () => this.on.feedback(item, frame.seq, value, buttons) },
        });
        buttons.push(b);
        row.append(b);
      }
      el.append(row);
    }
  }

  /** Return the newest bot message that offers the human button, if it is the newest bot message. */
  humanAnchor() {
    const bots = this.el.querySelectorAll('[data-from="bot"]:not([data-local])');
    const last = bots[bots.length - 1];
    return last && last.getAttribute("data-human") === "true" ? last : null;
  }

  scroll() {
    this.el.scrollTop = this.el.scrollHeight;
  }
}
