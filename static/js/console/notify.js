// @ts-check
// New-request sound (a WebAudio beep, no file) and the waiting count in the tab title; each can be switched off.
import { h, bilingual } from "../shared/dom.js";

const KEYS = { sound: "zhengna.console.sound", title: "zhengna.console.title" };

function stored(key) {
  return localStorage.getItem(key) !== "off";
}

export class Notifier {
  constructor() {
    this.baseTitle = document.title;
    this.known = new Set();
    this.waiting = 0;
    this.audio = null;
    this.beeps = 0;
    this.switches = h("div", { cls: "switches" }, [
      this.switch("sound", "console-sound-toggle", "soundSwitch"),
      this.switch("title", "console-title-toggle", "titleSwitch"),
    ]);
  }

  switch(name, tid, label) {
    const box = h("input", { tid, attrs: { type: "checkbox" } });
    box.checked = stored(KEYS[name]);
    box.addEventListener("change", () => {
      localStorage.setItem(KEYS[name], box.checked ? "on" : "off");
      this.render();
    });
    return h("label", { cls: "switch" }, [box, bilingual(h("span"), label)]);
  }

  /** A queue.snapshot arrived: beep for requests not seen before, update the title. */
  queue(items) {
    const fresh = items.filter((item) => !this.known.has(item.interaction_id));
    const first = this.known.size === 0 && this.primed === undefined;
    for (const item of items) this.known.add(item.interaction_id);
    this.primed = true;
    this.waiting = items.length;
    if (fresh.length && !first) this.beep();
    this.render();
  }

  render() {
    const on = stored(KEYS.title) && this.waiting > 0;
    document.title = on ? `(${this.waiting}) ${this.baseTitle}` : this.baseTitle;
  }

  beep() {
    if (!stored(KEYS.sound)) return;
    try {
      this.audio = this.audio || new AudioContext();
      const ctx = this.audio;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.35);
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.4);
      this.beeps += 1;
      document.body.dataset.beeps = String(this.beeps); // lets a test see that a beep was played
    } catch {
      // no audio device, or autoplay refused before the first click: the title still tells
    }
  }
}
