// @ts-check
// The one WebSocket of both apps: reconnect with jittered backoff capped at 5 s (at once when the browser comes
// back online, the tab becomes visible or the server closed for a restart), a heartbeat, cid-tagged requests
// settled by their answer frames, and a status the page shows in words. TaxpayerSocket authenticates with the
// host token / session credential in its first frame; AgentSocket relies on the console's login cookie.
import { CLOSE } from "./codes.js";

/**
 * @typedef {{type: string, [key: string]: any}} Frame
 * @typedef {"connecting" | "online" | "reconnecting" | "offline" | "fatal"} Status
 * @typedef {{seconds?: number, code?: number, error?: Frame}} StatusDetail
 * @typedef {{
 *   url: string,
 *   onAuth: (frame: Frame, first: boolean) => void,
 *   onFrame: (frame: Frame) => void,
 *   onStatus: (status: Status, detail: StatusDetail) => void,
 * }} SocketOptions
 * @typedef {{frame: Frame, resolve: (f: Frame) => void, reject: (f: Frame) => void,
 *   resend: boolean, timer: ReturnType<typeof setTimeout> | undefined}} Pending
 * @typedef {{cid?: string, timeoutMs?: number, resend?: boolean}} RequestOptions
 */

const ANSWERS = new Set(["reply", "error", "history", "forms", "rtc.answer"]); // what settles a request
const FIRST_DELAY = 500; // ms before the first retry; doubles per failed attempt...
const MAX_DELAY = 5000; // ...up to this: a server back from a restart is found within 5 s
/** The answer a request gets when the link drops or the socket stops before the server answered it. */
export const OFFLINE = Object.freeze({
  type: "error",
  code: "offline",
  zh: "连接中断，请重试。",
  en: "The connection dropped; please try again.",
});

let counter = 0;

/** Return a fresh client id for a request (a retry reuses it: the server stores a cid once). */
export function newCid(prefix = "c") {
  counter += 1;
  const random = Math.random().toString(36).slice(2, 7);
  return `${prefix}${Date.now().toString(36)}-${counter.toString(36)}-${random}`;
}

/**
 * Return the wait in ms before reconnect attempt n (0-based): doubling from 0.5 s, capped at 5 s, each
 * jittered down to half at random so that many clients do not come back in step.
 * @param {number} attempt
 * @param {() => number} [random]
 */
export function backoff(attempt, random = Math.random) {
  return Math.round(Math.min(MAX_DELAY, FIRST_DELAY * 2 ** attempt) * (0.5 + random() / 2));
}

export class Socket {
  /** @param {SocketOptions} opts */
  constructor(opts) {
    this.opts = opts;
    /** @type {WebSocket | null} */
    this.ws = null;
    this.authed = false;
    this.everAuthed = false;
    this.stopped = false;
    this.attempt = 0;
    this.interval = 20; // s between pings; auth.ok says what the server wants
    this.lastHeard = 0;
    /** @type {Frame | null} the error frame that came before a close, if any */
    this.refusal = null;
    /** @type {Map<string, Pending>} */
    this.pending = new Map();
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.heartbeat = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.countdown = undefined;
    /** @type {Status | null} */
    this.status = null;
    this.resendByDefault = true;
    this.wake = () => this.reconnectNow();
    this.onVisible = () => {
      if (document.visibilityState === "visible") this.reconnectNow();
    };
    window.addEventListener("online", this.wake);
    document.addEventListener("visibilitychange", this.onVisible);
  }

  /** Return the first frame to send once open, or null when the server authenticates by cookie. */
  greeting() {
    return null;
  }

  /**
   * Decide what a close means: "again" (reconnect at once), "stop" (for good: the status is fatal) or
   * "later" (reconnect after the backoff).
   * @param {number} code
   * @param {Frame | null} refusal
   * @returns {"again" | "stop" | "later"}
   */
  closing(code, refusal) {
    void refusal; // the base class reconnects whatever the server said
    return code === CLOSE.RESTART ? "again" : "later";
  }

  /**
   * @param {Status} status
   * @param {StatusDetail} [detail]
   */
  setStatus(status, detail = {}) {
    this.status = status;
    this.opts.onStatus(status, detail);
  }

