// @ts-check
// Region -> centre mapping and the smart-service switch per region (administrators).
import { h, both } from "../../shared/dom.js";
import { get, patch } from "../api.js";
import { section, table, statusLine } from "./util.js";

export function mountRegions(centresPromise) {
  const { el, body } = section("regions", "regions", "console-regions");
  const { el: grid, tbody } = table(
    ["regionCode", "regionName", "centre", "smartService"],
    "console-region-rows",
  );
  const status = statusLine("console-regions-status");
  body.append(grid, status.el);
  async function change(code, changes) {
    try {
      await patch(`/console/api/regions/${encodeURIComponent(code)}`, changes);
      status.ok("saved");
    } catch (error) {
      status.fail(error);
      load();
    }
  }
  async function load() {
    try {
      const [{ items }, centres] = await Promise.all([get("/console/api/regions"), centresPromise]);
      tbody.replaceChildren(
        ...items.map((r) => {
          const centre = h(
            "select",
            {
              tid: "console-region-centre",
              attrs: { "aria-label": `${both("centre")}: ${r.name}` },
            },
            centres.map((c) => h("option", { text: c.name, attrs: { value: c.id } })),
          );
          centre.value = r.centre_id;
          centre.addEventListener("change", () => change(r.code, { centre_id: centre.value }));
          const smart = h("input", {
            tid: "console-region-smart",
            attrs: { type: "checkbox", "aria-label": `${both("smartService")}: ${r.name}` },
          });
          smart.checked = !!r.smart_service;
          smart.addEventListener("change", () => change(r.code, { smart_service: smart.checked }));
          return h("tr", { tid: "console-region-row", data: { code: r.code } }, [
            h("td", { text: r.code }),
            h("td", { text: r.name }),
            h("td", {}, [centre]),
            h("td", {}, [smart]),
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
