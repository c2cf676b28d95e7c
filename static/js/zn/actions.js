// @ts-check
// What the taxpayer's requests send: ask the bot, pick, feedback, ask for a person, cancel, leave a message,
// rate, typing. Each sends its frame and lets the events redraw the window. Actions never reads the App: it gets
// the few things it needs as an ActionsDeps object, built by App (app.js), which keeps the window's own
// behaviour (the text box, attach, close, history) and calls these.

/**
 * @typedef {import("../shared/socket.js").Frame} Frame
 * @typedef {import("../shared/socket.js").Socket} Socket
 * @typedef {import("../shared/outbox.js").Outbox} Outbox
 * @typedef {import("../shared/dom.js").Translator} Translator
 * @typedef {object} ActionsDeps
 * @property {Translator} t the window's translator
 * @property {(text: any) => void} toast say something briefly in the window
 * @property {(error: any) => void} refused say why a request was refused or timed out (App.sayRefused)
 * @property {Outbox} outbox what the taxpayer typed or chose, kept until the server has it
 * @property {Socket} socket the taxpayer's link, for plain requests and typing
 * @property {() => any} live the live interaction in the model, or null
 * @property {() => void} redraw bring the window in line with the model
 * @property {(kind: string, question: any) => Promise<boolean>} confirm ask before doing something for good
 */

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

/** Is this interaction one the taxpayer can still write in (waiting for or talking to a person)? */
export function withHuman(item) {
  return Boolean(item) && (item.state === "queued" || item.state === "connected");
}

export class Actions {
  /** @param {ActionsDeps} deps */
  constructor(deps) {
    this.deps = deps;
    this.t = deps.t;
    this.typingId = null;
    this.typingTimer = null;
    this.lastOn = 0;
  }

  /**
   * Send frame (through the outbox when it is something the taxpayer typed or chose); say a refusal.
   * @param {Frame} frame
   */
  request(frame, timeoutMs = 15000) {
    const answer = DURABLE.has(frame.type)
      ? this.deps.outbox.add(frame, frame.interaction_id || "").done
      : this.deps.socket.request(frame, { timeoutMs });
    return answer.catch((error) => {
      this.deps.refused(error);
      throw error;
    });
  }

  /**
   * Put a typed message in the outbox; the window shows it from there (see App.outboxChanged).
   * @param {Frame} frame
   * @param {string} text
   * @param {string} [attachmentName]
   * @param {string} [cid]
   */
  own(frame, text, attachmentName, cid) {
    const meta = { text, name: attachmentName };
    return this.deps.outbox.add(frame, frame.interaction_id || "", { meta, cid }).entry.cid;
  }

  /** Send what the taxpayer typed: to the person serving or waited for, else to the bot. */
  say(text, lang) {
    this.stopTyping();
    const live = this.deps.live();
    if (withHuman(live)) this.own({ type: "message.send", interaction_id: live.id, text }, text);
    else this.own({ type: "bot.ask", text, lang: lang === "en" ? "en" : "zh" }, text);
  }

  retry(cid) {
    this.deps.outbox.retry(cid);
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
      () => this.deps.toast(this.t("thanks")),
      () => {},
    );
  }

  requestHuman() {
    this.request({ type: "human.request" }).catch(() => {});
  }

  async cancel() {
    const live = this.deps.live();
    if (!live || live.state !== "queued") return;
    if (!(await this.deps.confirm("cancel", this.t("cancelAsk")))) return;
    this.request({ type: "interaction.cancel", interaction_id: live.id }).then(
      () => this.deps.toast(this.t("cancelled")),
      () => {},
    );
  }

  /** End an interaction at once (the window closes whatever the answer). */
  close(item) {
    this.request({ type: "interaction.close", interaction_id: item.id }).catch(() => {});
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
        this.deps.redraw();
      },
      (error) => {
        if (error && error.code === "already_rated") {
          item.rated = true;
          this.deps.redraw();
        }
        throw error;
      },
    );
  }

  typed() {
    const live = this.deps.live();
    if (!withHuman(live)) return;
    const now = Date.now();
    if (this.typingId !== live.id || now - this.lastOn > TYPING_IDLE) {
      this.deps.socket.send({ type: "typing", interaction_id: live.id, on: true });
      this.typingId = live.id;
      this.lastOn = now;
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE);
  }

  stopTyping() {
    clearTimeout(this.typingTimer);
    if (this.typingId)
      this.deps.socket.send({ type: "typing", interaction_id: this.typingId, on: false });
    this.typingId = null;
  }
}
