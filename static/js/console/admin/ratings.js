// @ts-check
// 好差评: the centre's ratings per conversation, each with a link to its transcript.
import { h, bilingual } from "../../shared/dom.js";
import { clock } from "../../shared/i18n.js";
import { get } from "../api.js";
import { section, table, statusLine, button } from "./util.js";
import { showTranscript } from "./transcript.js";

export function mountRatings() {
  const { el, body } = section("ratings", "ratings", "console-ratings");
  const { el: grid, tbody } = table(
    ["time", "agent", "ratingCategory", "score", "tags", "comment", "transcriptLink"],
    "console-rating-rows",
  );
  const viewer = h("div", {
    cls: "transcript",
    tid: "console-transcript",
    attrs: { tabindex: "-1" },
  });
  viewer.hidden = true;
  const status = statusLine("console-ratings-status");
  const empty = bilingual(h("p", { cls: "hint" }), "noRatings");
  const figures = h("p", {
    cls: "rating-figures",
    tid: "console-ratings-figures",
    attrs: { role: "status" },
  });
  body.append(
    button("refresh", "console-ratings-refresh", () => load()),
    figures,
    grid,
    empty,
    status.el,
    viewer,
  );
  async function load() {
    try {
      const { items, figures: f } = await get("/console/api/ratings");
      empty.hidden = items.length > 0;
      figures.dataset.count = String(f.count);
      figures.dataset.average = f.average === null ? "" : String(f.average);
      bilingual(
        figures,
        "ratingFigures",
        f.count,
        f.average === null ? "–" : f.average.toFixed(2),
        f.satisfied_share === null ? "–" : `${Math.round(f.satisfied_share * 100)}%`,
      );
      tbody.replaceChildren(
        ...items.map((r) => {
          const link = h("a", {
            tid: "console-rating-transcript",
            t: "transcriptLink",
            attrs: { href: `#transcript-${r.interaction_id}` },
          });
          link.addEventListener("click", (event) => {
            event.preventDefault();
            showTranscript(viewer, r.interaction_id);
          });
          const score = bilingual(h("td", { data: { field: "score" } }), `score${r.score}`);
          if (r.removed)
            score.append(
              " ",
              bilingual(
                h("span", { cls: "removed-mark", tid: "console-rating-removed" }),
                "ratingRemoved",
              ),
            );
          return h(
            "tr",
            {
              tid: "console-rating-item",
              cls: r.removed ? "removed" : "",
              data: { interactionId: r.interaction_id, score: r.score, removed: String(r.removed) },
            },
            [
              h("td", { text: clock(r.created_at, true) }),
              h("td", { text: r.agent_name || "" }),
              h("td", { text: r.category || "" }),
              score,
              h("td", { text: (r.tags || []).join("、") }),
              h("td", { text: r.comment || "" }),
              h("td", {}, [link]),
            ],
          );
        }),
      );
      status.clear();
    } catch (error) {
      status.fail(error);
    }
  }
  load();
  return Object.assign(el, { reload: load }); // an appeal decided elsewhere on the page changes the figures
}
