// @ts-check
// Locale helpers for both apps; each app keeps its own string tables (zn/i18n.js, console/i18n.js).
// Times are the service centre's clock (Asia/Shanghai) wherever the browser is.

export const TIME_ZONE = "Asia/Shanghai";

/**
 * Return the entry for key from the first table that has it (undefined when none has).
 * @template V
 * @param {Array<Record<string, V> | undefined>} tables the wanted table first, its fallbacks after it
 * @param {string} key
 * @returns {V | undefined}
 */
export function lookup(tables, key) {
  for (const table of tables) if (table && Object.hasOwn(table, key)) return table[key];
  return undefined;
}

/** Fill the {name} placeholders of text from vars (a placeholder without a value stays as it is). */
export function fill(/** @type {string} */ text, /** @type {Record<string, unknown>} */ vars) {
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/**
 * Pick the text of a bilingual server message ({zh, en}, an error frame's for one) for the locale, falling back
 * to the other language, then to its code.
 * @param {string} locale
 * @param {{zh?: string, en?: string, code?: string} | null | undefined} message
 */
export function inLocale(locale, message) {
  if (!message) return "";
  const first = locale.startsWith("en") ? message.en : message.zh;
  return first || message.zh || message.en || message.code || "";
}

/** Format a duration in seconds as m:ss or h:mm:ss. */
export function duration(/** @type {number} */ seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600),
    mm = Math.floor((s % 3600) / 60),
    ss = s % 60;
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return hh ? `${hh}:${pad(mm)}:${pad(ss)}` : `${mm}:${pad(ss)}`;
}

/**
 * Format an ISO (or HTTP-date) timestamp as the centre's hh:mm, with the date when asked (the console's form).
 * @param {string | number | Date} value
 */
export function clock(value, withDate = false) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value ?? "");
  /** @type {Intl.DateTimeFormatOptions} */
  const opts = { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: TIME_ZONE };
  if (withDate) Object.assign(opts, { year: "numeric", month: "2-digit", day: "2-digit" });
  return date.toLocaleString("zh-CN", opts);
}

/** @type {Intl.DateTimeFormatOptions} */
const WEEKDAY = {
  month: "short",
  day: "numeric",
  weekday: "short",
  hour: "2-digit",
  minute: "2-digit",
};

/**
 * Format an ISO time in the locale on the centre's 24-hour clock (the widget's form: weekday, day and month
 * unless fields says otherwise); "" when it is no time.
 * @param {string} iso
 * @param {string} locale
 * @param {Intl.DateTimeFormatOptions} [fields]
 */
export function formatTime(iso, locale, fields = WEEKDAY) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  return new Intl.DateTimeFormat(locale, { ...fields, timeZone: TIME_ZONE, hour12: false }).format(
    when,
  );
}

/** Format a byte count as KB/MB. */
export function formatSize(/** @type {number} */ bytes) {
  return bytes >= 1048576
    ? (bytes / 1048576).toFixed(1) + " MB"
    : Math.max(1, Math.round(bytes / 1024)) + " KB";
}
