// Dot vote: each participant spends a small budget of dots, a few at most per idea. Totals stay
// hidden from phones and the projector until the facilitator reveals them; the console sees
// them live. Once revealed, the projector puts the results first: one sentence on how sure the
// room is, then the bar chart.

import { announce, el, plural } from "../common.js";
import { byCategory, categoriesOf, categoryLabel, originMark, wording } from "../items.js";
import { consensusBadge, decisionItem, decisionSummary, movedBadge, previousRound, roundTools, stepRevealed } from "./decision.js";
import { byDots, categoryBoard, categoryBudgets, consoleIdeas, noIdeas, phoneOrder, resultChart, roundOneChart, sentence, wall } from "./ideas.js";

const DOTS = ["dot", "dots"];

function allocationFor(ctx) {
  return { ...ctx.outbox.votes.value(ctx.stage.id, {}) };
}

function changeVote(ctx, ideaId, delta) {
  const { stage } = ctx;
  const allocation = allocationFor(ctx);
  const key = String(ideaId);
  const next = Math.max(0, (allocation[key] || 0) + delta);
  if (next === 0) delete allocation[key]; else allocation[key] = next;
  ctx.outbox.votes.set(stage.id, allocation, 250);
  const budgets = categoryBudgets(stage, allocation, stage.dot_budget);
  const idea = stage.ideas.find((other) => other.id === ideaId);
  if (budgets && idea) {
    const left = budgets.leftIn(idea.category);
    announce(`${plural(allocation[key] || 0, "dot", "dots")} on this idea, ${plural(left, "dot", "dots")} left in ${categoryLabel(stage, idea.category) || "this category"}.`);
    return;
  }
  const left = stage.dot_budget - Object.values(allocation).reduce((a, b) => a + b, 0);
  announce(`${plural(allocation[key] || 0, "dot", "dots")} on this idea, ${plural(left, "dot", "dots")} left.`);
}

function spentOf(allocation) {
  return Object.values(allocation).reduce((a, b) => a + b, 0);
}


/** The dots left as dots, while there are few enough to draw in one row. */
function dotRow(stage, left) {
  if (stage.dot_budget > 10) return null;
  return el("span", { class: "dot-row", "aria-hidden": "true" },
    Array.from({ length: stage.dot_budget }, (_, i) => el("span", { class: i < left ? "dot on" : "dot" })));
}

function phoneView(ctx) {
  const { stage } = ctx;
  const allocation = allocationFor(ctx);
  const spent = spentOf(allocation);
  const budgets = categoryBudgets(stage, allocation, stage.dot_budget);
  const left = budgets ? budgets.left : stage.dot_budget - spent;
  const unsaved = ctx.outbox.votes.isPending(stage.id);
  const revealed = stepRevealed(stage);
  // Before the reveal each phone has its own order; after it, the room's results order.
  const ideas = revealed ? byDots(stage.ideas) : phoneOrder(ctx, stage.ideas);
  const list = (items, label) => el("ul", { class: "idea-list", "aria-label": label },
    items.map((idea) => {
      const mine = allocation[String(idea.id)] || 0;
      const room = budgets ? budgets.leftIn(idea.category) : left;
      return el("li", { class: "vote-item", dataset: { ideaId: idea.id } },
        el("div", { class: "vote-text" },
          el("div", {}, wording(idea), originMark(idea)),
          idea.votes !== undefined ? el("div", { class: "room-total" },
            el("strong", { class: "total" }, `Room total: ${plural(idea.votes, "dot", "dots")}`), " ",
            consensusBadge(decisionItem(stage, idea.id)), movedBadge(decisionItem(stage, idea.id))) : null,
        ),
        el("div", { class: "stepper", role: "group", "aria-label": `Dots on: ${wording(idea)}` },
          el("button", {
            type: "button", "aria-label": "Remove a dot", disabled: mine === 0,
            dataset: { focus: `less-${idea.id}` },
            onclick: () => changeVote(ctx, idea.id, -1),
          }, "−"),
          el("span", { class: "count" }, mine),
          el("button", {
            type: "button", class: "primary", "aria-label": "Add a dot",
            dataset: { focus: `more-${idea.id}` },
            disabled: room === 0 || mine >= stage.max_dots_per_idea,
            onclick: () => changeVote(ctx, idea.id, +1),
          }, "+"),
        ),
      );
    }));
  const categorised = categoriesOf(stage).length > 0;
  return el("div", {},
    (stage.round || 1) > 1 ? el("p", { class: "card notice" }, "Round 2: you start from your round-1 dots. Move them if the discussion changed your mind.") : null,
    previousRound(stage),
    revealed ? sentence(stage) : null,
    el("div", { class: "dots-left" },
      el("strong", {}, `${plural(left, "dot", "dots")} left`),
      budgets ? null : dotRow(stage, left),
    ),
    el("p", { class: "muted" },
      budgets ? `${plural(stage.dot_budget, "dot", "dots")} to spend in each category. ` : "",
      `Up to ${plural(stage.max_dots_per_idea, "dot", "dots")} on one idea. `,
      unsaved ? "Saving…" : spent ? "Your dots are saved; change them until voting closes." : ""),
    stage.ideas.length === 0 ? el("p", { class: "card" }, "There are no ideas to vote on.") : null,
    // A stage with categories: the ideas under their category, with what is left in each.
    categorised
      ? byCategory(stage, ideas, { skipEmpty: true }).map((group) => el("section", { class: "vote-category", dataset: { category: group.key } },
        el("h2", { class: `category-title cat-${group.key || "none"}` }, group.label),
        budgets ? el("p", { class: "category-left" },
          el("strong", {}, `${budgets.leftIn(group.key)} of ${plural(stage.dot_budget, "dot", "dots")} left in ${group.label}`), " ",
          dotRow(stage, budgets.leftIn(group.key))) : null,
        list(group.items, `Ideas: ${group.label}`)))
      : list(ideas, "Ideas"),
  );
}

