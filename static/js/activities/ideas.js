// Pieces several activities draw: the console's idea list (with dots and hiding), the
// projector's wall of notes, and the projector's results (a bar chart with each item's
// consensus in words and an icon).

import { barChart } from "../chart.js";
import { el, ideaText, toast } from "../common.js";
import { formatNumber, language, t, tn } from "../i18n.js";
import { fairOrder } from "../fair-order.js";
import { byCategory, categoriesOf, categoryLabel, categoryTag, originMark, wording } from "../items.js";
import * as decision from "./decision.js";

/**
 * The items as this phone lists them in a scoring step: in its own fair order (fair-order.js:
 * shuffled by participant, stage and step, the same on every reload, a new item slotting in
 * without moving the others), so no idea gains from being first on every phone; in the order
 * given when the step's `shuffle` setting is off, and on every other screen.
 */
export function phoneOrder(ctx, items) {
  const { stage, me } = ctx;
  const settings = (stage.steps[stage.step] || {}).settings || {};
  if (ctx.role !== "participant" || !me || settings.shuffle === false) return items;
  return fairOrder(items, { participantId: me.id, stageId: stage.id, step: stage.step });
}

/** Ideas by dots, most first; ties in writing order (lower id first). */
export function byDots(ideas) {
  return [...ideas].sort((a, b) => (b.votes || 0) - (a.votes || 0) || a.id - b.id);
}

/**
 * The console's list of a stage's ideas: hidden ones struck through, dots and bars when
 * `showVotes` (or any figure and bar value through `figure` and `value`), a Hide/Show button
 * when `canHide`, merge tools when `canMerge`, `extra(idea)` after the text (a consensus
 * badge, say), shortlisted ones highlighted.
 */
export function consoleIdeas(ctx, ideas, options = {}) {
  const { stage } = ctx;
  if (!categoriesOf(stage).length) return ideaRows(ctx, ideas, options);
  // A stage with categories: one list per category, under its name and count, in its order.
  return el("div", { class: "console-categories" }, byCategory(stage, ideas).map((group) => el("section", {
    class: "console-category", dataset: { category: group.key }, "aria-label": t(group.label),
  },
  el("h3", { class: `category-title cat-${group.key}` }, t(group.label), " ",
    el("span", { class: "category-count" }, formatNumber(group.items.filter((idea) => !idea.hidden).length))),
  group.items.length ? ideaRows(ctx, group.items, options) : el("p", { class: "muted small" }, t("Nothing here yet.")))));
}

function ideaRows(ctx, ideas, {
  showVotes = false, canHide = false, canMerge = false, figure = null, value = null, extra = null,
} = {}) {
  const { stage } = ctx;
  const valueOf = value || (showVotes ? (idea) => idea.votes || 0 : null);
  const figureOf = figure || (showVotes ? (idea) => tn("%(n)s dot", "%(n)s dots", idea.votes || 0) : null);
  const maxValue = valueOf ? Math.max(1, ...ideas.map(valueOf)) : 1;
  const merging = canMerge ? mergeTarget.get(stage.id) : null;
  return el("ul", { class: "console-ideas" }, ideas.map((idea) => el("li", {
    class: [idea.hidden ? "is-hidden" : "", stage.shortlist.includes(idea.id) ? "on-shortlist" : "", merging === idea.id ? "is-merging" : "",
      ideaRowClass(ctx, idea)].join(" ").trim(),
    draggable: canMerge && !idea.hidden && !editors.has(idea.id) ? "true" : undefined,
    dataset: { idea: idea.id, ideaId: idea.id },
    ondragstart: canMerge ? (event) => { event.dataTransfer.setData("text/plain", String(idea.id)); } : undefined,
  },
  ideaWords(ctx, idea,
    // A carried item says where it came from instead (its origin mark, below).
    idea.from_facilitator && !idea.theme && !idea.origin ? el("span", { class: "tag" }, t("added by you")) : null,
    idea.theme ? el("span", { class: "tag" }, t("theme")) : null,
    idea.hidden ? el("span", { class: "muted small" }, " ", t("(hidden)")) : null,
    authorsLine(idea),
    alsoSaid(idea),
    originMark(idea),
    extra ? extra(idea) : null),
  figureOf ? el("span", { class: "total" }, figureOf(idea)) : el("span"),
  el("span", { class: "row idea-tools" },
    ideaActions(ctx, idea),
    canMerge && !stage.rounds?.length ? mergeButtons(ctx, idea, merging) : null,
    canHide ? el("button", {
      type: "button", class: "quiet small", dataset: { focus: `hide-${idea.id}` },
      "aria-label": idea.hidden ? t("Show: %(idea)s", { idea: idea.text }) : t("Hide: %(idea)s", { idea: idea.text }),
      onclick: () => ctx.act("idea:hide", { idea_id: idea.id, hidden: !idea.hidden }),
    }, idea.hidden ? t("Show") : t("Hide")) : null),
  valueOf ? el("div", { class: "bar", "aria-hidden": "true" },
    el("span", { style: { width: `${Math.round(100 * valueOf(idea) / maxValue)}%` } })) : null,
  )));
}

