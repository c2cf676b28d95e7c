// @ts-check
// The window's frame: title bar (drag handle, history, larger text, minimise, close), message list, typing
// line, action area, composer. Only structure here; app.js decides what each part shows.
import { h, icon } from "../shared/dom.js";

/** SVG path data of the title-bar and composer icons. */
const ICONS = {
  minimise: "M5 18h14v2H5z",
  close:
    "M18.3 5.7 16.9 4.3 12 9.2 7.1 4.3 5.7 5.7 10.6 12l-4.9 4.9 1.4 1.4 4.9-4.9 4.9 4.9 1.4-1.4-4.9-4.9z",
  forms:
    "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zm4 18H6V4h7v5h5zM8 12h8v2H8zm0 4h8v2H8z",
  history:
    "M13 3a9 9 0 0 0-9 9H1l4 4 4-4H6a7 7 0 1 1 2.05 4.95l-1.42 1.42A9 9 0 1 0 13 3zm-1 5v5l4.25 2.52.77-1.28-3.52-2.09V8z",
  text: "M9 4v3h5v12h3V7h5V4zm-6 8h3v7h3v-7h3V9H3z",
  send: "M2 21 23 12 2 3v7l15 2-15 2z",
  attach:
    "M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z",
};

const LARGE_KEY = "zn:large-text";

/** Build the window (hidden) and return its parts. on: {send, attach, typing, minimise, close, history, forms}. */
export function buildPanel(on) {
  const titleId = "zn-title";
  const iconBtn = (tid, label, d, handler, extra = {}) =>
    h(
      "button",
      {
        cls: "zn-icon-btn",
        tid,
        attrs: { type: "button", ...extra },
        ta: { "aria-label": label, title: label },
        on: { click: handler },
      },
      [icon(d)],
    );

  const title = h("h2", { cls: "zn-title", attrs: { id: titleId }, t: "title" });
  const sub = h("div", { cls: "zn-sub", tid: "zn-subtitle" });
  const historyBtn = iconBtn("zn-history", "history", ICONS.history, on.history);
  const formsBtn = iconBtn("zn-forms-open", "myForms", ICONS.forms, on.forms);
  const textSize = iconBtn("zn-text-size", "textSize", ICONS.text, () => setLarge(!large()), {
    "aria-pressed": "false",
  });
  const minimise = iconBtn("zn-minimise", "minimise", ICONS.minimise, on.minimise);
  const close = iconBtn("zn-close", "close", ICONS.close, on.close);
  const handle = h(
    "div",
    {
      cls: "zn-head",
      tid: "zn-drag-handle",
      attrs: { role: "group", tabindex: "0" },
      ta: { "aria-label": "handle" },
    },
    [h("div", { cls: "zn-titles" }, [title, sub]), formsBtn, historyBtn, textSize, minimise, close],
  );

  const banner = h("div", { cls: "zn-banner", tid: "zn-banner", attrs: { role: "status" } });
  banner.hidden = true;
  const messages = h("div", {
    cls: "zn-messages",
    tid: "zn-messages",
    attrs: { role: "log", "aria-live": "polite", tabindex: "0" },
    ta: { "aria-label": "messages" },
  });
  const typingSlot = h("div", { cls: "zn-typing-slot" });
  const actions = h("div", { cls: "zn-actions", tid: "zn-actions" });

  const input = h("textarea", {
    cls: "zn-field",
    tid: "zn-input",
    attrs: { rows: "1", maxlength: "2000" },
    ta: { "aria-label": "input", placeholder: "input" },
  });
  const send = h(
    "button",
    {
      cls: "zn-icon-btn zn-send",
      tid: "zn-send",
      attrs: { type: "button" },
      ta: { "aria-label": "send", title: "send" },
      on: { click: () => on.send() },
    },
    [icon(ICONS.send)],
  );
  const attachInput = h("input", {
    cls: "zn-vh",
    tid: "zn-attach",
    attrs: { type: "file", accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf" },
    ta: { "aria-label": "attach" },
  });
  attachInput.addEventListener("change", () => {
    const file = attachInput.files && attachInput.files[0];
    attachInput.value = "";
    if (file) on.attach(file);
  });
  const attachLabel = h("label", { cls: "zn-icon-btn zn-attach-label", ta: { title: "attach" } }, [
    icon(ICONS.attach),
    attachInput,
  ]);
  const composer = h("div", { cls: "zn-composer", tid: "zn-composer" }, [attachLabel, input, send]);

  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229)
      return;
    event.preventDefault(); // Enter sends; Shift+Enter breaks the line; Enter inside an IME confirms the word
    on.send();
  });
  input.addEventListener("input", () => {
    input.style.height = "auto";
    input.style.height = Math.min(120, input.scrollHeight + 2) + "px";
    on.typing();
  });
  input.addEventListener("paste", (event) => {
    const files = [...(event.clipboardData ? event.clipboardData.files : [])];
    if (files.length) {
      event.preventDefault();
      on.attach(files[0]);
    }
  });

  const historyView = h("div", { cls: "zn-history", tid: "zn-history-list" });
  historyView.hidden = true;

  const panel = h(
    "div",
    {
      cls: "zn-panel",
      tid: "zn-panel",
      attrs: {
        role: "dialog",
        "aria-labelledby": titleId,
        "aria-modal": "false",
        "data-state": "bot",
      },
    },
    [handle, banner, messages, typingSlot, actions, composer, historyView],
  );
  panel.hidden = true;
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented) {
      event.preventDefault();
      on.minimise();
    }
  });

  function large() {
    return panel.classList.contains("zn-large");
  }
  function setLarge(value) {
    panel.classList.toggle("zn-large", value);
    textSize.setAttribute("aria-pressed", String(value));
    try {
      localStorage.setItem(LARGE_KEY, value ? "1" : "0");
    } catch {
      /* not remembered */
    }
  }
  try {
    setLarge(localStorage.getItem(LARGE_KEY) === "1");
  } catch {
    setLarge(false);
  }

  return {
    panel,
    handle,
    title,
    sub,
    historyBtn,
    textSize,
    minimise,
    close,
    banner,
    messages,
    typingSlot,
    actions,
    composer,
    input,
    send,
    attachInput,
    attachLabel,
    historyView,
  };
}

/** Enable or disable the composer, with the placeholder saying why. */
export function setComposer(parts, enabled, placeholderKey, t, attachments) {
  parts.composer.hidden = placeholderKey === null;
  parts.input.disabled = !enabled;
  parts.send.disabled = !enabled;
  parts.attachInput.disabled = !attachments;
  parts.attachLabel.hidden = !attachments;
  if (placeholderKey) {
    parts.input.setAttribute(
      "data-zn-ta",
      "aria-label:" + placeholderKey + ",placeholder:" + placeholderKey,
    );
    parts.input.setAttribute("aria-label", t(placeholderKey));
    parts.input.setAttribute("placeholder", t(placeholderKey));
  }
}
