// The facilitator's review of a finished plan: correct the wording of selected items, fill in
// their fields (owners, dates, budgets, metrics), change what they serve, drop a junk item (or
// restore one dropped earlier), set how often the plan is reviewed, and publish the next
// version. Only what changed is sent; the server checks it with the same rules as the define
// and link steps and keeps every earlier version. A refusal is shown next to the field it
// names, and nothing typed is lost.

import { el, facilitatorKey, fill, toast } from "./common.js";
import { formatDate, formatNumber, N_, t } from "./i18n.js";
import { fieldLabel } from "./items.js";
import { keyedButtons, planPath } from "./plan-files.js";

const app = document.getElementById("app");
const WORKSHOP_ID = app.dataset.workshopId;
const saved = facilitatorKey(`sw:facilitator:${WORKSHOP_ID}`);
const status = document.getElementById("review-status");
const form = document.getElementById("review-form");
const errorBox = document.getElementById("review-error");

/** The fields a review can set per level (the server's `levels.FIELDS_BY_LEVEL`), in the
 * order the form shows them: short ones first, lists last. */
const LEVEL_FIELDS = {
  goals: ["metrics"],
  programs: ["owner", "budget", "start", "end", "outcome", "metrics"],
  projects: ["owner", "sponsor", "start", "due", "budget", "approach", "deliverables"],
  actions: ["owner", "due"],
};
const DATE_FIELDS = ["due", "start", "end"];
const MAX_LENGTH = { owner: 120, sponsor: 120, budget: 80, outcome: 400 };
const WIDE_FIELDS = ["outcome", "metrics", "deliverables"];
const LABELS = {
  deliverables: N_("Deliverables (one per line)"), due: N_("Due date"), start: N_("Start date"), end: N_("End date"),
};
const APPROACHES = ["waterfall", "agile", "hybrid"];
/** The approaches as the form names them (the stored value stays the English key). */
const APPROACH_NAMES = { waterfall: N_("waterfall"), agile: N_("agile"), hybrid: N_("hybrid") };
/** A field's label for a level, as the refusals name it. */
const LABEL_OF = Object.fromEntries(["text", "owner", "sponsor", "outcome", "budget", "start", "end", "due", "approach"]
  .map((name) => [name, (level) => (name === "text" ? t("The wording") : fieldLabel(level, name))]));
/** When a version was published, as `Date.toLocaleString()` writes it, in the page's language. */
const WHEN = { year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "2-digit", second: "2-digit" };
const METRIC_KEYS = ["metric", "baseline", "target", "due"];
const ONE_OF = {
  situation: N_("Situation item"), environment: N_("Environment item"), vision: N_("Vision"),
  mission: N_("Mission"), values: N_("Value"), goals: N_("Goal"), programs: N_("Program"),
  projects: N_("Project"), risks: N_("Risk"), actions: N_("Action"),
};
const CADENCES = [
  ["monthly", N_("Monthly")],
  ["quarterly", N_("Quarterly")],
  ["half-yearly", N_("Half-yearly")],
  ["yearly", N_("Yearly")],
];
/** The plan's rules, from the server (`review.review_rules` in workshop/plan/review.py), so the page
 * keeps no copy of them: `parent_levels` (which levels an item may link to),
 * `mitigating_levels` (which may mitigate it), `relations` (what a link means, per level and
 * parent level: `default` and `by_category`), `relation_labels` and `gap_labels`. */
const RULES = (() => {
  try {
    return JSON.parse(app.dataset.rules || "null");
  } catch {
    return null;
  }
})();
const PARENT_LEVELS = (RULES && RULES.parent_levels) || {};
const MITIGATING_LEVELS = (RULES && RULES.mitigating_levels) || {};
const GAP_LABELS = (RULES && RULES.gap_labels) || {};
const RELATION_LABELS = (RULES && RULES.relation_labels) || {};

/** What a link from an item of `level` to `parent` (an item of `parentStage`) means:
 * "serves", "builds_on", "answers", "responds_to", "threatens" (the server's
 * `levels.relation`). */
function relationOf(level, parentStage, parent) {
  const rule = ((RULES && RULES.relations) || {})[level]?.[parentStage.key];
  if (!rule) return "serves";
  return (parent && parent.category && rule.by_category[parent.category]) || rule.default;
}
const relationLabel = (relation) => (RELATION_LABELS[relation] ? t(RELATION_LABELS[relation]) : relation);

