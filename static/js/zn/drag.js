// @ts-check
// Moving the window: pointer drag on the title bar (mouse, touch, pen), arrow keys on the focused title bar,
// kept inside the viewport on resize, remembered per site; a full-screen sheet on narrow viewports that stays
// above the on-screen keyboard (visualViewport).
const NARROW = 600; // px: below this the window becomes a full-screen sheet
const MARGIN = 24; // px from the edges for the default placement
const STEP = 10,
  BIG_STEP = 50;

export class Mover {
  /** panel and handle are elements; key is the localStorage key; side() returns "left" or "right". */
  constructor(panel, handle, key, side) {
    this.panel = panel;
    this.handle = handle;
    this.key = key;
    this.side = side;
    this.pos = this.load();
    this.drag = null;
    handle.addEventListener("pointerdown", (e) => this.down(e));
    handle.addEventListener("pointermove", (e) => this.move(e));
    handle.addEventListener("pointerup", (e) => this.up(e));
    handle.addEventListener("pointercancel", (e) => this.up(e));
    handle.addEventListener("keydown", (e) => this.key_(e));
    window.addEventListener("resize", () => this.place());
    if (window.visualViewport) {
      visualViewport.addEventListener("resize", () => this.place());
      visualViewport.addEventListener("scroll", () => this.place());
    }
  }

  load() {
    try {
      const pos = JSON.parse(localStorage.getItem(this.key) || "null");
      return pos && isFinite(pos.x) && isFinite(pos.y) ? pos : null;
    } catch {
      return null;
    }
  }

  save() {
    try {
      localStorage.setItem(this.key, JSON.stringify(this.pos));
    } catch {
      /* not remembered */
    }
  }

  narrow() {
    // the compact call window (chat hidden) stays a small window on a phone too
    return window.innerWidth < NARROW && this.panel.getAttribute("data-compact") !== "true";
  }

  /** Put the window where it belongs now (after opening, a resize, a keyboard appearing). */
  place() {
    const panel = this.panel;
    if (panel.hidden) return;
    if (this.narrow()) {
      const vv = window.visualViewport;
      panel.classList.add("zn-sheet");
      panel.style.left = (vv ? vv.offsetLeft : 0) + "px";
      panel.style.top = (vv ? vv.offsetTop : 0) + "px";
      panel.style.height = (vv ? vv.height : window.innerHeight) + "px";
      return;
    }
    panel.classList.remove("zn-sheet");
    panel.style.height = "";
    const w = panel.offsetWidth,
      hgt = panel.offsetHeight;
    const vw = window.innerWidth,
      vh = window.innerHeight;
    let { x, y } = this.pos || {
      x: this.side() === "left" ? MARGIN : vw - w - MARGIN,
      y: vh - hgt - MARGIN,
    };
    x = Math.min(Math.max(0, x), Math.max(0, vw - w));
    y = Math.min(Math.max(0, y), Math.max(0, vh - hgt));
    panel.style.left = Math.round(x) + "px";
    panel.style.top = Math.round(y) + "px";
    if (this.pos) this.pos = { x, y };
  }

  current() {
    const r = this.panel.getBoundingClientRect();
    return { x: r.left, y: r.top };
  }

  down(e) {
    if (this.narrow() || e.button > 0 || e.target.closest("button")) return;
    e.preventDefault();
    try {
      this.handle.setPointerCapture(e.pointerId);
    } catch {
      /* a synthetic pointer: no capture */
    }
    const { x, y } = this.current();
    this.drag = { id: e.pointerId, dx: e.clientX - x, dy: e.clientY - y };
  }

  move(e) {
    if (!this.drag || e.pointerId !== this.drag.id) return;
    this.pos = { x: e.clientX - this.drag.dx, y: e.clientY - this.drag.dy };
    this.place();
  }

  up(e) {
    if (!this.drag || e.pointerId !== this.drag.id) return;
    this.drag = null;
    this.save();
  }

  key_(e) {
    if (e.target !== this.handle || this.narrow()) return;
    const step = e.shiftKey ? BIG_STEP : STEP;
    const moves = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
    };
    const delta = moves[e.key];
    if (!delta) return;
    e.preventDefault();
    const { x, y } = this.current();
    this.pos = { x: x + delta[0], y: y + delta[1] };
    this.place();
    this.save();
  }
}
