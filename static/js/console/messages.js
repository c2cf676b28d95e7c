// @ts-check
// A rendered message list for one transcript: in seq order, notes marked internal, attachments previewed.
import { h, bilingual } from "../shared/dom.js";
import { clock } from "../shared/i18n.js";

const blobs = new Map(); // attachment id -> Promise of a blob: URL (fetched once per page)

/** Fetch an attachment with the session cookie and return a blob: URL for it. */
export function attachmentUrl(attachment) {
  if (!blobs.has(attachment.id)) {
    blobs.set(
      attachment.id,
      fetch(attachment.url || `/api/attachments/${attachment.id}`, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(`HTTP ${r.status}`))))
        .then((blob) => URL.createObjectURL(blob)),
    );
  }
  return blobs.get(attachment.id);
}

function attachmentView(attachment) {
  const box = h("div", {
    cls: "attachment",
    tid: "console-attachment",
    data: { attachmentId: attachment.id },
  });
  const name = `${attachment.name || "file"} (${Math.ceil((attachment.size || 0) / 1024)} KB)`;
  const link = h("a", { text: name, attrs: { download: attachment.name || "file", href: "#" } });
  box.append(link);
  attachmentUrl(attachment)
    .then((url) => {
      link.href = url;
      if ((attachment.content_type || "").startsWith("image/")) {
        box.prepend(
          h("img", {
            tid: "console-attachment-preview",
            attrs: { src: url, alt: attachment.name || "" },
          }),
        );
      }
    })
    .catch(() => box.classList.add("broken"));
  return box;
}

function describeState(frame) {
  const who = frame.agent ? frame.agent.name : "";
  const key = `ev_${frame.event}`;
  if (["accept", "transfer_to_agent"].includes(frame.event)) return [key, who];
  if (
    [
      "request_human",
      "transfer_to_queue",
      "agent_lost",
      "end",
      "close",
      "cancel",
      "expire",
      "idle_timeout",
    ].includes(frame.event)
  )
    return [key];
  return ["ev_other", frame.event || frame.state];
}

/** Build the element for one durable event, or null for events that show nothing. */
export function eventElement(frame) {
  if (frame.type === "interaction.state") {
    if (frame.event === "ask_bot") return null;
    const el = h("div", {
      cls: "msg system",
      tid: "console-message",
      data: { from: "system", kind: "state", seq: frame.seq, event: frame.event },
    });
    const [key, arg] = describeState(frame);
    el.append(bilingual(h("span", { cls: "body" }), key, arg));
    if (frame.category) el.append(h("span", { cls: "meta", text: ` · ${frame.category}` }));
    return el;
  }
  if (frame.type === "call.state") {
    const el = h("div", {
      cls: "msg system",
      tid: "console-message",
      data: { from: "system", kind: "call", seq: frame.seq, event: frame.event },
    });
    el.append(bilingual(h("span", { cls: "body" }), `ev_call_${frame.event}`));
    return el;
  }
  if (frame.type === "form.state") {
    const { form } = frame;
    const item = (form.items.find((i) => i.id === frame.item_id) || {}).name || "";
    const arg = {
      send: form.title,
      attach: item,
      submit: form.title,
      return: form.reason,
      complete: form.result,
    };
    const el = h("div", {
      cls: "msg system form-line",
      tid: "console-message",
      data: { from: "system", kind: "form", seq: frame.seq, event: frame.event, formId: form.id },
    });
    el.append(
      bilingual(h("span", { cls: "body" }), `ev_form_${frame.event}`, arg[frame.event] || ""),
    );
    return el;
  }
  if (frame.type === "rating.saved") {
    const el = h("div", {
      cls: "msg system",
      tid: "console-message",
      data: { from: "system", kind: "rating", seq: frame.seq },
    });
    el.append(bilingual(h("span", { cls: "body" }), "rated", frame.score));
    return el;
  }
  if (frame.type !== "message.new") return null;
  const m = frame.message;
  const note = m.kind === "note" || frame.internal;
  const el = h("div", {
    cls: `msg from-${m.from}${note ? " note" : ""}`,
    tid: "console-message",
    data: {
      from: m.from,
      kind: m.kind,
      seq: frame.seq,
      cid: m.cid,
      internal: note ? "true" : null,
    },
  });
  const head = h("div", { cls: "meta" });
  if (note) head.append(h("strong", { cls: "internal-tag", t: "internal" }), " ");
  head.append(
    h("span", { t: `from_${m.from}` }),
    m.sender ? ` · ${m.sender}` : "",
    ` · ${clock(frame.at)}`,
  );
  el.append(head);
  if (m.body) el.append(h("div", { cls: "body", text: m.body }));
  if (m.attachment) el.append(attachmentView(m.attachment));
  if (frame.bot && frame.bot.suggestions && frame.bot.suggestions.length) {
    el.append(
      h(
        "ol",
        { cls: "suggestions" },
        frame.bot.suggestions.map((s) => h("li", { text: s.question })),
      ),
    );
  }
  return el;
}

