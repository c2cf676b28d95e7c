// @ts-check
// Sites (administrators): the token roles each site accepts (法定代表人, 财务负责人, 办税员, 开票员...); empty: anyone.
import { h, both } from "../../shared/dom.js";
import { get, patch } from "../api.js";
import { section, table, statusLine, button } from "./util.js";

/** Split what an administrator typed into role names (、 , ， ; ； or new lines between them). */
function names(text) {
  return text
    .split(/[、,，;；\n]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function mountSites() {
  const { el, body } = section("sites", "sites", "console-sites");
  const hint = h("p", { cls: "hint", t: "siteRolesHint" });
  const { el: grid, tbody } = table(
    ["siteId", "siteName", "siteRoles", "siteAction"],
    "console-site-rows",
  );
  const status = statusLine("console-sites-status");
  body.append(hint, grid, status.el);
  async function save(site, input) {
    try {
      const { item } = await patch(`/console/api/sites/${encodeURIComponent(site.id)}`, {
        allowed_roles: names(input.value),
      });
      input.value = item.allowed_roles.join("、");
      status.ok(item.allowed_roles.length ? "siteRolesSaved" : "siteRolesAnyone");
    } catch (error) {
      status.fail(error);
    }
  }
  async function load() {
    try {
      const { items } = await get("/console/api/sites");
      tbody.replaceChildren(
        ...items.map((site) => {
          const input = h("input", {
            tid: "console-site-roles",
            attrs: {
              type: "text",
              "aria-label": `${both("siteRoles")}: ${site.name}`,
              placeholder: "法定代表人、财务负责人、办税员、开票员",
            },
          });
          input.value = site.allowed_roles.join("、");
          input.addEventListener("keydown", (event) => {
            if (event.key === "Enter") save(site, input);
          });
          const saveButton = button("save", "console-site-save", () => save(site, input));
          saveButton.setAttribute("aria-label", `${both("save")}: ${site.name}`);
          return h("tr", { tid: "console-site-row", data: { siteId: site.id } }, [
            h("td", { text: site.id }),
            h("td", { text: site.name }),
            h("td", {}, [input]),
            h("td", {}, [saveButton]),
          ]);
        }),
      );
    } catch (error) {
      status.fail(error);
    }
  }
  load();
  return el;
}
