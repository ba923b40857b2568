// Results: the stage is decided; its top items are selected for the plan and feed later stages.

import { barChart } from "../chart.js";
import { el, resultsList } from "../common.js";
import { formatNumber, t, tn } from "../i18n.js";
import { consensusBadge, decisionSentence, decisionSummary, movedBadge, progressLine } from "./decision.js";
import { ideaActions, inFocus } from "./ideas.js";
import { categoriesOf, categoryTag } from "../items.js";
import { KINDS } from "./kinds.js";

/** The module of the step that decided the stage, or null (no scoring step, or unknown). */
function deciderOf(ctx, stage) {
  return stage.decision ? ctx.activity(stage.decision.kind) : null;
}

/** How the stage was decided, in one line, in the deciding step's words (its `how`). */
function howDecided(ctx, stage) {
  const decision = stage.decision;
  if (!decision) return null;
  const decider = deciderOf(ctx, stage);
  const how = decider && decider.how ? decider.how(decision, stage)
    : t("by the %(step)s", { step: ((decider && decider.label) || decision.kind).toLowerCase() });
  const people = tn("%(n)s person", "%(n)s people", decision.voters);
  return el("p", { class: "muted small" }, decision.round > 1
    ? t("Decided %(how)s, after %(rounds)s rounds; %(people)s took part.", { how, rounds: formatNumber(decision.round), people })
    : t("Decided %(how)s; %(people)s took part.", { how, people }));
}

/** One result's figures, in the deciding step's terms (its `resultText`); otherwise by the
 * dots, when a step on the stage places them; otherwise none. */
function figuresOf(ctx) {
  return (stage, r) => {
    const decider = deciderOf(ctx, stage);
    const own = decider && decider.resultText ? decider.resultText(r, stage, ctx) : null;
    if (own !== null && own !== undefined) return own;
    const dots = stage.steps.map((step) => ctx.activity(step.kind)).find((module) => module && module.placesDots);
    return dots && dots.resultText ? dots.resultText(r, stage, ctx) : "";
  };
}

/** A result's consensus and what moved since round 1. */
function badges(r) {
  return [consensusBadge(r), movedBadge(r)].filter(Boolean);
}

/** The same, after the result's category on a stage with categories ("Threats"). */
function badgesOn(stage) {
  return (r) => [categoryTag(stage, r), ...badges(r)].filter(Boolean);
}

/** The results list with this stage's figures and badges. */
function results(ctx, stage) {
  return resultsList(stage, { figures: figuresOf(ctx), badges: badgesOn(stage) });
}

/** A result's bar on the projector: its value, the value's words and the scale's end, as the
 * step that decided the stage declares them (`resultBar`); by dots when no step declares one. */
function barOf(ctx, stage, r) {
  const decider = deciderOf(ctx, stage);
  if (decider && decider.resultBar) return decider.resultBar(r, stage);
  return { value: r.votes, text: tn("%(n)s dot", "%(n)s dots", r.votes) };
}

/** What the stage's steps show beside a result on the chart (their `resultNote`: a quadrant). */
function notesOf(ctx, stage, r) {
  return stage.steps.map((step) => ctx.activity(step.kind)).filter((module) => module && module.resultNote)
    .map((module) => module.resultNote(r, stage));
}

/** The results as an animated bar chart, selected ones marked; rows the screen cannot hold are cut. */
function resultsChart(ctx, stage) {
  const bars = new Map(stage.results.map((r) => [r.idea_id, barOf(ctx, stage, r)]));
  const max = Math.max(0, ...[...bars.values()].map((bar) => bar.max || 0)) || null;
  return barChart(stage.results.map((r) => ({
    id: r.idea_id, label: r.text, value: bars.get(r.idea_id).value, selected: r.selected, place: r.rank,
    note: [categoryTag(stage, r), ...notesOf(ctx, stage, r), ...badges(r)].filter(Boolean),
  })), { format: (_value, row) => bars.get(row.id).text, max, title: t("%(stage)s results", { stage: stage.title }), key: `done:${stage.id}` });
}

/** The top N of each category the stage selects (`select_per_category`), or 0 (off). */
function perCategory(stage) {
  if (!categoriesOf(stage).length) return 0;
  if (typeof stage.select_per_category === "number") return stage.select_per_category;
  const done = (stage.steps || []).find((step) => step.kind === "done");
  return (done && done.settings && done.settings.select_per_category) || 0;
}

function selectionNote(stage) {
  const each = perCategory(stage);
  if (each > 0) {
    return tn("The top item of each category goes into the plan.", "The top %(n)s items of each category go into the plan.", each);
  }
  if (stage.select_count === 0) return t("Every item goes into the plan.");
  return tn("The top item goes into the plan.", "The top %(n)s items go into the plan.", stage.select_count);
}

function phoneView(ctx) {
  const { stage } = ctx;
  if (!stage.results.length) return el("p", { class: "card" }, t("This stage ended without ideas."));
  return el("div", { class: "card" },
    decisionSentence(stage),
    el("p", { class: "muted small" }, selectionNote(stage)),
    results(ctx, stage),
    howDecided(ctx, stage),
  );
}

/**
 * The console's results: each row carries its idea's id and a Focus button, so the room can
 * look at the winner together (the wording is settled once decided: no Edit here).
 */
function consoleResults(ctx, stage) {
  const list = results(ctx, stage);
  const rows = [...list.children].filter((li) => !li.classList.contains("fit-more"));
  rows.forEach((li, i) => {
    const r = stage.results[i];
    const idea = stage.ideas.find((other) => other.id === r.idea_id) || { id: r.idea_id, text: r.text };
    li.dataset.ideaId = r.idea_id;
    if (inFocus(ctx, idea)) li.classList.add("in-focus");
    li.append(el("span", { class: "row idea-tools" }, ideaActions(ctx, idea)));
  });
  return list;
}

function consoleView(ctx) {
  const { stage } = ctx;
  if (!stage.results.length) return el("p", { class: "muted" }, t("This stage ended without ideas."));
  return el("div", {}, el("p", { class: "muted small" }, selectionNote(stage)), howDecided(ctx, stage), consoleResults(ctx, stage), decisionSummary(stage, ctx));
}

function projectorView(ctx) {
  const { stage } = ctx;
  if (!stage.results.length) return el("p", { class: "prompt" }, t("This stage ended without ideas."));
  // Bars need scores: none without a scoring step, nor when nobody took part in it.
  const scored = stage.decision ? stage.decision.voters > 0 : stage.results.some((r) => r.votes > 0);
  return [
    decisionSentence(stage),
    scored ? resultsChart(ctx, stage) : resultsList(stage, { className: "present-results fit-list", figures: figuresOf(ctx), badges: badgesOn(stage) }),
    el("p", { class: "muted present-count-line" }, selectionNote(stage)),
  ];
}

export default {
  kind: "done",
  // The words are getters: each read is in the page's language of the moment.
  get label() { return t("Results"); },
  get headline() { return t("Results"); },
  get start() { return t("show results"); },
  get close() { return t("Keep these results"); },
  closes: false, // the console's Next names the next step rather than closing this one
  // Every scoring step's count ("12/20 voted"), in registry order, for the steps on the stage.
  metrics: (ctx) => KINDS.filter((entry) => ctx.stage.steps.some((step) => step.kind === entry.kind))
    .map((entry) => ctx.activity(entry.kind)).filter((module) => module && module.progress)
    .map((module) => progressLine(ctx, module)),
  status: () => t("Waiting for the facilitator"),

  phone: phoneView,
  console: consoleView,
  projector: projectorView,
};
