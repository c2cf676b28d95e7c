// @ts-check
// 业务办理服务确认单 in a conversation: the agent's composer (a centre template, materials added by hand) and one
// card per form in the transcript, with the taxpayer's files, 退回 with a reason and 办结 with a result.
import { FINAL_STATES } from "../shared/codes.js";
import { h, bilingual, both, field } from "../shared/dom.js";
import { extend } from "./i18n.js";
import { get } from "./api.js";
import { attachmentUrl } from "./messages.js";

extend({
  formBox: ["业务办理服务确认单", "Business service confirmation form"],
  formNew: ["发送确认单", "Send a form"],
  formTemplate: ["业务模板", "Template"],
  formCustom: ["（自定义）", "(custom)"],
  formTitleField: ["办理业务", "Business"],
  formItem: (n) => [`所需材料 ${n}`, `Material ${n}`],
  formItemAdd: ["添加材料", "Add a material"],
  formItemRemove: (n) => [`删除材料 ${n}`, `Remove material ${n}`],
  formSend: ["发送给纳税人", "Send to the taxpayer"],
  formCancel: ["取消", "Cancel"],
  formNeedsTitle: ["请填写办理业务和至少一项材料", "Name the business and at least one material"],
  formStatus_sent: ["待纳税人上传材料", "Waiting for the taxpayer's materials"],
  formStatus_submitted: ["纳税人已提交，请审核", "Submitted by the taxpayer: check it"],
  formStatus_returned: ["已退回纳税人补正", "Returned to the taxpayer"],
  formStatus_done: ["已办结", "Done"],
  formStatus_closed: ["未办结：会话已结束", "Not finished: the conversation ended"],
  formNoFile: ["尚未上传", "No file yet"],
  formReasonField: ["退回原因", "Why it goes back"],
  formReturn: ["退回", "Return"],
  formResultField: ["办理结果", "Result"],
  formDone: ["办结", "Mark done"],
  formReasonShown: (r) => [`退回原因：${r}`, `Returned because: ${r}`],
  formResultShown: (r) => [`办理结果：${r}`, `Result: ${r}`],
  formNeedsText: ["请先填写内容", "Write it first"],
  ev_form_send: (t) => [`已发送业务办理服务确认单：${t}`, `Form sent: ${t}`],
  ev_form_attach: (i) => [`纳税人上传了材料：${i}`, `The taxpayer uploaded: ${i}`],
  ev_form_submit: (t) => [`纳税人已提交确认单：${t}`, `The taxpayer submitted: ${t}`],
  ev_form_return: (r) => [`确认单已退回：${r}`, `Form returned: ${r}`],
  ev_form_complete: (r) => [`确认单已办结：${r}`, `Form done: ${r}`],
});

let templates = null; // the centre's templates, fetched once per page

/** The forms of one open conversation: composer in the side panel, cards in the transcript. */
export class FormDesk {
  /** conversation: {iid, app, list (MessageList), transcript, mine} */
  constructor(conversation) {
    this.conversation = conversation;
    this.cards = new Map(); // form id -> {el, form, seq}
    this.newButton = h("button", {
      cls: "secondary",
      tid: "console-form-new",
      t: "formNew",
      attrs: { type: "button", "aria-expanded": "false" },
    });
    this.newButton.addEventListener("click", () => this.openComposer());
    this.composer = h("div", { cls: "form-composer", tid: "console-form-composer" });
    this.composer.hidden = true;
    this.el = h("div", { cls: "forms-box" }, [
      bilingual(h("h3"), "formBox"),
      this.newButton,
      this.composer,
    ]);
    for (const frame of conversation.transcript.ordered()) this.onEvent(frame);
  }