// ------------------------------------------------------------------ the facilitator's own tools

/** The wording limit of an idea, as for `idea:submit` and `idea:edit`. */
export const MAX_WORDING = 280;

/** Whether `idea` is the item in focus (`state.focus`). */
export function inFocus(ctx, idea) {
  return Boolean(ctx.state.focus && ctx.state.focus.idea_id === idea.id);
}

/**
 * Whether the facilitator may put `idea` in focus: a visible idea of a running workshop, not one
 * of a private brainstorm whose ideas the room has not seen yet.
 */
function canFocus(ctx, idea) {
  const { stage } = ctx;
  if (!ctx.active || idea.hidden) return false;
  return !(stage.private && !decision.stepRevealed(stage));
}

/** Whether the facilitator may correct `idea`'s wording (`idea:edit`: until the stage is decided). */
function canEdit(ctx, idea) {
  return ctx.active && !ctx.stage.decided && !idea.theme;
}

// idea id -> its open wording editor (console only): the words typed so far, whether a save is
// on its way, and the wording it started from. Each redraw draws a new textarea from them and
// the console's redraw puts focus and the caret back (data-focus), as define's forms do.
const editors = new Map();

/**
 * The console's per-idea actions: "Edit" (its wording, inline) and "Focus" (put it in front of
 * the room; "In focus" takes it away again). Small buttons whose names carry the idea's words.
 */
export function ideaActions(ctx, idea) {
  if (ctx.role !== "facilitator") return null;
  const focused = inFocus(ctx, idea);
  return [
    canEdit(ctx, idea) && !editors.has(idea.id) ? el("button", {
      type: "button", class: "quiet small edit-idea", dataset: { focus: `edit-idea-${idea.id}` },
      "aria-label": t("Edit wording: %(idea)s", { idea: wording(idea) }), title: t("Edit the wording"),
      onclick: () => openEditor(ctx, idea),
    }, t("Edit")) : null,
    canFocus(ctx, idea) || focused ? el("button", {
      type: "button", class: `small focus-idea${focused ? " primary" : " quiet"}`, dataset: { focus: `focus-idea-${idea.id}` },
      "aria-pressed": focused ? "true" : "false",
      "aria-label": focused ? t("In focus: %(idea)s", { idea: wording(idea) }) : t("Focus: %(idea)s", { idea: wording(idea) }),
      title: focused ? t("Take it off the room's screen and the phones") : t("Show it large on the room's screen and pinned on every phone"),
      onclick: () => (focused ? ctx.act("focus:clear", {}) : ctx.act("focus:set", { idea_id: idea.id })),
    }, focused ? t("In focus") : t("Focus")) : null,
    categoryMove(ctx, idea),
  ];
}

/** Whether the facilitator may move `idea` to another category (`idea:update`: until decided). */
function canMove(ctx, idea) {
  return ctx.active && !ctx.stage.decided && categoriesOf(ctx.stage).length > 1;
}

/**
 * On a stage with categories, a small select to move an idea to another category
 * (`idea:update`); a refusal is shown by the console's act() and the select goes back to the
 * idea's category with the next draw.
 */
