// Allocate: each participant spreads a budget of points (100 by default) over the ideas, as a
// room would spread money or people; a cap limits the points on one idea. Totals stay hidden
// from phones and the projector until the facilitator reveals them; the console sees them live.
// Once revealed, the projector puts the results first: one sentence, then the bar chart.

import { announce, el } from "../common.js";
import { formatNumber, t, tn } from "../i18n.js";
import { byCategory, categoriesOf, categoryLabel, originMark, wording } from "../items.js";
import { consensusBadge, decisionItem, decisionSummary, movedBadge, previousRound, roundTools, stepRevealed } from "./decision.js";
import { categoryBoard, categoryBudgets, consoleIdeas, noIdeas, phoneOrder, resultChart, roundOneChart, sentence, wall } from "./ideas.js";

/** "1 point", "12 points" in the page's language. */
const points = (n) => tn("%(n)s point", "%(n)s points", n);
/** The charts' unit: its words for the table and each value's words (ideas.js unitOptions). */
const POINTS = () => ({ one: t("point"), many: t("points"), text: points });

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
  const idea = stage.ideas.find((other) => other.id === ideaId);
  const budgets = categoryBudgets(stage, allocation, stage.budget);
  // Per category: the points of the idea's own category are the ones that count.
  const others = budgets && idea ? budgets.spentIn(idea.category) - (allocation[key] || 0) : spentOf(allocation) - (allocation[key] || 0);
  const next = Math.max(0, Math.min(wanted, stage.per_item_cap, stage.budget - others));
  if (next === 0) delete allocation[key]; else allocation[key] = next;
  ctx.outbox.allocations.set(stage.id, allocation, 300);
  const words = { mine: points(next), left: points(stage.budget - others - next) };
  const label = idea && categoryLabel(stage, idea.category);
  const category = label ? t(label) : t("this category");

  announce(budgets && idea
    ? t("%(mine)s on this idea, %(left)s left in %(category)s.", { ...words, category })

    : t("%(mine)s on this idea, %(left)s left.", words));
}

function byPoints(ideas) {
  return [...ideas].sort((a, b) => (b.points || 0) - (a.points || 0) || a.id - b.id);
}

