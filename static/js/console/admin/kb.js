// @ts-check
// Knowledge base: search, edit an entry, add phrasings, import and export JSONL; the insights list is insights.js.
import { h, bilingual, both, field } from "../../shared/dom.js";
import { get, put, post, call } from "../api.js";
import { section, statusLine, button } from "./util.js";
import { mountInsights } from "./insights.js";
import { mountThesaurus } from "./thesaurus.js";

const SHOWN = 60; // entries listed at once; search narrows the rest

export function mountKb() {
  const { el, body } = section("kb", "kb", "console-kb");
  const search = h("input", {
    tid: "console-kb-search",
    attrs: { type: "search", "aria-label": both("kbSearch"), placeholder: both("kbSearch") },
  });
  const count = h("p", { cls: "hint", tid: "console-kb-count" });
  const list = h("ul", { cls: "kb-list", tid: "console-kb-list" });
  const status = statusLine("console-kb-status");
  const editor = makeEditor(status, () => load());
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(load, 250);
  });
  async function load() {
    try {
      const { items } = await get(`/console/api/kb?q=${encodeURIComponent(search.value.trim())}`);
      bilingual(
        count,
        items.length > SHOWN ? "kbShown" : "kbCount",
        Math.min(items.length, SHOWN),
        items.length,
      );
      list.replaceChildren(
        ...items
          .slice(0, SHOWN)
          .map((item) =>
            h("li", { tid: "console-kb-item", data: { kbId: item.id, source: item.source } }, [
              h("code", { text: item.id }),
              " ",
              h("span", { text: item.question }),
              " ",
              button("edit", "console-kb-edit", () => editor.open(item), "link"),
            ]),
          ),
      );
    } catch (error) {
      status.fail(error);
    }
  }
  const tools = h("div", { cls: "row-actions" }, [
    button("kbNew", "console-kb-new", () => editor.open(null)),
    button("kbExport", "console-kb-export", () => exportKb(status)),
  ]);
  const importBox = h("textarea", {
    tid: "console-kb-import-text",
    attrs: { rows: 4, "aria-label": both("kbImportText") },
  });
  const importButton = button("kbImport", "console-kb-import", async () => {
    try {
      const answer = await call("POST", "/console/api/kb/import", importBox.value);
      status.ok("kbImported", answer.imported);
      importBox.value = "";
      load();
    } catch (error) {
      status.fail(error);
    }
  });
  body.append(
    h("div", { cls: "kb-layout" }, [
      h("div", {}, [search, count, list, tools, field("kbImportText", importBox), importButton]),
      h("div", {}, [editor.el, status.el]),
    ]),
    mountInsights(status, () => load()),
    mountThesaurus(),
  );
  load();
  return el;
}

async function exportKb(status) {
  try {
    const response = await call("GET", "/console/api/kb/export", undefined, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { attrs: { href: url, download: "kb.jsonl" } });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    status.fail(error);
  }
}

function makeEditor(status, reload) {
  const input = (tid, attrs = {}) => h("input", { tid, attrs });
  const id = input("console-kb-field-id", { maxlength: 64, required: true });
  const category = input("console-kb-field-category", { maxlength: 64 });
  const question = input("console-kb-field-question", { maxlength: 200, required: true });
  const answer = h("textarea", {
    tid: "console-kb-field-answer",
    attrs: { rows: 6, maxlength: 4000 },
  });
  const aliases = h("textarea", { tid: "console-kb-field-aliases", attrs: { rows: 4 } });
  const questionEn = input("console-kb-field-question-en", { maxlength: 300, lang: "en" });
  const answerEn = h("textarea", {
    tid: "console-kb-field-answer-en",
    attrs: { rows: 6, maxlength: 6000, lang: "en" },
  });
  const aliasesEn = h("textarea", {
    tid: "console-kb-field-aliases-en",
    attrs: { rows: 4, lang: "en" },
  });
  const lines = (box) =>
    box.value
      .split("\n")
      .map((s) => s.trim())
      .filter(Boolean);
  const alias = input("console-kb-alias-input", { maxlength: 200 });
  let current = null;
  const save = button(
    "save",
    "console-kb-save",
    async () => {
      const entry = {
        category: category.value,
        question: question.value,
        answer: answer.value,
        aliases: lines(aliases),
        similar: current ? current.similar || [] : [],
        question_en: questionEn.value,
        answer_en: answerEn.value,
        aliases_en: lines(aliasesEn),
      };
      try {
        const { item } = await put(
          `/console/api/kb/entry/${encodeURIComponent(id.value.trim())}`,
          entry,
        );
        status.ok("saved");
        fill(item);
        reload();
      } catch (error) {
        status.fail(error);
      }
    },
    "primary",
  );
  const addAlias = button("kbAddAlias", "console-kb-alias-add", async () => {
    try {
      const { item } = await post(
        `/console/api/kb/entry/${encodeURIComponent(id.value.trim())}/aliases`,
        { text: alias.value },
      );
      alias.value = "";
      status.ok("saved");
      fill(item);
    } catch (error) {
      status.fail(error);
    }
  });
  const el = h(
    "form",
    { cls: "kb-editor", tid: "console-kb-editor", attrs: { "aria-label": both("edit") } },
    [
      field("kbId", id),
      field("kbCategory", category),
      field("kbQuestion", question),
      field("kbAnswer", answer),
      field("kbAliases", aliases),
      field("kbQuestionEn", questionEn),
      field("kbAnswerEn", answerEn),
      field("kbAliasesEn", aliasesEn),
      h("div", { cls: "row-actions" }, [save]),
      field("kbNewAlias", alias),
      addAlias,
    ],
  );
  el.addEventListener("submit", (event) => event.preventDefault());
  el.hidden = true;
  function fill(item) {
    current = item;
    id.value = item ? item.id : "";
    id.readOnly = !!item;
    category.value = item ? item.category || "" : "";
    question.value = item ? item.question : "";
    answer.value = item ? item.answer : "";
    aliases.value = item ? (item.aliases || []).join("\n") : "";
    questionEn.value = item ? item.question_en || "" : "";
    answerEn.value = item ? item.answer_en || "" : "";
    aliasesEn.value = item ? (item.aliases_en || []).join("\n") : "";
    el.dataset.kbId = item ? item.id : "";
  }
  return {
    el,
    open(item) {
      fill(item);
      el.hidden = false;
      (item ? question : id).focus();
    },
  };
}
