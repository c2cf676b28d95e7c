// @ts-check
// 记录查询: find conversations by TIN, enterprise, person, agent, dates and words; open one with its recordings.
// The server audits every search, every transcript opened and every recording played.
import { h, bilingual, both, field } from "../../shared/dom.js";
import { clock, duration } from "../../shared/i18n.js";
import { get } from "../api.js";
import { section, statusLine } from "../admin/util.js";
import { showTranscript } from "../admin/transcript.js";

function input(tid, type = "text", extra = {}) {
  return h("input", { tid, attrs: { type, ...extra } });
}

export function mountSearch(agents) {
  const { el, body } = section("search", "searchTitle", "console-search");
  const words = input("console-search-input", "search", { name: "q", maxlength: 200 });
  const tin = input("console-search-tin", "text", {
    name: "tin",
    maxlength: 20,
    autocomplete: "off",
  });
  const enterprise = input("console-search-enterprise", "text", {
    name: "enterprise",
    maxlength: 200,
  });
  const person = input("console-search-person", "text", { name: "person", maxlength: 100 });
  const agent = h("select", { tid: "console-search-agent", attrs: { name: "agent" } }, [
    h("option", { text: both("anyAgent"), attrs: { value: "" } }),
  ]);
  agents
    .then((items) =>
      agent.append(
        ...items.map((a) =>
          h("option", { text: `${a.display_name}（${a.username}）`, attrs: { value: a.id } }),
        ),
      ),
    )
    .catch(() => null);
  const from = input("console-search-from", "date", { name: "from" });
  const to = input("console-search-to", "date", { name: "to" });
  const submit = h("button", {
    cls: "primary",
    tid: "console-search-submit",
    t: "searchSubmit",
    attrs: { type: "submit" },
  });
  const form = h(
    "form",
    { cls: "search-form", attrs: { role: "search", "aria-label": both("searchTitle") } },
    [
      field("searchWords", words),
      field("searchTin", tin),
      field("searchEnterprise", enterprise),
      field("searchPerson", person),
      field("searchAgent", agent),
      field("dateFrom", from),
      field("dateTo", to),
      h("div", { cls: "form-actions" }, [submit]),
    ],
  );
  const status = statusLine("console-search-status");
  const count = h("p", { cls: "hint", tid: "console-search-count", attrs: { role: "status" } });
  const results = h("ul", { cls: "search-results", tid: "console-search-results" });
  const viewer = h("div", {
    cls: "transcript",
    tid: "console-search-transcript",
    attrs: { tabindex: "-1" },
  });
  viewer.hidden = true;
  const media = h("div", { cls: "search-recordings", tid: "console-search-recordings" });
  body.append(form, status.el, count, results, viewer, media);

  async function open(item) {
    await showTranscript(viewer, item.interaction_id);
    media.replaceChildren(bilingual(h("h3"), "recordingsOf"));
    try {
      const { items } = await get(
        `/console/api/interactions/${encodeURIComponent(item.interaction_id)}/recordings`,
      );
      if (!items.length) media.append(bilingual(h("p", { cls: "hint" }), "noRecordingsHere"));
      for (const rec of items) {
        const player = h("video", {
          tid: "console-search-recording",
          data: { recordingId: rec.id },
          attrs: {
            controls: true,
            preload: "none",
            src: rec.url,
            "aria-label": `${both("recordingsOf")} ${rec.kind}`,
          },
        });
        media.append(
          h("figure", { cls: "recording-player" }, [
            player,
            h("figcaption", { text: `${rec.kind} · ${duration(rec.duration / 1000)}` }),
          ]),
        );
      }
    } catch (error) {
      media.append(
        h("p", { cls: "error", attrs: { role: "alert" }, text: `${error.zh} ${error.en}` }),
      );
    }
  }

  function row(item) {
    const button = h("button", {
      cls: "secondary",
      tid: "console-search-open",
      t: "open",
      attrs: { type: "button" },
    });
    button.addEventListener("click", () => open(item));
    return h(
      "li",
      {
        cls: "search-result",
        tid: "console-search-result",
        data: { interactionId: item.interaction_id },
      },
      [
        h("span", { cls: "when", text: clock(item.created_at, true) }),
        h("span", {
          text: [item.enterprise, item.person_name, item.tin].filter(Boolean).join(" · "),
        }),
        h("span", { cls: "hint", text: [item.agent_name, item.state].filter(Boolean).join(" · ") }),
        button,
      ],
    );
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    /** @type {Array<[string, HTMLInputElement | HTMLSelectElement]>} */
    const fields = [
      ["q", words],
      ["tin", tin],
      ["enterprise", enterprise],
      ["person", person],
      ["agent", agent],
      ["from", from],
      ["to", to],
    ];
    for (const [name, control] of fields) {
      if (control.value.trim()) params.set(name, control.value.trim());
    }
    submit.disabled = true;
    try {
      const { items } = await get(`/console/api/search?${params}`);
      results.replaceChildren(...items.map(row));
      bilingual(count, items.length ? "searchCount" : "searchNone", items.length);
      status.clear();
    } catch (error) {
      status.fail(error);
    } finally {
      submit.disabled = false;
    }
  });
  return el;
}
