// @ts-check
// Notices: errors from the server (code, zh, en) and informational messages, visible and announced.
import { h, bilingual } from "../shared/dom.js";

export class Notices {
  constructor() {
    this.el = h("div", {
      cls: "notices",
      tid: "console-notices",
      attrs: { "aria-live": "assertive" },
    });
  }

  /** Show an error frame or ApiError ({code, zh, en}) or {info: key, args}. */
  show(item) {
    const error = !item.info;
    const el = h("div", {
      cls: `notice ${error ? "error" : "info"}`,
      tid: "console-notice",
      attrs: { role: error ? "alert" : "status" },
      data: { code: item.code || item.info },
    });
    const text = h("span", { cls: "text" });
    if (error) {
      text.append(item.zh || item.code || "", " ");
      if (item.en) text.append(h("span", { cls: "en", attrs: { lang: "en" }, text: item.en }));
    } else {
      bilingual(text, item.info, ...(item.args || []));
    }
    const close = h("button", {
      cls: "link",
      tid: "console-notice-dismiss",
      t: "dismiss",
      attrs: { type: "button" },
    });
    close.addEventListener("click", () => el.remove());
    el.append(text, close);
    this.el.prepend(el);
    while (this.el.children.length > 5) this.el.lastElementChild.remove();
    setTimeout(() => el.remove(), error ? 30000 : 8000);
    return el;
  }
}