let plan = null;
let counter = 0;
const uid = (name) => `${name}-${++counter}`;
// What the form says about links and drops, by item id, kept across redraws of the links.
const chosenLinks = new Map(); // id -> Set of parent ids ticked
const chosenMitigations = new Map(); // a risk's id -> Set of project ids ticked
const droppedNow = new Map(); // id -> dropped in the form
let lastSent = [];

function say(message, kind = "info") {
  status.className = `notice ${kind}`;
  status.textContent = message;
  status.hidden = !message;
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: `Bearer ${saved.key}`, "Content-Type": "application/json" },
  });
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(body && body.error ? body.error.message
      : t("The server answered %(status)s.", { status: response.status }));
    error.code = body && body.error ? body.error.code : "";
    throw error;
  }
  return body;
}

const allItems = () => plan.stages.flatMap((stage) => stage.items.map((item) => ({ stage, item })));
const wordingOf = (item) => item.fields.text || item.text;
const isDropped = (item) => (droppedNow.has(item.id) ? droppedNow.get(item.id) : Boolean(item.dropped));
const inPlan = (item) => item.selected && !isDropped(item);

// ------------------------------------------------------------------ the form

function labelled(label, control, hint = null) {
  return el("div", { class: "field" }, el("label", { for: control.id }, label), control,
    hint ? el("p", { class: "muted small" }, hint) : null);
}

function metricRow(metric = {}) {
  const cell = (name, label, type = "text") => el("input", {
    type, "aria-label": t(label), placeholder: t(label), value: metric[name] || "", dataset: { metric: name },
    maxlength: name === "metric" ? 200 : 100,
  });
  const row = el("div", { class: "metric-row" },
    cell("metric", N_("Metric")), cell("baseline", N_("Baseline")), cell("target", N_("Target")),
    cell("due", N_("By when"), "date"),
    el("button", {
      type: "button", class: "small quiet", "aria-label": t("Remove this metric"), onclick: () => row.remove(),
    }, t("Remove")));
  return row;
}

function fieldControl(name, item, level) {
  const value = item.fields[name];
  const wide = WIDE_FIELDS.includes(name) ? " wide" : "";
  if (name === "metrics") {
    const rows = el("div", { class: "metric-rows", dataset: { field: "metrics" } },
      (value || []).map((metric) => metricRow(metric)));
    return el("fieldset", { class: `metrics${wide}` }, el("legend", {}, fieldLabel(level, "metrics")), rows,
      el("button", { type: "button", class: "small", onclick: () => rows.append(metricRow()) }, t("Add a metric")));
  }
  let control;
  if (name === "approach") {
    control = el("select", { id: uid("approach"), dataset: { field: "approach" } },
      el("option", { value: "" }, t("Not chosen")),
      APPROACHES.map((a) => el("option", { value: a, selected: value === a }, t(APPROACH_NAMES[a]))));
  } else if (name === "deliverables") {
    control = el("textarea", { id: uid("deliverables"), rows: 3, dataset: { field: "deliverables" } });
    control.value = (value || []).join("\n");
  } else if (name === "outcome") {
    control = el("textarea", { id: uid("outcome"), rows: 2, maxlength: MAX_LENGTH.outcome, dataset: { field: "outcome" } });
    control.value = value || "";
  } else {
    control = el("input", {
      id: uid(name), type: DATE_FIELDS.includes(name) ? "date" : "text", value: value || "",
      maxlength: MAX_LENGTH[name], dataset: { field: name },
      placeholder: name === "budget" ? (level === "programs" ? t("e.g. EUR 2.5 million") : t("e.g. $40,000")) : null,
    });
  }
  const label = name === "owner" || (name === "due" && level === "projects") ? fieldLabel(level, name)
    : (LABELS[name] ? t(LABELS[name]) : fieldLabel(level, name));
  const field = labelled(label, control);
  field.className = `field${wide}`;
  return field;
}

/** The selected items (still in the plan as the form has it) of earlier stages of the given
 * levels, by stage. */
function earlier(stage, allowed) {
  if (!allowed || !allowed.length) return [];
  const position = plan.stages.indexOf(stage);
  return plan.stages.slice(0, position).filter((s) => allowed.includes(s.key))
    .map((s) => ({ stage: s, items: s.items.filter(inPlan) }))
    .filter((group) => group.items.length);
}