function categoryMove(ctx, idea) {
  if (!canMove(ctx, idea)) return null;
  const { stage } = ctx;
  // While each category spends its own budget, what people gave would move with the idea: the
  // server refuses, so the select says why instead of offering it.
  const frozen = Boolean(((stage.steps[stage.step] || {}).settings || {}).per_category);
  const select = el("select", {
    class: "small move-category", dataset: { focus: `move-${idea.id}` }, disabled: frozen,
    "aria-label": t("Category of: %(idea)s", { idea: wording(idea) }),
    title: frozen ? t("Each category has its own budget in this step: move ideas before it starts.") : t("Move it to another category"),
    onchange: async (event) => {
      const category = event.target.value;
      if (!category || category === idea.category) return;
      const reply = await ctx.act("idea:update", { idea_id: idea.id, category });
      if (reply) {
        toast(t("Moved to %(category)s.", { category: t(categoryLabel(stage, category) || "") }));
      } else {
        event.target.value = idea.category || "";
      }
    },
  },
  idea.category && categoryLabel(stage, idea.category) ? null : el("option", { value: "" }, t("Move to…")),
  categoriesOf(stage).map((entry) => el("option", { value: entry.key, selected: entry.key === idea.category },
    entry.key === idea.category ? t(entry.label) : `→ ${t(entry.label)}`)));
  select.value = idea.category && categoryLabel(stage, idea.category) ? idea.category : "";
  return select;
}

function openEditor(ctx, idea) {
  editors.set(idea.id, { text: wording(idea), saving: false, before: wording(idea) });
  ctx.rerender();
  const area = document.querySelector(`[data-focus="wording-${idea.id}"]`);
  if (area) {
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }
}

function closeEditor(ctx, ideaId) {
  editors.delete(ideaId);
  ctx.rerender();
  const button = document.querySelector(`[data-focus="edit-idea-${ideaId}"]`);
  if (button) button.focus({ preventScroll: true });
}

async function saveWording(ctx, idea) {
  const editor = editors.get(idea.id);
  if (!editor || editor.saving) return;
  const text = editor.text.trim();
  if (!text) {
    toast(t("The wording cannot be empty. Hide the idea instead if it should go."), "error");
    return;
  }
  if (text.length > MAX_WORDING) {
    toast(t("That is %(n)s characters; the limit is %(max)s.", { n: formatNumber(text.length), max: formatNumber(MAX_WORDING) }), "error");
    return;
  }
  if (text === wording(idea)) {
    closeEditor(ctx, idea.id);
    return;
  }
  editor.saving = true;
  ctx.rerender();
  const reply = await ctx.act("idea:edit", { idea_id: idea.id, text });
  editor.saving = false;
  // Refused or not sent: the reason is in a toast, and the editor stays open with the words.
  if (reply) closeEditor(ctx, idea.id); else ctx.rerender();
}

/**
 * A console row's words: the idea's wording followed by `extras` (tags, badges), or its open
 * wording editor instead.
 */
export function ideaWords(ctx, idea, ...extras) {
  if (editors.has(idea.id)) return wordingEditor(ctx, idea);
  return el("span", { class: "text", dir: "auto" }, wording(idea), extras);
}

/** The classes a console row takes from the tools above: in focus, being edited. */
export function ideaRowClass(ctx, idea) {
  return [inFocus(ctx, idea) ? "in-focus" : "", editors.has(idea.id) ? "is-editing" : ""].join(" ").trim();
}

/** The inline wording editor in an idea's row: the words, their count, Save and Cancel. */
function wordingEditor(ctx, idea) {
  const editor = editors.get(idea.id);
  const counter = el("span", { class: "hint counter", id: `wording-count-${idea.id}` });
  const count = () => { counter.textContent = `${formatNumber(editor.text.trim().length)} / ${formatNumber(MAX_WORDING)}`; };
  count();
  const area = el("textarea", {
    class: "wording-input", rows: 2, maxlength: MAX_WORDING, dataset: { focus: `wording-${idea.id}` }, dir: "auto",
    "aria-label": t("New wording for: %(idea)s", { idea: editor.before }), "aria-describedby": `wording-count-${idea.id}`,
    oninput: (event) => { editor.text = event.target.value; count(); },
    onkeydown: (event) => {
      if (event.key === "Escape") { event.preventDefault(); closeEditor(ctx, idea.id); }
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); saveWording(ctx, idea); }
    },
  });
  area.value = editor.text;
  return el("form", {
    class: "wording-editor", "aria-label": t("Edit wording: %(idea)s", { idea: editor.before }),
    onsubmit: (event) => { event.preventDefault(); saveWording(ctx, idea); },
  },
  area,
  el("div", { class: "row wording-actions" },
    counter,
    el("button", { type: "submit", class: "small primary save-wording", disabled: editor.saving, dataset: { focus: `save-wording-${idea.id}` } },
      editor.saving ? t("Saving…") : t("Save")),
    el("button", { type: "button", class: "small quiet cancel-wording", dataset: { focus: `cancel-wording-${idea.id}` },
      onclick: () => closeEditor(ctx, idea.id) }, t("Cancel")),
    wording(idea) !== editor.before ? el("span", { class: "small warn-text" }, t("Changed meanwhile to “%(text)s”.", { text: wording(idea) })) : null,
  ));
}

