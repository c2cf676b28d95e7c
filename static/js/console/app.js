// @ts-check
// The agent console: header (presence, capacity, switches), the queue, and the open conversations as tabs.
import { h, bilingual, both } from "../shared/dom.js";
import { AgentSocket } from "../shared/socket.js";
import { Outbox } from "../shared/outbox.js";
import { CLOSE } from "../shared/codes.js";
import { Transcripts } from "./model.js";
import { Queue } from "./queue.js";
import { Conversation } from "./conversation.js";
import { Notifier } from "./notify.js";
import { Notices } from "./notices.js";
import { get, post } from "./api.js";
import { MyRatings } from "./appeals.js";
import { todayPanel } from "./today.js";

const PRESENCE = ["online", "away", "offline"];
const PRESENCE_KEY = "zhengna.console.presence";

export class ConsoleApp {
  constructor(root) {
    this.root = root;
    this.me = {
      id: root.dataset.agent,
      name: root.dataset.name || "",
      role: root.dataset.role,
      centre: "",
    };
    this.transcripts = new Transcripts();
    this.conversations = new Map();
    this.previewed = new Set();
    this.active = null;
    this.quickReplies = [];
    this.notices = new Notices();
    this.notify = new Notifier();
    this.notice = (item) => this.notices.show(item);
    this.socket = new AgentSocket({
      onAuth: (frame, first) => this.onHello(frame, first),
      onFrame: (frame) => this.onFrame(frame.type, frame),
      onStatus: (status, detail) => this.onState(status, detail),
    });
    this.outbox = new Outbox({
      owner: `console:${this.me.id}`,
      socket: this.socket,
      onChange: (entry, reply) => {
        const conv = this.conversations.get(entry.conversation);
        if (conv) conv.outboxChanged(entry, reply);
      },
    });
    this.queue = new Queue({
      accept: (iid, button) => this.accept(iid, button),
      preview: (iid) => this.preview(iid),
    });
    this.build();
    this.loadQuickReplies();
    this.socket.connect();
    document.addEventListener("visibilitychange", () => this.active && this.active.markRead());
  }

  build() {
    this.connection = h("span", {
      cls: "connection",
      tid: "console-connection",
      attrs: { role: "status" },
    });
    this.presence = h(
      "select",
      {
        tid: "console-presence",
        data: { value: "online" },
        attrs: { "aria-label": both("presence") },
      },
      PRESENCE.map((value) => h("option", { text: both(value), attrs: { value } })),
    );
    this.presence.addEventListener("change", () => this.setPresence(this.presence.value));
    this.capacity = h("span", {
      cls: "capacity",
      tid: "console-capacity",
      attrs: { role: "status" },
    });
    const logout = h("button", {
      cls: "link",
      tid: "console-logout",
      t: "logout",
      attrs: { type: "button" },
    });
    logout.addEventListener("click", () => this.logout());
    this.myRatings = new MyRatings(this);
    /** @type {HTMLElement[]} */
    const links = [this.myRatings.toggle, logout];
    if (["supervisor", "admin"].includes(this.me.role)) {
      links.unshift(
        h("a", {
          tid: "console-admin-link",
          t: "adminLink",
          attrs: { href: "/console/admin" },
        }),
      );
      links.unshift(
        h("a", {
          tid: "console-reports-nav",
          t: "reportsTitle",
          attrs: { href: "/console/reports" },
        }),
      );
    }
    this.nameEl = h("span", { cls: "agent-name", tid: "console-agent-name", text: this.me.name });
    const header = h("header", { cls: "topbar" }, [
      bilingual(h("h1"), "title"),
      this.nameEl,
      h("label", { cls: "presence" }, [bilingual(h("span"), "presence"), this.presence]),
      this.capacity,
      this.connection,
      this.notify.switches,
      h("nav", { cls: "links" }, links),
    ]);
    this.tabs = h("div", {
      cls: "tabs",
      tid: "console-tabs",
      attrs: { role: "tablist", "aria-label": both("conversations") },
    });
    this.panels = h("div", { cls: "panels" });
    this.none = bilingual(
      h("p", { cls: "empty", tid: "console-no-conversations" }),
      "noConversations",
    );
    // a supervisor opens on the centre's live board and today's figures (shown while no conversation is open)
    this.landing = ["supervisor", "admin"].includes(this.me.role)
      ? todayPanel(this.root.dataset.centre)
      : null;
    const work = h("section", { cls: "work", attrs: { "aria-label": both("conversations") } }, [
      this.tabs,
      this.none,
      this.landing,
      this.panels,
    ]);
    this.tabs.addEventListener("keydown", (event) => this.tabKeys(event));
    this.root.replaceChildren(
      header,
      this.notices.el,
      this.myRatings.el,
      h("div", { cls: "layout" }, [this.queue.el, work]),
    );
    this.renderCapacity();
  }

