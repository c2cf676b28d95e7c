// @ts-check
// What this tab holds: every interaction it has seen, its events by seq (repeats dropped), and which is live.
export const LIVE = new Set(["bot", "queued", "connected"]);

export class Model {
  constructor() {
    this.items = new Map();
    this.liveId = null;
  }

  /** Return the record of an interaction, creating an empty one. */
  item(id) {
    let item = this.items.get(id);
    if (!item) {
      item = {
        id,
        state: null,
        events: [],
        seqs: new Set(),
        maxSeq: 0,
        agent: null,
        endedBy: null,
        ratingOffered: false,
        rated: false,
        agentReadSeq: 0,
        readSeq: 0,
        synced: false,
        createdAt: null,
        call: "none",
        callId: null,
        callSeq: 0,
      };
      this.items.set(id, item);
    }
    return item;
  }

  /** Merge an INTERACTION view (from auth.ok or history) into the record. */
  merge(view) {
    const item = this.item(view.id);
    if (!item.state || item.maxSeq <= (view.seq || 0)) {
      item.state = view.state;
      item.agent = view.agent || item.agent;
      item.endedBy = view.ended_by || item.endedBy;
    }
    if (view.call && item.callSeq <= (view.seq || 0)) {
      item.call = view.call;
      item.callId = view.call_id || item.callId;
      item.callSeq = view.seq || 0;
    }
    item.agentReadSeq = Math.max(item.agentReadSeq, view.agent_read_seq || 0);
    item.readSeq = Math.max(item.readSeq, view.taxpayer_read_seq || 0);
    item.createdAt = view.created_at || item.createdAt;
    if (LIVE.has(item.state)) this.liveId = item.id;
    return item;
  }

  /** Store a durable event; return the record, or null when this seq is already held. */
  add(frame) {
    const item = this.item(frame.interaction_id);
    if (typeof frame.seq !== "number" || item.seqs.has(frame.seq)) return null;
    item.seqs.add(frame.seq);
    item.events.push(frame);
    if (frame.seq > item.maxSeq) item.maxSeq = frame.seq;
    if (frame.type === "interaction.state" && frame.seq === item.maxSeq) {
      item.state = frame.state;
      item.agent = frame.agent || (frame.state === "connected" ? item.agent : null) || item.agent;
      item.endedBy = frame.ended_by || null;
      if (frame.state === "ended") item.ratingOffered = Boolean(frame.rating);
      if (LIVE.has(frame.state)) this.liveId = item.id;
      else if (this.liveId === item.id) this.liveId = null;
    }
    if (frame.type === "rating.saved") item.rated = true;
    if (
      (frame.type === "call.state" || frame.type === "interaction.state") &&
      frame.call &&
      frame.seq > item.callSeq
    ) {
      item.call = frame.call; // the newest event that says where the call is
      item.callSeq = frame.seq;
      if (frame.call_id) item.callId = frame.call_id;
    }
    return item;
  }

  /** Return the live interaction record or null. */
  live() {
    return this.liveId ? this.items.get(this.liveId) : null;
  }
}
