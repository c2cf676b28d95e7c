// @ts-check
// Modal dialogs on the native <dialog> (focus kept inside, Escape cancels, focus returns to the opener).
import { h, bilingual } from "../shared/dom.js";

/**
 * Open a dialog; resolve with read() (or true) on OK, null on cancel. opts: kind (data-kind), title and text keys,
 * body (extra nodes), okKey, tid (defaults to console-confirm), read (returns the value or throws a message).
 * @param {object} opts
 * @param {string} opts.kind
 * @param {string} opts.title
 * @param {string} [opts.text]
 * @param {Node[]} [opts.body]
 * @param {string} [opts.okKey]
 * @param {string} [opts.tid]
 * @param {() => any} [opts.read]
 * @returns {Promise<any>}
 */
export function openDialog({
  kind,
  title,
  text,
  body = [],
  okKey = "ok",
  tid = "console-confirm",
  read,
}) {
  const opener = /** @type {HTMLElement | null} */ (document.activeElement);
  const titleId = `dlg-${kind}-title`;
  const dialog = h("dialog", {
    cls: "dialog",
    tid,
    data: { kind },
    attrs: { "aria-labelledby": titleId, role: "alertdialog" },
  });
  const error = h("p", { cls: "error", tid: `${tid}-error`, attrs: { role: "alert" } });
  const ok = h("button", {
    cls: "primary",
    tid: `${tid}-ok`,
    t: okKey,
    attrs: { type: "button" },
  });
  const cancel = h("button", {
    cls: "secondary",
    tid: `${tid}-cancel`,
    t: "cancel",
    attrs: { type: "button" },
  });
  dialog.append(bilingual(h("h2", { attrs: { id: titleId } }), title));
  if (text) dialog.append(bilingual(h("p"), text));
  dialog.append(...body, error, h("div", { cls: "dialog-actions" }, [cancel, ok]));
  document.body.append(dialog);
  dialog.showModal();
  return new Promise((resolve) => {
    const finish = (value) => {
      dialog.close();
      dialog.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(value);
    };
    ok.addEventListener("click", () => {
      try {
        finish(read ? read() : true);
      } catch (problem) {
        bilingual(error, problem.message || String(problem));
      }
    });
    cancel.addEventListener("click", () => finish(null));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(null);
    });
  });
}
