// @ts-check
// 常用语: the centre's quick replies, added and removed by supervisors.
import { h, both } from "../../shared/dom.js";
import { get, post, del } from "../api.js";
import { section, statusLine, button } from "./util.js";

export function mountQuick() {
  const { el, body } = section("quick", "quick", "console-quick");
  const list = h("ul", { tid: "console-quick-list" });
  const text = h("input", {
    tid: "console-quick-text",
    attrs: { maxlength: 500, "aria-label": both("quickText") },
  });
  const status = statusLine("console-quick-status");
  const add = button(
    "add",
    "console-quick-add",
    async () => {
      if (!text.value.trim()) return;
      try {
        await post("/console/api/quick-replies", {
          text: text.value.trim(),
          position: list.children.length,
        });
        text.value = "";
        status.ok("saved");
        load();
      } catch (error) {
        status.fail(error);
      }
    },
    "primary",
  );
  body.append(list, h("div", { cls: "row-actions" }, [text, add]), status.el);
  async function load() {
    try {
      const { items } = await get("/console/api/quick-replies");
      list.replaceChildren(
        ...items.map((item) =>
          h("li", { tid: "console-quick-item", data: { id: item.id } }, [
            h("span", { text: item.text }),
            " ",
            button(
              "remove",
              "console-quick-delete",
              async () => {
                try {
                  await del(`/console/api/quick-replies/${encodeURIComponent(item.id)}`);
                  load();
                } catch (error) {
                  status.fail(error);
                }
              },
              "link",
            ),
          ]),
        ),
      );
    } catch (error) {
      status.fail(error);
    }
  }
  load();
  return el;
}
