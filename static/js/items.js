// How the plan's items read on every screen: their wording, the fields of their level, what they
// serve, and what earlier stages decided ("building on"). Programs and projects are told apart
// here once: a program is long-term and judged by outcomes, a project time-bound and judged by
// outputs, and a project under no program is marked independent.

import { el, hasTrait, store } from "./common.js";
import { N_, language, t } from "./i18n.js";

/** What the two kinds of work are, in the words the plan uses (marked N_: shown with t()). */
export const NATURE = {
  programs: { tag: N_("Program"), note: N_("long-term · judged by outcomes") },
  projects: { tag: N_("Project"), note: N_("time-bound · judged by outputs") },
};

const FIELD_LABELS = {
  text: N_("Wording"),
  owner: N_("Owner"),
  outcome: N_("Outcome"),
  metrics: N_("Success metrics"),
  deliverables: N_("Deliverables"),
  due: N_("Due"),
  approach: N_("Approach"),
  budget: N_("Budget"),
  start: N_("Start"),
  end: N_("End"),
  sponsor: N_("Sponsor"),
};

/** A field's name for an item of `level` (a program's owner is its program manager), in the
 * page's language. */
export function fieldLabel(level, field) {
  if (field === "owner" && level === "programs") return t("Program manager");
  if (field === "due" && level === "projects") return t("Completion date");
  if (field === "metrics" && level === "goals") return t("Success metrics");
  return FIELD_LABELS[field] ? t(FIELD_LABELS[field]) : field;
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
  if (metric.baseline) parts.push(t("from %(value)s", { value: metric.baseline }));
  if (metric.target) parts.push(t("to %(value)s", { value: metric.target }));
  if (metric.due) parts.push(t("by %(date)s", { date: metric.due }));
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
  return el("span", { class: `nature ${level}` }, el("strong", {}, t(nature.tag)), ` · ${t(nature.note)}`);
}

/** The captured fields of an item, as a definition list (null when there is nothing). */
export function fieldsView(stage, item) {
  const fields = item.fields || {};
  const rows = [];
  const add = (name, value) => rows.push(el("div", { class: "field-row" },
    el("dt", {}, fieldLabel(stage.key, name)), el("dd", { dir: "auto" }, value)));
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
    rows.push(el("div", { class: "field-row as-voted" }, el("dt", {}, t("Wording as voted")), el("dd", { dir: "auto" }, item.text)));
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
  serves: N_("Serves:"), builds_on: N_("Builds on:"), answers: N_("Answers:"), responds_to: N_("Responds to:"), threatens: N_("Threatens:"),
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
    el("span", { class: "parent-level", dir: "auto" }, `${p.stage.title}: `), el("bdi", {}, wording(p.item)))];
  const lines = [];
  for (const relation of Object.keys(RELATION_LABELS)) {
    const some = parents.filter((p) => relationOf(stage.key, p.stage.key, p.item.category) === relation);
    if (some.length) lines.push([lines.length ? " " : "", el("span", { class: "serves-label" }, `${t(RELATION_LABELS[relation])} `), some.map(parent)]);
  }
  if (mitigating.length) lines.push([lines.length ? " " : "", el("span", { class: "serves-label" }, `${t("Mitigated by:")} `), mitigating.map(parent)]);
  return el("p", { class: "serves" },
    lines.length ? lines : null,
    independent ? el("span", { class: "independent" }, t("Independent project (under no program)")) : null,
  );
}

/** The locale dates and times are written in: the browser's own variant of the page's language
 * when it has one (en-GB writes "14 Mar 2026", fr-CA its own), else the page's language. */
export function readerLocale() {
  const code = language();
  const tags = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  return tags.find((tag) => tag && tag.toLowerCase().split("-")[0] === code) || code;
}

/** A "YYYY-MM-DD" day in the reader's locale ("14 Mar 2026"), as that calendar day wherever
 * the screen is (never shifted by a time zone); anything else as it came. */
export function localDay(day) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || "");
  if (!match) return day || "";
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return date.toLocaleDateString(readerLocale(), { day: "numeric", month: "short", year: "numeric" });
}

/** "from Strategy day 2026, 14 Mar 2026" for an item carried over from an earlier workshop
 * (its `origin`), else "". */
export function originText(item) {
  const origin = item && item.origin;
  if (!origin || !origin.title) return "";
  return origin.date ? t("from %(title)s, %(date)s", { title: origin.title, date: localDay(origin.date) })
    : t("from %(title)s", { title: origin.title });
}

/**
 * The small mark of a carried item ("from <title>, <date>"), or null: secondary text on a line
 * of its own that wraps rather than widening anything (a 320 px phone, a projector's note).
 */
export function originMark(item, { tag = "span" } = {}) {
  const text = originText(item);
  return text ? el(tag, { class: "origin", dir: "auto" }, text) : null;
}

/** One item with its fields and links. */
export function itemCard(state, stage, item, { tag = "li", extra = null } = {}) {
  return el(tag, { class: "item-card", dataset: { id: item.id } },
    el("div", { class: "item-text", dir: "auto" }, wording(item)),
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
    return el("ul", { class: "building-on compact", "aria-label": t("Building on") }, earlier.map((s) => el("li", { dir: "auto" },
      el("strong", {}, `${s.title}: `),
      s.selected.map((item) => `${wording(item)}${isIndependent(state, s, item) ? ` ${t("(independent)")}` : ""}`).join(" · "),
    )));
  }
  const key = `${state.workshop.id}:${stage.id}`;
  const count = earlier.reduce((n, s) => n + s.selected.length, 0);
  const details = el("details", { class: "building-on", open: opened.has(key) || count <= 2 },
    el("summary", {}, el("strong", {}, `${t("Building on:")} `), el("bdi", {}, earlier.map((s) => s.title).join(", "))),
    earlier.map((s) => el("section", { class: "built" },
      el("h3", {}, el("span", { dir: "auto" }, s.title), " ", natureBadge(s.key)),
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
  if (loose.length) groups.push({ key: "", label: t("No category"), hint: "", items: loose });
  return skipEmpty ? groups.filter((group) => group.items.length) : groups;
}

/** A small tag naming an item's category ("Threats"), or null (no category, or a plain stage). */
export function categoryTag(stage, item) {
  const label = categoryLabel(stage, item && item.category);
  // A default category's label is in the catalogue; a facilitator's own passes through.
  return label ? el("span", { class: `tag category-tag cat-${item.category}`, dataset: { category: item.category } }, t(label)) : null;
}
