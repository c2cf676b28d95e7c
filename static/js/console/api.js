// @ts-check
// The console's HTTP JSON API: session cookie plus X-CSRFToken on writes; errors as {code, zh, en}.
const meta = () =>
  /** @type {HTMLMetaElement | null} */ (document.querySelector('meta[name="csrf-token"]'));

/** The CSRF token of this page (renewed after login). */
export function csrf() {
  return meta() ? meta().content : "";
}

/** Replace the page's CSRF token (the login renews the session). */
export function setCsrf(token) {
  if (meta() && token) meta().content = token;
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.en || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || `http_${status}`;
    this.zh = error.zh || `请求失败（${status}）`;
    this.en = error.en || `Request failed (${status})`;
    this.detail = error.detail || null;
  }
}

/** Call the API; body is JSON unless it is FormData or a string. Returns the parsed JSON (or text). */
export async function call(method, path, body, { raw = false } = {}) {
  /** @type {Record<string, string>} */
  const headers = {};
  /** @type {RequestInit} */
  const init = { method, headers, credentials: "same-origin" };
  if (method !== "GET") headers["X-CSRFToken"] = csrf();
  if (body instanceof FormData || typeof body === "string") init.body = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    throw new ApiError(response.status, await response.json().catch(() => null));
  }
  if (raw) return response;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body);
export const put = (path, body) => call("PUT", path, body);
export const patch = (path, body) => call("PATCH", path, body);
export const del = (path) => call("DELETE", path);
