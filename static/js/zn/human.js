// @ts-check
// Human service: the 发起人工导税 button (disabled with the next opening time outside working hours), the
// leave-a-message form, the queue position with its estimate and 取消征纳互动.
import { h } from "../shared/dom.js";
import { formatTime } from "../shared/i18n.js";

export class HumanService {
  /** on: {request(), cancel(), leave(text, contact) -> Promise} */
  constructor(cfg, t, on) {
    this.cfg = cfg;
    this.t = t;
    this.on = on;
    this.centre = null;
    this.button = h("button", {
      cls: "zn-btn",
      tid: "zn-request-human",
      attrs: { type: "button" },
      t: "requestHuman",
      on: { click: () => on.request() },
    });
    this.note = h("span", { cls: "zn-note", tid: "zn-next-open", attrs: { id: "zn-next-open" } });
    this.note.hidden = true;
    this.offer = h("div", { cls: "zn-under", tid: "zn-human" }, [this.button, this.note]);
    this.queue = h("div", { cls: "zn-queue", tid: "zn-queue-position", attrs: { role: "status" } });
    this.cancelBtn = h("button", {
      cls: "zn-btn zn-secondary",
      tid: "zn-cancel",
      attrs: { type: "button" },
      t: "cancel",
      on: { click: () => on.cancel() },
    });
    this.waiting = h("div", { cls: "zn-form" }, [
      this.queue,
      h("div", { cls: "zn-row" }, [this.cancelBtn]),
    ]);
    this.leave = this.buildLeave();
  }

  buildLeave() {
    const text = h("textarea", {
      cls: "zn-field",
      tid: "zn-leave-message-text",
      attrs: { rows: "2", maxlength: "1000", required: true },
      ta: { "aria-label": "leaveText", placeholder: "leaveText" },
    });
    const contact = h("input", {
      cls: "zn-field",
      tid: "zn-leave-message-contact",
      attrs: { type: "text", maxlength: "64", autocomplete: "tel" },
      ta: { "aria-label": "leaveContact", placeholder: "leaveContact" },
    });
    const submit = h("button", {
      cls: "zn-btn",
      tid: "zn-leave-message-submit",
      attrs: { type: "submit" },
      t: "leaveSubmit",
    });
    const heading = h("h3", { attrs: { id: "zn-leave-title" }, t: "leaveTitle" });
    const done = h("p", {
      cls: "zn-note",
      tid: "zn-leave-message-done",
      attrs: { role: "status" },
    });
    const form = h(
      "form",
      {
        cls: "zn-form",
        tid: "zn-leave-message",
        attrs: { "aria-labelledby": "zn-leave-title", novalidate: true },
      },
      [heading, text, contact, h("div", { cls: "zn-row" }, [submit]), done],
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = text.value.trim();
      if (!body) {
        text.focus();
        return;
      }
      submit.disabled = true;
      this.on
        .leave(body, contact.value.trim())
        .then(
          () => {
            text.value = "";
            contact.value = "";
            done.textContent = this.t("leaveDone");
          },
          () => {},
        )
        .finally(() => {
          submit.disabled = false;
        });
    });
    return form;
  }

  /** Take the centre's status (auth.ok centre, a centre.status frame, a centre_closed error). */
  setCentre(centre) {
    this.centre = centre;
    this.refresh();
  }

  get open() {
    return !this.centre || this.centre.open !== false;
  }

  refresh() {
    const closed = !this.open;
    this.button.disabled = closed;
    this.note.hidden = !closed;
    if (closed) {
      this.button.setAttribute("aria-describedby", "zn-next-open");
      const next = this.centre.next_open;
      this.note.textContent = next
        ? this.t("nextOpen", { time: formatTime(next, this.cfg.locale) })
        : this.t("noOpening");
    } else {
      this.button.removeAttribute("aria-describedby");
    }
  }

  /** Show the queue position and estimate from a queue.position frame. */
  setPosition(position, waitS) {
    this.queue.setAttribute("data-position", String(position));
    const minutes = Math.max(1, Math.round((waitS || 0) / 60));
    this.queue.textContent =
      waitS > 0
        ? this.t("queue", { n: position, m: minutes })
        : this.t("queueSoon", { n: position });
  }
}