function phoneView(ctx) {
  const { stage } = ctx;
  const allocation = allocationFor(ctx);
  const spent = spentOf(allocation);
  const budgets = categoryBudgets(stage, allocation, stage.budget);
  const total = budgets ? budgets.budget : stage.budget;
  const left = budgets ? budgets.left : stage.budget - spent;
  const unsaved = ctx.outbox.allocations.isPending(stage.id);
  const step = stepOf(stage);
  const revealed = stepRevealed(stage);
  // Before the reveal each phone has its own order; after it, the room's results order.
  const ideas = revealed ? byPoints(stage.ideas) : phoneOrder(ctx, stage.ideas);
  const list = (items, name) => el("ul", { class: "idea-list", "aria-label": name }, items.map((idea) => {
    const mine = allocation[String(idea.id)] || 0;
    const room = budgets ? budgets.leftIn(idea.category) : left;
    const label = wording(idea);
    return el("li", { class: "vote-item", dataset: { ideaId: idea.id } },
      el("div", { class: "vote-text" },
        el("div", { dir: "auto" }, label, originMark(idea)),
        idea.points !== undefined ? el("div", { class: "room-total" },
          el("strong", { class: "total" }, t("Room total: %(total)s", { total: points(idea.points) })), " ",
          consensusBadge(decisionItem(stage, idea.id)), movedBadge(decisionItem(stage, idea.id))) : null,
      ),
      el("div", { class: "stepper", role: "group", "aria-label": t("Points on: %(idea)s", { idea: label }) },
        el("button", { type: "button", "aria-label": tn("%(n)s fewer points", "%(n)s fewer points", step), disabled: mine === 0,
          dataset: { focus: `less-${idea.id}` }, onclick: () => setPoints(ctx, idea.id, mine - step) }, "−"),
        el("input", { type: "number", class: "count points-input", min: 0, max: stage.per_item_cap, step: 1, inputmode: "numeric",
          value: mine, "aria-label": t("Points on: %(idea)s", { idea: label }), dataset: { focus: `points-${idea.id}` },
          onchange: (event) => { const n = event.target.valueAsNumber; setPoints(ctx, idea.id, Number.isFinite(n) ? Math.round(n) : 0); } }),
        el("button", { type: "button", class: "primary", "aria-label": tn("%(n)s more points", "%(n)s more points", step),
          disabled: room === 0 || mine >= stage.per_item_cap,
          dataset: { focus: `more-${idea.id}` }, onclick: () => setPoints(ctx, idea.id, mine + step) }, "+"),
      ),
    );
  }));
  return el("div", {},
    (stage.round || 1) > 1 ? el("p", { class: "card notice" }, t("Round 2: you start from your round-1 points. Change them if the discussion changed your mind.")) : null,
    previousRound(stage),
    revealed ? sentence(stage) : null,
    el("div", { class: "dots-left" },
      el("strong", { id: "points-left" }, tn("%(n)s point left", "%(n)s points left", left)),
      el("span", { class: "meter wide", "aria-hidden": "true" }, el("span", { style: { width: `${Math.round(100 * (total - left) / total)}%` } })),
    ),
    el("p", { class: "muted" },
      budgets ? tn("Spread %(n)s points in each category over the ideas that matter most.", "Spread %(n)s points in each category over the ideas that matter most.", stage.budget)
        : tn("Spread %(n)s points over the ideas that matter most.", "Spread %(n)s points over the ideas that matter most.", stage.budget), " ",
      t("At most %(n)s on one idea.", { n: formatNumber(stage.per_item_cap) }), " ",
      unsaved ? t("Saving…") : spent ? t("Your points are saved; change them until the step closes.") : ""),
    stage.ideas.length === 0 ? el("p", { class: "card" }, t("There are no ideas to allocate to.")) : null,
    // A stage with categories: the ideas under their category, with what is left in each.
    categoriesOf(stage).length
      ? byCategory(stage, ideas, { skipEmpty: true }).map((group) => el("section", { class: "vote-category", dataset: { category: group.key } },
        el("h2", { class: `category-title cat-${group.key || "none"}` }, t(group.label)),
        budgets ? el("p", { class: "category-left" },
          el("strong", {}, tn("%(left)s of %(n)s point left in %(category)s", "%(left)s of %(n)s points left in %(category)s", stage.budget,
            { left: formatNumber(budgets.leftIn(group.key)), category: t(group.label) }))) : null,
        list(group.items, t("Ideas: %(category)s", { category: t(group.label) }))))
      : list(ideas, t("Ideas")),
  );
}

function consoleView(ctx) {
  const { stage } = ctx;
  return el("div", {},
    roundTools(ctx, { reveal: t("Reveal points"), hidden: t("The points are hidden from the room until you reveal them.") }),
    decisionSummary(stage, ctx),
    // Writing order while the room gives points, the results once revealed (as the vote).
    stage.ideas.length ? consoleIdeas(ctx, stepRevealed(stage) ? byPoints(stage.ideas) : stage.ideas, {
      canHide: ctx.active, canMerge: ctx.active,
      value: (idea) => idea.points || 0,
      figure: (idea) => points(idea.points || 0),
      extra: (idea) => [consensusBadge(decisionItem(stage, idea.id)), movedBadge(decisionItem(stage, idea.id))],
    }) : noIdeas(stage),
  );
}

