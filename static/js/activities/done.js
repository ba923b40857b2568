// Results: the stage is decided; its top items are selected for the plan and feed later stages.

import { el, plural } from "../common.js";
import { consensusBadge, decisionSummary, movedBadge } from "./decision.js";
import { QUADRANTS } from "./rate.js";

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
  return plural(r.votes, "dot", "dots");
}

/** A results list (rank, text, figures, consensus), selected items highlighted. */
function resultsList(stage, className = "results") {
  return el("ol", { class: className, "aria-label": `${stage.title} results` }, stage.results.map((r) => el("li", { class: r.selected ? "selected" : "" },
    el("span", { class: "place" }, r.rank),
    el("span", {}, r.text, r.selected ? el("span", { class: "visually-hidden" }, " (selected)") : null, " ", consensusBadge(r), movedBadge(r)),
    el("span", { class: "figures" }, figures(stage, r)),
  )));
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
    el("p", { class: "muted small" }, selectionNote(stage)),
    howDecided(stage),
    resultsList(stage),
    decisionSummary(stage),
    el("p", { class: "muted small", style: "margin-top:.75rem" }, "Wait for the facilitator to start the next step."),
  );
}

function consoleView(ctx) {
  const { stage } = ctx;
  if (!stage.results.length) return el("p", { class: "muted" }, "This stage ended without ideas.");
  return el("div", {}, el("p", { class: "muted small" }, selectionNote(stage)), howDecided(stage), resultsList(stage), decisionSummary(stage));
}

function projectorView(ctx) {
  return [resultsList(ctx.stage, "present-results"), decisionSummary(ctx.stage)];
}

export default {
  kind: "done",
  label: "Results",
  headline: "Results",
  start: "show results",
  close: "Keep these results",
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
  phone: phoneView,
  console: consoleView,
  projector: projectorView,
};