/** Whether the plan has a stage of these levels before this one (selected items or not). */
const hasEarlier = (stage, allowed) => plan.stages.slice(0, plan.stages.indexOf(stage))
  .some((s) => (allowed || []).includes(s.key));
/** Whether an item of this stage gets a links editor: when the plan has a stage it may link
 * to, or, for an item that serves (as every link did before the situation analysis), always
 * (so "Nothing earlier in the plan for it to serve." says what is missing). A goal in a plan
 * without a situation analysis has none, as before. */
function hasLinks(stage) {
  const allowed = PARENT_LEVELS[stage.key];
  if (!allowed) return false;
  const relations = relationsOf(stage.key, []);
  return hasEarlier(stage, allowed) || (relations.length === 1 && relations[0] === "serves");
}
/** Whether an item of this stage gets a "Mitigated by" checklist (a risk, in a plan with a
 * projects stage before it). */
const hasMitigations = (stage) => hasEarlier(stage, MITIGATING_LEVELS[stage.key]);

/** The items of earlier stages this item may link to. */
const candidates = (stage) => earlier(stage, PARENT_LEVELS[stage.key]);
/** The items of earlier stages that may mitigate this item (a risk's projects). */
const mitigators = (stage) => earlier(stage, MITIGATING_LEVELS[stage.key]);

/** A group's items in sections: a stage with categories by category, in the stage's order
 * (items of no category last), each with what a link to it means; else one section. */
function sections(level, group) {
  const categories = group.stage.categories || [];
  const relation = (item) => relationOf(level, group.stage, item);
  if (!categories.length) return [{ label: "", relation: relation(null), items: group.items }];
  const known = new Set(categories.map((c) => c.key));
  return [
    ...categories.map((c) => ({ label: c.label, category: c.key, items: group.items.filter((i) => i.category === c.key) })),
    { label: t("No category"), items: group.items.filter((i) => !known.has(i.category)) },
  ].filter((section) => section.items.length)
    .map((section) => ({ ...section, relation: relation(section.items[0]) }));
}

/** The relations of the links offered, in the order the checklist shows them (the editor's
 * legend: "Builds on / Answers" when the strengths come first); with nothing offered, every
 * relation the level's links can have. */
function relationsOf(level, groups) {
  const found = new Set(groups.flatMap((group) => sections(level, group).map((s) => s.relation)));
  if (!found.size) {
    for (const parent of PARENT_LEVELS[level] || []) {
      const rule = ((RULES && RULES.relations) || {})[level]?.[parent];
      if (rule) [rule.default, ...Object.values(rule.by_category)].forEach((r) => found.add(r));
    }
  }
  return [...found];
}

/** One checkbox per item offered, ticked as `ticked` says (kept across redraws). */
function checklist(groups, ticked, { level, mixed, prefix }) {
  return groups.map((group) => el("div", { class: "link-group" },
    el("p", { class: "link-level" }, group.stage.title),
    sections(level, group).map((section) => {
      // A heading per category ("Threats · answers"), or per stage when the links mean
      // different things and the stage has no categories; a plain stage's has none.
      const words = section.label ? [section.label, relationLabel(section.relation).toLowerCase()].join(" · ")
        : mixed ? relationLabel(section.relation) : "";
      return [
        words ? el("p", { class: "link-category small muted" }, words) : null,
        section.items.map((parent) => {
          const id = uid(prefix);
          return el("label", { class: "check", for: id },
            el("input", {
              type: "checkbox", id, checked: ticked.has(parent.id), dataset: { link: parent.id },
              onchange: (event) => {
                if (event.target.checked) ticked.add(parent.id); else ticked.delete(parent.id);
              },
            }),
            el("span", { dir: "auto" }, wordingOf(parent)));
        }),
      ];
    })));
}

function linksEditor(stage, item) {
  const groups = candidates(stage);
  const relations = relationsOf(stage.key, groups);
  const plain = relations.length === 1 && relations[0] === "serves";
  const box = el("fieldset", { class: "review-links wide", dataset: { links: item.id } },
    el("legend", {}, plain ? t("Serves") : relations.map(relationLabel).join(" / ")));
  if (!groups.length) {
    box.append(el("p", { class: "muted small" }, plain ? t("Nothing earlier in the plan for it to serve.")
      : t("Nothing earlier in the plan for it to link to.")));
    return box;
  }
  box.append(...checklist(groups, chosenLinks.get(item.id), { level: stage.key, mixed: relations.length > 1, prefix: "serves" }));
  return box;
}

