// @ts-check
// The 好差评 rating form shown once when the agent ended the conversation: five levels, reason tags, comment.
import { h } from "../shared/dom.js";

/** @type {Array<[number, string]>} */
const LEVELS = [
  [5, "rate5"],
  [4, "rate4"],
  [3, "rate3"],
  [2, "rate2"],
  [1, "rate1"],
];
const TAGS = [
  ["fast", "tagFast"],
  ["pro", "tagPro"],
  ["kind", "tagKind"],
  ["slow", "tagSlow"],
  ["unsolved", "tagUnsolved"],
];

/** Build the form; submit(score, tags, comment) returns a promise; the form then shows the thanks. */
export function ratingForm(t, submit) {
  let score = 0;
  const options = LEVELS.map(([value, key]) =>
    h("button", {
      cls: "zn-chip",
      tid: "zn-rating-option",
      attrs: { type: "button", "data-value": value, "aria-pressed": "false" },
      t: key,
    }),
  );
  const tags = TAGS.map(([tag, key]) =>
    h("button", {
      cls: "zn-chip",
      tid: "zn-rating-tag",
      attrs: { type: "button", "data-tag": tag, "aria-pressed": "false" },
      t: key,
    }),
  );
  const comment = h("textarea", {
    cls: "zn-field",
    tid: "zn-rating-comment",
    attrs: { rows: "2", maxlength: "500" },
    ta: { "aria-label": "rateComment", placeholder: "rateComment" },
  });
  const problem = h("p", { cls: "zn-note", attrs: { role: "alert" } });
  const send = h("button", {
    cls: "zn-btn",
    tid: "zn-rating-submit",
    attrs: { type: "submit" },
    t: "rateSubmit",
  });
  const form = h(
    "form",
    { cls: "zn-rating", tid: "zn-rating", attrs: { "aria-labelledby": "zn-rating-title" } },
    [
      h("h3", { attrs: { id: "zn-rating-title" }, t: "rateTitle" }),
      h(
        "div",
        { cls: "zn-row", attrs: { role: "group" }, ta: { "aria-label": "rateTitle" } },
        options,
      ),
      h("div", { cls: "zn-row", attrs: { role: "group" }, ta: { "aria-label": "rateTags" } }, tags),
      comment,
      problem,
      h("div", { cls: "zn-row" }, [send]),
    ],
  );

  for (const option of options) {
    option.addEventListener("click", () => {
      score = Number(option.getAttribute("data-value"));
      for (const o of options) o.setAttribute("aria-pressed", String(o === option));
      problem.textContent = "";
    });
  }
  for (const tag of tags) {
    tag.addEventListener("click", () => {
      tag.setAttribute("aria-pressed", String(tag.getAttribute("aria-pressed") !== "true"));
    });
  }
  // The label text of a tag is what is stored (the agent's console and the figures read it).
  const chosen = () =>
    tags.filter((tag) => tag.getAttribute("aria-pressed") === "true").map((tag) => tag.textContent);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!score) {
      problem.textContent = t("rateNeedScore");
      options[0].focus();
      return;
    }
    send.disabled = true;
    submit(score, chosen(), comment.value.trim()).catch(() => {
      send.disabled = false;
    });
  });
  return form;
}

/** Replace the form with the thanks line. */
export function ratedNote() {
  return h("p", { cls: "zn-note", tid: "zn-rating-done", attrs: { role: "status" }, t: "rated" });
}
