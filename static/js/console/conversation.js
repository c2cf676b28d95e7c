// @ts-check
// One open conversation: its tab, transcript, typing and read states, composer, notes, history, transfer, end.
import { h, bilingual, both } from "../shared/dom.js";
import { MessageList } from "./messages.js";
import { Composer } from "./composer.js";
import { Tools } from "./tools.js";
import { pickTransfer } from "./transfer.js";
import { openDialog } from "./dialog.js";
import { CATEGORIES, zh } from "./i18n.js";
import { CallPanel } from "./video.js";
import { FormDesk } from "./forms.js";

const TYPING_SHOWN = 8000; // ms a typing:on lasts without a refresh (a lost typing:off must not stick)

export class Conversation {
  /** app: {me, socket, outbox, transcripts, notice(error), select(conv), closeTab(conv), sync(iid), changed()} */
  constructor(app, iid, info) {
    this.app = app;
    this.iid = iid;
    this.transcript = app.transcripts.get(iid);
    if (info) this.transcript.info = { ...(this.transcript.info || {}), ...info };
    this.readSent = 0;
    this.unread = 0;
    this.typingTimer = null;
    this.list = new MessageList(this.transcript);
    this.list.onRetry = (cid) => app.outbox.retry(cid);
    this.composer = new Composer({
      iid,
      me: app.me,
      socket: app.socket,
      outbox: app.outbox,
      list: this.list,
      notice: app.notice,
    });
    this.tools = new Tools(app, this);
    this.video = new CallPanel(this);
    this.build();
    this.forms = new FormDesk(this);
    this.tools.el.prepend(this.forms.el);
    this.list.setRead((info && info.taxpayer_read_seq) || 0);
    this.stop = this.transcript.subscribe((frame) => this.onEvent(frame));
    this.refresh();
    for (const entry of app.outbox.list(iid)) this.outboxChanged(entry, null);
  }

  /** Show what the outbox did with one of the agent's messages here: waiting, stored or refused. */
  outboxChanged(entry, reply) {
    if (entry.status === "sent") this.list.acked(entry.cid, reply && reply.seq);
    else this.list.own(entry, this.app.me.name);
  }

  build() {
    const iid = this.iid;
    this.tabLabel = h("span", { cls: "tab-label" });
    this.badge = h("span", {
      cls: "badge",
      tid: "console-tab-unread",
      attrs: { "aria-label": "unread" },
    });
    this.badge.hidden = true;
    this.tab = h(
      "button",
      {
        cls: "tab",
        tid: "console-tab",
        data: { interactionId: iid },
        attrs: {
          type: "button",
          role: "tab",
          id: `tab-${iid}`,
          "aria-controls": `conv-${iid}`,
          "aria-selected": "false",
        },
      },
      [this.tabLabel, this.badge],
    );
    this.tab.addEventListener("click", () => this.app.select(this));
    this.title = h("h2", { cls: "conv-title", attrs: { id: `conv-title-${iid}` } });
    this.stateLabel = h("span", { cls: "state", tid: "console-conversation-state" });
    this.typing = h("p", { cls: "typing", attrs: { "aria-live": "polite" } });
    this.banner = h("p", { cls: "banner", tid: "console-conversation-ended" });
    this.banner.hidden = true;
    const button = (tid, label, onClick, cls = "secondary") => {
      const el = h("button", { cls, tid, t: label, attrs: { type: "button" } });
      el.addEventListener("click", onClick);
      return el;
    };
    this.transferButton = button("console-transfer", "transfer", () => this.transfer());
    this.endButton = button("console-end", "end", () => this.end(), "danger");
    this.closeButton = button("console-conversation-close", "closeTab", () =>
      this.app.closeTab(this),
    );
    const head = h("header", { cls: "conv-head" }, [
      this.title,
      this.stateLabel,
      h("div", { cls: "conv-actions" }, [this.transferButton, this.endButton, this.closeButton]),
    ]);
    const main = h("div", { cls: "conv-main" }, [
      this.video.el,
      this.list.el,
      this.typing,
      this.banner,
      this.composer.el,
    ]);
    this.el = h(
      "section",
      {
        cls: "conversation",
        tid: "console-conversation",
        data: { interactionId: iid },
        attrs: { id: `conv-${iid}`, role: "tabpanel", "aria-labelledby": `tab-${iid}` },
      },
      [head, h("div", { cls: "conv-body" }, [main, this.tools.el])],
    );
    this.el.hidden = true;
  }

  /** The interaction's state now: the newer of the last state event held and the view it was opened with. */
  get state() {
    const last = this.transcript.lastState();
    const info = this.transcript.info || {};
    if (last && !(info.seq > last.seq)) return { state: last.state, agent: last.agent }; // a sync still catching up
    return { state: info.state || "connected", agent: info.agent || null };
  }

  get mine() {
    const { state, agent } = this.state;
    return state === "connected" && !!agent && agent.id === this.app.me.id;
  }

