// @ts-check
// 报表 page: the live board, a range's figures, charts and per-agent figures, exports, and transcript search.
// Supervisors see their centre; administrators every centre or the whole province (the server decides).
import { h, bilingual, both, field, useTranslator } from "../../shared/dom.js";
import { t } from "../i18n.js";
import { get } from "../api.js";
import "../admin/strings.js";
import "./strings.js";
import { mountBoard } from "../admin/board.js";
import { section, statusLine, logoutButton } from "../admin/util.js";
import { renderReport } from "./figures.js";
import { mountSearch } from "./search.js";

useTranslator(t);
const root = document.getElementById("reports");
const admin = root.dataset.role === "admin";
const RANGES = ["today", "7d", "month", "custom"];

function localToday() {
  return new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" }); // YYYY-MM-DD
}

function mountReport() {
  const { el, body } = section("report", "figures", "console-report");
  const range = h(
    "select",
    { tid: "console-report-range", attrs: { name: "range" } },
    RANGES.map((value) => h("option", { text: both(`range_${value}`), attrs: { value } })),
  );
  const from = h("input", {
    tid: "console-report-from",
    attrs: { type: "date", name: "from", value: localToday() },
  });
  const to = h("input", {
    tid: "console-report-to",
    attrs: { type: "date", name: "to", value: localToday() },
  });
  const dates = h("div", { cls: "dates" }, [field("dateFrom", from), field("dateTo", to)]);
  dates.hidden = true;
  const controls = [field("range", range), dates];
  let centre = null;
  if (admin) {
    centre = h("select", { tid: "console-report-centre", attrs: { name: "centre" } }, [
      h("option", { text: both("province"), attrs: { value: "" } }),
      ...JSON.parse(root.dataset.centres).map((c) =>
        h("option", { text: c.name, attrs: { value: c.id } }),
      ),
    ]);
    controls.push(field("centreFilter", centre));
  }
  const apply = h("button", {
    cls: "primary",
    tid: "console-report-apply",
    t: "show",
    attrs: { type: "submit" },
  });
  const form = h("form", { cls: "report-controls", attrs: { "aria-label": both("range") } }, [
    ...controls,
    apply,
  ]);
  const exportLinks = h("div", { cls: "exports" });
  const status = statusLine("console-report-status");
  const out = h("div", {
    cls: "report-body",
    tid: "console-report-body",
    attrs: { "aria-live": "polite", "aria-busy": "false" },
  });
  body.append(form, status.el, out, bilingual(h("h2"), "exportsTitle"), exportLinks);

  function query() {
    const params = new URLSearchParams({ range: range.value });
    if (range.value === "custom") {
      params.set("from", from.value);
      params.set("to", to.value);
    }
    if (centre && centre.value) params.set("centre", centre.value);
    return params.toString();
  }

  function link(kind, fmt, tid, label) {
    return h(
      "a",
      {
        cls: "button-link",
        tid,
        attrs: { href: `/console/api/reports/export/${kind}.${fmt}?${query()}`, download: "" },
      },
      [bilingual(h("span"), label), ` · ${fmt.toUpperCase()}`],
    );
  }

  function renderLinks() {
    exportLinks.replaceChildren(
      h("p", {}, [
        link("conversations", "csv", "console-report-export-csv", "exportConversations"),
        " ",
        link("conversations", "xlsx", "console-report-export-xlsx", "exportConversations"),
      ]),
      h("p", {}, [
        link("agents", "csv", "console-report-export-agents-csv", "exportAgents"),
        " ",
        link("agents", "xlsx", "console-report-export-agents-xlsx", "exportAgents"),
      ]),
      h("p", {}, [
        link("unanswered", "csv", "console-report-export-unanswered-csv", "exportUnanswered"),
        " ",
        link("unanswered", "xlsx", "console-report-export-unanswered-xlsx", "exportUnanswered"),
      ]),
    );
  }

  async function load() {
    const q = query();
    out.setAttribute("aria-busy", "true");
    try {
      const report = await get(`/console/api/reports?${q}`);
      renderReport(out, report, q);
      out.dataset.range = range.value;
      renderLinks();
      status.clear();
    } catch (error) {
      status.fail(error); // the figures shown before stay, and so does what was typed
    } finally {
      out.setAttribute("aria-busy", "false");
    }
  }
  range.addEventListener("change", () => {
    dates.hidden = range.value !== "custom";
    if (range.value !== "custom") load();
  });
  if (centre) centre.addEventListener("change", () => load());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  renderLinks();
  load();
  return el;
}

const header = h("header", { cls: "topbar" }, [
  bilingual(h("h1"), "reportsTitle"),
  h("span", { text: `${root.dataset.name} · ${both(`role_${root.dataset.role}`)}` }),
  h("nav", { cls: "links", attrs: { "aria-label": both("reportsNav") } }, [
    h("a", { tid: "console-back", t: "consoleLink", attrs: { href: "/console" } }),
    h("a", { tid: "console-admin-link", t: "adminLink", attrs: { href: "/console/admin" } }),
    logoutButton(),
  ]),
]);
const agents = get("/console/api/agents").then((answer) => answer.items);
agents.catch(() => null);
const centreId = admin ? null : root.dataset.centre;
const main = h(
  "main",
  { cls: "admin-main", tid: "console-reports", attrs: { id: "reports-main" } },
  [mountBoard(centreId), mountReport(), mountSearch(agents)],
);
root.replaceChildren(header, main);
