// @ts-check
// Shared pieces of the administration pages: sections, status lines, tables.
import { h, bilingual } from "../../shared/dom.js";
import { post } from "../api.js";

/** The 退出登录 button of the administration and report pages: sign out, back to the sign-in. */
export function logoutButton() {
  const signOut = async () => {
    await post("/console/logout").catch(() => null);
    location.href = "/console";
  };
  return h("button", {
    cls: "link",
    tid: "console-logout",
    t: "logout",
    attrs: { type: "button" },
    on: { click: signOut },
  });
}

/** A page section with a heading; returns {el, body}. */
export function section(id, titleKey, tid) {
  const title = bilingual(h("h2", { attrs: { id: `${id}-title` } }), titleKey);
  const body = h("div", { cls: "section-body" });
  const el = h("section", { cls: "card", tid, attrs: { id, "aria-labelledby": `${id}-title` } }, [
    title,
    body,
  ]);
  return { el, body };
}

/** A status line under an editor: ok(key, ...args) or fail(error with zh/en). */
export function statusLine(tid) {
  const el = h("p", { cls: "status-line", tid, attrs: { role: "status", "aria-live": "polite" } });
  return {
    el,
    ok(key, ...args) {
      el.className = "status-line ok";
      el.dataset.result = "ok";
      delete el.dataset.code;
      bilingual(el, key, ...args);
    },
    fail(error) {
      el.className = "status-line bad";
      el.dataset.result = "error";
      el.dataset.code = error.code || "error";
      el.replaceChildren(
        document.createTextNode(`${error.zh || error.message || ""} `),
        h("span", { cls: "en", attrs: { lang: "en" }, text: error.en || "" }),
      );
    },
    clear() {
      el.textContent = "";
      delete el.dataset.result;
    },
  };
}

/** A table with bilingual header cells; returns {el, tbody}. */
export function table(headKeys, tid) {
  const tbody = h("tbody", { tid });
  const el = h("table", {}, [
    h("thead", {}, [
      h(
        "tr",
        {},
        headKeys.map((key) => bilingual(h("th", { attrs: { scope: "col" } }), key)),
      ),
    ]),
    tbody,
  ]);
  return { el, tbody };
}

/** A button with a bilingual label. */
export function button(label, tid, onClick, cls = "secondary") {
  const el = h("button", { cls, tid, t: label, attrs: { type: "button" } });
  el.addEventListener("click", onClick);
  return el;
}