  get person() {
    const info = this.transcript.info || {};
    if (info.person) return info.person;
    const first = this.transcript.ordered().find((f) => f.message && f.message.from === "taxpayer");
    return { name: first ? first.message.sender : "", enterprise: info.enterprise || "" };
  }

  /** Redraw what depends on the state: title, buttons, composer. */
  refresh() {
    const { state } = this.state;
    const person = this.person;
    const name = [person.enterprise, person.name].filter(Boolean).join(" · ") || this.iid;
    this.title.textContent = name;
    this.tabLabel.textContent = person.name || person.enterprise || this.iid.slice(0, 6);
    this.el.dataset.state = state;
    this.el.dataset.mine = String(this.mine);
    this.tab.dataset.state = state;
    bilingual(
      this.stateLabel,
      this.mine || state !== "connected" ? `state_${state}` : "transferred",
    );
    this.transferButton.disabled = !this.mine;
    this.endButton.disabled = !this.mine;
    this.composer.setEnabled(this.mine);
    if (this.forms) this.forms.refresh();
    this.banner.hidden = this.mine;
    if (!this.mine) bilingual(this.banner, state === "connected" ? "transferred" : "ended");
    if (!this.mine) this.setTyping(false);
    this.video.update();
  }

  onEvent(frame) {
    this.forms.onEvent(frame);
    if (frame.type === "interaction.state") {
      this.refresh();
      this.app.changed();
    }
    if (frame.type === "call.state") {
      this.video.update();
      if (frame.call === "requested" && (!this.active || document.hidden)) {
        this.app.notice({
          info: "videoRequestFrom",
          args: [this.person.name || zh("from_taxpayer")],
        });
      }
    }
    const submitted = frame.type === "form.state" && frame.event === "submit";
    if ((frame.type === "message.new" && frame.message.from === "taxpayer") || submitted) {
      this.setTyping(false);
      if (!this.active || document.hidden) {
        this.unread += 1;
        this.showUnread();
      }
    }
    if (!this.tabLabel.textContent || frame.message) this.refresh();
    this.markRead();
  }

  /** Show or hide "the taxpayer is typing" (console-typing exists only while typing). */
  setTyping(on) {
    clearTimeout(this.typingTimer);
    this.typing.replaceChildren();
    if (!on) return;
    const who = this.person.name || zh("from_taxpayer");
    this.typing.append(
      bilingual(h("span", { tid: "console-typing", cls: "typing-on" }), "typing", who),
    );
    this.typingTimer = setTimeout(() => this.setTyping(false), TYPING_SHOWN);
  }

  onRead(seq) {
    this.list.setRead(seq);
  }

  get active() {
    return !this.el.hidden;
  }

  /** Tell the taxpayer what the agent has seen (only while this tab is shown and the page is visible). */
  markRead() {
    if (!this.active || document.hidden || !this.mine) return;
    const seq = this.transcript.lastSeq;
    if (
      seq > this.readSent &&
      this.app.socket.send({ type: "read", interaction_id: this.iid, seq })
    )
      this.readSent = seq;
  }

  show(on) {
    this.el.hidden = !on;
    this.tab.setAttribute("aria-selected", String(on));
    this.tab.tabIndex = on ? 0 : -1;
    if (on) {
      this.unread = 0;
      this.showUnread();
      this.markRead();
    }
  }

  showUnread() {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = String(this.unread);
    this.badge.dataset.count = String(this.unread);
  }

  async transfer() {
    let target;
    try {
      target = await pickTransfer(this.app.me);
    } catch (error) {
      this.app.notice(error);
      return;
    }
    if (!target) return;
    try {
      await this.app.socket.request({
        type: "interaction.transfer",
        interaction_id: this.iid,
        ...target,
      });
      this.app.notice({ info: "transferred" });
    } catch (error) {
      this.app.notice(error);
    }
  }

  async end() {
    const select = h(
      "select",
      { tid: "console-end-category", attrs: { "aria-label": both("category") } },
      CATEGORIES.map((key) => h("option", { text: `${zh(key)}`, attrs: { value: zh(key) } })),
    );
    const label = h("label", { cls: "field" }, [
      bilingual(h("span", { cls: "field-name" }), "category"),
      select,
    ]);
    const category = await openDialog({
      kind: "end",
      title: "endTitle",
      text: "endText",
      body: [label],
      okKey: "end",
      read: () => select.value,
    });
    if (category === null) return;
    try {
      await this.app.socket.request({
        type: "interaction.end",
        interaction_id: this.iid,
        category,
      });
    } catch (error) {
      this.app.notice(error);
    }
  }

  destroy() {
    this.stop();
    this.video.destroy();
    this.list.destroy();
    this.composer.destroy();
    clearTimeout(this.typingTimer);
    this.tab.remove();
    this.el.remove();
  }
}
