// @ts-check
// 业务办理服务确认单 templates of the centre: the business and the materials it needs (one a line).
import { h, bilingual, both, field } from "../../shared/dom.js";
import { extend } from "../i18n.js";
import { get, post, del } from "../api.js";
import { section, table, statusLine, button } from "./util.js";

extend({
  formTemplates: ["确认单模板", "Form templates"],
  noTemplates: ["暂无模板", "No templates"],
  templateTitle: ["办理业务", "Business"],
  templateItems: ["所需材料（每行一项）", "Materials it needs (one a line)"],
  templatePosition: ["顺序", "Order"],
  templateSave: ["保存模板", "Save template"],
  templateNew: ["新建模板", "New template"],
});

export function mountFormTemplates() {
  const { el, body } = section("form-templates", "formTemplates", "console-form-templates");
  const { el: grid, tbody } = table(
    ["templatePosition", "templateTitle", "templateItems", "edit"],
    "console-form-template-rows",
  );
  const status = statusLine("console-form-templates-status");
  const empty = bilingual(h("p", { cls: "hint" }), "noTemplates");
  let editing = null;
  const title = h("input", { tid: "console-template-title", attrs: { maxlength: 100 } });
  const items = h("textarea", { tid: "console-template-items", attrs: { rows: 4 } });
  const position = h("input", {
    tid: "console-template-position",
    attrs: { type: "number", value: "0" },
  });
  const save = button(
    "templateSave",
    "console-template-save",
    async () => {
      const body = {
        title: title.value,
        items: items.value
          .split("\n")
          .map((s) => s.trim())
          .filter(Boolean),
        position: Number(position.value) || 0,
      };
      if (editing) body.id = editing;
      try {
        await post("/console/api/form-templates", body);
        reset();
        await load();
        status.ok("saved");
      } catch (error) {
        status.fail(error);
      }
    },
    "primary",
  );
  const fresh = button("templateNew", "console-template-new", () => reset());
  function reset() {
    editing = null;
    title.value = "";
    items.value = "";
    position.value = "0";
  }
  body.append(
    grid,
    empty,
    field("templateTitle", title),
    field("templateItems", items),
    field("templatePosition", position),
    h("div", { cls: "row" }, [fresh, save]),
    status.el,
  );
  async function load() {
    try {
      const answer = await get("/console/api/form-templates");
      empty.hidden = answer.items.length > 0;
      tbody.replaceChildren(
        ...answer.items.map((t) => {
          const edit = button("edit", "console-template-edit", () => {
            editing = t.id;
            title.value = t.title;
            items.value = t.items.join("\n");
            position.value = String(t.position);
            title.focus();
          });
          edit.setAttribute("aria-label", `${both("edit")} ${t.title}`);
          const remove = button(
            "remove",
            "console-template-delete",
            async () => {
              try {
                await del(`/console/api/form-templates/${encodeURIComponent(t.id)}`);
                await load();
              } catch (error) {
                status.fail(error);
              }
            },
            "link",
          );
          remove.setAttribute("aria-label", `${both("remove")} ${t.title}`);
          return h("tr", { tid: "console-template-item", data: { templateId: t.id } }, [
            h("td", { text: String(t.position) }),
            h("td", { text: t.title }),
            h("td", { text: t.items.join("、") }),
            h("td", {}, [edit, " ", remove]),
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
