// @ts-check
// The reply box of one conversation: Enter sends, drafts kept per conversation, typing throttled, files, 常用语.
import { h, bilingual, both } from "../shared/dom.js";
import { call } from "./api.js";

const TYPING_EVERY = 3000; // ms between repeated typing:on while the agent keeps typing
const TYPING_IDLE = 2500; // ms of no keystroke before typing:off

export class Composer {
  /** ctx: {iid, me, socket, outbox, list (MessageList), notice(error)} */
  constructor(ctx) {
    this.ctx = ctx;
    this.key = `zhengna.console.draft.${ctx.me.id}.${ctx.iid}`;
    this.typingSentAt = 0;
    this.idleTimer = null;
    const inputId = `input-${ctx.iid}`;
    this.input = h("textarea", {
      tid: "console-input",
      attrs: {
        id: inputId,
        rows: 3,
        maxlength: 2000,
        "aria-label": both("input"),
        placeholder: both("input"),
      },
    });
    this.input.value = localStorage.getItem(this.key) || "";
    this.input.addEventListener("input", () => this.onInput());
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.send();
      }
    });
    this.sendButton = h("button", {
      cls: "primary",
      tid: "console-send",
      t: "send",
      attrs: { type: "button" },
    });
    this.sendButton.addEventListener("click", () => this.send());
    this.file = h("input", {
      tid: "console-attach",
      attrs: {
        type: "file",
        accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf",
        "aria-label": both("attach"),
      },
    });
    this.file.addEventListener("change", () => this.upload());
    const attach = h("label", { cls: "attach-label secondary" }, [
      bilingual(h("span"), "attach"),
      this.file,
    ]);
    this.quick = h("div", {
      cls: "quick-replies",
      tid: "console-quick-replies",
      attrs: { role: "group", "aria-label": both("quickReplies") },
    });
    this.el = h("div", { cls: "composer" }, [
      this.quick,
      this.input,
      h("div", { cls: "composer-actions" }, [attach, this.sendButton]),
    ]);
  }

  /** Show the centre's quick replies; one click inserts the text at the caret. */
  setQuickReplies(items) {
    this.quick.replaceChildren(bilingual(h("span", { cls: "label" }), "quickReplies"));
    if (!items.length) this.quick.append(bilingual(h("span", { cls: "hint" }), "noQuickReplies"));
    for (const item of items) {
      const button = h("button", {
        cls: "chip",
        tid: "console-quick-reply",
        text: item.text,
        attrs: { type: "button", title: item.text },
        data: { id: item.id },
      });
      button.addEventListener("click", () => this.insert(item.text));
      this.quick.append(button);
    }
  }

  insert(text) {
    const { selectionStart: start, selectionEnd: end, value } = this.input;
    this.input.value = value.slice(0, start) + text + value.slice(end);
    this.input.focus();
    this.input.setSelectionRange(start + text.length, start + text.length);
    this.onInput();
  }

  setEnabled(enabled) {
    for (const el of [this.input, this.sendButton, this.file]) el.disabled = !enabled;
    this.el.dataset.enabled = String(enabled);
    if (!enabled) this.stopTyping();
  }

  onInput() {
    localStorage.setItem(this.key, this.input.value);
    if (!this.input.value) {
      this.stopTyping();
      return;
    }
    const now = Date.now();
    if (now - this.typingSentAt > TYPING_EVERY) {
      this.typingSentAt = now;
      this.ctx.socket.send({ type: "typing", interaction_id: this.ctx.iid, on: true });
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE);
  }

  stopTyping() {
    clearTimeout(this.idleTimer);
    if (this.typingSentAt) {
      this.typingSentAt = 0;
      this.ctx.socket.send({ type: "typing", interaction_id: this.ctx.iid, on: false });
    }
  }

  /** Send the box's text: it waits in the outbox (shown as sending) until the server has stored it. */
  send() {
    const text = this.input.value.trim();
    if (!text || this.input.disabled) return;
    this.stopTyping();
    this.input.value = "";
    localStorage.removeItem(this.key);
    this.dispatch({ text });
  }

  dispatch(fields) {
    const frame = { type: "message.send", interaction_id: this.ctx.iid, ...fields };
    this.ctx.outbox.add(frame, this.ctx.iid, { meta: { text: fields.text || "" } });
  }

  async upload() {
    const file = this.file.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file);
    form.append("interaction_id", this.ctx.iid);
    this.el.dataset.uploading = "true";
    try {
      const { attachment } = await call("POST", "/api/attachments", form);
      this.dispatch({ attachment_id: attachment.id });
    } catch (error) {
      this.ctx.notice(error);
    } finally {
      delete this.el.dataset.uploading;
      this.file.value = "";
    }
  }

  destroy() {
    clearTimeout(this.idleTimer);
  }
}
