// @ts-check
// 双录: the centre's call recordings, newest first, each playable here (every playback is audited by the server)
// with its duration, size and SHA-256, and a link to the conversation's transcript.
import { h, bilingual } from "../../shared/dom.js";
import { clock, duration } from "../../shared/i18n.js";
import { get } from "../api.js";
import { section, table, statusLine, button } from "./util.js";
import { showTranscript } from "./transcript.js";

const KINDS = { taxpayer: "recTaxpayer", agent: "recAgent", screen: "recScreen" };

function size(bytes) {
  return bytes >= 1048576
    ? `${(bytes / 1048576).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

export function mountRecordings() {
  const { el, body } = section("recordings", "recordings", "console-recordings");
  const { el: grid, tbody } = table(
    ["time", "person", "agent", "recKind", "recDuration", "recSize", "recSha", "recPlay"],
    "console-recording-rows",
  );
  const player = h("video", {
    tid: "console-recording-player",
    attrs: { controls: true, preload: "metadata" },
  });
  const caption = h("figcaption", { tid: "console-recording-caption" });
  const stage = h("figure", { cls: "recording-player" }, [player, caption]);
  stage.hidden = true;
  const viewer = h("div", {
    cls: "transcript",
    tid: "console-recording-transcript",
    attrs: { tabindex: "-1" },
  });
  viewer.hidden = true;
  const status = statusLine("console-recordings-status");
  const empty = bilingual(h("p", { cls: "hint" }), "noRecordings");
  body.append(
    button("refresh", "console-recordings-refresh", () => load()),
    grid,
    empty,
    status.el,
    stage,
    viewer,
  );

  function play(item, label) {
    stage.hidden = false;
    player.src = item.url;
    player.dataset.recordingId = item.id;
    caption.textContent = label;
    player.focus();
  }

  function row(item) {
    const label = `${clock(item.started_at || item.created_at, true)} · ${item.enterprise} · ${item.person_name}`;
    const playButton = button(
      "recPlay",
      "console-recording-play",
      () => play(item, label),
      "primary",
    );
    const transcript = button("transcriptLink", "console-recording-transcript-link", () =>
      showTranscript(viewer, item.interaction_id),
    );
    const kind = bilingual(h("td"), KINDS[item.kind] || item.kind);
    return h(
      "tr",
      {
        tid: "console-recording-item",
        data: { recordingId: item.id, kind: item.kind, interactionId: item.interaction_id },
      },
      [
        h("td", { text: clock(item.started_at || item.created_at, true) }),
        h("td", { text: [item.enterprise, item.person_name].filter(Boolean).join(" · ") }),
        h("td", { text: item.agent_name || "" }),
        kind,
        h("td", { text: duration(item.duration / 1000) }),
        h("td", { text: size(item.size) }),
        h("td", {}, [h("code", { text: item.sha256.slice(0, 12), attrs: { title: item.sha256 } })]),
        h("td", { cls: "actions" }, [playButton, transcript]),
      ],
    );
  }

  async function load() {
    try {
      const { items } = await get("/console/api/recordings");
      empty.hidden = items.length > 0;
      tbody.replaceChildren(...items.map(row));
      status.clear();
    } catch (error) {
      status.fail(error);
    }
  }
  load();
  return el;
}
