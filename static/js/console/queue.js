// @ts-check
// The centre's live queue: who waits, for how long (ticking), the bot conversation so far, and 接入.
import { h, bilingual } from "../shared/dom.js";
import { duration } from "../shared/i18n.js";
import { MessageList } from "./messages.js";

export class Queue {
  /** actions: accept(iid, button), preview(iid) -> Transcript (synced from the server). */
  constructor(actions) {
    this.actions = actions;
    this.items = new Map(); // iid -> {data, el, wait, list}
    this.known = new Map(); // iid -> the last queue data seen (who asked), kept after the item leaves the queue
    this.count = h("span", { cls: "count", tid: "console-queue-count", text: "0" });
    this.list = h("ul", {
      cls: "queue-list",
      tid: "console-queue",
      attrs: { "aria-labelledby": "queue-title" },
    });
    this.empty = h("p", { cls: "empty", tid: "console-queue-empty", t: "queueEmpty" });
    const title = h("h2", { attrs: { id: "queue-title" } });
    bilingual(title, "queue");
    title.append(" ", this.count);
    this.el = h("section", { cls: "queue panel", attrs: { "aria-labelledby": "queue-title" } }, [
      title,
      this.empty,
      this.list,
    ]);
    this.ticker = setInterval(() => this.tick(), 1000);
  }

  /** Apply a queue.snapshot: add new items, drop gone ones, keep expanded ones as they are. */
  update(items) {
    const seen = new Set();
    items.forEach((data, index) => {
      seen.add(data.interaction_id);
      this.known.set(data.interaction_id, data);
      let item = this.items.get(data.interaction_id);
      if (!item) item = this.create(data);
      item.data = data;
      item.el.dataset.position = index + 1;
      this.list.append(item.el); // re-appending keeps the server's order
    });
    for (const [iid, item] of this.items) {
      if (!seen.has(iid)) {
        if (item.list) item.list.destroy();
        item.el.remove();
        this.items.delete(iid);
      }
    }
    this.count.textContent = String(items.length);
    this.count.dataset.count = String(items.length);
    this.empty.hidden = items.length > 0;
    this.tick();
  }

  create(data) {
    const iid = data.interaction_id;
    const wait = h("span", { cls: "wait", tid: "console-queue-wait" });
    const preview = h("div", {
      cls: "preview",
      tid: "console-queue-preview",
      attrs: { id: `preview-${iid}` },
    });
    preview.hidden = true;
    const expand = h("button", {
      cls: "secondary",
      tid: "console-queue-expand",
      t: "showBot",
      attrs: { type: "button", "aria-expanded": "false", "aria-controls": `preview-${iid}` },
    });
    const accept = h("button", {
      cls: "primary",
      tid: "console-accept",
      t: "accept",
      attrs: { type: "button" },
    });
    const who = h("div", { cls: "who" }, [
      h("strong", { text: data.enterprise || "" }),
      " ",
      h("span", { text: data.person || "" }),
    ]);
    const meta = h("div", { cls: "meta" }, [
      bilingual(h("span"), "region", data.region),
      " · ",
      wait,
    ]);
    const el = h(
      "li",
      { cls: "queue-item", tid: "console-queue-item", data: { interactionId: iid } },
      [who, meta, h("div", { cls: "actions" }, [expand, accept]), preview],
    );
    el.setAttribute("aria-label", `${data.enterprise || ""} ${data.person || ""}`);
    const item = { data, el, wait, list: null };
    expand.addEventListener("click", () => this.toggle(item, expand, preview));
    accept.addEventListener("click", () => this.actions.accept(iid, accept));
    this.items.set(iid, item);
    return item;
  }

  toggle(item, button, preview) {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    bilingual(button, open ? "hideBot" : "showBot");
    preview.hidden = !open;
    if (open && !item.list) {
      const transcript = this.actions.preview(item.data.interaction_id);
      item.list = new MessageList(transcript, { tid: "console-queue-messages", live: false });
      preview.append(item.list.el);
    }
  }

  tick() {
    const now = Date.now();
    for (const item of this.items.values()) {
      const since = Date.parse(item.data.queued_at);
      const text = Number.isNaN(since) ? "" : duration((now - since) / 1000);
      bilingual(item.wait, "waited", text);
      item.wait.dataset.seconds = String(Math.max(0, Math.floor((now - since) / 1000)));
    }
  }

  get size() {
    return this.items.size;
  }
}
