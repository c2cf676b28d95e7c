// /ws/agent: one socket, reconnect with backoff, heartbeat, requests tagged with cid and their answers.
const BACKOFF = [500, 1000, 2000, 4000, 8000, 15000]; // ms; jitter is added so consoles do not stampede

const ANSWERS = new Set(["reply", "error", "history", "rtc.answer"]); // what settles a request
let counter = 0;

/** A fresh client id for a request (idempotent retries reuse it). */
export function newCid(prefix = "c") {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export class AgentSocket {
  /** handlers: {frame(type, frame), state(state, detail)}. */
  constructor(handlers) {
    this.handlers = handlers;
    this.ws = null;
    this.attempt = 0;
    this.pending = new Map(); // cid -> {frame, resolve, reject, resend}
    this.heartbeat = 20;
    this.timer = null;
    this.stopped = false;
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/agent`);
    this.ws = ws;
    this.handlers.state("connecting");
    ws.addEventListener("message", (event) => this.onMessage(event));
    ws.addEventListener("close", (event) => this.onClose(event));
  }

  onMessage(event) {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame.type === "auth.ok") {
      this.attempt = 0;
      this.heartbeat = (frame.limits && frame.limits.heartbeat_interval) || 20;
      this.startPing();
      this.handlers.state("open");
    }
    if (ANSWERS.has(frame.type) && frame.ref) {
      const waiting = this.pending.get(frame.ref);
      if (waiting) {
        this.pending.delete(frame.ref);
        if (frame.type === "error") waiting.reject(frame);
        else waiting.resolve(frame);
      }
    }
    this.handlers.frame(frame.type, frame);
  }

  onClose(event) {
    clearInterval(this.timer);
    this.ws = null;
    if (this.stopped) return;
    const base = BACKOFF[Math.min(this.attempt, BACKOFF.length - 1)];
    const delay = base + Math.floor(Math.random() * base * 0.3);
    this.attempt += 1;
    this.handlers.state("closed", { delay, code: event.code });
    setTimeout(() => this.connect(), delay);
  }

  startPing() {
    clearInterval(this.timer);
    const every = Math.max(2, this.heartbeat * 0.8) * 1000;
    this.timer = setInterval(() => this.send({ type: "ping" }), every);
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Send a frame now if connected; return whether it went out. */
  send(frame) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Send a request with a cid and return a promise of its reply (rejected with the error frame).
   * With resend, an unanswered request goes out again after a reconnect (the server deduplicates by cid).
   */
  request(frame, { resend = false } = {}) {
    const cid = frame.cid || newCid();
    const full = { ...frame, cid };
    return new Promise((resolve, reject) => {
      this.pending.set(cid, { frame: full, resolve, reject, resend });
      if (!this.send(full) && !resend) {
        this.pending.delete(cid);
        reject({
          type: "error",
          code: "offline",
          zh: "未连接到服务器，请稍候重试。",
          en: "Not connected to the server; try again shortly.",
          ref: cid,
        });
      }
    });
  }

  /** After a reconnect: send again what is still unanswered and may be retried; fail the rest. */
  replay() {
    for (const [cid, waiting] of this.pending) {
      if (waiting.resend) this.send(waiting.frame);
      else {
        this.pending.delete(cid);
        waiting.reject({
          type: "error",
          code: "offline",
          zh: "连接中断，请重试。",
          en: "The connection dropped; please try again.",
          ref: cid,
        });
      }
    }
  }

  /** Close for good (logout). */
  stop() {
    this.stopped = true;
    clearInterval(this.timer);
    if (this.ws) this.ws.close();
  }
}