/** Open wording editors with words the facilitator changed (the console asks before leaving). */
export function unsavedWordings(state) {
  const out = [];
  for (const stage of state.stages) {
    for (const idea of stage.ideas || []) {
      const editor = editors.get(idea.id);
      if (!editor || editor.text.trim() === wording(idea)) continue;
      out.push({
        stage, item: idea, label: wording(idea),
        save: async (act) => {
          const reply = await act("idea:edit", { idea_id: idea.id, text: editor.text.trim() });
          if (reply) editors.delete(idea.id);
          return Boolean(reply);
        },
        discard: () => editors.delete(idea.id),
      });
    }
  }
  return out;
}

/**
 * An idea's figures as this screen's state has them (revealed ones only, on a phone or the
 * room screen), one phrase per step of its stage that declares `ideaFigures` ("12 dots",
 * "impact 4.2 · effort 1.8"); [] when there are none yet. `activity` is ctx.activity or the
 * registry's activityFor.
 */
export function figuresOf(activity, stage, idea) {
  const phrases = [];
  for (const step of stage.steps || []) {
    const module = activity(step.kind);
    const phrase = module && module.ideaFigures ? module.ideaFigures(idea, stage) : null;
    if (phrase && !phrases.includes(phrase)) phrases.push(phrase);
  }
  return phrases;
}

/** stage id -> the idea the facilitator picked to merge into another (console only). */
const mergeTarget = new Map();

function mergeButtons(ctx, idea, merging) {
  const { stage } = ctx;
  if (idea.hidden || idea.theme) return null; // a theme being voted on changes by moving back
  const undo = idea.merged && idea.merged.length && !idea.theme ? el("button", {
    type: "button", class: "quiet small", dataset: { focus: `unmerge-${idea.id}` },
    "aria-label": t("Undo the merge into: %(idea)s", { idea: idea.text }),
    onclick: () => ctx.act("idea:unmerge", { idea_id: idea.id }),
  }, t("Undo merge")) : null;
  if (merging === undefined || merging === null) {
    return [undo, el("button", {
      type: "button", class: "quiet small", dataset: { focus: `merge-${idea.id}` },
      "aria-label": t("Merge into another idea: %(idea)s", { idea: idea.text }),
      onclick: () => { mergeTarget.set(stage.id, idea.id); ctx.rerender(); },
    }, t("Merge…"))];
  }
  if (merging === idea.id) {
    return el("button", { type: "button", class: "quiet small", dataset: { focus: `merge-${idea.id}` },
      onclick: () => { mergeTarget.delete(stage.id); ctx.rerender(); } }, t("Cancel merge"));
  }
  return el("button", {
    type: "button", class: "small primary", dataset: { focus: `into-${idea.id}` },
    "aria-label": t("Merge the chosen idea into: %(idea)s", { idea: idea.text }),
    onclick: () => {
      const from = mergeTarget.get(stage.id);
      mergeTarget.delete(stage.id);
      ctx.act("idea:merge", { idea_ids: [from], into: idea.id });
    },
  }, t("Merge here"));
}

/** "Also said: …" under an idea that has duplicates merged into it. */
export function alsoSaid(idea) {
  if (!idea.also_said || !idea.also_said.length) return null;
  return el("span", { class: "also-said small muted" }, idea.theme ? t("Ideas:") : t("Also said:"), " ",
    idea.also_said.map((text, i) => [i ? " · " : "", el("span", { dir: "auto" }, t("“%(text)s”", { text }))]));
}

/** "— Ana, Ben" on a named brainstorm's ideas. */
export function authorsLine(idea) {
  if (!idea.authors || !idea.authors.length) return null;
  return el("span", { class: "authors small muted" }, " — ", idea.authors.map((name, i) => [i ? ", " : "", el("bdi", {}, name)]));
}

/** What the console says when a stage has no ideas yet. */
export function noIdeas(stage) {
  return el("p", { class: "muted" }, stage.phase === "pending"
    ? t("Not started yet.")
    : t("No ideas yet. They appear here as participants send them."));
}

