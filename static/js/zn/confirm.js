// @ts-check
// Confirm dialogs (modal inside the window: focus trapped, restored afterwards) and transient toasts.
import { h } from "../shared/dom.js";

/**
 * Ask a yes/no question inside panel; resolve true for OK. The question is the dialog's title, details (strings)
 * the paragraphs under it. kind goes to data-kind. The dialog traps Tab, Escape cancels, and focus returns.
 */
export function confirmDialog(panel, shadow, t, kind, question, details = []) {
  return new Promise((resolve) => {
    const before = shadow.activeElement;
    const id = "zn-confirm-" + kind;
    const body = details.map((text) => h("p", { text }));
    const ok = h("button", {
      cls: "zn-btn",
      tid: "zn-confirm-ok",
      attrs: { type: "button" },
      text: t("ok"),
    });
    const no = h("button", {
      cls: "zn-btn zn-secondary",
      tid: "zn-confirm-cancel",
      attrs: { type: "button" },
      text: t("no"),
    });
    const dialog = h(
      "div",
      {
        cls: "zn-dialog",
        tid: "zn-confirm",
        attrs: {
          role: "alertdialog",
          "aria-modal": "true",
          "aria-labelledby": id,
          "aria-describedby": body.length ? id + "-details" : null,
          "data-kind": kind,
        },
      },
      [
        h("h3", { cls: "zn-dialog-title", tid: "zn-confirm-title", attrs: { id }, text: question }),
        body.length
          ? h("div", { cls: "zn-dialog-body", attrs: { id: id + "-details" } }, body)
          : null,
        h("div", { cls: "zn-row" }, [no, ok]),
      ],
    );
    const overlay = h("div", { cls: "zn-overlay" }, [dialog]);
    const finish = (answer) => {
      overlay.remove();
      if (before && before.isConnected && !before.closest("[hidden]")) before.focus();
      resolve(answer);
    };
    ok.addEventListener("click", () => finish(true));
    no.addEventListener("click", () => finish(false));
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        finish(false);
      } else if (event.key === "Tab") {
        // keep focus on the two buttons
        event.preventDefault();
        (shadow.activeElement === no ? ok : no).focus();
      }
    });
    panel.append(overlay);
    no.focus(); // the safe choice first, so a stray Enter changes nothing
  });
}

/** Show a short notice in the window's polite status region. */
export function toaster(panel) {
  const el = h("div", { cls: "zn-toast", tid: "zn-toast", attrs: { role: "status" } });
  el.hidden = true;
  panel.append(el);
  let timer = null;
  return function toast(text, ms = 5000) {
    el.hidden = false;
    el.textContent = text;
    clearTimeout(timer);
    timer = setTimeout(() => {
      el.hidden = true;
    }, ms);
  };
}
