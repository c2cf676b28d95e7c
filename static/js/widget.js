// Zhengna loader: a classic script any host page includes once. It draws the launcher inside an
// open shadow root and exposes window.Zhengna; calls queued on a stub before it loaded are replayed.
(function () {
  "use strict";
  var existing = window.Zhengna;
  if (existing && existing.__loaded) return;
  var script = document.currentScript;
  var data = (script && script.dataset) || {};
  var host = document.createElement("div");
  host.id = "zhengna-root";
  var root = host.attachShadow({mode: "open"});
  var sheet = new CSSStyleSheet();
  sheet.replaceSync(":host{all:initial}" +
    ".launcher{position:fixed;right:16px;bottom:96px;z-index:2147483000;border:0;border-radius:28px;" +
    "background:#1d6fd8;color:#fff;font:14px/1 sans-serif;padding:14px;cursor:pointer}");
  root.adoptedStyleSheets = [sheet];
  var launcher = document.createElement("button");
  launcher.className = "launcher";
  launcher.type = "button";
  launcher.setAttribute("data-testid", "zn-launcher");
  launcher.setAttribute("aria-label", data.locale === "en" ? "Ask tax service" : "征纳互动");
  launcher.textContent = "\u260E";
  root.appendChild(launcher);
  (document.body || document.documentElement).appendChild(host);
  var handlers = {};
  var api = {
    __loaded: true,
    on: function (name, fn) { (handlers[name] = handlers[name] || []).push(fn); },
    site: data.site,
  };
  var queued = (existing && existing.q) || [];
  window.Zhengna = api;
  queued.forEach(function (call) { if (typeof api[call[0]] === "function") api[call[0]].apply(api, call[1] || []); });
})();