const DENSITIES = ["wall-1", "wall-4", "wall-9", "wall-16", "wall-30", "wall-50"];

/** How dense the wall is for `n` ideas: its columns and type size (projector.css). */
export function wallDensity(n) {
  if (n <= 1) return "wall-1";
  if (n <= 4) return "wall-4";
  if (n <= 9) return "wall-9";
  if (n <= 16) return "wall-16";
  if (n <= 30) return "wall-30";
  return "wall-50";
}

/**
 * Give a wall the density of `n` ideas, and tell the fit engine the layouts it may try: up to
 * two sparser ones first when short ideas leave room (larger notes; one column only for one
 * idea), the denser ones before it cuts notes (`data-density`, `data-sparser`, `data-denser`).
 */
export function setDensity(board, n) {
  const density = wallDensity(n);
  const at = DENSITIES.indexOf(density);
  board.classList.remove(...DENSITIES);
  board.classList.add(density);
  board.dataset.density = density;
  board.dataset.sparser = DENSITIES.slice(Math.max(1, at - 2), at).join(" ");
  board.dataset.denser = DENSITIES.slice(at + 1).join(" ");
  return board;
}

const onWall = new Set(); // ideas already drawn on the wall: only new ones pop in

/** One sticky note; it pops in the first time it is drawn, never again on a redraw. */
export function note(idea) {
  const fresh = !onWall.has(idea.id);
  onWall.add(idea.id);
  return el("li", { class: fresh ? "note is-new" : "note", dir: "auto" }, wording(idea), authorsLine(idea), originMark(idea));
}

/**
 * The projector's wall of sticky notes: its columns and type follow the number of ideas, and
 * the fit engine may cut notes from its end ("+ N more"). Newest first while ideas arrive;
 * `{ newestFirst: false }` keeps the order phones list them in (a vote's).
 */
export function wall(ideas, attrs = {}, { newestFirst = true } = {}) {
  return setDensity(el("ul", { class: "wall fit-list", "aria-label": t("Ideas"), ...attrs },
    (newestFirst ? [...ideas].reverse() : ideas).map(note)), ideas.length);
}

/**
 * The projector's board by category: one region per category (a SWOT's four as a 2×2 in its
 * order, strengths and weaknesses above opportunities and threats; up to four others side by
 * side, five or six in three columns, seven or eight in four), each with its name, count and
 * notes. The regions' lists are one `fit-group`: the fit engine cuts each region on its own
 * ("+ N more") when the screen is full.
 */
/**
 * With the current step's `per_category` on a stage with categories, its budget (`budget`: the
 * vote's dots, the allocation's points) applies to each category, as the server counts it:
 * {spentIn(key), leftIn(key), budget (over every category with ideas), left}; null otherwise
 * (one budget for the whole stage, as always). `allocation` is {idea id: amount}.
 */
export function categoryBudgets(stage, allocation, budget) {
  const settings = (stage.steps[stage.step] || {}).settings || {};
  if (!settings.per_category || !categoriesOf(stage).length) return null;
  const categoryOf = new Map(stage.ideas.map((idea) => [String(idea.id), idea.category || ""]));
  const spentIn = (key) => Object.entries(allocation)
    .filter(([id]) => (categoryOf.get(id) ?? "") === (key || "")).reduce((sum, [, n]) => sum + n, 0);
  const buckets = byCategory(stage, stage.ideas, { skipEmpty: true }).map((group) => group.key);
  const leftIn = (key) => Math.max(0, budget - spentIn(key));
  return { spentIn, leftIn, budget: budget * buckets.length, left: buckets.reduce((sum, key) => sum + leftIn(key), 0) };
}

/** Up to this many ideas, the board by category draws its notes larger. */
export const SPARSE = 8;

export function categoryBoard(stage, ideas, attrs = {}, { newestFirst = true } = {}) {
  const groups = byCategory(stage, ideas);
  const n = groups.length;
  const cols = n === 4 ? 2 : n <= 4 ? n : n <= 6 ? 3 : 4;
  const rows = Math.ceil(n / cols);
  // A few ideas: larger notes (the fit engine still scales them down when they do not fit).
  return el("div", {
    class: `category-board fit-group cats-${n}${ideas.length <= SPARSE ? " is-sparse" : ""}`,
    style: { "--cat-cols": cols, "--cat-rows": rows }, ...attrs,
  }, groups.map((group) => el("section", { class: `category-region cat-${group.key || "none"}`, dataset: { category: group.key } },
    el("h2", {}, t(group.label), " ", el("span", { class: "category-count" }, formatNumber(group.items.length))),
    el("ul", { class: "category-notes fit-list", "aria-label": t(group.label) },
      (newestFirst ? [...group.items].reverse() : group.items).map(note)))));
}

