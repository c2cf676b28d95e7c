// @ts-check
// The durable outbox: what a person typed or chose (a message, a picked suggestion, a rating, a leave-a-message
// form, a form submission) is kept in IndexedDB, keyed by person and conversation with its cid and the time it
// was typed, until the server acknowledges the cid; it goes out in typing order whenever the link is up —
// across reconnects, server restarts, reloads and the person's other tabs. One tab sends (it holds a Web Lock
// per person); the others hand it what they add over a BroadcastChannel (the server stores a cid once anyway).
// An entry fails only when the server refused it; a timeout or a lost link is never a failure.
import { newCid } from "./socket.js";

/**
 * @typedef {import("./socket.js").Frame} Frame
 * @typedef {import("./socket.js").Socket} Socket
 * @typedef {"sending" | "failed" | "sent"} EntryStatus
 * @typedef {{cid: string, owner: string, conversation: string, frame: Frame, at: number, order: number,
 *   status: EntryStatus, error: Frame | null, meta: Object<string, any>}} Entry
 * @typedef {{owner: string, socket: Socket, onChange: (entry: Entry, reply: Frame | null) => void}} OutboxOptions
 * @typedef {{kind: "added" | "retry", entry: Entry} | {kind: "settled", cid: string, reply: Frame | null,
 *   error: Frame | null} | {kind: "cleared"}} Note
 */

const DB_NAME = "zhengna-outbox";
const STORE = "entries";
// Answers that mean "not now", never "no": the entry waits and goes out again.
const LATER = new Set(["rate_limited", "busy", "offline", "timeout"]);
// Refusals that say the thing is already done (a resend of a rating the server took before the link dropped).
const DONE = new Set(["already_rated"]);

/** @type {Promise<IDBDatabase> | null} */
let database = null;

