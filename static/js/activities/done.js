// Results: the stage is decided; its top items are selected for the plan and feed later stages.

import { el, resultsList } from "../common.js";

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
    resultsList(stage),
    el("p", { class: "muted small", style: "margin-top:.75rem" }, "Wait for the facilitator to start the next step."),
  );
}

function consoleView(ctx) {
  const { stage } = ctx;
  if (!stage.results.length) return el("p", { class: "muted" }, "This stage ended without ideas.");
  return el("div", {}, el("p", { class: "muted small" }, selectionNote(stage)), resultsList(stage));
}

function projectorView(ctx) {
  return resultsList(ctx.stage, "present-results");
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
    if (ctx.stage.steps.some((s) => s.kind === "rank")) out.push([`${progress.rankers || 0}/${n}`, "ranked"]);
    return out;
  },
  phone: phoneView,
  console: consoleView,
  projector: projectorView,
};
