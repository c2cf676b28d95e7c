// @ts-check
// The bot's most frequent unanswered and disliked questions; one click adds one as a phrasing of a chosen entry.
import { h, bilingual, both } from "../../shared/dom.js";
import { clock } from "../../shared/i18n.js";
import { get, post } from "../api.js";
import { button } from "./util.js";

export function mountInsights(status, reload) {
  const unanswered = h("ul", { tid: "console-kb-unanswered" });
  const disliked = h("ul", { tid: "console-kb-disliked" });
  const el = h("div", { cls: "insights", tid: "console-kb-insights" }, [
    bilingual(h("h3"), "insights"),
    button("refresh", "console-kb-insights-refresh", () => load()),
    bilingual(h("h4"), "unanswered"),
    unanswered,
    bilingual(h("h4"), "disliked"),
    disliked,
  ]);
  // what the supervisor typed as a row's target entry, kept across a refresh that rebuilds the rows
  const typed = new Map();
  function row(item, kind) {
    const key = `${kind}\n${item.question}`;
    const target = h("input", {
      tid: "console-kb-insight-target",
      attrs: { size: 10, "aria-label": `${both("targetEntry")}: ${item.question}` },
    });
    target.value = typed.get(key) ?? (item.picked_kb_id || item.kb_id || "");
    target.addEventListener("input", () => typed.set(key, target.value));
    const add = button("asAliasOf", "console-kb-insight-alias", async () => {
      const id = target.value.trim();
      if (!id) {
        target.focus();
        return;
      }
      try {
        await post(`/console/api/kb/entry/${encodeURIComponent(id)}/aliases`, {
          text: item.question,
        });
        status.ok("aliasAdded", item.question, id);
        typed.delete(key);
        add.disabled = true;
        reload();
      } catch (error) {
        status.fail(error);
      }
    });
    return h(
      "li",
      { tid: "console-kb-insight", data: { kind, question: item.question, count: item.count } },
      [
        h("strong", { text: item.question }),
        " ",
        bilingual(h("span", { cls: "hint" }), "times", item.count),
        h("span", { cls: "hint", text: ` · ${item.outcome} · ${clock(item.last_at, true)} ` }),
        add,
        " ",
        target,
      ],
    );
  }
  async function load() {
    try {
      const data = await get("/console/api/kb/insights");
      for (const [list, items, kind] of [
        [unanswered, data.unanswered, "unanswered"],
        [disliked, data.disliked, "disliked"],
      ]) {
        list.replaceChildren(...items.map((item) => row(item, kind)));
        if (!items.length) list.append(bilingual(h("li", { cls: "hint" }), "noInsights"));
      }
    } catch (error) {
      status.fail(error);
    }
  }
  load();
  return el;
}
