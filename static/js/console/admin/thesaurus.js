// @ts-check
// The thesaurus: the word pairs the bot treats as the same (shipped ones, with the voices they came from, and the
// site's own); a new pair is checked against the entries it touches before it can be added.
import { h, bilingual, both, field } from "../../shared/dom.js";
import { get, post, del } from "../api.js";
import { button, statusLine } from "./util.js";

export function mountThesaurus() {
  const variant = h("input", {
    tid: "console-thesaurus-variant",
    attrs: { maxlength: 20, "aria-label": both("thVariant") },
  });
  const canonical = h("input", {
    tid: "console-thesaurus-canonical",
    attrs: { maxlength: 20, "aria-label": both("thCanonical") },
  });
  const verdict = h("div", {
    cls: "th-verdict",
    tid: "console-thesaurus-verdict",
    attrs: { role: "status", "aria-live": "polite" },
  });
  const status = statusLine("console-thesaurus-status");
  const list = h("ul", { cls: "th-list", tid: "console-thesaurus-list" });
  const count = h("p", { cls: "hint", tid: "console-thesaurus-count" });
  const pair = () => ({ variant: variant.value.trim(), canonical: canonical.value.trim() });

  function showCheck(check) {
    verdict.dataset.verdict = check.verdict;
    const moved = (check.moved || []).map((m) => h("li", { text: `${m.question} → ${m.to}` }));
    verdict.replaceChildren(
      h("p", { text: `${check.reason.zh} ` }, [
        h("span", { cls: "en", attrs: { lang: "en" }, text: check.reason.en }),
      ]),
      bilingual(
        h("p", { cls: "hint" }),
        "thTouched",
        check.entries.length,
        check.entries.slice(0, 12).join(", "),
      ),
      ...(moved.length ? [h("ul", { cls: "th-moved" }, moved)] : []),
    );
  }
  const checkButton = button("thCheck", "console-thesaurus-check", async () => {
    checkButton.disabled = true;
    bilingual(verdict, "thChecking");
    delete verdict.dataset.verdict;
    try {
      showCheck(await post("/console/api/kb/thesaurus/check", pair()));
      status.clear();
    } catch (error) {
      verdict.replaceChildren();
      status.fail(error);
    } finally {
      checkButton.disabled = false;
    }
  });
  const addButton = button(
    "thAdd",
    "console-thesaurus-add",
    async () => {
      addButton.disabled = true;
      try {
        showCheck(await post("/console/api/kb/thesaurus", pair()));
        status.ok("thAdded", variant.value.trim(), canonical.value.trim());
        variant.value = "";
        canonical.value = "";
        load();
      } catch (error) {
        if (error.detail && error.detail.check) showCheck(error.detail.check);
        status.fail(error);
      } finally {
        addButton.disabled = false;
      }
    },
    "primary",
  );

  async function remove(item) {
    try {
      await del(`/console/api/kb/thesaurus/${encodeURIComponent(item.variant)}`);
      status.ok("thRemoved", item.variant);
      load();
    } catch (error) {
      status.fail(error);
    }
  }
  async function load() {
    try {
      const { items } = await get("/console/api/kb/thesaurus");
      const own = items.filter((item) => item.source === "site");
      bilingual(count, "thCount", items.length, own.length);
      list.replaceChildren(
        ...[...own, ...items.filter((item) => item.source !== "site")].map((item) =>
          h(
            "li",
            {
              tid: "console-thesaurus-item",
              data: { source: item.source, variant: item.variant },
            },
            [
              h("strong", { text: item.variant }),
              " → ",
              h("span", { text: item.canonical }),
              " ",
              h("span", { cls: "hint", text: item.sources.join(", ") }),
              ...(item.source === "site"
                ? [" ", button("remove", "console-thesaurus-remove", () => remove(item), "link")]
                : []),
            ],
          ),
        ),
      );
    } catch (error) {
      status.fail(error);
    }
  }
  const form = h("form", { cls: "th-form", attrs: { "aria-label": both("thesaurus") } }, [
    field("thVariant", variant),
    field("thCanonical", canonical),
    h("div", { cls: "row-actions" }, [checkButton, addButton]),
  ]);
  form.addEventListener("submit", (event) => event.preventDefault());
  const el = h("div", { cls: "thesaurus", tid: "console-thesaurus" }, [
    bilingual(h("h3"), "thesaurus"),
    bilingual(h("p", { cls: "hint" }), "thHelp"),
    form,
    verdict,
    status.el,
    count,
    list,
  ]);
  load();
  return el;
}
