// @ts-check
// Working hours of a centre (administrators): several spans a day, holiday policy, dated exceptions.
// The server validates the whole schedule and its message is shown as it comes.
import { h, bilingual, both, field } from "../../shared/dom.js";
import { clock } from "../../shared/i18n.js";
import { put } from "../api.js";
import { section, statusLine, button } from "./util.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

function spanEditor(span, label) {
  const time = (tid, value, key) =>
    h("input", {
      tid,
      attrs: {
        value,
        size: 5,
        inputmode: "numeric",
        placeholder: "08:30",
        pattern: "[0-2][0-9]:[0-5][0-9]",
        "aria-label": `${label} ${both(key)}`,
      },
    });
  const el = h("span", { cls: "span", tid: "console-hours-span" }, [
    time("console-hours-from", span[0], "from"),
    "–",
    time("console-hours-to", span[1], "to"),
  ]);
  el.append(
    button(
      "removeSpan",
      "console-hours-remove",
      () => {
        const holder = el.parentElement;
        el.remove();
        holder.dispatchEvent(new Event("spans-changed"));
      },
      "link",
    ),
  );
  return el;
}

function spansBox(spans, label) {
  const box = h("span", { cls: "spans" });
  const closed = bilingual(h("span", { cls: "hint closed" }), "closedDay");
  const sync = () => {
    closed.hidden = box.querySelector(".span") !== null;
  };
  box.addEventListener("spans-changed", sync);
  box.append(closed, ...spans.map((s) => spanEditor(s, label)));
  sync();
  const add = button(
    "addSpan",
    "console-hours-add",
    () => {
      box.append(spanEditor(["", ""], label));
      sync();
      box.lastElementChild.querySelector("input").focus();
    },
    "link",
  );
  return { box, add };
}

function readSpans(box) {
  return [...box.querySelectorAll(".span")].map((el) => [
    el.querySelector("[data-testid=console-hours-from]").value.trim(),
    el.querySelector("[data-testid=console-hours-to]").value.trim(),
  ]);
}

export function mountHours(centresPromise) {
  const { el, body } = section("hours", "hours", "console-hours");
  const picker = h("select", { tid: "console-hours-centre" });
  const state = h("p", { tid: "console-hours-open" });
  const editor = h("div", { cls: "hours-editor" });
  const status = statusLine("console-hours-status");
  let centres = [];
  body.append(field("hoursOf", picker), state, editor, status.el);
  picker.addEventListener("change", () => show(centres.find((c) => c.id === picker.value)));
  centresPromise
    .then((items) => {
      centres = items;
      picker.replaceChildren(
        ...items.map((c) => h("option", { text: c.name, attrs: { value: c.id } })),
      );
      if (items.length) show(items[0]);
    })
    .catch((error) => status.fail(error));

  function showState(centre) {
    bilingual(state, centre.open ? "isOpen" : "isClosed");
    state.dataset.open = String(centre.open);
    if (!centre.open && centre.next_open) state.append(` · ${clock(centre.next_open, true)}`);
  }

  function show(centre) {
    status.clear();
    showState(centre);
    const schedule = centre.schedule || { weekly: {} };
    const days = DAYS.map((day) => {
      const label = both(`day_${day}`);
      const { box, add } = spansBox((schedule.weekly || {})[day] || [], label);
      return h("div", { cls: "day-row", tid: "console-hours-day", data: { day } }, [
        bilingual(h("span", { cls: "day-name" }), `day_${day}`),
        box,
        add,
      ]);
    });
    const observe = h("input", { tid: "console-hours-observe", attrs: { type: "checkbox" } });
    observe.checked = schedule.observe_holidays !== false;
    const makeup = h(
      "select",
      { tid: "console-hours-makeup" },
      DAYS.map((d) => h("option", { text: both(`day_${d}`), attrs: { value: d } })),
    );
    makeup.value = schedule.makeup_as || "mon";
    const exceptions = h("div", { cls: "exceptions", tid: "console-hours-exceptions" });
    const addException = (date, spans) => {
      const input = h("input", {
        tid: "console-hours-exception-date",
        attrs: { type: "date", value: date, "aria-label": both("date") },
      });
      const { box, add } = spansBox(spans, date);
      const row = h("div", { cls: "day-row", tid: "console-hours-exception" }, [input, box, add]);
      row.append(
        button("removeException", "console-hours-exception-remove", () => row.remove(), "link"),
      );
      exceptions.append(row);
      return input;
    };
    for (const [date, spans] of Object.entries(schedule.exceptions || {}))
      addException(date, spans);
    const save = button(
      "save",
      "console-hours-save",
      async () => {
        const weekly = Object.fromEntries(
          days.map((row) => [row.dataset.day, readSpans(row.querySelector(".spans"))]),
        );
        const dated = Object.fromEntries(
          [...exceptions.querySelectorAll("[data-testid=console-hours-exception]")].map((row) => [
            /** @type {HTMLInputElement} */ (row.querySelector("input[type=date]")).value,
            readSpans(row.querySelector(".spans")),
          ]),
        );
        const body = {
          weekly,
          observe_holidays: observe.checked,
          makeup_as: makeup.value,
          exceptions: dated,
        };
        try {
          const { item } = await put(
            `/console/api/centres/${encodeURIComponent(centre.id)}/schedule`,
            body,
          );
          centre.schedule = body;
          Object.assign(centre, item);
          showState(centre);
          status.ok("saved");
        } catch (error) {
          status.fail(error);
        }
      },
      "primary",
    );
    editor.replaceChildren(
      ...days,
      h("label", { cls: "switch" }, [observe, bilingual(h("span"), "observeHolidays")]),
      field("makeupAs", makeup),
      bilingual(h("h3"), "exceptions"),
      exceptions,
      button("addException", "console-hours-exception-add", () => addException("", []).focus()),
      h("div", { cls: "row-actions" }, [save]),
    );
  }
  return el;
}