function projectorView(ctx) {
  const { stage, state } = ctx;
  const progress = stage.progress || {};
  if (stepRevealed(stage) && !(stage.progress || {}).allocators) {
    return [el("p", { class: "decision-sentence" }, t("Nobody has spread any points yet.")), ideasBoard(stage)];
  }
  if (stepRevealed(stage)) {
    return [
      sentence(stage),
      resultChart(stage, byPoints(stage.ideas), { value: (idea) => idea.points || 0, unit: POINTS(), title: t("Point totals") }),
      el("p", { class: "hint-line" }, t("%(done)s of %(total)s allocated · %(amount)s", {
        done: formatNumber(progress.allocators || 0), total: formatNumber(state.workshop.participant_count), amount: points(progress.points ?? 0) })),
    ];
  }
  const roundOne = roundOneChart(stage, { unit: POINTS() });
  return [
    el("div", { class: "big-stats" },
      el("div", {}, el("strong", {}, `${formatNumber(progress.allocators || 0)}/${formatNumber(state.workshop.participant_count)}`), el("span", { class: "muted" }, t("have allocated"))),
      el("div", {}, el("strong", {}, formatNumber(progress.points ?? 0)), el("span", { class: "muted" }, t("points placed"))),
    ),
    el("p", { class: "hint-line" }, t("The totals stay hidden until the facilitator reveals them.")),
    roundOne || ideasBoard(stage),
  ];
}

/** The ideas being given points: the wall, or on a stage with categories the board by category. */
function ideasBoard(stage) {
  return categoriesOf(stage).length
    ? categoryBoard(stage, stage.ideas, {}, { newestFirst: false })
    : wall(stage.ideas, {}, { newestFirst: false });
}

/** What is left to do: the budget to spend, what is left of it, or that it is all placed. */
function remaining(ctx) {
  const { stage } = ctx;
  if (!ctx.active || !stage.ideas.length) return t("Waiting for the facilitator");
  const allocation = allocationFor(ctx);
  const spent = spentOf(allocation);
  const budgets = categoryBudgets(stage, allocation, stage.budget);
  const budget = budgets ? budgets.budget : stage.budget;
  const left = budgets ? budgets.left : budget - spent;
  if (spent === 0) return tn("Spread %(n)s point", "Spread %(n)s points", budget);
  if (left > 0) return tn("%(n)s point left", "%(n)s points left", left);
  return tn("All %(n)s point placed", "All %(n)s points placed", budget);
}

/** The phone's one line: what is left to do, and that the room's totals are shown once revealed
 * (the step stays open: people can still move their points). */
function status(ctx) {
  const left = remaining(ctx);
  return stepRevealed(ctx.stage) && ctx.active && ctx.stage.ideas.length ? t("Totals shown · %(left)s", { left }) : left;
}

export default {
  kind: "allocate",
  // A stage this step decides shows each result's bar by its points (done.js).
  resultBar: (r) => ({ value: r.points ?? 0, text: points(r.points ?? 0) }),
  resultText: (r) => points(r.points ?? 0),
  // An idea's points where this screen has them (the console always; the room once revealed).
  ideaFigures: (idea) => (idea.points === undefined || idea.points === null ? null : points(idea.points)),
  // A tally of a stage with this step carries the points given and, where seen, per idea.
  applyTally: (stage, tally) => {
    if (tally.points !== undefined) stage.progress.points = tally.points;
    if (tally.point_totals) for (const idea of stage.ideas) idea.points = tally.point_totals[String(idea.id)] ?? 0;
  },
  how: () => t("by points"),
  // The words are getters: each read is in the page's language of the moment.
  get countName() { return t("By points"); },
  progress: { count: "allocators", get word() { return t("allocated"); } },
  get label() { return t("Allocate points"); },
  get headline() { return t("Spread your points"); },
  get start() { return t("start allocating"); },
  get close() { return t("Close allocation"); },
  outbox: {
    allocations: {
      type: "latest", event: "allocation:set", field: "points", meKey: "allocations",
      get closedMessage() { return t("The allocation closed before your last change reached the room; your last saved points count."); },
    },
  },
  metrics: (ctx) => [[`${formatNumber((ctx.stage.progress || {}).allocators || 0)}/${formatNumber(ctx.state.workshop.participant_count)}`, t("allocated")]],

  phone: phoneView,
  console: consoleView,
  projector: projectorView,
  status,
};
