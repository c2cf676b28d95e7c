// DOM building with createElement/textContent only (never innerHTML), plus relabelling on a locale switch.
let T = (key) => key;

/** Set the translator that t/ta options use. */
export function useTranslator(t) {
  T = t;
}

/**
 * Create an element. opts: cls, tid (data-testid), text, attrs {name: value}, on {event: fn},
 * t (i18n key for textContent), ta ({attr: i18n key}); children: nodes or strings (as text).
 */
export function h(tag, opts = {}, children = []) {
  const el = document.createElement(tag);
  if (opts.cls) el.className = opts.cls;
  if (opts.tid) el.setAttribute("data-testid", opts.tid);
  if (opts.attrs) {
    for (const [name, value] of Object.entries(opts.attrs)) {
      if (value === true) el.setAttribute(name, "");
      else if (value !== false && value != null) el.setAttribute(name, String(value));
    }
  }
  if (opts.t) {
    el.setAttribute("data-zn-t", opts.t);
    el.textContent = T(opts.t);
  }
  if (opts.ta) {
    el.setAttribute(
      "data-zn-ta",
      Object.entries(opts.ta)
        .map(([a, k]) => a + ":" + k)
        .join(","),
    );
    for (const [a, k] of Object.entries(opts.ta)) el.setAttribute(a, T(k));
  }
  if (opts.text != null) el.textContent = String(opts.text);
  if (opts.on) for (const [name, fn] of Object.entries(opts.on)) el.addEventListener(name, fn);
  for (const child of children) {
    if (child == null || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** Put the strings of the current locale on every element built with t/ta under root. */
export function relabel(root, t = T) {
  for (const el of root.querySelectorAll("[data-zn-t]"))
    el.textContent = t(el.getAttribute("data-zn-t"));
  for (const el of root.querySelectorAll("[data-zn-ta]")) {
    for (const pair of el.getAttribute("data-zn-ta").split(",")) {
      const [attr, key] = pair.split(":");
      el.setAttribute(attr, t(key));
    }
  }
}

/** Create an icon from SVG path data (decorative: hidden from assistive technology). */
export function icon(d) {
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

export const ICONS = {
  minimise: "M5 18h14v2H5z",
  close:
    "M18.3 5.7 16.9 4.3 12 9.2 7.1 4.3 5.7 5.7 10.6 12l-4.9 4.9 1.4 1.4 4.9-4.9 4.9 4.9 1.4-1.4-4.9-4.9z",
  forms:
    "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zm4 18H6V4h7v5h5zM8 12h8v2H8zm0 4h8v2H8z",
  history:
    "M13 3a9 9 0 0 0-9 9H1l4 4 4-4H6a7 7 0 1 1 2.05 4.95l-1.42 1.42A9 9 0 1 0 13 3zm-1 5v5l4.25 2.52.77-1.28-3.52-2.09V8z",
  text: "M9 4v3h5v12h3V7h5V4zm-6 8h3v7h3v-7h3V9H3z",
  send: "M2 21 23 12 2 3v7l15 2-15 2z",
  attach:
    "M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z",
};