  /** Say what the link is doing (data-state open, connecting, or closed while it waits to retry). */
  onState(status, detail) {
    const state = { online: "open", connecting: "connecting" }[status] || "closed";
    this.connection.dataset.state = state;
    if (status === "online") bilingual(this.connection, "connOpen");
    else if (status === "connecting") bilingual(this.connection, "connConnecting");
    else
      bilingual(this.connection, status === "offline" ? "connOffline" : "connLost", detail.seconds);
    if (state === "closed" && this.checkedAttempt !== this.socket.attempt) {
      this.checkedAttempt = this.socket.attempt; // once per wait, not per second of the countdown
      if (detail.code === CLOSE.CREDENTIAL || this.socket.attempt >= 3) this.checkSession();
    }
  }

  async checkSession() {
    try {
      await get("/console/api/me");
    } catch (error) {
      if (error.status === 401) location.reload(); // signed out (or disabled): back to the login form
    }
  }

  onFrame(type, frame) {
    if (frame.actor && typeof frame.seq === "number" && frame.interaction_id) {
      // a durable event
      this.transcripts.get(frame.interaction_id).add(frame);
      return;
    }
    const conv = frame.interaction_id && this.conversations.get(frame.interaction_id);
    switch (type) {
      case "queue.snapshot":
        this.queue.update(frame.items);
        this.notify.queue(frame.items);
        return;
      case "interaction.assigned":
        return this.open(frame.interaction_id, this.queuedInfo(frame.interaction_id), true);
      case "typing":
        if (conv && frame.role === "taxpayer") conv.setTyping(frame.on);
        return;
      case "call.media":
        if (conv) conv.video.media(frame);
        return;
      case "read":
        if (conv && frame.role === "taxpayer") conv.onRead(frame.seq);
        return;
      case "presence":
        return this.showPresence(frame.value);
      case "leave.new":
        return this.notice({ info: "newLeave", args: [frame.enterprise || frame.person || ""] });
      case "centre.status":
        return this.notice({
          info: frame.centre.open ? "centreOpen" : "centreClosed",
          args: [frame.centre.name],
        });
      case "error":
        if (!frame.ref) this.notice(frame);
        return;
      default:
        return undefined;
    }
  }

  onHello(frame, first) {
    this.me = { ...this.me, ...frame.agent };
    this.media = frame.media || { video: false, ice_servers: [] };
    this.nameEl.textContent = this.me.name;
    for (const info of frame.conversations) this.open(info.id, info, false);
    for (const iid of new Set([...this.conversations.keys(), ...this.previewed])) this.sync(iid);
    const wanted = sessionStorage.getItem(PRESENCE_KEY);
    if (wanted && wanted !== "online") this.setPresence(wanted);
    if (!first) this.notice({ info: "reconnected" });
    this.renderCapacity();
  }

  sync(iid) {
    this.socket.send({
      type: "sync",
      interaction_id: iid,
      last_seq: this.transcripts.get(iid).lastSeq,
    });
  }

