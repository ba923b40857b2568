// How the plan's items read on every screen: their wording, the fields of their level, what they
// serve, and what earlier stages decided ("building on"). Programs and projects are told apart
// here once: a program is long-term and judged by outcomes, a project time-bound and judged by
// outputs, and a project under no program is marked independent.

import { el, hasTrait, store } from "./common.js";

/** What the two kinds of work are, in the words the plan uses. */
export const NATURE = {
  programs: { tag: "Program", note: "long-term · judged by outcomes" },
  projects: { tag: "Project", note: "time-bound · judged by outputs" },
};

const FIELD_LABELS = {
  text: "Wording",
  owner: "Owner",
  outcome: "Outcome",
  metrics: "Success metrics",
  deliverables: "Deliverables",
  due: "Due",
  approach: "Approach",
  budget: "Budget",
  start: "Start",
  end: "End",
  sponsor: "Sponsor",
};

/** A field's name for an item of `level` (a program's owner is its program manager). */
export function fieldLabel(level, field) {
  if (field === "owner" && level === "programs") return "Program manager";
  if (field === "due" && level === "projects") return "Completion date";
  if (field === "metrics" && level === "goals") return "Success metrics";
  return FIELD_LABELS[field] || field;
}

/** The wording an item carries now: the facilitator's correction, else the text as voted. */
export function wording(item) {
  return (item.fields && item.fields.text) || item.text;
}

/** The items a stage's later steps work on: its selected items once decided, else its ideas. */
export function stageItems(stage) {
  return stage.decided ? stage.selected : stage.ideas.filter((idea) => !idea.hidden);
}

/** Every selected item of every decided stage by id, with its stage: what links point to. */
export function selectedIndex(state) {
  const index = new Map();
  for (const stage of state.stages) {
    if (!stage.decided) continue;
    for (const item of stage.selected) index.set(item.id, { item, stage });
  }
  return index;
}

/** One metric as a sentence: "Members: from 120 to 300 by 2028-12-31". */
export function metricText(metric) {
  const parts = [metric.metric];
  if (metric.baseline) parts.push(`from ${metric.baseline}`);
  if (metric.target) parts.push(`to ${metric.target}`);
  if (metric.due) parts.push(`by ${metric.due}`);
  return parts.join(" ");
}

/** Whether the "independent" mark applies: a project of a workshop with a programs stage,
 * whose links are settled (its step that `aligns` items reached, or decided without one),
 * under no program. */
export function isIndependent(state, stage, item) {
  if (stage.key !== "projects" || !state.stages.some((s) => s.key === "programs")) return false;
  const linkAt = stage.steps.findIndex((step) => hasTrait(step.kind, "aligns"));
  const settled = linkAt >= 0 ? stage.step >= linkAt : stage.decided;
  if (!settled) return false;
  const index = selectedIndex(state);
  return !(item.links || []).some((id) => {
    const parent = index.get(id);
    return parent && parent.stage.key === "programs";
  });
}

/** The kind badge for programs and projects, or null for other levels. */
export function natureBadge(level) {
  const nature = NATURE[level];
  if (!nature) return null;
  return el("span", { class: `nature ${level}` }, el("strong", {}, nature.tag), ` · ${nature.note}`);
}

/** The captured fields of an item, as a definition list (null when there is nothing). */
export function fieldsView(stage, item) {
  const fields = item.fields || {};
  const rows = [];
  const add = (name, value) => rows.push(el("div", { class: "field-row" },
    el("dt", {}, fieldLabel(stage.key, name)), el("dd", {}, value)));
  for (const name of ["owner", "sponsor", "outcome", "budget", "start", "end", "due", "approach"]) {
    if (fields[name]) add(name, name === "approach" ? capitalise(fields[name]) : fields[name]);
  }
  if (fields.deliverables && fields.deliverables.length) {
    add("deliverables", el("ul", {}, fields.deliverables.map((d) => el("li", {}, d))));
  }
  if (fields.metrics && fields.metrics.length) {
    add("metrics", el("ul", {}, fields.metrics.map((m) => el("li", {}, metricText(m)))));
  }
  if (fields.text && fields.text !== item.text) {
    rows.push(el("div", { class: "field-row as-voted" }, el("dt", {}, "Wording as voted"), el("dd", {}, item.text)));
  }
  return rows.length ? el("dl", { class: "fields" }, rows) : null;
}

const BUILDS_ON = new Set(["strengths", "opportunities"]);

/** What a link from an item of `level` to one of `parentLevel` means (the core's
 * `levels.relation`): a goal builds on a strength or an opportunity and answers any other
 * situation item, responds to an environment item; a risk threatens; everything else serves. */
export function relationOf(level, parentLevel, category) {
  if (level === "goals" && parentLevel === "situation") return BUILDS_ON.has(category) ? "builds_on" : "answers";
  if (level === "goals" && parentLevel === "environment") return "responds_to";
  if (level === "risks") return "threatens";
  return "serves";
}

const RELATION_LABELS = {
  serves: "Serves: ", builds_on: "Builds on: ", answers: "Answers: ", responds_to: "Responds to: ", threatens: "Threatens: ",
};

/** "Serves: …" for an item's confirmed links ("Builds on: …", "Answers: …", "Threatens: …"
 * where the link means that), "Mitigated by: …" for a risk's projects, and the independent
 * mark. A plan item of programs, projects or actions reads "Serves: …" as always. */