  /** Open the socket (does nothing while one is open or opening, or after stop()). */
  connect() {
    if (this.ws || this.stopped) return;
    this.clearWait();
    this.setStatus("connecting");
    const ws = new WebSocket(this.opts.url);
    this.ws = ws;
    this.refusal = null;
    ws.addEventListener("open", () => {
      const first = this.greeting();
      if (first) this.raw(first);
    });
    ws.addEventListener("message", (event) => this.receive(ws, event.data));
    ws.addEventListener("close", (event) => this.closed(ws, event.code));
  }

  /** Skip what is left of the backoff: the network or the tab is back. */
  reconnectNow() {
    if (this.stopped || this.ws) return;
    this.attempt = 0;
    this.connect();
  }

  clearWait() {
    clearTimeout(this.retryTimer);
    clearInterval(this.countdown);
    this.retryTimer = this.countdown = undefined;
  }

  /**
   * @param {WebSocket} ws
   * @param {any} data
   */
  receive(ws, data) {
    if (ws !== this.ws) return;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== "string") return;
    this.lastHeard = Date.now();
    if (!this.authed) {
      if (frame.type === "auth.ok") this.authenticated(frame);
      else if (frame.type === "error") this.refusal = frame;
      return;
    }
    if (frame.type === "pong") return;
    const entry = frame.ref ? this.pending.get(frame.ref) : undefined;
    if (entry && ANSWERS.has(frame.type)) {
      this.pending.delete(frame.ref);
      clearTimeout(entry.timer);
      if (frame.type === "error") entry.reject(frame);
      else entry.resolve(frame);
      return;
    }
    this.opts.onFrame(frame);
  }

  /** @param {Frame} frame */
  authenticated(frame) {
    this.authed = true;
    this.attempt = 0;
    this.interval = Math.max(1, Number(frame.limits && frame.limits.heartbeat_interval) || 20);
    const first = !this.everAuthed;
    this.everAuthed = true;
    this.startHeartbeat();
    this.setStatus("online");
    this.opts.onAuth(frame, first);
    for (const [cid, entry] of this.pending) this.raw({ ...entry.frame, cid }); // in the order asked
  }

  startHeartbeat() {
    clearInterval(this.heartbeat);
    this.lastHeard = Date.now();
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastHeard > this.interval * 2500) {
        if (this.ws) this.ws.close(); // nothing heard for 2.5 periods: half-open
        return;
      }
      this.raw({ type: "ping" });
    }, this.interval * 1000);
  }

  /**
   * @param {WebSocket} ws
   * @param {number} code
   */
  closed(ws, code) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.authed = false;
    clearInterval(this.heartbeat);
    if (this.stopped) return;
    for (const [cid, entry] of this.pending) {
      if (!entry.resend) this.settleWith(cid, OFFLINE); // it may or may not have arrived: say so
    }
    const decision = this.closing(code, this.refusal);
    if (decision === "stop") {
      const error = this.refusal || {
        type: "error",
        code: String(code),
        zh: "连接被拒绝",
        en: "Connection refused",
      };
      this.stop();
      this.setStatus("fatal", { code, error });
    } else if (decision === "again") {
      this.attempt = 0;
      this.connect();
    } else {
      this.wait(code);
    }
  }

  /**
   * Reconnect after the backoff, counting the seconds down in the status ("offline" while the browser says
   * it has no network: it still tries, since a loopback or intranet server may answer all the same).
   * @param {number} code
   */
  wait(code) {
    this.clearWait();
    const due = Date.now() + backoff(this.attempt);
    this.attempt += 1;
    const tick = () =>
      this.setStatus(navigator.onLine === false ? "offline" : "reconnecting", {
        code,
        seconds: Math.max(1, Math.ceil((due - Date.now()) / 1000)),
      });
    tick();
    this.countdown = setInterval(tick, 1000);
    this.retryTimer = setTimeout(() => this.connect(), due - Date.now());
  }

  /**
   * @param {string} cid
   * @param {Frame} error
   */
  settleWith(cid, error) {
    const entry = this.pending.get(cid);
    if (!entry) return;
    this.pending.delete(cid);
    clearTimeout(entry.timer);
    entry.reject({ ...error, ref: cid });
  }

  /** Close for good (logout, a fatal refusal): nothing reconnects and every request is answered offline. */
  stop() {
    this.stopped = true;
    this.clearWait();
    clearInterval(this.heartbeat);
    window.removeEventListener("online", this.wake);
    document.removeEventListener("visibilitychange", this.onVisible);
    for (const cid of [...this.pending.keys()]) this.settleWith(cid, OFFLINE);
    const ws = this.ws;
    this.ws = null;
    this.authed = false;
    if (ws) ws.close();
  }

  /** True while authenticated on an open socket. */
  get open() {
    return this.authed && this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Send a frame now if authenticated; return whether it went out (ephemeral frames are dropped offline).
   * @param {Frame} frame
   */
  send(frame) {
    if (!this.open) return false;
    this.raw(frame);
    return true;
  }

  /** @param {Frame} frame */
  raw(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  /**
   * Send a request tagged with a cid and return a promise of its answer (rejected with the error frame).
   * With resend (the taxpayer's default) it waits for the link and goes out again after every reconnect
   * until answered; without, it is answered OFFLINE when the link is or goes down. timeoutMs 0: no timeout.
   * @param {Frame} frame
   * @param {RequestOptions} [options]
   * @returns {Promise<Frame>}
   */
  request(frame, { cid = newCid(), timeoutMs = 15000, resend = this.resendByDefault } = {}) {
    const previous = this.pending.get(cid);
    if (previous) {
      clearTimeout(previous.timer);
      this.pending.delete(cid);
    }
    return new Promise((resolve, reject) => {
      if (!resend && !this.open) {
        reject({ ...OFFLINE, ref: cid });
        return;
      }
      const timer =
        timeoutMs > 0
          ? setTimeout(() => this.settleWith(cid, { type: "error", code: "timeout" }), timeoutMs)
          : undefined;
      this.pending.set(cid, { frame, resolve, reject, resend, timer });
      this.send({ ...frame, cid });
    });
  }
}

// Refusals after which a taxpayer's page cannot go on (the token is bad, the site or role is refused).
/** @type {Set<number>} */
const FATAL = new Set([
  CLOSE.TOKEN_MISSING,
  CLOSE.TOKEN_INVALID,
  CLOSE.TOKEN_EXPIRED,
  CLOSE.WRONG_SITE,
  CLOSE.REGION,
  CLOSE.ROLE_REFUSED,
  CLOSE.CREDENTIAL,
]);
// A resume refused for these reasons starts again from the host token.
const RESUMABLE_REFUSALS = new Set(["credential_expired", "wrong_site", "credential_mismatch"]);

/** /ws/taxpayer: auth.hello with the host token, then auth.resume with the session credential it gave. */
export class TaxpayerSocket extends Socket {
  /** @param {SocketOptions & {token: string, credentialKey: string}} opts */
  constructor(opts) {
    super(opts);
    this.token = opts.token;
    this.credentialKey = opts.credentialKey; // sessionStorage, one key per person
    /** @type {string | null} this tab's copy when storage is blocked */
    this.memoryCredential = null;
    this.usedResume = false;
  }

  /** The session credential (uploads and the rating use it too). */
  get credential() {
    try {
      return sessionStorage.getItem(this.credentialKey) || this.memoryCredential;
    } catch {
      return this.memoryCredential;
    }
  }

  set credential(value) {
    this.memoryCredential = value;
    try {
      if (value) sessionStorage.setItem(this.credentialKey, value);
      else sessionStorage.removeItem(this.credentialKey);
    } catch {
      /* storage blocked: this tab only keeps it in memory */
    }
  }

  greeting() {
    const credential = this.credential;
    this.usedResume = Boolean(credential);
    return credential
      ? { type: "auth.resume", credential, token: this.token }
      : { type: "auth.hello", token: this.token };
  }

  /** @param {Frame} frame */
  authenticated(frame) {
    this.credential = frame.credential;
    super.authenticated(frame);
  }

  /**
   * @param {number} code
   * @param {Frame | null} refusal
   * @returns {"again" | "stop" | "later"}
   */
  closing(code, refusal) {
    const refused = refusal && RESUMABLE_REFUSALS.has(refusal.code);
    if (this.usedResume && (code === CLOSE.CREDENTIAL || code === CLOSE.WRONG_SITE || refused)) {
      this.credential = null; // the credential was refused: start again from the host token
      return "again";
    }
    if (FATAL.has(code)) return "stop";
    return super.closing(code, refusal);
  }
}

/** /ws/agent: the console's login cookie authenticates; a request is never resent unless it asks to be. */
export class AgentSocket extends Socket {
  /** @param {Omit<SocketOptions, "url">} opts */
  constructor(opts) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    super({ ...opts, url: `${scheme}://${location.host}/ws/agent` });
    this.resendByDefault = false;
  }
}
