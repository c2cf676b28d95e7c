// The taxpayer WebSocket: auth.hello/auth.resume, heartbeat, reconnect with backoff, cid-tagged requests
// that are resent (same cid) after a reconnect, and a refused credential falling back to the host token.
// A resume carries the page's host token too: the server checks that it names the credential's person.
const FATAL = new Set([4001, 4002, 4003, 4004, 4006, 4010]); // 4010: the site does not serve this role
const ANSWERS = new Set(["reply", "error", "history", "forms", "rtc.answer"]); // what settles a request
const RESUMABLE_REFUSALS = new Set(["credential_expired", "wrong_site", "credential_mismatch"]);
let counter = 0;

/** Return a fresh client id for a request. */
export function newCid() {
  counter += 1;
  return (
    "w" + Date.now().toString(36) + "-" + counter + "-" + Math.random().toString(36).slice(2, 7)
  );
}

export class Socket {
  /**
   * opts: url, token, credentialKey (sessionStorage, one key per person), onAuth(authOk, first), onFrame(frame),
   * onStatus("connecting"|"online"|"offline"|"fatal", error).
   */
  constructor(opts) {
    this.opts = opts;
    this.ws = null;
    this.authed = false;
    this.pending = new Map(); // cid -> {frame, resolve, reject, timer}
    this.attempt = 0;
    this.stopped = false;
    this.heartbeat = null;
    this.lastHeard = 0;
    this.interval = 20;
    this.usedResume = false;
    this.refusal = null;
    this.everAuthed = false;
  }

  get credential() {
    try {
      return sessionStorage.getItem(this.opts.credentialKey);
    } catch (err) {
      return null;
    }
  }

  set credential(value) {
    try {
      if (value) sessionStorage.setItem(this.opts.credentialKey, value);
      else sessionStorage.removeItem(this.opts.credentialKey);
    } catch (err) {
      /* storage blocked: this tab only keeps it in memory */
    }
    this.memoryCredential = value;
  }

  /** Open the socket (idempotent). */
  connect() {
    if (this.ws || this.stopped) return;
    this.opts.onStatus("connecting");
    const ws = new WebSocket(this.opts.url);
    this.ws = ws;
    this.refusal = null;
    ws.addEventListener("open", () => {
      const credential = this.credential || this.memoryCredential;
      this.usedResume = Boolean(credential);
      this.raw(
        credential
          ? { type: "auth.resume", credential, token: this.opts.token }
          : { type: "auth.hello", token: this.opts.token },
      );
    });
    ws.addEventListener("message", (event) => this.receive(event.data));
    ws.addEventListener("close", (event) => this.closed(ws, event.code));
  }

  receive(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch (err) {
      return;
    }
    if (!frame || typeof frame.type !== "string") return;
    this.lastHeard = Date.now();
    if (!this.authed) {
      if (frame.type === "auth.ok") return this.authenticated(frame);
      if (frame.type === "error") this.refusal = frame;
      return;
    }
    if (frame.type === "pong") return;
    const ref = frame.ref;
    if (ref && this.pending.has(ref) && ANSWERS.has(frame.type)) {
      const entry = this.pending.get(ref);
      this.pending.delete(ref);
      clearTimeout(entry.timer);
      if (frame.type === "error") entry.reject(frame);
      else entry.resolve(frame);
      if (frame.type !== "history") return;
    }
    this.opts.onFrame(frame);
  }

  authenticated(frame) {
    this.authed = true;
    this.attempt = 0;
    this.credential = frame.credential;
    this.interval = Math.max(1, Number(frame.limits && frame.limits.heartbeat_interval) || 20);
    const first = !this.everAuthed;
    this.everAuthed = true;
    this.startHeartbeat();
    this.opts.onStatus("online");
    this.opts.onAuth(frame, first);
    for (const [cid, entry] of this.pending) this.raw({ ...entry.frame, cid }); // resend what got no answer
  }

  startHeartbeat() {
    clearInterval(this.heartbeat);
    this.lastHeard = Date.now();
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastHeard > this.interval * 2500) {
        // nothing heard for 2.5 periods: half-open
        if (this.ws) this.ws.close();
        return;
      }
      this.raw({ type: "ping" });
    }, this.interval * 1000);
  }

  closed(ws, code) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.authed = false;
    clearInterval(this.heartbeat);
    if (this.stopped) return;
    const refusal = this.refusal;
    if (
      this.usedResume &&
      (code === 4005 || code === 4004 || (refusal && RESUMABLE_REFUSALS.has(refusal.code)))
    ) {
      this.credential = null; // the credential was refused: start again from the host token
      this.memoryCredential = null;
      this.connect();
      return;
    }
    if (FATAL.has(code) || code === 4005) {
      this.stopped = true;
      this.failAll({ type: "error", code: "offline", zh: "", en: "" });
      this.opts.onStatus(
        "fatal",
        refusal || { code: String(code), zh: "连接被拒绝", en: "Connection refused" },
      );
      return;
    }
    this.opts.onStatus("offline");
    const delay = Math.min(15000, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    setTimeout(() => this.connect(), delay);
  }

  failAll(error) {
    for (const [cid, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject({ ...error, ref: cid });
    }
    this.pending.clear();
  }

  /** Close for good and forget the credential (Zhengna.logout()): nothing reconnects. */
  stop() {
    this.stopped = true;
    this.credential = null;
    clearInterval(this.heartbeat);
    this.failAll({ type: "error", code: "offline", zh: "", en: "" });
    if (this.ws) this.ws.close();
  }

  /** Send a frame now if authenticated (ephemeral frames are dropped while offline). */
  send(frame) {
    if (this.authed) this.raw(frame);
  }

  raw(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  /**
   * Send a request tagged with a cid (a given one when retrying) and return a promise of its answer; it is
   * sent once online and resent after reconnects until answered, and rejected after timeoutMs.
   */
  request(frame, { cid = newCid(), timeoutMs = 10000 } = {}) {
    const previous = this.pending.get(cid);
    if (previous) {
      clearTimeout(previous.timer);
      this.pending.delete(cid);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(cid);
        reject({ type: "error", code: "timeout", ref: cid });
      }, timeoutMs);
      this.pending.set(cid, { frame, resolve, reject, timer });
      this.send({ ...frame, cid });
    });
  }
}