/** What is left to do: the budget to spend, what is left of it, or that it is all placed. */
function remaining(ctx) {
  const { stage } = ctx;
  if (!ctx.active || !stage.ideas.length) return "Waiting for the facilitator";
  const allocation = allocationFor(ctx);
  const spent = spentOf(allocation);
  const budgets = categoryBudgets(stage, allocation, stage.dot_budget);
  const budget = budgets ? budgets.budget : stage.dot_budget;
  const left = budgets ? budgets.left : budget - spent;
  if (spent === 0) return `Spend your ${plural(budget, "dot", "dots")}`;
  if (left > 0) return `${plural(left, "dot", "dots")} left`;
  return `All ${plural(budget, "dot", "dots")} placed`;
}

/** The phone's one line: what is left to do, and that the room's totals are shown once revealed
 * (the step stays open: people can still move their dots). */
function status(ctx) {
  const left = remaining(ctx);
  return stepRevealed(ctx.stage) && ctx.active && ctx.stage.ideas.length ? `Totals shown · ${left}` : left;
}

/** The console's reveal button (and the second round's), as every scoring step has it. */
export function revealButton(ctx) {
  return roundTools(ctx, { what: "dot totals" });
}

function consoleView(ctx) {
  const { stage } = ctx;
  return el("div", {},
    revealButton(ctx),
    decisionSummary(stage, ctx),
    // A neutral order: writing order while the room votes (the live standings are in the
    // summary above), the results once revealed, so nothing moves under the facilitator's hand.
    stage.ideas.length ? consoleIdeas(ctx, stepRevealed(stage) ? byDots(stage.ideas) : stage.ideas, {
      showVotes: true, canHide: ctx.active, canMerge: ctx.active,
      extra: (idea) => [consensusBadge(decisionItem(stage, idea.id)), movedBadge(decisionItem(stage, idea.id))],
    }) : noIdeas(stage),
  );
}

/** "4/12 have voted · 20 dots placed", large before the reveal, one line after it. */
function counts(stage, state) {
  const progress = stage.progress || {};
  return el("div", { class: "big-stats" },
    el("div", {}, el("strong", {}, `${progress.voters || 0}/${state.workshop.participant_count}`), el("span", { class: "muted" }, "have voted")),
    el("div", {}, el("strong", {}, progress.dots ?? 0), el("span", { class: "muted" }, "dots placed")),
  );
}

function projectorView(ctx) {
  const { stage, state } = ctx;
  if (stepRevealed(stage) && !(stage.progress || {}).voters) {
    return [el("p", { class: "decision-sentence" }, "Nobody has voted yet."), ideasBoard(stage)];
  }
  if (stepRevealed(stage)) {
    return [
      sentence(stage),
      resultChart(stage, byDots(stage.ideas), { value: (idea) => idea.votes || 0, unit: DOTS, title: "Dot totals" }),
      el("p", { class: "hint-line" }, `${(stage.progress || {}).voters || 0} of ${state.workshop.participant_count} voted · ${plural((stage.progress || {}).dots ?? 0, "dot", "dots")}`),
    ];
  }
  const roundOne = roundOneChart(stage, { unit: DOTS });
  return [
    counts(stage, state),
    el("p", { class: "hint-line" }, "The totals stay hidden until the facilitator reveals them."),
    roundOne || ideasBoard(stage),
  ];
}

/** The ideas being voted on: the wall, or on a stage with categories the board by category. */
function ideasBoard(stage) {
  return categoriesOf(stage).length
    ? categoryBoard(stage, stage.ideas, {}, { newestFirst: false })
    : wall(stage.ideas, {}, { newestFirst: false });
}

export default {
  kind: "vote",
  // A stage this step decides shows each result's bar by its dots (done.js).
  resultBar: (r) => ({ value: r.votes, text: plural(r.votes, "dot", "dots") }),
  // Its entries are the ideas' dots: results show them whenever the stage has a dot vote.
  placesDots: true,
  // Every tally carries the dots placed and, where seen, the dots per idea.
  applyTally: (stage, tally) => {
    if (tally.dots !== undefined) stage.progress.dots = tally.dots;
    if (tally.totals) for (const idea of stage.ideas) idea.votes = tally.totals[String(idea.id)] ?? 0;
  },
  resultText: (r) => plural(r.votes, "dot", "dots"),
  // An idea's dots where this screen has them (the console always; the room once revealed).
  ideaFigures: (idea) => (idea.votes === undefined || idea.votes === null ? null : plural(idea.votes, "dot", "dots")),
  how: () => "by dots",
  countName: "By dots",
  progress: { count: "voters", word: "voted" },
  label: "Dot vote",
  headline: "Spend your dots",
  start: "start dot vote",
  close: "Close voting",
  outbox: {
    votes: {
      type: "latest", event: "votes:set", field: "votes", meKey: "votes",
      closedMessage: "Voting closed before your last change reached the room; your last saved dots count.",
    },
  },
  metrics: (ctx) => [[`${(ctx.stage.progress || {}).voters || 0}/${ctx.state.workshop.participant_count}`, "voted"]],
  phone: phoneView,
  console: consoleView,
  projector: projectorView,
  status,
};
