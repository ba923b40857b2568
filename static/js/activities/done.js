// Results: the stage is decided; its top items are selected for the plan and feed later stages.

import { barChart } from "../chart.js";
import { el, plural, resultsList } from "../common.js";
import { consensusBadge, decisionSentence, decisionSummary, movedBadge } from "./decision.js";
import { QUADRANTS } from "./rate.js";
// The registry imports this module too; it is read only when a view is drawn, after both loaded.
import { REGISTRY } from "./index.js";

const HOW = {
  vote: "by dots",
  allocate: "by points",
  rate: "by mean impact, then lower effort",
  borda: "by a Borda count of everyone's ranking",
  schulze: "by the Schulze method over everyone's ranking",
};

/** How the stage was decided, in one line. */
function howDecided(stage) {
  const decision = stage.decision;
  if (!decision) return null;
  const how = decision.kind === "rank" ? HOW[decision.method] : HOW[decision.kind];
  const rounds = decision.round > 1 ? `, after ${decision.round} rounds` : "";
  return el("p", { class: "muted small" }, `Decided ${how}${rounds}; ${plural(decision.voters, "person", "people")} took part.`);
}

/** One result's figures, in the deciding step's terms. */
function figures(stage, r) {
  const kind = stage.decision ? stage.decision.kind : null;
  const dots = stage.steps.some((step) => step.kind === "vote");
  if (kind === "rank" && r.shortlisted) return dots ? `${plural(r.score, "pt", "pts")} · ${plural(r.votes, "dot", "dots")}` : plural(r.score, "pt", "pts");
  if (kind === "allocate") return plural(r.points ?? 0, "point", "points");
  if (kind === "rate") {
    if (r.impact === null || r.impact === undefined) return "not rated";
    const effort = r.effort === null || r.effort === undefined ? "?" : r.effort.toFixed(1);
    return `impact ${r.impact.toFixed(1)} · effort ${effort}${r.quadrant ? ` · ${QUADRANTS[r.quadrant]}` : ""}`;
  }
  if (kind === "rank" && !dots) return "not shortlisted";
  if (!kind && !dots) return ""; // nothing scored these items: no figures to show
  return plural(r.votes, "dot", "dots");
}

/** A result's consensus and what moved since round 1. */
function badges(r) {
  return [consensusBadge(r), movedBadge(r)].filter(Boolean);
}

/** The results list with this stage's figures and badges. */
function results(stage) {
  return resultsList(stage, { figures, badges });
}

/** A result's bar on the projector: its value, the value's words and the scale's end, as the
 * step that decided the stage declares them (`resultBar`); by dots when no step declares one. */
function barOf(stage, r) {
  const decider = stage.decision ? REGISTRY[stage.decision.kind] : null;
  if (decider && decider.resultBar) return decider.resultBar(r, stage);
  return { value: r.votes, text: plural(r.votes, "dot", "dots") };
}

/** The results as an animated bar chart, selected ones marked; rows the screen cannot hold are cut. */
function resultsChart(stage) {
  const bars = new Map(stage.results.map((r) => [r.idea_id, barOf(stage, r)]));
  const max = Math.max(0, ...[...bars.values()].map((bar) => bar.max || 0)) || null;
  return barChart(stage.results.map((r) => ({
    id: r.idea_id, label: r.text, value: bars.get(r.idea_id).value, selected: r.selected, place: r.rank,
    note: [r.quadrant ? el("span", { class: `tag ${r.quadrant}` }, QUADRANTS[r.quadrant]) : null, ...badges(r)].filter(Boolean),
  })), { format: (_value, row) => bars.get(row.id).text, max, title: `${stage.title} results`, key: `done:${stage.id}` });
}

function selectionNote(stage) {
  if (stage.select_count === 0) return "Every item goes into the plan.";
  return stage.select_count === 1
    ? "The top item goes into the plan."
    : `The top ${stage.select_count} items go into the plan.`;
}

function phoneView(ctx) {
  const { stage } = ctx;
  if (!stage.results.length) return el("p", { class: "card" }, "This stage ended without ideas.");
  return el("div", { class: "card" },
    decisionSentence(stage),
    el("p", { class: "muted small" }, selectionNote(stage)),
    results(stage),
    howDecided(stage),
  );
}

function consoleView(ctx) {
  const { stage } = ctx;
  if (!stage.results.length) return el("p", { class: "muted" }, "This stage ended without ideas.");
  return el("div", {}, el("p", { class: "muted small" }, selectionNote(stage)), howDecided(stage), results(stage), decisionSummary(stage));
}

function projectorView(ctx) {
  const { stage } = ctx;
  if (!stage.results.length) return el("p", { class: "prompt" }, "This stage ended without ideas.");
  // Bars need scores: none without a scoring step, nor when nobody took part in it.
  const scored = stage.decision ? stage.decision.voters > 0 : stage.results.some((r) => r.votes > 0);
  return [
    decisionSentence(stage),
    scored ? resultsChart(stage) : resultsList(stage, { className: "present-results fit-list", figures, badges }),
    el("p", { class: "muted present-count-line" }, selectionNote(stage)),
  ];
}

export default {
  kind: "done",
  label: "Results",
  headline: "Results",
  start: "show results",
  close: "Keep these results",
  closes: false, // the console's Next names the next step rather than closing this one
  metrics: (ctx) => {
    const progress = ctx.stage.progress || {};
    const n = ctx.state.workshop.participant_count;
    const out = [];
    if (ctx.stage.steps.some((s) => s.kind === "vote")) out.push([`${progress.voters || 0}/${n}`, "voted"]);
    if (ctx.stage.steps.some((s) => s.kind === "allocate")) out.push([`${progress.allocators || 0}/${n}`, "allocated"]);
    if (ctx.stage.steps.some((s) => s.kind === "rate")) out.push([`${progress.raters || 0}/${n}`, "rated"]);
    if (ctx.stage.steps.some((s) => s.kind === "rank")) out.push([`${progress.rankers || 0}/${n}`, "ranked"]);
    return out;
  },
  status: () => "Waiting for the facilitator",
  phone: phoneView,
  console: consoleView,
  projector: projectorView,
};
