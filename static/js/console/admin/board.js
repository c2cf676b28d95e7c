// @ts-check
// The live board: each centre's waiting, in-service and online figures, refreshed every few seconds.
import { h, bilingual } from "../../shared/dom.js";
import { clock, duration } from "../../shared/i18n.js";
import { get } from "../api.js";
import { section, table, statusLine } from "./util.js";

const EVERY = 3000; // ms between refreshes: live enough for a duty supervisor, cheap for the server

/** The board section; centreId: show that centre only (a supervisor's landing), else every centre. */
export function mountBoard(centreId = null) {
  const { el, body } = section("board", "board", "console-board");
  const { el: grid, tbody } = table(
    ["centre", "openNow", "waiting", "inService", "agentsOnline", "longestWait", "ratingAverage"],
    "console-board-rows",
  );
  const stamp = h("p", { cls: "hint", tid: "console-board-updated" });
  const status = statusLine("console-board-status");
  body.append(grid, stamp, status.el);
  const cell = (field, value) =>
    h("td", { data: { field }, cls: field === "title" ? "" : "figure-cell" }, [
      h("span", { cls: "figure", text: String(value) }),
    ]);
  async function refresh() {
    try {
      const { centres } = await get("/console/api/board");
      const rows = centres
        .filter((c) => !centreId || c.id === centreId)
        .map((c) => {
          const open = bilingual(
            h("td", { data: { field: "open", value: String(c.open) } }),
            c.open ? "isOpen" : "isClosed",
          );
          if (!c.open && c.next_open)
            open.append(h("div", { cls: "hint", text: clock(c.next_open, true) }));
          const since = c.longest_wait_since
            ? duration((Date.now() - Date.parse(c.longest_wait_since)) / 1000)
            : "–";
          return h("tr", { tid: "console-board-centre", data: { centreId: c.id } }, [
            h("th", { attrs: { scope: "row" }, text: c.name }),
            open,
            cell("waiting", c.waiting),
            cell("in_service", c.in_service),
            cell("agents_online", c.agents_online),
            h("td", { data: { field: "longest_wait" }, text: since }),
            cell(
              "rating_average",
              c.ratings.average === null
                ? "–"
                : `${c.ratings.average.toFixed(2)} (${c.ratings.count})`,
            ),
          ]);
        });
      tbody.replaceChildren(...rows);
      bilingual(stamp, "updatedAt", clock(new Date()));
      status.clear();
    } catch (error) {
      status.fail(error);
    }
  }
  refresh();
  setInterval(refresh, EVERY);
  return el;
}
