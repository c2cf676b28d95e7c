// @ts-check
// Supervisor and administrator pages: role-aware sections (supervisors: board, ratings, recordings, inbox, quick replies,
// knowledge base; administrators also accounts, working hours, holidays, regions and the roles each site serves).
import { h, bilingual, both, useTranslator } from "../../shared/dom.js";
import { t } from "../i18n.js";
import { get } from "../api.js";
import { logoutButton } from "./util.js";
import "./strings.js";
import "../reports/strings.js";
import { mountBoard } from "./board.js";
import { mountRatings } from "./ratings.js";
import { mountRecordings } from "./recordings.js";
import { mountLeave } from "./leave.js";
import { mountQuick } from "./quick.js";
import { mountKb } from "./kb.js";
import { mountAgents } from "./agents.js";
import { mountHours } from "./hours.js";
import { mountHolidays } from "./holidays.js";
import { mountRegions } from "./regions.js";
import { mountSites } from "./sites.js";
import { mountFollowups, mountAppeals } from "./reviews.js";
import { mountFormTemplates } from "./formtemplates.js";

useTranslator(t);
const root = document.getElementById("admin");
const role = root.dataset.role;
const admin = role === "admin";

const centres = get("/console/api/centres").then((answer) => answer.items);
centres.catch(() => null); // each section reports the failure itself

let ratings = null;
/** @type {Array<[string, () => HTMLElement]>} */
const sections = [
  ["board", () => mountBoard()],
  ["ratings", () => (ratings = mountRatings())],
  ["followups", () => mountFollowups()],
  ["appeals", () => mountAppeals(() => ratings && ratings.reload())],
  ["recordings", () => mountRecordings()],
  ["leave", () => mountLeave()],
  ["quick", () => mountQuick()],
  ["formTemplates", () => mountFormTemplates()],
  ["kb", () => mountKb()],
];
if (admin) {
  sections.push(
    ["agents", () => mountAgents(centres)],
    ["hours", () => mountHours(centres)],
    ["holidays", () => mountHolidays()],
    ["regions", () => mountRegions(centres)],
    ["sites", () => mountSites()],
  );
}
const titles = {
  board: "board",
  ratings: "ratings",
  followups: "followups",
  appeals: "appeals",
  formTemplates: "formTemplates",
  recordings: "recordings",
  leave: "leave",
  quick: "quick",
  kb: "kb",
  agents: "agentsTitle",
  hours: "hours",
  holidays: "holidays",
  regions: "regions",
  sites: "sites",
};

const header = h("header", { cls: "topbar" }, [
  bilingual(h("h1"), "adminTitle"),
  h("span", { text: `${root.dataset.name} · ${both(`role_${role}`)}` }),
  h("nav", { cls: "links" }, [
    h("a", { tid: "console-back", t: "consoleLink", attrs: { href: "/console" } }),
    h("a", {
      tid: "console-reports-nav",
      t: "reportsTitle",
      attrs: { href: "/console/reports" },
    }),
    logoutButton(),
  ]),
]);
const nav = h(
  "nav",
  { cls: "admin-nav", tid: "console-admin-nav", attrs: { "aria-label": both("nav") } },
  sections.map(([id]) =>
    h("a", {
      t: titles[id],
      attrs: { href: `#${id === "formTemplates" ? "form-templates" : id}` },
    }),
  ),
);
const main = h(
  "div",
  { cls: "admin-main" },
  sections.map(([, mount]) => mount()),
);
root.replaceChildren(header, nav, main);
