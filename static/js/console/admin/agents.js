// @ts-check
// Accounts and roles (administrators): create, change role, centre and concurrent limit, disable.
import { h, bilingual, both, field } from "../../shared/dom.js";
import { get, post, patch } from "../api.js";
import { section, table, statusLine, button } from "./util.js";

const ROLES = ["agent", "supervisor", "admin"];

function roleSelect(value, tid, label) {
  const select = h(
    "select",
    { tid, attrs: { "aria-label": label } },
    ROLES.map((role) => h("option", { text: both(`role_${role}`), attrs: { value: role } })),
  );
  select.value = value;
  return select;
}

export function mountAgents(centresPromise) {
  const { el, body } = section("agents", "agentsTitle", "console-agents");
  const { el: grid, tbody } = table(
    ["username", "displayName", "centre", "role", "maxConcurrent", "disabled", "save"],
    "console-agent-rows",
  );
  const status = statusLine("console-agents-status");
  const form = createForm(status, () => load(), centresPromise);
  body.append(grid, status.el, form);
  async function load() {
    try {
      const [{ items }, centres] = await Promise.all([get("/console/api/agents"), centresPromise]);
      tbody.replaceChildren(...items.map((a) => agentRow(a, centres, status)));
    } catch (error) {
      status.fail(error);
    }
  }
  load();
  return el;
}

function centreSelect(centres, value, tid, label) {
  const select = h(
    "select",
    { tid, attrs: { "aria-label": label } },
    centres.map((c) => h("option", { text: c.name, attrs: { value: c.id } })),
  );
  select.value = value;
  return select;
}

function agentRow(agent, centres, status) {
  const who = agent.display_name || agent.username;
  const role = roleSelect(agent.role, "console-agent-role", `${both("role")}: ${who}`);
  const centre = centreSelect(
    centres,
    agent.centre_id,
    "console-agent-centre",
    `${both("centre")}: ${who}`,
  );
  const max = h("input", {
    tid: "console-agent-max",
    attrs: {
      type: "number",
      min: 1,
      max: 1000,
      value: agent.max_concurrent,
      "aria-label": `${both("maxConcurrent")}: ${who}`,
    },
  });
  const disabled = h("input", {
    tid: "console-agent-disabled",
    attrs: { type: "checkbox", "aria-label": `${both("disabled")}: ${who}` },
  });
  disabled.checked = !!agent.disabled;
  const save = button("save", "console-agent-save", async () => {
    try {
      await patch(`/console/api/agents/${encodeURIComponent(agent.id)}`, {
        role: role.value,
        centre_id: centre.value,
        max_concurrent: Number.parseInt(max.value, 10),
        disabled: disabled.checked,
      });
      status.ok("saved");
    } catch (error) {
      status.fail(error);
    }
  });
  return h(
    "tr",
    { tid: "console-agent-row", data: { username: agent.username, agentId: agent.id } },
    [
      h("td", { text: agent.username }),
      h("td", { text: agent.display_name || "" }),
      h("td", {}, [centre]),
      h("td", {}, [role]),
      h("td", {}, [max]),
      h("td", {}, [disabled]),
      h("td", {}, [save]),
    ],
  );
}

function createForm(status, reload, centresPromise) {
  const username = h("input", {
    tid: "console-agent-new-username",
    attrs: { required: true, autocomplete: "off" },
  });
  const password = h("input", {
    tid: "console-agent-new-password",
    attrs: { type: "password", required: true, autocomplete: "new-password" },
  });
  const name = h("input", { tid: "console-agent-new-name" });
  const role = roleSelect("agent", "console-agent-new-role", both("role"));
  const centre = h("select", { tid: "console-agent-new-centre" });
  const max = h("input", {
    tid: "console-agent-new-max",
    attrs: { type: "number", min: 1, max: 1000, value: 5 },
  });
  centresPromise.then((centres) =>
    centre.replaceChildren(
      ...centres.map((c) => h("option", { text: c.name, attrs: { value: c.id } })),
    ),
  );
  const form = h(
    "form",
    {
      cls: "create",
      tid: "console-agent-create",
      attrs: { "aria-labelledby": "agent-create-title" },
    },
    [
      bilingual(h("h3", { attrs: { id: "agent-create-title" } }), "createAgent"),
      field("username", username),
      field("password", password),
      field("displayName", name),
      field("role", role),
      field("centre", centre),
      field("maxConcurrent", max),
      h("button", {
        cls: "primary",
        tid: "console-agent-create-submit",
        t: "createAgent",
        attrs: { type: "submit" },
      }),
    ],
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const { item } = await post("/console/api/agents", {
        username: username.value.trim(),
        password: password.value,
        display_name: name.value.trim() || undefined,
        role: role.value,
        centre_id: centre.value,
        max_concurrent: Number.parseInt(max.value, 10),
      });
      status.ok("created", item.username);
      form.reset();
      reload();
    } catch (error) {
      status.fail(error);
    }
  });
  return form;
}