  /** Draw the composer: a template picker, the business, its materials. */
  async openComposer() {
    const iid = this.conversation.iid;
    if (!templates) {
      templates = get("/console/api/form-templates").then((answer) => answer.items);
      templates.catch(() => {
        templates = null;
      });
    }
    let items = [];
    try {
      items = await templates;
    } catch (error) {
      this.conversation.app.notice(error);
    }
    const select = h(
      "select",
      { tid: "console-form-template", attrs: { id: `form-template-${iid}` } },
      [
        h("option", { text: both("formCustom"), attrs: { value: "" } }),
        ...items.map((t) => h("option", { text: t.title, attrs: { value: t.id } })),
      ],
    );
    const title = h("input", {
      tid: "console-form-title",
      attrs: { maxlength: 100, id: `form-title-${iid}` },
    });
    const list = h("ol", { cls: "form-items" });
    const addItem = (value = "") => {
      const n = list.children.length + 1;
      const input = h("input", {
        tid: "console-form-item",
        attrs: { maxlength: 100, value, "aria-label": both("formItem", n) },
      });
      input.value = value;
      const remove = h("button", {
        cls: "link",
        tid: "console-form-item-remove",
        t: "remove",
        attrs: { type: "button", "aria-label": both("formItemRemove", n) },
      });
      bilingual(remove, "formItemRemove", n);
      const row = h("li", {}, [input, remove]);
      remove.addEventListener("click", () => row.remove());
      list.append(row);
      return input;
    };
    select.addEventListener("change", () => {
      const chosen = items.find((t) => t.id === select.value);
      list.replaceChildren();
      if (chosen) {
        title.value = chosen.title;
        chosen.items.forEach((name) => addItem(name));
      } else {
        title.value = "";
        addItem();
      }
    });
    addItem();
    const add = h("button", {
      cls: "secondary",
      tid: "console-form-item-add",
      t: "formItemAdd",
      attrs: { type: "button" },
    });
    add.addEventListener("click", () => addItem().focus());
    const error = h("p", { cls: "error", tid: "console-form-error", attrs: { role: "alert" } });
    const send = h("button", {
      cls: "primary",
      tid: "console-form-send",
      t: "formSend",
      attrs: { type: "button" },
    });
    const cancel = h("button", {
      cls: "secondary",
      tid: "console-form-cancel",
      t: "formCancel",
      attrs: { type: "button" },
    });
    cancel.addEventListener("click", () => this.closeComposer());
    send.addEventListener("click", async () => {
      const names = [...list.querySelectorAll("input")].map((i) => i.value.trim()).filter(Boolean);
      if (!title.value.trim() || !names.length) {
        bilingual(error, "formNeedsTitle");
        return;
      }
      send.disabled = true;
      try {
        await this.conversation.app.socket.request({
          type: "form.send",
          interaction_id: iid,
          title: title.value.trim(),
          items: names,
          ...(select.value ? { template_id: select.value } : {}),
        });
        this.closeComposer();
      } catch (problem) {
        error.replaceChildren(
          document.createTextNode(`${problem.zh || ""} `),
          h("span", { cls: "en", attrs: { lang: "en" }, text: problem.en || "" }),
        );
        send.disabled = false;
      }
    });
    this.composer.replaceChildren(
      field("formTemplate", select),
      field("formTitleField", title),
      list,
      add,
      error,
      h("div", { cls: "dialog-actions" }, [cancel, send]),
    );
    this.composer.hidden = false;
    this.newButton.setAttribute("aria-expanded", "true");
    select.focus();
  }

  closeComposer() {
    this.composer.hidden = true;
    this.composer.replaceChildren();
    this.newButton.setAttribute("aria-expanded", "false");
    this.newButton.focus();
  }

  /** Keep each form's newest view; its card sits in the line of the event that sent it. */
  onEvent(frame) {
    if (frame.type !== "form.state") return;
    let entry = this.cards.get(frame.form.id);
    if (!entry)
      this.cards.set(
        frame.form.id,
        (entry = { el: null, form: frame.form, seq: 0, sendSeq: null }),
      );
    if (frame.seq >= entry.seq) Object.assign(entry, { form: frame.form, seq: frame.seq });
    if (frame.event === "send") entry.sendSeq = frame.seq;
    this.draw(frame.form.id);
  }

  refresh() {
    this.newButton.disabled = !this.conversation.mine;
    if (!this.conversation.mine && !this.composer.hidden) this.closeComposer();
    for (const id of this.cards.keys()) this.draw(id);
  }