/**
 * A private categorised brainstorm on the projector: how many ideas each category has so far
 * (`progress.ideas_by_category`), never the ideas; just the categories' names while the
 * server does not send the counts.
 */
export function categoryCounts(stage) {
  const counts = (stage.progress || {}).ideas_by_category || null;
  const n = categoriesOf(stage).length;
  return el("ul", {
    class: "category-counts", "aria-label": t("Ideas per category"), style: { "--cat-cols": n === 4 ? 2 : Math.min(n, 3) },
  }, categoriesOf(stage).map((entry) => el("li", {
    class: `cat-${entry.key}`, dataset: { category: entry.key },
  }, el("span", { class: "category-name" }, t(entry.label)),

  counts ? el("strong", { class: "category-count" }, formatNumber(counts[entry.key] || 0)) : null)));
}

/** One sentence on how sure the room is, or null before anyone took part. */
export function sentence(stage) {
  return decision.decisionSentence ? decision.decisionSentence(stage) : null;
}

/** An item's consensus in words with an icon (not colour alone), and its move since round 1. */
export function roomMarks(item) {
  if (!item) return "";
  const marks = [];
  const consensus = decision.consensusLabel(item); // nobody chose it: no verdict
  if (consensus) marks.push(consensus);
  if ("moved" in item) {
    if (item.moved === null) marks.push(t("new"));
    else if (item.moved > 0) marks.push(t("▲ up %(n)s", { n: formatNumber(item.moved) }));
    else if (item.moved < 0) marks.push(t("▼ down %(n)s", { n: formatNumber(-item.moved) }));
    else marks.push(t("= same place"));
  }
  return marks.join(" · ");
}

/**
 * A chart's unit as barChart takes it: a word, [one, many], or {one, many, text(n)} (the
 * words translated, `text` the counted value in the page's language: "12 dots"). English keeps
 * the chart's own wording; another language counts with its plural rules (barChart's format).
 */
export function unitOptions(unit) {
  if (!unit || typeof unit === "string" || Array.isArray(unit)) return { unit };
  const words = [unit.one, unit.many];
  return language() === "en" ? { unit: words } : { unit: words, format: (value) => unit.text(value) };
}

/**
 * The projector's results of a scoring step, best first: a bar chart (chart.js) whose rows
 * carry the marks above; the items the step would pick are highlighted. A `fit-list`.
 */
export function resultChart(stage, ideas, { value, unit, title }) {
  const measured = stage.decision && stage.decision.voters ? stage.decision : null;
  const picks = measured && measured.picks < measured.items.length ? measured.picks : 0;
  const rows = ideas.map((idea) => {
    const item = measured ? measured.items.find((entry) => entry.idea_id === idea.id) : null;
    return {
      id: idea.id, label: wording(idea), value: value(idea),
      selected: Boolean(item && picks && item.rank <= picks),
      // On a stage with categories the row names its category first.
      note: idea.category && categoryLabel(stage, idea.category) ? [categoryTag(stage, idea), " ", roomMarks(item)] : roomMarks(item),
    };
  });
  return barChart(rows, { ...unitOptions(unit), title, key: `${title}:${stage.id}:${stage.step}:${stage.round || 1}` });
}

/** Round 1's standings, as a chart, for the room during round 2. */
export function roundOneChart(stage, { unit }) {
  const rounds = (stage.rounds || []).filter((r) => r.step === stage.step);
  if (!rounds.length) return null;
  const last = rounds[rounds.length - 1];
  return [
    el("h2", {}, t("Round %(n)s result", { n: formatNumber(last.round) })),
    barChart(last.items.map((item) => ({ id: item.idea_id, label: ideaText(stage, item.idea_id), value: item.score })),
      { ...unitOptions(unit), title: t("Round %(n)s result", { n: formatNumber(last.round) }), key: `round:${stage.id}:${stage.step}:${last.round}` }),

  ];
}
