// @ts-check
// The leave-a-message inbox of the centre: newest first, each can be marked handled (or new again).
import { h, bilingual } from "../../shared/dom.js";
import { clock } from "../../shared/i18n.js";
import { get, patch } from "../api.js";
import { section, table, statusLine, button } from "./util.js";

export function mountLeave() {
  const { el, body } = section("leave", "leave", "console-leave");
  const { el: grid, tbody } = table(
    ["time", "person", "contact", "text", "status"],
    "console-leave-rows",
  );
  const status = statusLine("console-leave-status");
  const empty = bilingual(h("p", { cls: "hint" }), "noLeave");
  const refresh = button("refresh", "console-leave-refresh", () => load());
  body.append(refresh, grid, empty, status.el);
  async function mark(id, value) {
    try {
      await patch(`/console/api/leave-messages/${encodeURIComponent(id)}`, { status: value });
      await load();
    } catch (error) {
      status.fail(error);
    }
  }
  async function load() {
    try {
      const { items } = await get("/console/api/leave-messages");
      empty.hidden = items.length > 0;
      tbody.replaceChildren(
        ...items.map((m) => {
          const handled = m.status === "handled";
          const toggle = button(
            handled ? "markNew" : "markHandled",
            "console-leave-handle",
            () => mark(m.id, handled ? "new" : "handled"),
            handled ? "link" : "secondary",
          );
          return h("tr", { tid: "console-leave-item", data: { id: m.id, status: m.status } }, [
            h("td", { text: clock(m.created_at, true) }),
            h("td", { text: `${m.enterprise || ""} · ${m.person_name || ""}` }),
            h("td", { text: m.contact || "" }),
            h("td", { cls: "pre", text: m.text }),
            h("td", {}, [bilingual(h("span"), handled ? "leaveHandled" : "leaveNew"), " ", toggle]),
          ]);
        }),
      );
      status.clear();
    } catch (error) {
      status.fail(error);
    }
  }
  load();
  return el;
}