export function linksView(state, stage, item) {
  const index = selectedIndex(state);
  const parents = (item.links || []).map((id) => index.get(id)).filter(Boolean);
  const mitigating = (item.mitigated_by || []).map((id) => index.get(id)).filter(Boolean);
  const independent = isIndependent(state, stage, item);
  if (!parents.length && !mitigating.length && !independent) return null;
  const parent = (p, i) => [i ? "; " : "", el("span", { class: "parent" },
    el("span", { class: "parent-level" }, `${p.stage.title}: `), wording(p.item))];
  const lines = [];
  for (const relation of Object.keys(RELATION_LABELS)) {
    const some = parents.filter((p) => relationOf(stage.key, p.stage.key, p.item.category) === relation);
    if (some.length) lines.push([lines.length ? " " : "", el("span", { class: "serves-label" }, RELATION_LABELS[relation]), some.map(parent)]);
  }
  if (mitigating.length) lines.push([lines.length ? " " : "", el("span", { class: "serves-label" }, "Mitigated by: "), mitigating.map(parent)]);
  return el("p", { class: "serves" },
    lines.length ? lines : null,
    independent ? el("span", { class: "independent" }, "Independent project (under no program)") : null,
  );
}

/** A "YYYY-MM-DD" day in the reader's locale ("14 Mar 2026"), as that calendar day wherever
 * the screen is (never shifted by a time zone); anything else as it came. */
export function localDay(day) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || "");
  if (!match) return day || "";
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return date.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}

/** "from Strategy day 2026, 14 Mar 2026" for an item carried over from an earlier workshop
 * (its `origin`), else "". */
export function originText(item) {
  const origin = item && item.origin;
  if (!origin || !origin.title) return "";
  return origin.date ? `from ${origin.title}, ${localDay(origin.date)}` : `from ${origin.title}`;
}

/**
 * The small mark of a carried item ("from <title>, <date>"), or null: secondary text on a line
 * of its own that wraps rather than widening anything (a 320 px phone, a projector's note).
 */
export function originMark(item, { tag = "span" } = {}) {
  const text = originText(item);
  return text ? el(tag, { class: "origin" }, text) : null;
}

/** One item with its fields and links. */
export function itemCard(state, stage, item, { tag = "li", extra = null } = {}) {
  return el(tag, { class: "item-card", dataset: { id: item.id } },
    el("div", { class: "item-text" }, wording(item)),
    originMark(item, { tag: "div" }),
    fieldsView(stage, item),
    linksView(state, stage, item),
    extra,
  );
}

function capitalise(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

const openKey = "sw:building-on-open";
const opened = new Set(store.get(openKey, []));

/**
 * What earlier stages decided, so later stages build on it: each decided stage's selected items
 * with their fields. A `<details>` that remembers whether it was opened; `compact` (the
 * projector) lists wording only, one line per stage.
 */
export function buildingOn(state, stage, { compact = false } = {}) {
  const earlier = state.stages.filter((s) => s.position < stage.position && s.decided && s.selected.length);
  if (!earlier.length) return null;
  if (compact) {
    // One line per stage, cut with an ellipsis where the screen ends: the items are one run of
    // text, so nothing past the edge is an element of its own.
    return el("ul", { class: "building-on compact", "aria-label": "Building on" }, earlier.map((s) => el("li", {},
      el("strong", {}, `${s.title}: `),
      s.selected.map((item) => `${wording(item)}${isIndependent(state, s, item) ? " (independent)" : ""}`).join(" · "),
    )));
  }
  const key = `${state.workshop.id}:${stage.id}`;
  const count = earlier.reduce((n, s) => n + s.selected.length, 0);
  const details = el("details", { class: "building-on", open: opened.has(key) || count <= 2 },
    el("summary", {}, el("strong", {}, "Building on: "), earlier.map((s) => s.title).join(", ")),
    earlier.map((s) => el("section", { class: "built" },
      el("h3", {}, s.title, " ", natureBadge(s.key)),
      el("ul", { class: "item-cards" }, s.selected.map((item) => itemCard(state, s, item))),
    )),
  );
  details.addEventListener("toggle", () => {
    if (details.open) opened.add(key); else opened.delete(key);
    store.set(openKey, [...opened].slice(-50));
  });
  return details;
}

// ------------------------------------------------------------------ categories (SWOT, PESTLE)

/**
 * A stage's categories: the `categories` setting of the step that collects its ideas (a
 * brainstorm), an ordered list of {key, label, hint}; [] for a stage without them (today's
 * brainstorm), so every screen draws a plain stage exactly as before.
 */
export function categoriesOf(stage) {
  for (const step of (stage && stage.steps) || []) {
    const categories = step.settings ? step.settings.categories : null;
    if (Array.isArray(categories) && categories.length) return categories;
  }
  return [];
}

/** The label of category `key` of `stage` ("Threats"), or null for none or an unknown key. */
export function categoryLabel(stage, key) {
  if (!key) return null;
  const category = categoriesOf(stage).find((entry) => entry.key === key);
  return category ? category.label : null;
}

/**
 * `items` in groups by category, in the stage's order: [{key, label, hint, items}], every
 * category listed (empty ones too, unless `skipEmpty`); items with no category (or one the
 * stage no longer has) last, under "No category". The items keep their order in each group.
 */
export function byCategory(stage, items, { skipEmpty = false, keyOf = (item) => item.category } = {}) {
  const categories = categoriesOf(stage);
  const known = new Set(categories.map((entry) => entry.key));
  const groups = categories.map((entry) => ({ ...entry, items: items.filter((item) => keyOf(item) === entry.key) }));
  const loose = items.filter((item) => !known.has(keyOf(item)));
  if (loose.length) groups.push({ key: "", label: "No category", hint: "", items: loose });
  return skipEmpty ? groups.filter((group) => group.items.length) : groups;
}

/** A small tag naming an item's category ("Threats"), or null (no category, or a plain stage). */
export function categoryTag(stage, item) {
  const label = categoryLabel(stage, item && item.category);
  return label ? el("span", { class: `tag category-tag cat-${item.category}`, dataset: { category: item.category } }, label) : null;
}
