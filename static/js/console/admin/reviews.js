// @ts-check
// 差评回访 and 申诉复核 for supervisors: follow-ups of poor ratings (due in working days; overdue ones stand out)
// closed with what was done, and agents' appeals of ratings kept or removed from the figures.
import { h, bilingual, both } from "../../shared/dom.js";
import { clock } from "../../shared/i18n.js";
import { extend } from "../i18n.js";
import { get, post } from "../api.js";
import { section, table, statusLine, button } from "./util.js";
import { showTranscript } from "./transcript.js";

extend({
  followups: ["差评回访", "Follow-ups of poor ratings"],
  noFollowups: ["暂无需要回访的差评", "No poor ratings to follow up"],
  due: ["回访期限", "Due"],
  followupStatus_open: ["待回访", "Open"],
  followupStatus_overdue: ["已逾期", "Overdue"],
  followupStatus_closed: ["已回访", "Closed"],
  followupNote: [
    "回访记录（已联系、已解释、已纠正…）",
    "What was done (contacted, explained, corrected…)",
  ],
  followupNoteFor: (who) => [`${who} 的回访记录`, `Follow-up note for ${who}`],
  followupClose: ["完成回访", "Close follow-up"],
  followupClosed: ["已完成回访", "Follow-up closed"],
  needNote: ["请先填写回访记录", "Write what was done first"],
  appeals: ["申诉复核", "Appeals of ratings"],
  noAppeals: ["暂无申诉", "No appeals"],
  appealReason: ["申诉理由", "Reason"],
  appealStatus_open: ["待复核", "Open"],
  appealStatus_kept: ["维持评价", "Rating kept"],
  appealStatus_removed: ["已剔除（不计入统计）", "Removed from the figures"],
  appealKeep: ["维持评价", "Keep the rating"],
  appealRemove: ["剔除该评价", "Remove from the figures"],
  decided: ["已处理", "Decided"],
  scoreOf: (n) => [`${n} 分`, `${n} of 5`],
});

function who(item) {
  return [item.enterprise, item.person].filter(Boolean).join(" · ");
}

function transcriptLink(viewer, iid) {
  const link = h("a", {
    tid: "console-review-transcript",
    t: "transcriptLink",
    attrs: { href: `#transcript-${iid}` },
  });
  link.addEventListener("click", (event) => {
    event.preventDefault();
    showTranscript(viewer, iid);
  });
  return link;
}

function viewerEl() {
  const viewer = h("div", {
    cls: "transcript",
    tid: "console-review-transcript-view",
    attrs: { tabindex: "-1" },
  });
  viewer.hidden = true;
  return viewer;
}

export function mountFollowups() {
  const { el, body } = section("followups", "followups", "console-followups");
  const { el: grid, tbody } = table(
    ["time", "person", "agent", "score", "due", "status", "transcriptLink"],
    "console-followup-rows",
  );
  const status = statusLine("console-followups-status");
  const empty = bilingual(h("p", { cls: "hint" }), "noFollowups");
  const viewer = viewerEl();
  const drafts = new Map(); // interaction id -> a note being written: a refresh of the list keeps it
  body.append(
    button("refresh", "console-followups-refresh", () => load()),
    grid,
    empty,
    status.el,
    viewer,
  );

  function row(item) {
    const cells = [
      h("td", { text: clock(item.created_at, true) }),
      h("td", { text: who(item) }),
      h("td", { text: item.agent_name || "" }),
      bilingual(h("td"), `score${item.score}`),
      h("td", { cls: item.status === "overdue" ? "overdue" : "", text: clock(item.due_at, true) }),
      bilingual(h("td", { tid: "console-followup-state" }), `followupStatus_${item.status}`),
      h("td", {}, [transcriptLink(viewer, item.interaction_id)]),
    ];
    const main = h(
      "tr",
      {
        tid: "console-followup",
        cls: `followup-${item.status}`,
        data: { interactionId: item.interaction_id, status: item.status },
      },
      cells,
    );
    const detail = h("td", { attrs: { colspan: cells.length } });
    if (item.status === "closed") {
      detail.append(h("p", { cls: "pre", tid: "console-followup-done", text: item.note }));
    } else {
      const note = h("textarea", {
        tid: "console-followup-note",
        attrs: {
          rows: 2,
          maxlength: 1000,
          "aria-label": both("followupNoteFor", who(item) || item.interaction_id),
        },
      });
      note.value = drafts.get(item.interaction_id) || "";
      note.addEventListener("input", () => drafts.set(item.interaction_id, note.value));
      const close = button(
        "followupClose",
        "console-followup-close",
        async () => {
          if (!note.value.trim()) {
            status.fail({
              code: "bad_field",
              zh: "请先填写回访记录",
              en: "Write what was done first",
            });
            note.focus();
            return;
          }
          close.disabled = true;
          try {
            await post(`/console/api/followups/${encodeURIComponent(item.interaction_id)}/close`, {
              note: note.value,
            });
            drafts.delete(item.interaction_id);
            await load();
            status.ok("followupClosed");
          } catch (error) {
            close.disabled = false;
            status.fail(error);
          }
        },
        "primary",
      );
      detail.append(bilingual(h("p", { cls: "hint" }), "followupNote"), note, " ", close);
    }
    return [
      main,
      h("tr", { cls: "detail-row", data: { interactionId: item.interaction_id } }, [detail]),
    ];
  }

  async function load() {
    try {
      const { items } = await get("/console/api/followups");
      empty.hidden = items.length > 0;
      tbody.replaceChildren(...items.flatMap(row));
      status.clear();
    } catch (error) {
      status.fail(error);
    }
  }
  load();
  return el;
}

export function mountAppeals(onDecided) {
  const { el, body } = section("appeals", "appeals", "console-appeals");
  const { el: grid, tbody } = table(
    ["time", "agent", "score", "comment", "appealReason", "status", "transcriptLink"],
    "console-appeal-rows",
  );
  const status = statusLine("console-appeals-status");
  const empty = bilingual(h("p", { cls: "hint" }), "noAppeals");
  const viewer = viewerEl();
  body.append(
    button("refresh", "console-appeals-refresh", () => load()),
    grid,
    empty,
    status.el,
    viewer,
  );

  async function decide(item, decision) {
    try {
      await post(`/console/api/appeals/${encodeURIComponent(item.interaction_id)}/decision`, {
        decision,
      });
      await load();
      status.ok("decided");
      if (onDecided) onDecided();
    } catch (error) {
      status.fail(error);
    }
  }

  async function load() {
    try {
      const { items } = await get("/console/api/appeals");
      empty.hidden = items.length > 0;
      tbody.replaceChildren(
        ...items.map((item) => {
          const state = bilingual(
            h("td", { tid: "console-appeal-state" }),
            `appealStatus_${item.status}`,
          );
          if (item.status === "open") {
            state.append(
              " ",
              button("appealKeep", "console-appeal-keep", () => decide(item, "keep")),
              " ",
              button(
                "appealRemove",
                "console-appeal-remove",
                () => decide(item, "remove"),
                "danger",
              ),
            );
          }
          return h(
            "tr",
            {
              tid: "console-appeal",
              data: { interactionId: item.interaction_id, status: item.status },
            },
            [
              h("td", { text: clock(item.created_at, true) }),
              h("td", { text: item.agent_name || "" }),
              bilingual(h("td"), `score${item.rating.score}`),
              h("td", { cls: "pre", text: item.rating.comment || "" }),
              h("td", { cls: "pre", text: item.reason }),
              state,
              h("td", {}, [transcriptLink(viewer, item.interaction_id)]),
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
  return el;
}
