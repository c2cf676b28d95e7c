// @ts-check
// 业务办理服务确认单 in the window: each form.state event as a line in the chat, one live card per form (upload
// each material, confirm), and the 我的业务确认单 list. Fetched with the first form, not with the window.
import { FINAL_STATES } from "../shared/codes.js";
import { h } from "../shared/dom.js";
import { addStrings } from "./i18n.js";
import { formatTime } from "../shared/i18n.js";
import { backRow } from "./history.js";

addStrings({
  "zh-CN": {
    formTitle: "业务办理服务确认单",
    formStatus_sent: "待上传材料",
    formStatus_submitted: "已提交，等待审核",
    formStatus_returned: "已退回，请补正后重新提交",
    formStatus_done: "已办结",
    formStatus_closed: "未办结：会话已结束，如需继续办理请重新咨询",
    formSend: "工作人员发送了业务办理服务确认单：{title}",
    formAttach: "已上传材料：{item}",
    formSubmit: "已提交确认单：{title}",
    formReturn: "确认单已退回：{reason}",
    formComplete: "确认单已办结：{result}",
    formReason: "退回原因：{reason}",
    formResult: "办理结果：{result}",
    formUpload: "上传：{item}",
    formUploading: "正在上传…",
    formNoFile: "尚未上传",
    formChoose: "选择文件上传",
    formAddFile: "再上传一个文件",
    formSubmitBtn: "确认提交",
    formsTitle: "我的业务确认单",
    formsEmpty: "暂无业务确认单",
  },
  en: {
    formTitle: "Business service confirmation form",
    formStatus_sent: "Waiting for your materials",
    formStatus_submitted: "Submitted, being checked",
    formStatus_returned: "Returned: please correct and submit again",
    formStatus_done: "Done",
    formStatus_closed: "Not finished: the conversation ended. Ask again to go on",
    formSend: "The agent sent a confirmation form: {title}",
    formAttach: "Material uploaded: {item}",
    formSubmit: "Form submitted: {title}",
    formReturn: "Form returned: {reason}",
    formComplete: "Form done: {result}",
    formReason: "Why it was returned: {reason}",
    formResult: "Result: {result}",
    formUpload: "Upload: {item}",
    formUploading: "Uploading…",
    formNoFile: "No file yet",
    formChoose: "Choose a file to upload",
    formAddFile: "Upload another file",
    formSubmitBtn: "Confirm and submit",
    formsTitle: "My business forms",
    formsEmpty: "No business forms yet",
  },
});

const CSS = `
.zn-formcard{align-self:stretch;text-align:left;background:#fff;border:1px solid #7b8a9c;border-radius:10px;
  padding:10px 12px;display:flex;flex-direction:column;gap:6px;color:#1a1a1a;font-size:1.1em;margin-top:4px}
.zn-formcard h3{margin:0;font-size:1em;font-weight:600}
.zn-formcard[data-status=done]{border-color:#1e7a3c}
.zn-formcard[data-status=returned]{border-color:#b04a00}
.zn-form-reason{margin:0;color:#8a3200}
.zn-form-result{margin:0;color:#14602d;font-weight:600}
.zn-form-items{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:8px}
.zn-form-item{display:flex;flex-direction:column;gap:4px;border-top:1px solid #e1e6ec;padding-top:6px}
.zn-form-name{font-weight:600}
.zn-form-files{display:flex;flex-wrap:wrap;gap:6px}
.zn-form-files .zn-img{max-width:96px;max-height:72px}
.zn-form-pick{align-self:flex-start;min-height:32px;padding:4px 12px;font-size:.9em}
.zn-form-pick:focus-within{outline:3px solid #0b3d91;outline-offset:2px}
`;
const STEP = {
  send: "formSend",
  attach: "formAttach",
  submit: "formSubmit",
  return: "formReturn",
  complete: "formComplete",
};
const OPEN = new Set(["sent", "returned"]); // statuses in which the taxpayer adds files and submits

/** The status a taxpayer reads: a form its conversation left unfinished says so, not "待上传材料". */
function shownStatus(form, conversationState) {
  return FINAL_STATES.includes(conversationState) && form.status !== "done"
    ? "closed"
    : form.status;
}

