// @ts-check
// The figures of a range: headline numbers, charts (server-drawn SVG, each with its table), reasons, agents.
import { h, bilingual, both } from "../../shared/dom.js";
import { duration } from "../../shared/i18n.js";
import { table } from "../admin/util.js";

export const HEADLINE = [
  "requests",
  "bot_resolved",
  "handed_to_human",
  "abandoned",
  "served",
  "wait_p50_s",
  "wait_p90_s",
  "answered_30s",
  "answered_60s",
  "handling_p50_s",
  "transfers",
  "requeues",
  "calls",
  "call_avg_s",
  "rated",
  "satisfied",
  "ratings_removed",
  "messages_left",
  "messages_left_answered",
  "messages_left_answer_p50_s",
];
const SHARES = new Set(["answered_30s", "answered_60s", "satisfied"]);
const BUCKETS = [
  ["wait_0_10s", "0–10s"],
  ["wait_10_30s", "10–30s"],
  ["wait_30_60s", "30–60s"],
  ["wait_60_120s", "60–120s"],
  ["wait_120_300s", "120–300s"],
  ["wait_300s_plus", "≥300s"],
];
const SCORES = [5, 4, 3, 2, 1];

/** The text of a figure: counts as they are, shares as percentages, nothing as a dash. */
export function shown(name, value) {
  if (value === null || value === undefined) return "–";
  if (SHARES.has(name)) return `${(value * 100).toFixed(1)}%`;
  return String(value);
}

/** A grid of figures: each a label and a value element (console-report-figure, data-name, text = value). */
export function figureGrid(figures, names = HEADLINE) {
  return h(
    "dl",
    { cls: "figures" },
    names
      .filter((name) => name in figures)
      .map((name) =>
        h("div", { cls: "figure-card" }, [
          bilingual(h("dt"), `f_${name}`),
          h("dd", {
            cls: "figure",
            tid: "console-report-figure",
            data: { name, value: figures[name] ?? "" },
            text: shown(name, figures[name]),
          }),
        ]),
      ),
  );
}

function tableOf(heads, rows, tid) {
  const { el, tbody } = table(heads, tid);
  tbody.replaceChildren(
    ...rows.map((cells) =>
      h(
        "tr",
        {},
        cells.map((cell, i) =>
          i === 0
            ? h("th", { attrs: { scope: "row" }, text: String(cell) })
            : h("td", { text: String(cell ?? "–") }),
        ),
      ),
    ),
  );
  return el;
}

function chart(name, query, heads, rows) {
  const img = h("img", {
    tid: "console-report-chart",
    data: { chart: name },
    attrs: {
      src: `/console/api/reports/chart/${name}.svg?${query}`,
      alt: both(`chart_${name}`),
      width: 720,
      height: 260,
    },
  });
  const details = h("details", { cls: "chart-table" }, [
    bilingual(h("summary"), "asTable"),
    tableOf(heads, rows, `console-report-table-${name}`),
  ]);
  return h("figure", { cls: "chart card", data: { chart: name } }, [
    bilingual(h("figcaption"), `chart_${name}`),
    img,
    details,
  ]);
}

/** Render a report (the JSON of /console/api/reports) into container; query is its URL query string. */
export function renderReport(container, report, query) {
  const f = report.figures;
  const charts = h("div", { cls: "charts" }, [
    chart(
      "hours",
      query,
      ["hour", "requests", "served", "abandoned"],
      report.by_hour.map((r) => [`${r.hour}:00`, r.requests, r.served, r.abandoned]),
    ),
    chart(
      "days",
      query,
      ["day", "requests", "served", "abandoned", "waitAvg"],
      report.by_day.map((r) => [r.day, r.requests, r.served, r.abandoned, r.wait_avg_s]),
    ),
    chart(
      "waits",
      query,
      ["bucket", "count"],
      BUCKETS.map(([key, label]) => [label, f[key]]),
    ),
    chart(
      "ratings",
      query,
      ["rating", "count"],
      SCORES.map((n) => [both(`score${n}`), f[`rating_${n}`]]),
    ),
  ]);
  const reasons = report.reasons.length
    ? tableOf(
        ["reason", "count"],
        report.reasons.map((r) => [r.tag, r.count]),
        "console-report-reasons",
      )
    : bilingual(h("p", { cls: "hint" }), "noReasons");
  const people = report.agents.length
    ? tableOf(
        [
          "a_name",
          "a_served",
          "a_handling",
          "a_online",
          "a_away",
          "a_load",
          "a_rated",
          "a_score",
          "a_transfers",
        ],
        report.agents.map((a) => [
          a.name,
          a.served,
          a.handling_avg_s,
          duration(a.online_s),
          duration(a.away_s),
          a.load,
          a.rated,
          a.score_avg,
          a.transfers,
        ]),
        "console-report-agents",
      )
    : bilingual(h("p", { cls: "hint" }), "noAgents");
  container.replaceChildren(
    bilingual(
      h("p", { cls: "hint", tid: "console-report-period" }),
      "periodShown",
      report.range.from,
      report.range.to,
    ),
    figureGrid(f),
    bilingual(h("h2"), "charts"),
    charts,
    bilingual(h("h2"), "reasons"),
    reasons,
    bilingual(h("h2"), "perAgent"),
    people,
  );
}
