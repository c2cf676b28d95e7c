// @ts-check
// A supervisor's landing in the console: the centre's live board and today's figures, until a conversation opens.
import { h, bilingual } from "../shared/dom.js";
import { get } from "./api.js";
import "./admin/strings.js";
import "./reports/strings.js";
import { mountBoard } from "./admin/board.js";
import { statusLine } from "./admin/util.js";
import { figureGrid } from "./reports/figures.js";

const EVERY = 30000; // ms between refreshes of today's figures: they move slowly, the board has its own pace
const TODAY = [
  "requests",
  "bot_resolved",
  "handed_to_human",
  "abandoned",
  "served",
  "wait_p50_s",
  "answered_30s",
  "handling_p50_s",
  "rated",
  "satisfied",
];

/** Return the landing panel for a supervisor of centreId. */
export function todayPanel(centreId) {
  const grid = h("div", { tid: "console-today-figures" });
  const status = statusLine("console-today-status");
  const more = h("a", {
    cls: "button-link",
    tid: "console-reports-link",
    t: "moreReports",
    attrs: { href: "/console/reports" },
  });
  const figures = h(
    "section",
    { cls: "card", tid: "console-today", attrs: { "aria-labelledby": "today-title" } },
    [bilingual(h("h2", { attrs: { id: "today-title" } }), "todayTitle"), grid, status.el, more],
  );
  async function refresh() {
    try {
      const report = await get("/console/api/reports?range=today");
      grid.replaceChildren(figureGrid(report.figures, TODAY));
      status.clear();
    } catch (error) {
      status.fail(error);
    }
  }
  refresh();
  setInterval(refresh, EVERY);
  return h("div", { cls: "today-panel" }, [mountBoard(centreId), figures]);
}