export class FormsView {
  /** app: the window's controller (model, socket, files, list, toast, actions). */
  constructor(app) {
    this.app = app;
    const sheet = new CSSStyleSheet(); // adopted, never a <style>: the host page's CSP may forbid inline styles
    sheet.replaceSync(CSS);
    app.ctx.shadow.adoptedStyleSheets = [...app.ctx.shadow.adoptedStyleSheets, sheet];
    this.cards = new Map(); // form id -> {el, form, seq, item}
    this.busy = new Set(); // "form id:item id" of the materials with an upload under way
  }

  get t() {
    return this.app.t;
  }

  /** Fill the chat line el of one form.state event; the send event's line also holds the form's card. */
  show(item, frame, el) {
    const form = frame.form,
      t = this.t;
    const itemName = (form.items.find((i) => i.id === frame.item_id) || {}).name || "";
    const text = t(STEP[frame.event] || "formTitle", {
      title: form.title,
      item: itemName,
      reason: form.reason,
      result: form.result,
    });
    el.replaceChildren(el.firstChild, h("div", { cls: "zn-bubble", text })); // keep the "系统消息" label
    let entry = this.cards.get(form.id);
    if (!entry) this.cards.set(form.id, (entry = { el: null, line: null, form, seq: 0, item }));
    if (frame.seq >= entry.seq) Object.assign(entry, { form, seq: frame.seq, item });
    if (frame.event === "send") entry.line = el;
    this.draw(form.id);
  }

  /** Redraw a form's card from the newest step this tab holds (after an event or a reload). */
  draw(formId) {
    const entry = this.cards.get(formId);
    if (!entry || !entry.line) return;
    const { form, item } = entry,
      t = this.t;
    const live =
      !this.app.readOnly && item.id === this.app.model.liveId && item.state === "connected";
    const editable = live && OPEN.has(form.status);
    const busy = form.items.filter((m) => this.uploading(form, m)).map((m) => m.id);
    const status = shownStatus(form, item.state);
    const drawn = [entry.seq, form.updated_at, editable, status, ...busy].join(":");
    if (entry.el && entry.drawn === drawn) {
      // nothing changed: leave the card (and the focus in it) alone
      if (entry.el.parentNode !== entry.line) entry.line.append(entry.el);
      return;
    }
    entry.drawn = drawn;
    const card =
      entry.el ||
      h("section", {
        cls: "zn-formcard",
        tid: "zn-form",
        attrs: { "data-form-id": form.id, "aria-labelledby": "zn-form-" + form.id },
      });
    entry.el = card;
    card.setAttribute("data-status", form.status); // the newest step (contract)
    card.toggleAttribute("data-closed", status === "closed");
    /** @type {HTMLElement[]} */
    const parts = [
      h("h3", { attrs: { id: "zn-form-" + form.id }, text: t("formTitle") + " · " + form.title }),
      h("p", { cls: "zn-note", tid: "zn-form-status", text: t("formStatus_" + status) }),
    ];
    if (form.status === "returned" && form.reason) {
      parts.push(
        h("p", {
          cls: "zn-form-reason",
          tid: "zn-form-reason",
          attrs: { role: "note" },
          text: t("formReason", { reason: form.reason }),
        }),
      );
    }
    const list = h("ul", { cls: "zn-form-items" });
    for (const material of form.items) list.append(this.itemRow(item, form, material, editable));
    parts.push(list);
    if (form.status === "done") {
      parts.push(
        h("p", {
          cls: "zn-form-result",
          tid: "zn-form-result",
          text: t("formResult", { result: form.result }),
        }),
      );
    }
    if (editable) {
      const ready = form.items.every((m) => m.files.length && !this.uploading(form, m));
      parts.push(
        h("div", { cls: "zn-row" }, [
          h("button", {
            cls: "zn-btn",
            tid: "zn-form-submit",
            attrs: { type: "button", disabled: !ready },
            text: t("formSubmitBtn"),
            on: { click: (event) => this.submit(item, form, event.currentTarget) },
          }),
        ]),
      );
    }
    const focused = this.app.ctx.shadow.activeElement;
    const focusId =
      focused && card.contains(focused)
        ? focused.getAttribute("data-testid") + (focused.getAttribute("data-item-id") || "")
        : null;
    card.replaceChildren(...parts);
    if (focusId) {
      // keep the keyboard where it was across a redraw
      const again = [...card.querySelectorAll("[data-testid]")].find(
        (n) => n.getAttribute("data-testid") + (n.getAttribute("data-item-id") || "") === focusId,
      );
      if (again && !again.disabled) again.focus();
    }
    if (card.parentNode !== entry.line) entry.line.append(card);
  }

