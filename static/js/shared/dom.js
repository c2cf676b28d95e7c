// @ts-check
// DOM building for both apps with createElement/textContent only: nothing anyone types is ever parsed as HTML.
// Text comes from the app's translator (useTranslator): the widget's gives one string in the host's locale, the
// console's a [Chinese, English] pair, shown Chinese first with the English beside it.

/** @typedef {string | [string, string]} Text the widget's text, or the console's [zh, en] */
/** @typedef {(key: string, ...args: any[]) => Text} Translator */

/** @type {Translator} */
let T = (key) => key;

/** Set the translator that the t and ta options, bilingual, both and relabel use. */
export function useTranslator(/** @type {Translator} */ t) {
  T = t;
}

/**
 * @typedef {object} Options
 * @property {string} [cls] class name
 * @property {string} [tid] data-testid
 * @property {unknown} [text] textContent (any value, as a string)
 * @property {string} [t] i18n key of the text; relabel() puts it in the current locale again
 *   (eslint.config.js); remove it once they say t
 * @property {Record<string, string>} [ta] {attribute: i18n key}, relabelled as t is
 * @property {Record<string, unknown>} [attrs] {name: value}: true = present, false/null = absent
 * @property {Record<string, unknown>} [data] {key: value} as data-* (null = absent)
 * @property {Record<string, EventListener>} [on] {event: listener}
 */

/**
 * Create an element; children are nodes or strings (as text), null and false are left out.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Options} [opts]
 * @param {Array<Node | string | null | undefined | false>} [children]
 * @returns {HTMLElementTagNameMap[K]}
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
  const key = opts.t;
  if (key) {
    el.setAttribute("data-zn-t", key);
    show(el, T(key));
  }
  if (opts.ta) {
    el.setAttribute(
      "data-zn-ta",
      Object.entries(opts.ta)
        .map(([a, k]) => a + ":" + k)
        .join(","),
    );
    for (const [a, k] of Object.entries(opts.ta)) el.setAttribute(a, both(k));
  }
  if (opts.text != null) el.textContent = String(opts.text);
  for (const [name, fn] of Object.entries(opts.on || {})) el.addEventListener(name, fn);
  for (const child of children) {
    if (child == null || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** Put text in el: a string as it is, a [zh, en] pair as Chinese with the English in a smaller span. */
function show(/** @type {Element} */ el, /** @type {Text} */ text) {
  if (typeof text === "string") {
    el.textContent = text;
    return;
  }
  const [zh, en] = text;
  el.replaceChildren(document.createTextNode(zh));
  if (en) el.append(" ", h("span", { cls: "en", attrs: { lang: "en" }, text: en }));
}

/**
 * Fill el with the text of key (both languages where the translator gives both).
 * @template {Element} E
 * @param {E} el
 * @param {string} key
 * @param {...any} args
 * @returns {E}
 */
export function bilingual(el, key, ...args) {
  show(el, T(key, ...args));
  return el;
}

/** Return the text of key as one string ("中文 English" for a pair), for an attribute such as aria-label. */
export function both(/** @type {string} */ key, /** @type {any[]} */ ...args) {
  const text = T(key, ...args);
  if (typeof text === "string") return text;
  const [zh, en] = text;
  return en ? `${zh} ${en}` : zh;
}

/** Put the strings of the current locale on every element built with t/ta under root. */
export function relabel(/** @type {ParentNode} */ root) {
  for (const el of root.querySelectorAll("[data-zn-t]")) show(el, T(el.getAttribute("data-zn-t")));
  for (const el of root.querySelectorAll("[data-zn-ta]")) {
    for (const pair of el.getAttribute("data-zn-ta").split(",")) {
      const [attr, key] = pair.split(":");
      el.setAttribute(attr, both(key));
    }
  }
}

/**
 * A labelled form control: <label>text <control></label>.
 * @param {string} key i18n key of the label's text
 * @param {Node} control
 */
export function field(key, control, cls = "field") {
  return h("label", { cls }, [h("span", { cls: "field-name", t: key }), control]);
}

/** Create an icon from SVG path data (decorative: hidden from assistive technology). */
export function icon(/** @type {string} */ d) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", d);
  svg.append(path);
  return svg;
}