function mitigationsEditor(stage, item) {
  const groups = mitigators(stage);
  const box = el("fieldset", { class: "review-links review-mitigations wide", dataset: { mitigations: item.id } },
    el("legend", {}, relationLabel("mitigated_by")));
  if (!groups.length) {
    box.append(el("p", { class: "muted small" }, t("Nothing earlier in the plan could mitigate it.")));
    return box;
  }
  // Every option mitigates: no relation headings, just the stages' titles.
  const plainGroups = groups.map((group) => ({ ...group, stage: { ...group.stage, categories: [] } }));
  box.append(...checklist(plainGroups, chosenMitigations.get(item.id), { level: "", mixed: false, prefix: "mitigated" }));
  return box;
}

function gapFlags(item) {
  const gaps = (plan.gaps || []).filter((gap) => gap.id === item.id);
  if (!gaps.length) return null;
  return el("ul", {
    class: "review-flags", "aria-label": t("Gaps in version %(n)s", { n: formatNumber(plan.version) }),
  }, gaps.map((gap) => el("li", {}, "⚠ ", GAP_LABELS[gap.kind] ? t(GAP_LABELS[gap.kind]) : gap.kind,
    gap.detail ? `: ${gap.detail}` : "")));
}

function itemEditor(stage, item, n) {
  const name = t("%(what)s %(n)s", { what: ONE_OF[stage.key] ? t(ONE_OF[stage.key]) : stage.title, n: formatNumber(n) });
  const category = item.category && (stage.categories || []).find((c) => c.key === item.category);
  const wording = el("textarea", { id: uid("wording"), rows: 2, maxlength: 280, dir: "auto", dataset: { field: "text" } });
  wording.value = wordingOf(item);
  const dropped = isDropped(item);
  const fields = (LEVEL_FIELDS[stage.key] || []).map((name) => fieldControl(name, item, stage.key));
  const body = el("fieldset", { class: "review-body", disabled: dropped },
    el("legend", { class: "visually-hidden" }, t("Fields of %(name)s", { name })),
    labelled(t("Wording in the plan"), wording, t("As voted: %(text)s", { text: item.text })),
    el("div", { class: "review-fields" }, fields,
      hasLinks(stage) ? el("div", { class: "links-slot wide" }, linksEditor(stage, item)) : null,
      hasMitigations(stage) ? el("div", { class: "mitigations-slot wide" }, mitigationsEditor(stage, item)) : null));
  const box = el("fieldset", { class: dropped ? "review-item dropped" : "review-item", dataset: { id: item.id, level: stage.key } },
    el("legend", { class: "visually-hidden" }, category ? t("%(name)s, %(category)s", { name, category: category.label }) : name),
    el("div", { class: "review-tools" },
      el("span", { class: "review-title", "aria-hidden": "true" }, name,
        category ? el("span", { class: "muted small" }, ` · ${category.label}`) : null),
      el("span", { class: "removed-badge", hidden: !dropped }, t("Removed in review")),
      el("button", {
        type: "button", class: dropped ? "small" : "small quiet", "aria-pressed": String(dropped),
        "aria-label": dropLabel(dropped, item),
        onclick: () => toggleDrop(item),
      }, dropped ? t("Restore") : t("Drop from the plan"))),
    gapFlags(item),
    body);
  return box;
}

/** The drop button's name: what it does and to which item ("Restore: Open data by default"). */
function dropLabel(dropped, item) {
  const wording = wordingOf(item);
  return dropped ? t("Restore: %(wording)s", { wording }) : t("Drop from the plan: %(wording)s", { wording });
}

/** Drop an item from the plan, or restore it (what was typed in it stays); the items that
 * could serve it, or be served by it, are offered again accordingly. */