  itemRow(item, form, material, editable) {
    const t = this.t;
    const files = material.files.length
      ? h(
          "div",
          { cls: "zn-form-files" },
          material.files.map((f) => this.app.files.render(f)),
        )
      : h("span", { cls: "zn-note", text: t("formNoFile") });
    const row = h(
      "li",
      {
        cls: "zn-form-item",
        tid: "zn-form-item",
        attrs: { "data-item-id": material.id, "data-files": String(material.files.length) },
      },
      [h("span", { cls: "zn-form-name", text: material.name }), files],
    );
    if (this.uploading(form, material))
      row.append(
        h("span", { cls: "zn-note", attrs: { role: "status" }, text: t("formUploading") }),
      );
    if (editable) {
      const input = h("input", {
        cls: "zn-vh",
        tid: "zn-form-upload",
        attrs: {
          type: "file",
          "data-item-id": material.id,
          accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf",
          "aria-label": t("formUpload", { item: material.name }),
          disabled: this.uploading(form, material),
        },
      });
      input.addEventListener("change", () => {
        const file = input.files && input.files[0];
        input.value = "";
        if (file) this.upload(item, form, material, file);
      });
      row.append(
        h("label", { cls: "zn-btn zn-secondary zn-form-pick" }, [
          h("span", {
            attrs: { "aria-hidden": "true" },
            text: t(material.files.length ? "formAddFile" : "formChoose"),
          }),
          input,
        ]),
      );
    }
    return row;
  }

  uploading(form, material) {
    return this.busy.has(form.id + ":" + material.id);
  }

  upload(item, form, material, file) {
    const app = this.app;
    const problem = app.files.check(file);
    if (problem) return app.toast(problem);
    this.busy.add(form.id + ":" + material.id);
    this.draw(form.id);
    app.files
      .upload(file, item.id)
      .then(
        (att) =>
          app.actions.request({
            type: "form.attach",
            interaction_id: item.id,
            form_id: form.id,
            item_id: material.id,
            attachment_id: att.id,
          }),
        (error) => {
          app.files.report(error);
          throw error;
        },
      )
      .then(
        (reply) => this.settle(reply),
        () => {},
      )
      .finally(() => {
        this.busy.delete(form.id + ":" + material.id);
        this.draw(form.id);
      });
    return undefined;
  }

  submit(item, form, button) {
    button.disabled = true;
    this.app.actions
      .request({ type: "form.submit", interaction_id: item.id, form_id: form.id })
      .then(
        (reply) => this.settle(reply),
        () => {
          button.disabled = false;
        },
      );
  }

  /** A reply carries the form as it is now: show it at once (its event follows with the same view). */
  settle(reply) {
    const entry = reply && reply.form && this.cards.get(reply.form.id);
    if (entry && reply.form.updated_at >= entry.form.updated_at) entry.form = reply.form;
    if (entry) this.draw(reply.form.id);
  }

  /** Redraw every card (the conversation ended, the window switched to a past one). */
  redraw() {
    for (const id of this.cards.keys()) this.draw(id);
  }

  /** Fill view with 我的业务确认单 (forms.list items); choose(interaction) opens a form's conversation. */
  renderList(view, items, choose, back) {
    const t = this.t,
      cfg = this.app.cfg;
    const list = h("ul", {
      cls: "zn-form",
      tid: "zn-forms-list",
      attrs: { "aria-labelledby": "zn-forms-title" },
    });
    for (const form of items) {
      const status = shownStatus(form, form.interaction.state);
      const label =
        form.title +
        " · " +
        t("formStatus_" + status) +
        " · " +
        formatTime(form.updated_at, cfg.locale);
      list.append(
        h("li", {}, [
          h("button", {
            cls: "zn-btn zn-secondary",
            tid: "zn-forms-item",
            attrs: {
              type: "button",
              "data-form-id": form.id,
              "data-status": form.status,
              "data-closed": status === "closed",
            },
            text: label,
            on: { click: () => choose(form.interaction) },
          }),
        ]),
      );
    }
    view.replaceChildren(
      ...[
        h("h3", { attrs: { id: "zn-forms-title" }, text: t("formsTitle") }),
        list,
        items.length ? null : h("p", { cls: "zn-note", text: t("formsEmpty") }),
        backRow(back),
      ].filter(Boolean),
    );
    (view.querySelector("[data-testid=zn-forms-item]") || view.querySelector("button")).focus();
  }
}