  draw(formId) {
    const entry = this.cards.get(formId);
    const line = entry && entry.sendSeq !== null && this.conversation.list.bySeq.get(entry.sendSeq);
    if (!line) return;
    const { form } = entry;
    // a form its conversation left unfinished says so, not "waiting for the taxpayer"
    const over = FINAL_STATES.includes(this.conversation.state.state) && form.status !== "done";
    const status = over ? "closed" : form.status;
    const drawn = `${entry.seq}:${this.conversation.mine}:${status}`; // redraw only on a change: typed text survives
    if (entry.el && entry.drawn === drawn) {
      if (entry.el.parentNode !== line) line.append(entry.el);
      return;
    }
    entry.drawn = drawn;
    const card =
      entry.el ||
      h("section", {
        cls: "form-card",
        tid: "console-form",
        data: { formId: form.id },
        attrs: { "aria-labelledby": `form-${form.id}` },
      });
    entry.el = card;
    card.dataset.status = form.status; // the newest step (contract)
    card.toggleAttribute("data-closed", over);
    /** @type {HTMLElement[]} */
    const parts = [
      h("h4", { attrs: { id: `form-${form.id}` }, text: form.title }),
      bilingual(h("p", { cls: "form-status", tid: "console-form-status" }), `formStatus_${status}`),
    ];
    if (form.reason && form.status !== "done")
      parts.push(bilingual(h("p", { cls: "hint" }), "formReasonShown", form.reason));
    if (form.status === "done")
      parts.push(
        bilingual(
          h("p", { cls: "form-result", tid: "console-form-result-shown" }),
          "formResultShown",
          form.result,
        ),
      );
    parts.push(
      h(
        "ul",
        { cls: "form-items" },
        form.items.map((item) =>
          h(
            "li",
            { tid: "console-form-item-row", data: { itemId: item.id, files: item.files.length } },
            [
              h("strong", { text: item.name }),
              " ",
              ...(item.files.length
                ? item.files.map((file) => fileLink(file))
                : [bilingual(h("span", { cls: "hint" }), "formNoFile")]),
            ],
          ),
        ),
      ),
    );
    if (form.status === "submitted" && this.conversation.mine) parts.push(this.decision(form));
    card.replaceChildren(...parts);
    if (card.parentNode !== line) line.append(card);
  }

  /** 退回 with a reason or 办结 with a result, for the agent serving the conversation. */
  decision(form) {
    const iid = this.conversation.iid;
    const reason = h("textarea", {
      tid: "console-form-reason",
      attrs: { rows: 2, maxlength: 500 },
    });
    const result = h("textarea", {
      tid: "console-form-result",
      attrs: { rows: 2, maxlength: 1000 },
    });
    const error = h("p", { cls: "error", attrs: { role: "alert" } });
    const act = (type, box, key) => async (event) => {
      const text = box.value.trim();
      if (!text) {
        bilingual(error, "formNeedsText");
        box.focus();
        return;
      }
      event.currentTarget.disabled = true;
      try {
        await this.conversation.app.socket.request({
          type,
          interaction_id: iid,
          form_id: form.id,
          [key]: text,
        });
      } catch (problem) {
        this.conversation.app.notice(problem);
        event.currentTarget.disabled = false;
      }
    };
    const back = h("button", {
      cls: "secondary",
      tid: "console-form-return",
      t: "formReturn",
      attrs: { type: "button" },
    });
    back.addEventListener("click", act("form.return", reason, "reason"));
    const done = h("button", {
      cls: "primary",
      tid: "console-form-done",
      t: "formDone",
      attrs: { type: "button" },
    });
    done.addEventListener("click", act("form.done", result, "result"));
    return h("div", { cls: "form-decision" }, [
      field("formReasonField", reason),
      back,
      field("formResultField", result),
      done,
      error,
    ]);
  }
}

function fileLink(file) {
  const link = h("a", {
    cls: "form-file",
    tid: "console-form-file",
    data: { attachmentId: file.id },
    text: `${file.name} (${Math.ceil((file.size || 0) / 1024)} KB)`,
    attrs: { href: "#", download: file.name },
  });
  attachmentUrl(file).then(
    (url) => {
      link.href = url;
    },
    () => link.classList.add("broken"),
  );
  return link;
}
