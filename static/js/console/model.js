// @ts-check
// The events the console holds per interaction, by seq: duplicates dropped, the contiguous high-water mark kept.
export class Transcript {
  constructor(id) {
    this.id = id;
    this.events = new Map(); // seq -> frame
    this.lastSeq = 0; // every seq up to this one is held
    this.listeners = new Set();
    this.info = null; // the INTERACTION view, when known
  }

  /** Keep a durable event; return true if it was new. */
  add(frame) {
    if (typeof frame.seq !== "number" || this.events.has(frame.seq)) return false;
    this.events.set(frame.seq, frame);
    while (this.events.has(this.lastSeq + 1)) this.lastSeq += 1;
    for (const listener of this.listeners) listener(frame);
    return true;
  }

  /** The held events in seq order. */
  ordered() {
    return [...this.events.values()].sort((a, b) => a.seq - b.seq);
  }

  /** The latest interaction.state event, or null. */
  lastState() {
    const states = this.ordered().filter((f) => f.type === "interaction.state");
    return states.length ? states[states.length - 1] : null;
  }

  /** Call fn(frame) for each new event; return a function that stops it. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

export class Transcripts {
  constructor() {
    this.byId = new Map();
  }

  get(id) {
    let transcript = this.byId.get(id);
    if (!transcript) {
      transcript = new Transcript(id);
      this.byId.set(id, transcript);
    }
    return transcript;
  }

  has(id) {
    return this.byId.has(id);
  }
}
