// @ts-check
// The list of the person's past conversations (history.list); choosing one shows it read-only.
import { h } from "../shared/dom.js";
import { formatTime } from "../shared/i18n.js";

/** @type {Intl.DateTimeFormatOptions} */
const DATED = {
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
};

/** The row with 返回当前互动 under a list that replaced the conversation (history, forms). */
export function backRow(/** @type {() => void} */ back) {
  return h("div", { cls: "zn-row" }, [
    h("button", {
      cls: "zn-btn zn-secondary",
      tid: "zn-history-back",
      attrs: { type: "button" },
      t: "back",
      on: { click: back },
    }),
  ]);
}

/** Fill view with items (INTERACTION views, newest first); choose(id) opens one, back() returns. */
export function renderHistory(view, t, cfg, items, choose, back) {
  const when = (/** @type {string} */ iso) => formatTime(iso, cfg.locale, DATED);
  const list = h("ul", { cls: "zn-form", attrs: { "aria-labelledby": "zn-history-title" } });
  for (const item of items) {
    const label = when(item.created_at) + " · " + t("state_" + item.state);
    list.append(
      h("li", {}, [
        h("button", {
          cls: "zn-btn zn-secondary",
          tid: "zn-history-item",
          attrs: { type: "button", "data-interaction-id": item.id },
          text: label,
          on: { click: () => choose(item) },
        }),
      ]),
    );
  }
  view.replaceChildren(
    h("h3", { attrs: { id: "zn-history-title" }, t: "historyTitle" }),
    items.length ? list : h("p", { cls: "zn-note", t: "historyEmpty" }),
    backRow(back),
  );
  const first = view.querySelector("button");
  if (first) first.focus();
}
