// Allocate: each participant spreads a budget of points (100 by default) over the ideas, as a
// room would spread money or people; a cap limits the points on one idea. Totals stay hidden
// from phones and the projector until the facilitator reveals them; the console sees them live.

import { announce, el, plural } from "../common.js";
import { wording } from "../items.js";
import { consensusBadge, decisionItem, decisionSummary, movedBadge, previousRound, roundTools, stepRevealed } from "./decision.js";
import { consoleIdeas, noIdeas, wall } from "./ideas.js";

function allocationFor(ctx) {
  return { ...ctx.outbox.allocations.value(ctx.stage.id, {}) };
}

/** The step of the − and + buttons: 5 points out of 100, 1 out of a small budget. */
function stepOf(stage) {
  return stage.budget >= 50 ? 5 : 1;
}

function spentOf(allocation) {
  return Object.values(allocation).reduce((a, b) => a + b, 0);
}

function setPoints(ctx, ideaId, wanted) {
  const { stage } = ctx;
  const allocation = allocationFor(ctx);
  const key = String(ideaId);
  const others = spentOf(allocation) - (allocation[key] || 0);
  const next = Math.max(0, Math.min(wanted, stage.per_item_cap, stage.budget - others));
  if (next === 0) delete allocation[key]; else allocation[key] = next;
  ctx.outbox.allocations.set(stage.id, allocation, 300);
  announce(`${plural(next, "point", "points")} on this idea, ${plural(stage.budget - others - next, "point", "points")} left.`);
}

function byPoints(ideas) {
  return [...ideas].sort((a, b) => (b.points || 0) - (a.points || 0) || a.id - b.id);
}

function phoneView(ctx) {
  const { stage } = ctx;
  const allocation = allocationFor(ctx);
  const spent = spentOf(allocation);
  const left = stage.budget - spent;
  const unsaved = ctx.outbox.allocations.isPending(stage.id);
  const step = stepOf(stage);
  const revealed = stepRevealed(stage);
  const ideas = revealed ? byPoints(stage.ideas) : stage.ideas;
  return el("div", {},
    (stage.round || 1) > 1 ? el("p", { class: "card notice" }, "Round 2: you start from your round-1 points. Change them if the discussion changed your mind.") : null,
    previousRound(stage),
    el("div", { class: "dots-left" },
      el("strong", { id: "points-left" }, `${plural(left, "point", "points")} left`),
      el("span", { class: "meter wide", "aria-hidden": "true" }, el("span", { style: `width:${Math.round(100 * spent / stage.budget)}%` })),
    ),
    el("p", { class: "small muted" },
      `Spread ${stage.budget} points over the ideas that matter most. At most ${stage.per_item_cap} on one idea. `,
      unsaved ? "Saving…" : spent ? "Your points are saved; change them until the step closes." : ""),
    revealed ? decisionSummary(stage) : null,
    stage.ideas.length === 0 ? el("p", { class: "card" }, "There are no ideas to allocate to.") : null,
    el("ul", { class: "idea-list", "aria-label": "Ideas" }, ideas.map((idea) => {
      const mine = allocation[String(idea.id)] || 0;
      const label = wording(idea);
      return el("li", { class: "vote-item" },
        el("div", {},
          el("div", {}, label),
          idea.points !== undefined ? el("div", { class: "small total" }, `Room total: ${plural(idea.points, "point", "points")} `, consensusBadge(decisionItem(stage, idea.id))) : null,
        ),
        el("div", { class: "stepper", role: "group", "aria-label": `Points on: ${label}` },
          el("button", { type: "button", "aria-label": `${step} fewer points`, disabled: mine === 0,
            dataset: { focus: `less-${idea.id}` }, onclick: () => setPoints(ctx, idea.id, mine - step) }, "−"),
          el("input", { type: "number", class: "count points-input", min: 0, max: stage.per_item_cap, step: 1, inputmode: "numeric",
            value: mine, "aria-label": `Points on: ${label}`, dataset: { focus: `points-${idea.id}` },
            onchange: (event) => { const n = event.target.valueAsNumber; setPoints(ctx, idea.id, Number.isFinite(n) ? Math.round(n) : 0); } }),
          el("button", { type: "button", class: "primary", "aria-label": `${step} more points`,
            disabled: left === 0 || mine >= stage.per_item_cap,
            dataset: { focus: `more-${idea.id}` }, onclick: () => setPoints(ctx, idea.id, mine + step) }, "+"),
        ),
      );
    })),
  );
}

function consoleView(ctx) {
  const { stage } = ctx;
  return el("div", {},
    roundTools(ctx, { what: "points" }),
    decisionSummary(stage),
    stage.ideas.length ? consoleIdeas(ctx, byPoints(stage.ideas), {
      canHide: ctx.active, canMerge: ctx.active,
      value: (idea) => idea.points || 0,
      figure: (idea) => plural(idea.points || 0, "point", "points"),
      extra: (idea) => [consensusBadge(decisionItem(stage, idea.id)), movedBadge(decisionItem(stage, idea.id))],
    }) : noIdeas(stage),
  );
}

/** The room's point totals as bars, the top twelve, with consensus. */
function pointBars(stage) {
  const ideas = byPoints(stage.ideas);
  const max = Math.max(1, ...ideas.map((idea) => idea.points || 0));
  return el("ol", { class: "bars", "aria-label": "Point totals" }, ideas.slice(0, 12).map((idea) => el("li", {},
    el("span", {}, wording(idea), " ", consensusBadge(decisionItem(stage, idea.id)), movedBadge(decisionItem(stage, idea.id))),
    el("span", { class: "num" }, idea.points || 0),
    el("span", { class: "bar-track", "aria-hidden": "true" }, el("span", { style: `width:${Math.round(100 * (idea.points || 0) / max)}%` })),
  )));
}

function projectorView(ctx) {
  const { stage, state } = ctx;
  const progress = stage.progress || {};
  const revealed = stepRevealed(stage);
  return [
    el("div", { class: "big-stats" },
      el("div", {}, el("strong", {}, `${progress.allocators || 0}/${state.workshop.participant_count}`), el("span", { class: "muted" }, "have allocated")),
      el("div", {}, el("strong", {}, progress.points ?? 0), el("span", { class: "muted" }, "points placed")),
      (stage.round || 1) > 1 ? el("div", {}, el("strong", {}, "2"), el("span", { class: "muted" }, "round")) : null,
    ),
    revealed ? [decisionSummary(stage), pointBars(stage)] : [previousRound(stage), wall(stage.ideas)],
  ];
}

export default {
  kind: "allocate",
  label: "Allocate points",
  headline: "Spread your points",
  start: "start allocating",
  close: "Close allocation",
  outbox: {
    allocations: {
      type: "latest", event: "allocation:set", field: "points", meKey: "allocations",
      closedMessage: "Allocation has closed; your last saved points count.",
    },
  },
  metrics: (ctx) => [[`${(ctx.stage.progress || {}).allocators || 0}/${ctx.state.workshop.participant_count}`, "allocated"]],
  phone: phoneView,
  console: consoleView,
  projector: projectorView,
};
