// @ts-check
// The side of a conversation: internal notes (never sent to the taxpayer) and the taxpayer's earlier conversations.
import { h, bilingual, both } from "../shared/dom.js";
import { clock } from "../shared/i18n.js";
import { MessageList } from "./messages.js";

export class Tools {
  constructor(app, conversation) {
    this.app = app;
    this.conversation = conversation;
    this.viewer = null;
    const iid = conversation.iid;
    this.note = h("textarea", {
      tid: "console-note",
      cls: "note-box",
      attrs: { id: `note-${iid}`, rows: 3, maxlength: 2000 },
    });
    const noteLabel = h("label", { cls: "note-label", attrs: { for: `note-${iid}` } });
    bilingual(noteLabel, "note");
    const add = h("button", {
      cls: "secondary",
      tid: "console-note-add",
      t: "addNote",
      attrs: { type: "button" },
    });
    add.addEventListener("click", () => this.addNote());
    this.historyList = h("ul", { cls: "history", tid: "console-history" });
    this.historyButton = h("button", {
      cls: "secondary",
      tid: "console-history-load",
      t: "history",
      attrs: { type: "button", "aria-expanded": "false" },
    });
    this.historyButton.addEventListener("click", () => this.loadHistory());
    this.transcript = h("div", { cls: "history-transcript", tid: "console-history-transcript" });
    this.el = h("aside", { cls: "conv-tools", attrs: { "aria-label": both("note") } }, [
      h("div", { cls: "notes" }, [noteLabel, this.note, add]),
      h("div", { cls: "history-box" }, [this.historyButton, this.historyList, this.transcript]),
    ]);
  }

  async addNote() {
    const text = this.note.value.trim();
    if (!text) return;
    try {
      await this.app.socket.request({
        type: "note.add",
        interaction_id: this.conversation.iid,
        text,
      });
      this.note.value = "";
    } catch (error) {
      this.app.notice(error);
    }
  }

  async loadHistory() {
    this.historyButton.setAttribute("aria-expanded", "true");
    let answer;
    try {
      answer = await this.app.socket.request({
        type: "history.of",
        interaction_id: this.conversation.iid,
      });
    } catch (error) {
      this.app.notice(error);
      return;
    }
    this.historyList.replaceChildren();
    if (!answer.items.length)
      this.historyList.append(bilingual(h("li", { cls: "hint" }), "noHistory"));
    for (const item of answer.items) {
      const view = h("button", {
        cls: "link",
        tid: "console-history-view",
        t: "view",
        attrs: { type: "button" },
      });
      view.addEventListener("click", () => this.show(item.id));
      this.historyList.append(
        h(
          "li",
          { tid: "console-history-item", data: { interactionId: item.id, state: item.state } },
          [
            h("span", { text: clock(item.created_at, true) }),
            " · ",
            bilingual(h("span"), `state_${item.state}`),
            item.agent ? h("span", { text: ` · ${item.agent.name || ""}` }) : null,
            " ",
            view,
          ],
        ),
      );
    }
  }

  show(iid) {
    if (this.viewer) this.viewer.destroy();
    const transcript = this.app.preview(iid);
    this.viewer = new MessageList(transcript, { tid: "console-history-messages", live: false });
    this.transcript.replaceChildren(this.viewer.el);
  }
}
