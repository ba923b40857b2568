// Pieces several activities draw: the console's idea list (with dots and hiding), the
// projector's wall of notes, and the projector's results (a bar chart with each item's
// consensus in words and an icon).

import { barChart } from "../chart.js";
import { el, ideaText, plural } from "../common.js";
import { wording } from "../items.js";
import * as decision from "./decision.js";

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
export function consoleIdeas(ctx, ideas, {
  showVotes = false, canHide = false, canMerge = false, figure = null, value = null, extra = null,
} = {}) {
  const { stage } = ctx;
  const valueOf = value || (showVotes ? (idea) => idea.votes || 0 : null);
  const figureOf = figure || (showVotes ? (idea) => plural(idea.votes || 0, "dot", "dots") : null);
  const maxValue = valueOf ? Math.max(1, ...ideas.map(valueOf)) : 1;
  const merging = canMerge ? mergeTarget.get(stage.id) : null;
  return el("ul", { class: "console-ideas" }, ideas.map((idea) => el("li", {
    class: [idea.hidden ? "is-hidden" : "", stage.shortlist.includes(idea.id) ? "on-shortlist" : "", merging === idea.id ? "is-merging" : ""].join(" ").trim(),
    draggable: canMerge && !idea.hidden ? "true" : undefined,
    dataset: { idea: idea.id },
    ondragstart: canMerge ? (event) => { event.dataTransfer.setData("text/plain", String(idea.id)); } : undefined,
  },
  el("span", { class: "text" }, wording(idea),
    idea.from_facilitator && !idea.theme ? el("span", { class: "tag" }, "added by you") : null,
    idea.theme ? el("span", { class: "tag" }, "theme") : null,
    idea.hidden ? el("span", { class: "muted small" }, " (hidden)") : null,
    authorsLine(idea),
    alsoSaid(idea),
    extra ? extra(idea) : null),
  figureOf ? el("span", { class: "total" }, figureOf(idea)) : el("span"),
  el("span", { class: "row idea-tools" },
    canMerge && !stage.rounds?.length ? mergeButtons(ctx, idea, merging) : null,
    canHide ? el("button", {
      type: "button", class: "quiet small", dataset: { focus: `hide-${idea.id}` },
      "aria-label": `${idea.hidden ? "Show" : "Hide"}: ${idea.text}`,
      onclick: () => ctx.act("idea:hide", { idea_id: idea.id, hidden: !idea.hidden }),
    }, idea.hidden ? "Show" : "Hide") : null),
  valueOf ? el("div", { class: "bar", "aria-hidden": "true" },
    el("span", { style: { width: `${Math.round(100 * valueOf(idea) / maxValue)}%` } })) : null,
  )));
}

/** stage id -> the idea the facilitator picked to merge into another (console only). */
const mergeTarget = new Map();

function mergeButtons(ctx, idea, merging) {
  const { stage } = ctx;
  if (idea.hidden || idea.theme) return null; // a theme being voted on changes by moving back
  const undo = idea.merged && idea.merged.length && !idea.theme ? el("button", {
    type: "button", class: "quiet small", dataset: { focus: `unmerge-${idea.id}` },
    "aria-label": `Undo the merge into: ${idea.text}`,
    onclick: () => ctx.act("idea:unmerge", { idea_id: idea.id }),
  }, "Undo merge") : null;
  if (merging === undefined || merging === null) {
    return [undo, el("button", {
      type: "button", class: "quiet small", dataset: { focus: `merge-${idea.id}` },
      "aria-label": `Merge into another idea: ${idea.text}`,
      onclick: () => { mergeTarget.set(stage.id, idea.id); ctx.rerender(); },
    }, "Merge…")];
  }
  if (merging === idea.id) {
    return el("button", { type: "button", class: "quiet small", dataset: { focus: `merge-${idea.id}` },
      onclick: () => { mergeTarget.delete(stage.id); ctx.rerender(); } }, "Cancel merge");
  }
  return el("button", {
    type: "button", class: "small primary", dataset: { focus: `into-${idea.id}` },
    "aria-label": `Merge the chosen idea into: ${idea.text}`,
    onclick: () => {
      const from = mergeTarget.get(stage.id);
      mergeTarget.delete(stage.id);
      ctx.act("idea:merge", { idea_ids: [from], into: idea.id });
    },
  }, "Merge here");
}

/** "Also said: …" under an idea that has duplicates merged into it. */
export function alsoSaid(idea) {
  if (!idea.also_said || !idea.also_said.length) return null;
  return el("span", { class: "also-said small muted" }, `${idea.theme ? "Ideas" : "Also said"}: `,
    idea.also_said.map((text, i) => [i ? " · " : "", `“${text}”`]));
}

/** "— Ana, Ben" on a named brainstorm's ideas. */
export function authorsLine(idea) {
  if (!idea.authors || !idea.authors.length) return null;
  return el("span", { class: "authors small muted" }, ` — ${idea.authors.join(", ")}`);
}

/** What the console says when a stage has no ideas yet. */
export function noIdeas(stage) {
  return el("p", { class: "muted" }, stage.phase === "pending"
    ? "Not started yet."
    : "No ideas yet. They appear here as participants send them.");
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
  return el("li", { class: fresh ? "note is-new" : "note" }, wording(idea), authorsLine(idea));
}

/**
 * The projector's wall of sticky notes: its columns and type follow the number of ideas, and
 * the fit engine may cut notes from its end ("+ N more"). Newest first while ideas arrive;
 * `{ newestFirst: false }` keeps the order phones list them in (a vote's).
 */
export function wall(ideas, attrs = {}, { newestFirst = true } = {}) {
  return setDensity(el("ul", { class: "wall fit-list", "aria-label": "Ideas", ...attrs },
    (newestFirst ? [...ideas].reverse() : ideas).map(note)), ideas.length);
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
    if (item.moved === null) marks.push("new");
    else if (item.moved > 0) marks.push(`▲ up ${item.moved}`);
    else if (item.moved < 0) marks.push(`▼ down ${-item.moved}`);
    else marks.push("= same place");
  }
  return marks.join(" · ");
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
      selected: Boolean(item && picks && item.rank <= picks), note: roomMarks(item),
    };
  });
  return barChart(rows, { unit, title, key: `${title}:${stage.id}:${stage.step}:${stage.round || 1}` });
}

/** Round 1's standings, as a chart, for the room during round 2. */
export function roundOneChart(stage, { unit }) {
  const rounds = (stage.rounds || []).filter((r) => r.step === stage.step);
  if (!rounds.length) return null;
  const last = rounds[rounds.length - 1];
  return [
    el("h2", {}, `Round ${last.round} result`),
    barChart(last.items.map((item) => ({ id: item.idea_id, label: ideaText(stage, item.idea_id), value: item.score })),
      { unit, title: `Round ${last.round} result`, key: `round:${stage.id}:${stage.step}:${last.round}` }),
  ];
}
