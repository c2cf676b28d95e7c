// @ts-check
// Agent console entry: the sign-in form when logged out, else the live console (static/js/console/app.js).
import { bilingual, useTranslator } from "./shared/dom.js";
import { t } from "./console/i18n.js";

useTranslator(t);

const form = /** @type {HTMLFormElement | null} */ (document.getElementById("login"));
const root = document.getElementById("console");

async function signIn(event) {
  event.preventDefault();
  const error = document.getElementById("login-error");
  const button = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
  error.textContent = "";
  button.disabled = true;
  const csrf = /** @type {HTMLMetaElement} */ (document.querySelector('meta[name="csrf-token"]'))
    .content;
  try {
    const response = await fetch("/console/login", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ username: form.username.value, password: form.password.value }),
    });
    if (response.ok) {
      location.reload(); // the page comes back with the console and a fresh CSRF token
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (body.error) {
      error.textContent = `${body.error.zh} `;
      error.append(
        Object.assign(document.createElement("span"), {
          lang: "en",
          className: "en",
          textContent: body.error.en,
        }),
      );
    } else {
      bilingual(error, response.status === 429 ? "tooMany" : "loginFailed");
    }
    error.dataset.code = body.error ? body.error.code : String(response.status);
    form.password.select();
  } catch {
    error.textContent = "无法连接服务器 Cannot reach the server";
  } finally {
    button.disabled = false;
  }
}

if (form) form.addEventListener("submit", signIn);
else if (root && root.dataset.agent)
  import("./console/app.js").then(({ ConsoleApp }) => new ConsoleApp(root));