export class MessageList {
  /** A list bound to transcript; tid names the element (console-messages by default). */
  constructor(transcript, { tid = "console-messages", live = true } = {}) {
    this.transcript = transcript;
    this.el = h("div", {
      cls: "messages",
      tid,
      attrs: { role: "log", "aria-live": live ? "polite" : "off" },
    });
    this.bySeq = new Map();
    this.pending = new Map(); // cid -> element of a message not yet stored
    this.onRetry = (cid) => void cid; // 重新发送 of a refused message: the conversation sets it
    for (const frame of transcript.ordered()) this.add(frame);
    this.stop = transcript.subscribe((frame) => this.add(frame));
  }

  /** Insert a stored event in seq order (a pending message with the same cid becomes it). */
  add(frame) {
    if (this.bySeq.has(frame.seq)) return;
    const cid = frame.message && frame.message.cid;
    let el = cid && this.pending.get(cid);
    if (el) {
      this.pending.delete(cid);
      el.dataset.seq = frame.seq;
      el.classList.remove("pending");
      el.remove();
    } else {
      el = eventElement(frame);
      if (!el) return;
    }
    this.bySeq.set(frame.seq, el);
    const after = [...this.bySeq.keys()].filter((s) => s > frame.seq).sort((a, b) => a - b)[0];
    const before =
      after !== undefined ? this.bySeq.get(after) : this.el.querySelector(".msg.pending");
    this.el.insertBefore(el, before || null);
    if (frame.message && frame.message.from === "agent" && frame.message.kind === "text")
      this.status(el, "sent");
    this.setRead(this.readSeq || 0);
    this.el.scrollTop = this.el.scrollHeight;
  }

  /** Show the agent's own message before the server stored it. */
  addPending(cid, text, sender) {
    const el = h("div", {
      cls: "msg from-agent pending",
      tid: "console-message",
      data: { from: "agent", kind: "text", cid },
    });
    el.append(h("div", { cls: "meta" }, [h("span", { t: "from_agent" }), ` · ${sender}`]));
    el.append(h("div", { cls: "body", text }));
    this.status(el, "sending");
    this.pending.set(cid, el);
    this.el.append(el);
    this.el.scrollTop = this.el.scrollHeight;
    return el;
  }

  /** Show an outbox entry of this conversation: waiting (sending, with the time typed) or refused (failed). */
  own(entry, sender) {
    if ([...this.bySeq.values()].some((el) => el.dataset.cid === entry.cid)) return; // stored and drawn
    const el = this.pending.get(entry.cid) || this.addPending(entry.cid, entry.meta.text, sender);
    this.status(el, entry.status, entry);
  }

  /** The server acknowledged an own message (its event may come before or after this). */
  acked(cid, seq) {
    const el = this.pending.get(cid);
    if (!el) return;
    if (el.dataset.status !== "read") this.status(el, "sent");
    if (!el.dataset.seq && seq != null) el.dataset.seq = seq;
  }

  /**
   * Set an own message's delivery state (sending, sent, read, failed), visibly and as data-status; with its
   * outbox entry, sending says when it was typed and failed says why and offers 重新发送.
   */
  status(el, value, entry = null) {
    if (el.dataset.status === "read" && value === "sent") return;
    el.dataset.status = value;
    let span = el.querySelector(".status");
    if (!span) {
      span = h("span", { cls: "status" });
      el.append(span);
    }
    if (value === "sending" && entry) bilingual(span, "sendingAt", clock(new Date(entry.at)));
    else bilingual(span, value);
    if (value !== "failed" || !entry) return;
    if (entry.error) {
      const reason = h("span", { cls: "reason", tid: "console-failed-reason" });
      reason.append(`${entry.error.zh || entry.error.code || ""} `);
      if (entry.error.en)
        reason.append(h("span", { cls: "en", attrs: { lang: "en" }, text: entry.error.en }));
      span.append(" · ", reason);
    }
    const retry = h("button", {
      cls: "link",
      tid: "console-retry",
      t: "retry",
      attrs: { type: "button" },
    });
    retry.addEventListener("click", () => this.onRetry(entry.cid));
    span.append(" ", retry);
  }

  /** Mark the agent's own messages up to seq as read by the taxpayer. */
  setRead(seq) {
    this.readSeq = Math.max(this.readSeq || 0, seq || 0);
    for (const [s, el] of this.bySeq) {
      if (s <= this.readSeq && el.dataset.from === "agent" && el.dataset.kind === "text")
        this.status(el, "read");
    }
  }

  destroy() {
    this.stop();
  }
}