function toggleDrop(item) {
  const dropped = !isDropped(item);
  droppedNow.set(item.id, dropped);
  const box = document.querySelector(`.review-item[data-id="${item.id}"]`);
  box.classList.toggle("dropped", dropped);
  box.querySelector(":scope > .review-body").disabled = dropped;
  box.querySelector(".removed-badge").hidden = !dropped;
  const button = box.querySelector(".review-tools button");
  button.textContent = dropped ? t("Restore") : t("Drop from the plan");
  button.className = dropped ? "small" : "small quiet";
  button.setAttribute("aria-pressed", String(dropped));
  button.setAttribute("aria-label", dropLabel(dropped, item));
  redrawLinks();
  formChanged();
}

function redrawLinks() {
  for (const { stage, item } of allItems()) {
    const slot = document.querySelector(`.review-item[data-id="${item.id}"] .links-slot`);
    if (slot) fill(slot, linksEditor(stage, item));
    const mitigations = document.querySelector(`.review-item[data-id="${item.id}"] .mitigations-slot`);
    if (mitigations) fill(mitigations, mitigationsEditor(stage, item));
  }
}

function renderForm() {
  document.getElementById("review-base").textContent = formatNumber(plan.version);
  document.getElementById("facilitator-name").value = plan.facilitator || "";
  document.getElementById("review-note").value = "";
  fill(document.getElementById("review-cadence"), CADENCES.map(([value, label]) => el("option",
    { value, selected: value === (plan.review_cadence || "quarterly") }, t(label))));
  errorBox.hidden = true;
  chosenLinks.clear();
  chosenMitigations.clear();
  droppedNow.clear();
  for (const { item } of allItems()) {
    chosenLinks.set(item.id, new Set(item.links || []));
    chosenMitigations.set(item.id, new Set(item.mitigated_by || []));
  }
  const sections = plan.stages.filter((stage) => stage.items.some((item) => item.selected));
  fill(document.getElementById("review-items"), sections.length
    ? sections.map((stage) => el("section", { class: "review-stage" },
      el("h3", { dir: "auto" }, stage.title),
      stage.items.filter((item) => item.selected).map((item, i) => itemEditor(stage, item, i + 1))))
    : el("p", { class: "muted" }, t("No stage selected any items, so there is nothing to correct.")));
}

// ------------------------------------------------------------------ what changed

function readFields(box, item) {
  const out = {};
  for (const control of box.querySelectorAll(":scope > .review-body [data-field]")) {
    const name = control.dataset.field;
    if (name === "metrics") {
      out.metrics = [...control.querySelectorAll(".metric-row")].map((row) => {
        const metric = {};
        for (const input of row.querySelectorAll("[data-metric]")) metric[input.dataset.metric] = input.value.trim() || null;
        return metric;
      }).filter((metric) => Object.values(metric).some((v) => v));
    } else if (name === "deliverables") {
      out.deliverables = control.value.split("\n").map((line) => line.trim()).filter(Boolean);
    } else {
      out[name] = control.value.trim() || null;
    }
  }
  const changed = {};
  // Metrics compare by their four values in a fixed order (plan.json sorts its keys).
  const comparable = (name, value) => (name === "metrics" && Array.isArray(value)
    ? value.map((m) => METRIC_KEYS.map((k) => m[k] ?? null)) : value ?? null);
  for (const [name, value] of Object.entries(out)) {
    const before = name === "text" ? wordingOf(item) : item.fields[name];
    const same = JSON.stringify(comparable(name, value)) === JSON.stringify(comparable(name, before))
      || (Array.isArray(value) && value.length === 0 && !before);
    if (!same) changed[name] = Array.isArray(value) && value.length === 0 ? null : value;
  }
  return changed;
}

/** The item's new parents when the ticks differ from what it served (among the items the
 * form offers: a link to a dropped item is kept as it is unless the facilitator changes it). */
function readLinks(stage, item) {
  if (!hasLinks(stage)) return null;
  return changedTicks(candidates(stage), item.links, chosenLinks.get(item.id));
}

/** A risk's new mitigations when the ticks differ from its `mitigated_by`, likewise. */
function readMitigations(stage, item) {
  if (!hasMitigations(stage)) return null;
  return changedTicks(mitigators(stage), item.mitigated_by, chosenMitigations.get(item.id));
}

function changedTicks(groups, was, ticked) {
  const offered = new Set(groups.flatMap((group) => group.items.map((parent) => parent.id)));
  const before = (was || []).filter((id) => offered.has(id)).sort((a, b) => a - b);
  const now = [...ticked].filter((id) => offered.has(id)).sort((a, b) => a - b);
  return JSON.stringify(before) === JSON.stringify(now) ? null : now;
}

