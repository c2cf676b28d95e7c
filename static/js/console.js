// Agent console: sign-in for now; the live console is built on /ws/agent (see docs/PROTOCOL.md).
const form = document.getElementById("login");
if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("login-error");
    error.textContent = "";
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const response = await fetch("/console/login", {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({username: form.username.value, password: form.password.value}),
    });
    if (response.ok) {
      location.reload();
    } else {
      const body = await response.json().catch(() => ({}));
      error.textContent = body.error ? `${body.error.zh} ${body.error.en}` : `登录失败 (${response.status})`;
    }
  });
}