  /** Return the transcript of any interaction the agent may read, synced from the server (queue preview, history). */
  preview(iid) {
    if (!this.previewed.has(iid) && !this.conversations.has(iid)) {
      this.previewed.add(iid);
      this.sync(iid);
    }
    return this.transcripts.get(iid);
  }

  async accept(iid, button) {
    button.disabled = true;
    try {
      await this.socket.request({ type: "interaction.accept", interaction_id: iid });
      this.open(iid, this.queuedInfo(iid), true);
    } catch (error) {
      this.notice(error);
    } finally {
      button.disabled = false;
    }
  }

  /** What the queue told about a waiting interaction (who is asking), or null. */
  queuedInfo(iid) {
    const data = this.queue.known.get(iid);
    return data ? { person: { name: data.person, enterprise: data.enterprise } } : null;
  }

  /** Open (or find) the tab of a conversation; sync it from the last seq held. */
  open(iid, info, focus) {
    let conv = this.conversations.get(iid);
    if (!conv) {
      conv = new Conversation(this, iid, info);
      conv.composer.setQuickReplies(this.quickReplies);
      this.conversations.set(iid, conv);
      this.previewed.delete(iid);
      this.tabs.append(conv.tab);
      this.panels.append(conv.el);
      this.sync(iid);
    } else if (info && !(conv.transcript.info && conv.transcript.info.person)) {
      conv.transcript.info = { ...(conv.transcript.info || {}), ...info };
      conv.refresh();
    }
    if (focus || !this.active) this.select(conv);
    this.changed();
    return conv;
  }

  select(conv) {
    for (const other of this.conversations.values()) other.show(other === conv);
    this.active = conv;
  }

  closeTab(conv) {
    this.conversations.delete(conv.iid);
    conv.destroy();
    if (this.active === conv) {
      this.active = null;
      const next = this.conversations.values().next().value;
      if (next) this.select(next);
    }
    this.changed();
  }

  tabKeys(event) {
    const tabs = /** @type {HTMLElement[]} */ ([...this.tabs.querySelectorAll("[role=tab]")]);
    const at = tabs.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    if (at < 0 || !["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
    event.preventDefault();
    const next = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: tabs.length - 1 }[
      event.key
    ];
    const tab = tabs[(next + tabs.length) % tabs.length];
    tab.focus();
    tab.click();
  }

  /** Something about the set of conversations changed: capacity and the empty hint. */
  changed() {
    this.none.hidden = this.conversations.size > 0;
    if (this.landing) this.landing.hidden = this.conversations.size > 0;
    this.renderCapacity();
  }

  renderCapacity() {
    const serving = [...this.conversations.values()].filter((c) => c.mine).length;
    const max = this.me.max_concurrent || 0;
    const full = max > 0 && serving >= max;
    bilingual(this.capacity, "capacity", serving, max || "–");
    if (full) this.capacity.append(" · ", bilingual(h("strong"), "capacityFull"));
    Object.assign(this.capacity.dataset, { count: serving, max, full: String(full) });
  }

  setPresence(value) {
    sessionStorage.setItem(PRESENCE_KEY, value);
    this.socket.send({ type: "presence.set", value });
  }

  showPresence(value) {
    this.presence.value = value;
    this.presence.dataset.value = value;
  }

  async loadQuickReplies() {
    try {
      this.quickReplies = (await get("/console/api/quick-replies")).items;
    } catch {
      this.quickReplies = [];
    }
    for (const conv of this.conversations.values())
      conv.composer.setQuickReplies(this.quickReplies);
  }

  async logout() {
    this.socket.stop();
    await this.outbox.clear(); // the agent's unsent replies leave this browser with them
    sessionStorage.removeItem(PRESENCE_KEY);
    await post("/console/logout").catch(() => null);
    location.href = "/console";
  }
}
