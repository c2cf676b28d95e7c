// @ts-check
// Attachments: checked here (type, size), uploaded with the session credential in a header, shown through
// blob: URLs fetched with that header (the credential never goes into a URL).
import { h } from "../shared/dom.js";
import { errorText } from "./i18n.js";
import { formatSize } from "../shared/i18n.js";

export const TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"];
export const MAX_BYTES = 10 * 1024 * 1024;

export class Attachments {
  /** credential() returns the session credential; toast(text) reports problems. */
  constructor(cfg, t, credential, toast) {
    this.cfg = cfg;
    this.t = t;
    this.credential = credential;
    this.toast = toast;
    this.blobs = new Map(); // attachment id -> promise of a blob: URL
  }

  /** Return a problem string for a file the service will not take, or "". */
  check(file) {
    if (!TYPES.includes(file.type)) return this.t("badType");
    if (file.size > MAX_BYTES) return this.t("tooBig");
    return "";
  }

  /** Upload file to interactionId; resolve with the attachment record or reject with an error object. */
  async upload(file, interactionId) {
    const form = new FormData();
    form.append("file", file, file.name || "clipboard.png");
    form.append("interaction_id", interactionId);
    let response;
    try {
      response = await fetch(this.cfg.origin + "/api/attachments", {
        method: "POST",
        body: form,
        headers: { Authorization: "Bearer " + this.credential() },
        credentials: "omit",
      });
    } catch {
      throw { code: "network", zh: "网络错误", en: "Network error" };
    }
    const body = await response.json().catch(() => null);
    if (response.status !== 201 || !body || !body.attachment) {
      throw (
        (body && body.error) || {
          code: String(response.status),
          zh: "上传失败",
          en: "Upload failed",
        }
      );
    }
    return body.attachment;
  }

  /** Fetch an attachment with the credential and return a blob: URL (cached per attachment). */
  blobUrl(att) {
    if (!this.blobs.has(att.id)) {
      const url = new URL(att.url, this.cfg.origin + "/").href;
      this.blobs.set(
        att.id,
        fetch(url, {
          headers: { Authorization: "Bearer " + this.credential() },
          credentials: "omit",
        })
          .then((response) => {
            if (!response.ok) throw new Error(String(response.status));
            return response.blob();
          })
          .then((blob) => URL.createObjectURL(blob))
          .catch((err) => {
            this.blobs.delete(att.id);
            throw err;
          }),
      );
    }
    return this.blobs.get(att.id);
  }

  /** Return the element showing an attachment: an image preview or a named download link. */
  render(att) {
    const name = String(att.name || "attachment");
    if (String(att.content_type || "").startsWith("image/")) {
      const img = h("img", {
        cls: "zn-img",
        tid: "zn-attachment-image",
        attrs: { alt: this.t("image", { name }) },
      });
      this.blobUrl(att).then(
        (url) => {
          img.src = url;
        },
        () => {
          img.alt = name;
        },
      );
      return img;
    }
    const link = h("button", {
      cls: "zn-link",
      tid: "zn-attachment-link",
      attrs: { type: "button" },
      text: this.t("download", { name, size: formatSize(att.size || 0) }),
    });
    link.addEventListener("click", () => {
      this.blobUrl(att).then(
        (url) => {
          const a = h("a", { attrs: { href: url, download: name } });
          a.hidden = true;
          link.after(a);
          a.click();
          a.remove();
        },
        (err) => this.toast(this.t("uploadFailed", { msg: err.message })),
      );
    });
    return link;
  }

  /** Report an upload error in the locale. */
  report(error) {
    this.toast(this.t("uploadFailed", { msg: errorText(this.cfg, error) }));
  }
}
