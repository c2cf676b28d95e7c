// DOM building with createElement/textContent only: nothing anyone types is ever parsed as HTML.
import { t } from "./i18n.js";

/**
 * Create an element. opts: cls, tid (data-testid), text, label (i18n key: Chinese with English beside),
 * attrs {name: value} (true = present, false/null = absent), data {key: value}, on {event: fn}.
 */
export function h(tag, opts = {}, children = []) {
  const el = document.createElement(tag);
  if (opts.cls) el.className = opts.cls;
  if (opts.tid) el.setAttribute("data-testid", opts.tid);
  for (const [name, value] of Object.entries(opts.attrs || {})) {
    if (value === true) el.setAttribute(name, "");
    else if (value !== false && value != null) el.setAttribute(name, String(value));
  }
  for (const [key, value] of Object.entries(opts.data || {})) {
    if (value != null) el.dataset[key] = String(value);
  }
  if (opts.label) bilingual(el, opts.label);
  if (opts.text != null) el.textContent = String(opts.text);
  for (const [name, fn] of Object.entries(opts.on || {})) el.addEventListener(name, fn);
  for (const child of children) {
    if (child == null || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** Fill el with the Chinese text of key and, beside it, the English in a smaller span. */
export function bilingual(el, key, ...args) {
  const [zh, en] = t(key, ...args);
  el.replaceChildren(document.createTextNode(zh));
  if (en) el.append(" ", h("span", { cls: "en", attrs: { lang: "en" }, text: en }));
  return el;
}

/** Return "中文 English" for an attribute such as aria-label. */
export function both(key, ...args) {
  const [zh, en] = t(key, ...args);
  return en ? `${zh} ${en}` : zh;
}

/** A labelled form control: <label>text <control></label>. */
export function field(key, control, cls = "field") {
  const label = h("label", { cls });
  label.append(h("span", { cls: "field-name", label: key }), control);
  return label;
}

/** Format a duration in seconds as m:ss or h:mm:ss. */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600),
    mm = Math.floor((s % 3600) / 60),
    ss = s % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return hh ? `${hh}:${pad(mm)}:${pad(ss)}` : `${mm}:${pad(ss)}`;
}

/** Format an ISO (or HTTP-date) timestamp in Asia/Shanghai local time. */
export function clock(value, withDate = false) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value ?? "");
  const opts = { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Shanghai" };
  if (withDate) Object.assign(opts, { year: "numeric", month: "2-digit", day: "2-digit" });
  return date.toLocaleString("zh-CN", opts);
}
