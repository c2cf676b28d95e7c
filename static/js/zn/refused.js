// @ts-check
// The window for someone the site does not serve (role_not_allowed): why, in the server's words, and where to
// go instead, in the locale. Fetched only when it happens.
import { h } from "../shared/dom.js";
import { addStrings, errorText } from "./i18n.js";

addStrings({
  "zh-CN": {
    refusedTitle: "暂时无法为您提供征纳互动服务",
    refusedWhere:
      "请在电子税务局切换为企业的{roles}身份后重新打开本窗口；其他涉税问题可拨打 12366 纳税服务热线，或前往主管税务机关的办税服务厅咨询。",
  },
  en: {
    refusedTitle: "This chat is not available to you",
    refusedWhere:
      "Switch to the enterprise role of {roles} on the e-tax site and open this window again; for other tax questions call the 12366 tax service hotline or visit your tax office's service hall.",
  },
});

let el = null;

/** Fill the window's refusal (zn-refused) for app (its parts, t, cfg and the refused error), in the locale. */
export function drawRefused(app) {
  const p = app.parts,
    t = app.t,
    error = app.refused.error,
    detail = error.detail || {};
  p.historyBtn.hidden = true;
  if (!el) {
    el = h("section", {
      cls: "zn-refused",
      tid: "zn-refused",
      attrs: { role: "alert", "aria-labelledby": "zn-refused-title" },
    });
    p.banner.after(el);
  }
  const roles = (detail.allowed || []).join(app.cfg.locale === "en" ? ", " : "、");
  el.replaceChildren(
    h("h3", { attrs: { id: "zn-refused-title" }, text: t("refusedTitle") }),
    h("p", { text: errorText(app.cfg, error) }),
    h("p", { text: t("refusedWhere", { roles }) }),
  );
}
