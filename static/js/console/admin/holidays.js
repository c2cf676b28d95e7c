// @ts-check
// National holiday arrangements: the years loaded, a warning when this or next year is missing, add a year as JSON.
import { h, bilingual, field, both } from "../../shared/dom.js";
import { get, post } from "../api.js";
import { section, statusLine, button } from "./util.js";

export function mountHolidays() {
  const { el, body } = section("holidays", "holidays", "console-holidays");
  const years = h("p", { tid: "console-holidays-years" });
  const warning = h("p", {
    cls: "warning",
    tid: "console-holidays-missing",
    attrs: { role: "alert" },
  });
  const json = h("textarea", {
    tid: "console-holidays-json",
    attrs: { rows: 8, spellcheck: "false" },
  });
  const status = statusLine("console-holidays-status");
  const add = button(
    "addYear",
    "console-holidays-add",
    async () => {
      let data;
      try {
        data = JSON.parse(json.value);
      } catch {
        status.fail({ code: "bad_json", zh: "不是有效的 JSON。", en: "Not valid JSON." });
        return;
      }
      try {
        const answer = await post("/console/api/holidays", data);
        status.ok("yearAdded", data.year);
        json.value = "";
        show(answer);
      } catch (error) {
        status.fail(error);
      }
    },
    "primary",
  );
  body.append(years, warning, field("holidayJson", json), add, status.el);
  function show({ years: loaded, missing_years: missing }) {
    bilingual(years, "yearsLoaded", loaded.join("、") || "—");
    years.dataset.years = loaded.join(",");
    warning.hidden = !missing.length;
    warning.dataset.years = missing.join(",");
    if (missing.length) bilingual(warning, "yearsMissing", missing.join("、"));
  }
  get("/console/api/holidays")
    .then(show)
    .catch((error) => status.fail(error));
  json.setAttribute(
    "placeholder",
    '{"country": "CN", "year": 2027, "source": "…", "holidays": [{"name": "元旦", "days": ["2027-01-01"]}], "makeup_workdays": []}',
  );
  json.setAttribute("aria-description", both("holidayJson"));
  return el;
}
