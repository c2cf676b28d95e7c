// @ts-check
// 我的评价: the ratings of the agent's own conversations; a poor one may be appealed (申诉) with a reason,
// for a supervisor to keep or remove from the figures.
import { h, bilingual, both, field } from "../shared/dom.js";
import { clock } from "../shared/i18n.js";
import { extend } from "./i18n.js";
import { get, post } from "./api.js";

extend({
  myRatings: ["我的评价", "My ratings"],
  noMyRatings: ["暂无评价", "No ratings yet"],
  ratingOf: (n) => [`${n} 分`, `${n} of 5`],
  appeal: ["申诉", "Appeal"],
  appealReasonField: ["申诉理由", "Why this rating should not count"],
  appealSubmit: ["提交申诉", "Submit the appeal"],
  appealSent: ["申诉已提交，等待主管复核", "Appeal sent; a supervisor will decide"],
  appeal_open: ["申诉中", "Appealed"],
  appeal_kept: ["申诉未通过，评价保留", "Appeal refused: the rating stands"],
  appeal_removed: ["申诉通过，已剔除", "Appeal granted: removed from the figures"],
  needReason: ["请填写申诉理由", "Write the reason first"],
});

export class MyRatings {
  /** app: {notice(item)} */
  constructor(app) {
    this.app = app;
    this.drafts = new Map(); // interaction id -> a reason being written: reloading the list keeps it
    this.toggle = h("button", {
      cls: "link",
      tid: "console-my-ratings-open",
      t: "myRatings",
      attrs: { type: "button", "aria-expanded": "false", "aria-controls": "my-ratings" },
    });
    this.toggle.addEventListener("click", () => (this.el.hidden ? this.open() : this.close()));
    this.list = h("ul", { cls: "my-ratings-list" });
    this.el = h(
      "section",
      {
        cls: "my-ratings card",
        tid: "console-my-ratings",
        attrs: { id: "my-ratings", "aria-labelledby": "my-ratings-title" },
      },
      [bilingual(h("h2", { attrs: { id: "my-ratings-title" } }), "myRatings"), this.list],
    );
    this.el.hidden = true;
  }

  async open() {
    this.el.hidden = false;
    this.toggle.setAttribute("aria-expanded", "true");
    await this.load();
  }

  close() {
    this.el.hidden = true;
    this.toggle.setAttribute("aria-expanded", "false");
  }

  async load() {
    let items;
    try {
      ({ items } = await get("/console/api/my-ratings"));
    } catch (error) {
      this.app.notice(error);
      return;
    }
    this.list.replaceChildren(
      ...(items.length
        ? items.map((r) => this.row(r))
        : [bilingual(h("li", { cls: "hint" }), "noMyRatings")]),
    );
  }

  row(r) {
    const when = clock(r.created_at, true);
    const li = h(
      "li",
      {
        tid: "console-my-rating",
        data: { interactionId: r.interaction_id, score: r.score, appeal: r.appeal || "none" },
      },
      [
        h("span", { text: when }),
        " · ",
        bilingual(h("strong"), "ratingOf", r.score),
        r.comment ? h("span", { cls: "pre", text: ` · ${r.comment}` }) : null,
      ],
    );
    if (r.appeal)
      li.append(
        " · ",
        bilingual(h("span", { tid: "console-my-rating-appeal" }), `appeal_${r.appeal}`),
      );
    if (r.appealable) {
      const button = h("button", {
        cls: "secondary",
        tid: "console-rating-appeal",
        t: "appeal",
        attrs: {
          type: "button",
          "aria-label": `${both("appeal")} · ${when}`,
          "aria-expanded": "false",
        },
      });
      button.addEventListener("click", () => {
        button.setAttribute("aria-expanded", "true");
        button.hidden = true;
        li.append(this.form(r));
        li.querySelector("textarea").focus();
      });
      li.append(" ", button);
      if (this.drafts.has(r.interaction_id)) {
        // it was being written when the list reloaded
        button.hidden = true;
        button.setAttribute("aria-expanded", "true");
        li.append(this.form(r));
      }
    }
    return li;
  }

  form(r) {
    const reason = h("textarea", {
      tid: "console-appeal-reason",
      attrs: { rows: 2, maxlength: 500 },
    });
    reason.value = this.drafts.get(r.interaction_id) || "";
    reason.addEventListener("input", () => this.drafts.set(r.interaction_id, reason.value));
    const error = h("p", { cls: "error", attrs: { role: "alert" } });
    const submit = h("button", {
      cls: "primary",
      tid: "console-appeal-submit",
      t: "appealSubmit",
      attrs: { type: "button" },
    });
    submit.addEventListener("click", async () => {
      if (!reason.value.trim()) {
        bilingual(error, "needReason");
        reason.focus();
        return;
      }
      submit.disabled = true;
      try {
        await post(`/console/api/ratings/${encodeURIComponent(r.interaction_id)}/appeal`, {
          reason: reason.value,
        });
        this.drafts.delete(r.interaction_id);
        this.app.notice({ info: "appealSent" });
        await this.load();
        this.toggle.focus();
      } catch (problem) {
        submit.disabled = false;
        error.replaceChildren(
          document.createTextNode(`${problem.zh || ""} `),
          h("span", { cls: "en", attrs: { lang: "en" }, text: problem.en || "" }),
        );
      }
    });
    return h("div", { cls: "appeal-form" }, [field("appealReasonField", reason), submit, error]);
  }
}
