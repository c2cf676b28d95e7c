// @ts-check
// Zhengna loader: a classic script any host page includes (async) once. It draws the launcher inside an open
// shadow root, exposes window.Zhengna and replays calls queued on a stub; everything else (the window, the
// socket) is imported as native ES modules from the same origin only when the taxpayer first opens it.
(function () {
  "use strict";
  var W = /** @type {typeof globalThis & {Zhengna?: any}} */ (window),
    D = document,
    FLAG = "__zhengnaLoader";
  var script = /** @type {HTMLScriptElement | null} */ (D.currentScript);
  if (W[FLAG] || !script || !script.src) return; // included twice: the second copy does nothing
  Object.defineProperty(W, FLAG, { value: true });

  var src = new URL(script.src, location.href);
  var base = new URL("/static/js/zn/", src).href;
  // Every module of the window, fetched in parallel on first open (modulepreload), never as a waterfall.
  var MODULES = [
    "app",
    "actions",
    "../shared/socket",
    "../shared/outbox",
    "../shared/codes",
    "model",
    "ui",
    "messages",
    "human",
    "rating",
    "attach",
    "confirm",
    "history",
    "drag",
    "i18n",
    "styles",
    "../shared/dom",
    "../shared/i18n",
  ];
  var EVENTS = ["open", "close", "state", "message", "unread", "call"];
  var LABEL = { "zh-CN": "征纳互动", en: "Tax service chat" };
  var ds = script.dataset;
  var cfg = {
    site: ds.site || "",
    token: ds.token || "",
    origin: src.origin,
    base: base,
    locale: "zh-CN",
    primaryColor: "#1d6fd8",
    position: "right",
    offsetX: 16,
    offsetY: 120,
    zIndex: 2147483000,
  };
  // Everything the widget keeps in this browser is under one prefix per site and person (a shared
  // kiosk: the next person's page never finds the previous person's credential, window or outbox).
  cfg.prefix = "zn:" + cfg.site + ":" + personKey(cfg.token) + ":";

  /** Return a short key for the person a host token names (tin and sub; not verified here, only a
   *  name for storage: the server checks a resume's token against its credential). */
  function personKey(token) {
    var who = "anonymous";
    try {
      var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      var bytes = Uint8Array.from(atob(part), function (ch) {
        return ch.charCodeAt(0);
      });
      var claims = JSON.parse(new TextDecoder().decode(bytes));
      who = String(claims.tin) + ":" + String(claims.sub);
    } catch {
      /* no readable token: one key for whoever has none */
    }
    var hash = 0x811c9dc5; // FNV-1a, 32 bits
    for (var i = 0; i < who.length; i += 1) {
      hash ^= who.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return ("0000000" + hash.toString(16)).slice(-8);
  }

  /** Remove what this person's widget kept in the browser (sessionStorage and localStorage). */
  function forget() {
    [W.sessionStorage, W.localStorage].forEach(function (store) {
      try {
        for (var i = store.length - 1; i >= 0; i -= 1) {
          var key = store.key(i);
          if (key && key.indexOf(cfg.prefix) === 0) store.removeItem(key);
        }
      } catch {
        /* storage blocked: nothing was kept */
      }
    });
  }

  function num(v, lo, hi) {
    var n = Number(v);
    return v !== "" && v != null && isFinite(n) && n >= lo && n <= hi ? Math.round(n) : null;
  }

  // Take the valid parts of a theme; anything malformed is ignored rather than injected into CSS.
  function theme(t) {
    t = t || {};
    if (t.locale === "zh-CN" || t.locale === "en") cfg.locale = t.locale;
    if (
      typeof t.primaryColor === "string" &&
      /^[#\w(),.%\s-]{1,40}$/.test(t.primaryColor) &&
      W.CSS &&
      CSS.supports("color", t.primaryColor)
    )
      cfg.primaryColor = t.primaryColor;
    if (t.position === "left" || t.position === "right") cfg.position = t.position;
    var x = num(t.offsetX, 0, 5000),
      y = num(t.offsetY, 0, 5000),
      z = num(t.zIndex, 0, 2147483647);
    if (x !== null) cfg.offsetX = x;
    if (y !== null) cfg.offsetY = y;
    if (z !== null) cfg.zIndex = z;
  }
  theme({
    locale: ds.locale,
    primaryColor: ds.primaryColor,
    position: ds.position,
    offsetX: ds.offsetX,
    offsetY: ds.offsetY,
    zIndex: ds.zIndex,
  });

  var host = D.createElement("div");
  host.id = "zhengna-root";
  host.setAttribute("data-state", "closed");
  var shadow = host.attachShadow({ mode: "open" });
  var baseSheet = new CSSStyleSheet(),
    themeSheet = new CSSStyleSheet();
  baseSheet.replaceSync(
    ":host{all:initial!important;display:block!important}" +
      "[hidden]{display:none!important}" +
      ".zn-launcher{all:initial;position:fixed;bottom:var(--zn-y);z-index:var(--zn-z);box-sizing:border-box;" +
      "display:flex;align-items:center;height:52px;min-width:52px;padding:0 14px;border-radius:26px;" +
      "background:var(--zn-primary);color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.28);" +
      "font:600 15px/1 system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif}" +
      ".zn-launcher svg{width:24px;height:24px;flex:none;fill:currentColor}" +
      ".zn-launcher .zn-label{max-width:0;overflow:hidden;white-space:nowrap;transition:max-width .2s,margin .2s}" +
      ".zn-launcher:hover .zn-label,.zn-launcher:focus-visible .zn-label{max-width:10em;margin-left:8px}" +
      ".zn-launcher:focus-visible{outline:3px solid #f5b400;outline-offset:3px}" +
      ".zn-launcher[aria-busy=true]{cursor:progress}" +
      "@media (prefers-reduced-motion:reduce){.zn-launcher .zn-label{transition:none}}",
  );

  function applyTheme() {
    var side = cfg.position === "left" ? "left" : "right";
    themeSheet.replaceSync(
      ":host{--zn-primary:" +
        cfg.primaryColor +
        ";--zn-x:" +
        cfg.offsetX +
        "px;--zn-y:" +
        cfg.offsetY +
        "px;--zn-z:" +
        cfg.zIndex +
        "}.zn-side{" +
        side +
        ":var(--zn-x)}",
    );
    launcher.setAttribute("aria-label", LABEL[cfg.locale]);
    label.textContent = LABEL[cfg.locale];
  }

  var launcher = D.createElement("button");
  launcher.type = "button";
  launcher.className = "zn-launcher zn-side";
  launcher.setAttribute("data-testid", "zn-launcher");
  var svgNS = "http://www.w3.org/2000/svg",
    svg = D.createElementNS(svgNS, "svg"),
    path = D.createElementNS(svgNS, "path");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  path.setAttribute(
    "d",
    "M12 1a9 9 0 0 0-9 9v7a3 3 0 0 0 3 3h3v-8H5v-2a7 7 0 0 1 14 0v2h-4v8h4v1h-7v2h6a3 3 0 0 0 3-3V10a9 9 0 0 0-9-9z",
  );
  svg.appendChild(path);
  var label = D.createElement("span");
  label.className = "zn-label";
  launcher.appendChild(svg);
  launcher.appendChild(label);
  shadow.adoptedStyleSheets = [baseSheet, themeSheet];
  shadow.appendChild(launcher);
  applyTheme();

  var handlers = {},
    app = null,
    loading = null;

  function emit(name, detail) {
    (handlers[name] || []).slice().forEach(function (fn) {
      try {
        fn(detail);
      } catch (err) {
        setTimeout(function () {
          throw err;
        });
      }
    });
  }

  function preload(name) {
    var link = D.createElement("link");
    link.rel = "modulepreload";
    link.href = base + name + ".js";
    (D.head || D.documentElement).appendChild(link);
  }

  function load() {
    if (!loading) {
      launcher.setAttribute("aria-busy", "true");
      MODULES.forEach(preload);
      loading = import(base + "app.js").then(
        function (mod) {
          app = mod.start({
            cfg: cfg,
            host: host,
            shadow: shadow,
            launcher: launcher,
            emit: emit,
            sheets: [baseSheet, themeSheet],
          });
          launcher.removeAttribute("aria-busy");
          return app;
        },
        function (err) {
          loading = null; // let the next click try again
          launcher.removeAttribute("aria-busy");
          throw err;
        },
      );
    }
    return loading;
  }

  function state() {
    return host.getAttribute("data-state");
  }

  var api = Object.freeze({
    open: function () {
      if (state() === "open") return;
      load().then(function (a) {
        a.open();
      });
    },
    close: function () {
      if (app && state() !== "closed") app.close();
    },
    toggle: function () {
      if (state() === "open") api.minimise();
      else api.open();
    },
    minimise: function () {
      if (app && state() === "open") app.minimise();
    },
    on: function (name, fn) {
      if (EVENTS.indexOf(name) < 0 || typeof fn !== "function") return false;
      (handlers[name] = handlers[name] || []).push(fn);
      return function () {
        handlers[name] = handlers[name].filter(function (h) {
          return h !== fn;
        });
      };
    },
    setTheme: function (t) {
      theme(t);
      applyTheme();
      if (app) app.setTheme();
    },
    /** The person logged out of the host site: close the window for good and forget their
     *  credential and everything of theirs kept in this browser. */
    logout: function () {
      var was = app;
      app = null;
      loading = null;
      if (was) was.logout();
      forget();
      host.setAttribute("data-state", "closed");
    },
  });

  launcher.addEventListener("click", function () {
    api.open();
  });
  var queued = W.Zhengna && Array.isArray(W.Zhengna.q) ? W.Zhengna.q : [];
  W.Zhengna = api;

  function attach() {
    D.body.appendChild(host);
    queued.forEach(function (call) {
      var name = call && call[0];
      if (
        name !== "on" &&
        name !== "open" &&
        name !== "close" &&
        name !== "toggle" &&
        name !== "minimise" &&
        name !== "setTheme" &&
        name !== "logout"
      )
        return;
      api[name].apply(api, Array.prototype.slice.call(call[1] || []));
    });
    var was = null;
    try {
      was = sessionStorage.getItem(cfg.prefix + "window");
    } catch {
      /* storage blocked */
    }
    // In use in this tab before a reload: bring the window back (open, or minimised with its unread badge).
    if (was === "open" && state() !== "open") api.open();
    else if (was === "minimised") load().catch(function () {});
  }
  if (D.body) attach();
  else D.addEventListener("DOMContentLoaded", attach);
})();