function collect() {
  const items = [];
  for (const { stage, item } of allItems()) {
    const box = document.querySelector(`.review-item[data-id="${item.id}"]`);
    if (!box) continue;
    const change = { id: item.id };
    const fields = readFields(box, item);
    if (Object.keys(fields).length) change.fields = fields;
    const links = readLinks(stage, item);
    if (links) change.links = links;
    const mitigations = readMitigations(stage, item);
    if (mitigations) change.mitigated_by = mitigations;
    if (isDropped(item) !== Boolean(item.dropped)) change.dropped = isDropped(item);
    if (Object.keys(change).length > 1) items.push(change);
  }
  const body = { based_on: plan.version, items };
  const name = document.getElementById("facilitator-name").value.trim() || null;
  if (name !== (plan.facilitator || null)) body.facilitator = name;
  const cadence = document.getElementById("review-cadence").value;
  if (cadence !== (plan.review_cadence || "quarterly")) body.review_cadence = cadence;
  const note = document.getElementById("review-note").value.trim();
  if (note) body.note = note;
  return body;
}

const NOTHING_CHANGED = N_("Nothing has changed yet: correct a wording, fill in a field, change a link or drop an item first.");
const hasChanges = (body) => body.items.length > 0 || "facilitator" in body || "review_cadence" in body;

function formChanged() {
  if (!errorBox.hidden && errorBox.textContent === t(NOTHING_CHANGED) && plan && hasChanges(collect())) errorBox.hidden = true;
}
// "Nothing has changed yet" goes as soon as something has.
form.addEventListener("input", formChanged);
form.addEventListener("change", formChanged);

// Leaving the page with corrections not yet published asks first.
window.addEventListener("beforeunload", (event) => {
  if (!plan || !document.querySelector(".review-item") || !hasChanges(collect())) return;
  event.preventDefault();
  event.returnValue = "";
});

// ------------------------------------------------------------------ refusals

function clearRefusals() {
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const node of form.querySelectorAll("[aria-invalid]")) {
    node.removeAttribute("aria-invalid");
    node.removeAttribute("aria-describedby");
  }
}

/** Where a refusal belongs: the server's message starts with what it is about
 * ("items[2].fields: owner can be…", "items[0].links[1]: …", "review_cadence is one of…"). */
function refusalTarget(message) {
  const top = { facilitator: "facilitator-name", note: "review-note", review_cadence: "review-cadence" };
  for (const [name, id] of Object.entries(top)) {
    if (message.startsWith(`${name} `) || message.startsWith(`${name}:`)) {
      const control = document.getElementById(id);
      return { control, place: control.closest(".field"), text: message };
    }
  }
  const found = /^items\[(\d+)\](?:\.(\w+))?(?:\[\d+\])?(?::\s*)?(.*)$/s.exec(message);
  const sent = found && lastSent[Number(found[1])];
  const box = sent && document.querySelector(`.review-item[data-id="${sent.id}"]`);
  if (!box) return null;
  const [, , part, rest] = found;
  const text = rest ? readable(rest, box) : message;
  if (part === "fields") {
    const name = (/^(\w+)/.exec(rest) || [])[1];
    const control = name && box.querySelector(`:scope > .review-body [data-field="${name}"]`);
    if (control) {
      return { control: refusedInput(control, rest), place: control.closest(".field, fieldset.metrics"), text };
    }
  }
  if (part === "links" || part === "mitigated_by") {
    const place = box.querySelector(part === "links" ? ".links-slot .review-links" : ".review-mitigations");
    if (place) return { control: place.querySelector("input") || place, place, text };
  }
  const tools = box.querySelector(".review-tools");
  return { control: tools.querySelector("button"), place: tools, text };
}

/** A field's refusal in the form's words: "metrics[0].metric is required." → "The metric's
 * name is required.", "sponsor can be at most…" → "Sponsor can be at most…". */
