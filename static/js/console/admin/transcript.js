// @ts-check
// A supervisor's view of one conversation's whole record (internal notes included; the server audits the view).
import { h, bilingual } from "../../shared/dom.js";
import { get } from "../api.js";
import { Transcript } from "../model.js";
import { MessageList } from "../messages.js";

/** Show the transcript of iid inside container (replacing what was there). */
export async function showTranscript(container, iid) {
  container.hidden = false;
  container.dataset.interactionId = iid;
  container.replaceChildren(bilingual(h("p", { cls: "hint" }), "loading"));
  try {
    const record = await get(`/console/api/interactions/${encodeURIComponent(iid)}/transcript`);
    const transcript = new Transcript(iid);
    for (const frame of record.events) transcript.add(frame);
    const list = new MessageList(transcript, { tid: "console-transcript-messages", live: false });
    const who = record.interaction.person || {};
    container.replaceChildren(
      bilingual(h("h3"), "transcript"),
      h("p", { text: `${who.enterprise || ""} · ${who.name || ""} · ${record.interaction.state}` }),
      list.el,
    );
    container.focus();
  } catch (error) {
    container.replaceChildren(
      h("p", { cls: "error", attrs: { role: "alert" }, text: `${error.zh} ${error.en}` }),
    );
  }
}
