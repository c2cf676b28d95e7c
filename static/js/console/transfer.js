// @ts-check
// 转接: a picker of agents and centres with an internal note; resolves {to_agent | to_centre, note} or null.
import { h, bilingual, both, field } from "../shared/dom.js";
import { openDialog } from "./dialog.js";
import { get, ApiError } from "./api.js";

/**
 * Load whom this console may transfer to. A server endpoint /console/api/transfer-targets (any role) is used when
 * it exists; otherwise the supervisor lists (/agents, /centres), which refuse plain agents (403): then only the
 * agent's own centre queue is offered.
 */
export async function loadTargets(me) {
  try {
    const both = await get("/console/api/transfer-targets");
    return { agents: both.agents || [], centres: both.centres || [], hidden: false };
  } catch (error) {
    if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 405)) throw error;
  }
  let agents = [],
    centres,
    hidden = false;
  try {
    agents = (await get("/console/api/agents")).items;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
    hidden = true;
  }
  try {
    centres = (await get("/console/api/centres")).items;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
    centres = [{ id: me.centre, name: me.centre }];
  }
  return { agents, centres, hidden };
}

function targetButton(kind, id, name, detail, select) {
  const button = h(
    "button",
    {
      cls: "target",
      tid: "console-transfer-target",
      data: { target: `${kind}:${id}`, kind },
      attrs: { type: "button", "aria-pressed": "false" },
    },
    [
      h("span", { cls: "name", text: name }),
      detail ? h("span", { cls: "detail", text: ` ${detail}` }) : null,
    ],
  );
  button.addEventListener("click", () => select(button));
  return button;
}

/** Open the picker for a conversation; me is the auth.ok agent. */
export async function pickTransfer(me) {
  const targets = await loadTargets(me);
  let chosen = null;
  const select = (button) => {
    for (const other of list.querySelectorAll("[data-testid=console-transfer-target]")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    chosen = button.dataset.target;
  };
  const list = h("div", {
    cls: "targets",
    attrs: { role: "group", "aria-label": both("transferTitle") },
  });
  const agents = targets.agents.filter((a) => a.id !== me.id && !a.disabled);
  list.append(bilingual(h("h3"), "agents"));
  if (targets.hidden)
    list.append(bilingual(h("p", { cls: "hint", tid: "console-transfer-hidden" }), "agentsHidden"));
  else if (!agents.length) list.append(bilingual(h("p", { cls: "hint" }), "noAgents"));
  for (const agent of agents) {
    const presence = agent.online === false ? "offline" : agent.presence || "";
    list.append(
      targetButton("agent", agent.id, agent.display_name || agent.username, presence, select),
    );
  }
  list.append(bilingual(h("h3"), "centres"));
  for (const centre of targets.centres) {
    list.append(
      targetButton(
        "centre",
        centre.id,
        centre.name || centre.id,
        centre.open === false ? "✕" : "",
        select,
      ),
    );
  }
  const note = h("textarea", { tid: "console-transfer-note", attrs: { rows: 3, maxlength: 500 } });
  const result = await openDialog({
    kind: "transfer",
    title: "transferTitle",
    tid: "console-transfer-picker",
    okKey: "transferGo",
    body: [list, field("transferNote", note)],
    read: () => {
      if (!chosen) throw new Error("transferPick");
      return chosen;
    },
  });
  if (!result) return null;
  const [kind, id] = [result.slice(0, result.indexOf(":")), result.slice(result.indexOf(":") + 1)];
  const text = note.value.trim();
  return { [kind === "agent" ? "to_agent" : "to_centre"]: id, ...(text ? { note: text } : {}) };
}