/** Open the outbox database once per page. */
function db() {
  if (!database) {
    database = new Promise((resolve, reject) => {
      const open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = () => {
        open.result.createObjectStore(STORE, { keyPath: "cid" }).createIndex("owner", "owner");
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    database.catch(() => {
      database = null; // storage blocked (a private window's quota, a policy): this page keeps memory only
    });
  }
  return database;
}

/**
 * Run one transaction on the entries store; resolve with the last request's result once it has committed.
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore) => IDBRequest | void} work
 * @returns {Promise<any>}
 */
async function run(mode, work) {
  const tx = (await db()).transaction(STORE, mode);
  const request = work(tx.objectStore(STORE));
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/** @param {string} owner @returns {Promise<Entry[]>} */
const entriesOf = (owner) => run("readonly", (s) => s.index("owner").getAll(owner));

export class Outbox {
  /** @param {OutboxOptions} opts */
  constructor({ owner, socket, onChange }) {
    this.owner = owner;
    this.socket = socket;
    this.onChange = onChange;
    /** @type {Map<string, Entry>} this person's entries as this tab knows them */
    this.entries = new Map();
    /** @type {Set<string>} cids this tab has handed to the socket and not yet had answered */
    this.inflight = new Set();
    /** @type {Map<string, {resolve: (f: Frame | null) => void, reject: (f: Frame) => void}>} */
    this.waiters = new Map();
    this.leader = false;
    this.closed = false;
    this.lastOrder = 0;
    /** @type {(() => void) | null} */
    this.release = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.later = undefined;
    const name = `zhengna-outbox:${owner}`;
    this.channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(name) : null;
    if (this.channel) this.channel.onmessage = (event) => this.heard(event.data);
    this.loaded = this.load();
    if (navigator.locks) {
      navigator.locks
        .request(name, () => new Promise((release) => this.lead(() => release(undefined))))
        .catch(() => {});
    } else {
      this.lead(() => {}); // no Web Locks: every tab sends (the server stores each cid once)
    }
  }

  /** Read the person's entries kept in this browser (earlier pages, other tabs) and show them. */
  async load() {
    let rows;
    try {
      rows = await entriesOf(this.owner);
    } catch {
      return; // storage blocked: nothing was kept
    }
    for (const entry of rows.sort((a, b) => a.order - b.order)) {
      if (this.closed || this.entries.has(entry.cid)) continue;
      this.entries.set(entry.cid, entry);
      this.lastOrder = Math.max(this.lastOrder, entry.order);
      this.onChange(entry, null);
    }
  }

  /** This tab holds the person's lock: it sends everything (and keeps the lock until the page goes). */
  lead(release) {
    if (this.closed) return release();
    this.release = release;
    this.leader = true;
    this.load().then(() => this.flush());
    return undefined;
  }

  /** The entries waiting or refused, in typing order (of one conversation when given). */
  list(conversation) {
    return [...this.entries.values()]
      .filter((e) => conversation === undefined || e.conversation === conversation)
      .sort((a, b) => a.order - b.order);
  }

  /**
   * Keep frame until the server acknowledges it and send it as soon as it can go; return the entry and a
   * promise of the server's reply (rejected only when the server refused it).
   * @param {Frame} frame
   * @param {string} [conversation] the interaction it belongs to ("" before there is one)
   * @param {{meta?: Object<string, any>, cid?: string}} [options] what the page shows for it; a cid it
   *   already shows (an upload's line)
   * @returns {{entry: Entry, done: Promise<Frame | null>}}
   */
  add(frame, conversation = "", { meta = {}, cid = newCid("o") } = {}) {
    const at = Date.now();
    this.lastOrder = Math.max(at, this.lastOrder + 0.001); // typing order, even within a millisecond
    /** @type {Entry} */
    const entry = {
      cid,
      owner: this.owner,
      conversation,
      frame,
      at,
      order: this.lastOrder,
      status: "sending",
      error: null,
      meta,
    };
    this.entries.set(entry.cid, entry);
    const done = new Promise((resolve, reject) => this.waiters.set(entry.cid, { resolve, reject }));
    done.catch(() => {}); // a caller that only shows the entry need not listen
    run("readwrite", (s) => s.put(entry)).catch(() => {}); // blocked storage: kept by this page only
    this.onChange(entry, null);
    this.pass({ kind: "added", entry });
    return { entry, done };
  }

  /** Send a refused entry again (重新发送), with its cid. @param {string} cid */
  retry(cid) {
    const entry = this.entries.get(cid);
    if (!entry || entry.status !== "failed") return;
    entry.status = "sending";
    entry.error = null;
    run("readwrite", (s) => s.put(entry)).catch(() => {});
    this.onChange(entry, null);
    this.pass({ kind: "retry", entry });
  }

  /** Tell the other tabs (and, when this tab leads, send). @param {Note} note */
  pass(note) {
    if (this.channel) this.channel.postMessage(note);
    if (this.leader) this.flush();
  }

  /** Hand every waiting entry to the socket in typing order (the socket resends them after a reconnect). */
  flush() {
    if (!this.leader || this.closed) return;
    for (const entry of this.list()) {
      if (entry.status !== "sending" || this.inflight.has(entry.cid)) continue;
      this.inflight.add(entry.cid);
      this.socket.request(entry.frame, { cid: entry.cid, timeoutMs: 0, resend: true }).then(
        (reply) => this.settle(entry.cid, reply, null),
        (error) => this.refused(entry.cid, error),
      );
    }
  }

  /**
   * @param {string} cid
   * @param {Frame} error
   */
  refused(cid, error) {
    this.inflight.delete(cid);
    if (this.closed) return;
    if (DONE.has(error.code)) return this.settle(cid, null, null);
    if (LATER.has(error.code)) {
      clearTimeout(this.later);
      const wait = Math.max(0.2, Number(error.retry_after) || 1) * 1000;
      this.later = setTimeout(() => this.flush(), wait);
      return undefined;
    }
    const { code, zh, en } = error;
    return this.settle(cid, null, { type: "error", code, zh, en });
  }

  /**
   * The server answered cid: forget it (acknowledged) or keep it as failed (refused), here and in every tab.
   * @param {string} cid
   * @param {Frame | null} reply
   * @param {Frame | null} error
   */
  settle(cid, reply, error) {
    const entry = this.entries.get(cid);
    this.inflight.delete(cid);
    if (entry) {
      if (error)
        run("readwrite", (s) => s.put({ ...entry, status: "failed", error })).catch(() => {});
      else run("readwrite", (s) => s.delete(cid)).catch(() => {});
    }
    if (this.channel) this.channel.postMessage({ kind: "settled", cid, reply, error });
    this.apply(cid, reply, error);
  }

  /**
   * @param {string} cid
   * @param {Frame | null} reply
   * @param {Frame | null} error
   */
  apply(cid, reply, error) {
    const entry = this.entries.get(cid);
    if (!error) this.entries.delete(cid);
    if (entry) {
      entry.status = error ? "failed" : "sent";
      entry.error = error;
      this.onChange(entry, reply); // while its waiter (if this page added it) is still there
    }
    const waiter = this.waiters.get(cid);
    this.waiters.delete(cid);
    if (waiter && error) waiter.reject(error);
    else if (waiter) waiter.resolve(reply);
  }

  /** What another tab of this person said. @param {Note} note */
  heard(note) {
    if (this.closed || !note) return;
    if (note.kind === "added" || note.kind === "retry") {
      this.entries.set(note.entry.cid, note.entry);
      this.lastOrder = Math.max(this.lastOrder, note.entry.order);
      this.onChange(note.entry, null);
      this.flush();
    } else if (note.kind === "settled") {
      this.apply(note.cid, note.reply, note.error);
    } else if (note.kind === "cleared") {
      this.close();
    }
  }

  /** Forget a refused entry the page has reported (it will not be retried). @param {string} cid */
  discard(cid) {
    if (!this.entries.delete(cid)) return;
    run("readwrite", (s) => s.delete(cid)).catch(() => {});
    if (this.channel) this.channel.postMessage({ kind: "settled", cid, reply: null, error: null });
  }

  /** Stop sending and give the lock to another tab (this page is going away or logging out). */
  close() {
    this.closed = true;
    this.leader = false;
    clearTimeout(this.later);
    if (this.channel) this.channel.close();
    if (this.release) this.release();
    this.entries.clear();
  }

  /** Forget everything this person has waiting, in every tab (logout on a shared machine). */
  async clear() {
    if (this.channel) this.channel.postMessage({ kind: "cleared" });
    this.close();
    const rows = await entriesOf(this.owner).catch(() => []);
    await run("readwrite", (s) => {
      for (const row of rows) s.delete(row.cid);
    }).catch(() => {});
  }
}