function readable(rest, box) {
  const metric = /^metrics\[\d+\]\.(\w+):? (.*)$/s.exec(rest);
  if (metric) {
    const part = { metric: t("name"), due: t("date"), baseline: t("baseline"), target: t("target") }[metric[1]] || metric[1];
    return t("The metric's %(part)s %(problem)s", { part, problem: metric[2] });
  }
  const listed = /^deliverables\[(\d+)\]:? (.*)$/s.exec(rest);
  if (listed) return t("Deliverable %(n)s %(problem)s", { n: formatNumber(Number(listed[1]) + 1), problem: listed[2] });
  const named = /^(\w+)(:? )(.*)$/s.exec(rest);
  const { level } = box.dataset;
  if (named && LABEL_OF[named[1]]) return `${LABEL_OF[named[1]](level)}${named[2]}${named[3]}`;
  return rest[0].toUpperCase() + rest.slice(1);
}

/** The input a field's refusal is about: the field's own, or for "metrics[1].metric …" that
 * part of the second metric sent (rows left empty are not sent, so they are not counted). */
function refusedInput(control, rest) {
  if (control.matches("input, select, textarea")) return control;
  const metric = /^metrics\[(\d+)\]\.(\w+)/.exec(rest);
  const sentRows = [...control.querySelectorAll(".metric-row")]
    .filter((row) => [...row.querySelectorAll("[data-metric]")].some((input) => input.value.trim()));
  const row = metric && sentRows[Number(metric[1])];
  return (row && row.querySelector(`[data-metric="${metric[2]}"]`)) || control.querySelector("input") || control;
}

function showRefusal(error) {
  clearRefusals();
  errorBox.textContent = error.code === "stale_version"
    ? t("%(message)s Your changes are still in the form; reload to see the new version.", { message: error.message })
    : t("Not published: %(message)s", { message: error.message });
  errorBox.hidden = false;
  const target = refusalTarget(error.message);
  if (!target || !target.place) return;
  const id = uid("refusal");
  target.place.append(el("p", { class: "field-error", id }, target.text));
  target.control.setAttribute("aria-invalid", "true");
  target.control.setAttribute("aria-describedby", id);
  target.control.focus();
  target.place.scrollIntoView({ block: "center" });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = collect();
  if (!hasChanges(body)) {
    clearRefusals();
    errorBox.textContent = t(NOTHING_CHANGED);
    errorBox.hidden = false;
    return;
  }
  const button = document.getElementById("publish");
  button.disabled = true;
  lastSent = body.items;
  try {
    const published = await api(`/api/workshops/${WORKSHOP_ID}/plan/versions`, {
      method: "POST", body: JSON.stringify(body),
    });
    toast(t("Version %(n)s is published.", { n: formatNumber(published.version) }));
    await load();
  } catch (error) {
    showRefusal(error);
  } finally {
    button.disabled = false;
  }
});
document.getElementById("reset-review").addEventListener("click", () => renderForm());

// ------------------------------------------------------------------ versions

function renderVersions(versions) {
  fill(document.getElementById("version-list"), [...versions].reverse().map((v) => el("li", {},
    el("p", {}, el("strong", {}, t("Version %(n)s", { n: formatNumber(v.version) })), v.latest ? ` ${t("(latest)")}` : "",
      el("span", { class: "muted small" }, ` · ${formatDate(v.created_at, WHEN)}`)),
    v.note ? el("p", { class: "muted small", dir: "auto" }, v.note) : null,
    keyedButtons(WORKSHOP_ID, saved.key, { version: v.version, primary: v.latest ? "pdf" : "" }),
  )));
}

async function load() {
  try {
    const { versions } = await api(`/api/workshops/${WORKSHOP_ID}/plan/versions`);
    if (!versions.length) {
      say(t("The workshop is still running. Finish it in the console, then review the plan here."), "warn");
      document.getElementById("review-grid").hidden = true;
      return;
    }
    const latest = versions[versions.length - 1];
    plan = await api(planPath(WORKSHOP_ID, "json", latest.version));
    renderForm();
    renderVersions(versions);
    say("");
    document.getElementById("review-grid").hidden = false;
  } catch (error) {
    say(t("Could not load the plan: %(message)s", { message: error.message }), "error");
  }
}

if (!RULES) {
  say(t("This page is out of date: the server did not send the plan's rules. Reload it, or update the server."), "error");
} else if (!saved) {
  say(t("This page needs the facilitator link (it ends in #key=…). Open it from the console."), "error");
} else {
  document.getElementById("back-to-console").href = `/w/${WORKSHOP_ID}/facilitate#key=${saved.key}`;
  load();
}
