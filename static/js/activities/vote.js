// Dot vote: each participant spends a small budget of dots, a few at most per idea. Totals stay
// hidden from phones and the projector until the facilitator reveals them; the console sees
// them live. Once revealed, the projector puts the results first: one sentence on how sure the
// room is, then the bar chart.

import { announce, el } from "../common.js";
import { formatNumber, t, tn } from "../i18n.js";
import { byCategory, categoriesOf, categoryLabel, originMark, wording } from "../items.js";
import { consensusBadge, decisionItem, decisionSummary, movedBadge, previousRound, roundTools, stepRevealed } from "./decision.js";
import { byDots, categoryBoard, categoryBudgets, consoleIdeas, noIdeas, phoneOrder, resultChart, roundOneChart, sentence, wall } from "./ideas.js";

/** "1 dot", "12 dots" in the page's language. */
const dots = (n) => tn("%(n)s dot", "%(n)s dots", n);
/** The charts' unit: its words for the table and each value's words (ideas.js unitOptions). */
const DOTS = () => ({ one: t("dot"), many: t("dots"), text: dots });

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
    const label = categoryLabel(stage, idea.category);
    const category = label ? t(label) : t("this category");

    announce(t("%(mine)s on this idea, %(left)s left in %(category)s.", { mine: dots(allocation[key] || 0), left: dots(left), category }));

    return;
  }
  const left = stage.dot_budget - Object.values(allocation).reduce((a, b) => a + b, 0);
  announce(t("%(mine)s on this idea, %(left)s left.", { mine: dots(allocation[key] || 0), left: dots(left) }));
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
          el("div", { dir: "auto" }, wording(idea), originMark(idea)),
          idea.votes !== undefined ? el("div", { class: "room-total" },
            el("strong", { class: "total" }, t("Room total: %(total)s", { total: dots(idea.votes) })), " ",
            consensusBadge(decisionItem(stage, idea.id)), movedBadge(decisionItem(stage, idea.id))) : null,
        ),
        el("div", { class: "stepper", role: "group", "aria-label": t("Dots on: %(idea)s", { idea: wording(idea) }) },
          el("button", {
            type: "button", "aria-label": t("Remove a dot"), disabled: mine === 0,
            dataset: { focus: `less-${idea.id}` },
            onclick: () => changeVote(ctx, idea.id, -1),
          }, "−"),
          el("span", { class: "count" }, formatNumber(mine)),
          el("button", {
            type: "button", class: "primary", "aria-label": t("Add a dot"),
            dataset: { focus: `more-${idea.id}` },
            disabled: room === 0 || mine >= stage.max_dots_per_idea,
            onclick: () => changeVote(ctx, idea.id, +1),
          }, "+"),
        ),
      );
    }));
  const categorised = categoriesOf(stage).length > 0;
  return el("div", {},
    (stage.round || 1) > 1 ? el("p", { class: "card notice" }, t("Round 2: you start from your round-1 dots. Move them if the discussion changed your mind.")) : null,
    previousRound(stage),
    revealed ? sentence(stage) : null,
    el("div", { class: "dots-left" },
      el("strong", {}, tn("%(n)s dot left", "%(n)s dots left", left)),
      budgets ? null : dotRow(stage, left),
    ),
    el("p", { class: "muted" },
      budgets ? [tn("%(n)s dot to spend in each category.", "%(n)s dots to spend in each category.", stage.dot_budget), " "] : "",
      tn("Up to %(n)s dot on one idea.", "Up to %(n)s dots on one idea.", stage.max_dots_per_idea), " ",
      unsaved ? t("Saving…") : spent ? t("Your dots are saved; change them until voting closes.") : ""),
    stage.ideas.length === 0 ? el("p", { class: "card" }, t("There are no ideas to vote on.")) : null,
    // A stage with categories: the ideas under their category, with what is left in each.
    categorised
      ? byCategory(stage, ideas, { skipEmpty: true }).map((group) => el("section", { class: "vote-category", dataset: { category: group.key } },
        el("h2", { class: `category-title cat-${group.key || "none"}` }, t(group.label)),
        budgets ? el("p", { class: "category-left" },
          el("strong", {}, tn("%(left)s of %(n)s dot left in %(category)s", "%(left)s of %(n)s dots left in %(category)s", stage.dot_budget,
            { left: formatNumber(budgets.leftIn(group.key)), category: t(group.label) })), " ",
          dotRow(stage, budgets.leftIn(group.key))) : null,
        list(group.items, t("Ideas: %(category)s", { category: t(group.label) }))))
      : list(ideas, t("Ideas")),
  );
}

/** What is left to do: the budget to spend, what is left of it, or that it is all placed. */
function remaining(ctx) {
  const { stage } = ctx;
  if (!ctx.active || !stage.ideas.length) return t("Waiting for the facilitator");
  const allocation = allocationFor(ctx);
  const spent = spentOf(allocation);
  const budgets = categoryBudgets(stage, allocation, stage.dot_budget);
  const budget = budgets ? budgets.budget : stage.dot_budget;
  const left = budgets ? budgets.left : budget - spent;
  if (spent === 0) return tn("Spend your %(n)s dot", "Spend your %(n)s dots", budget);
  if (left > 0) return tn("%(n)s dot left", "%(n)s dots left", left);
  return tn("All %(n)s dot placed", "All %(n)s dots placed", budget);
}

/** The phone's one line: what is left to do, and that the room's totals are shown once revealed
 * (the step stays open: people can still move their dots). */
function status(ctx) {
  const left = remaining(ctx);
  return stepRevealed(ctx.stage) && ctx.active && ctx.stage.ideas.length ? t("Totals shown · %(left)s", { left }) : left;
}

/** The console's reveal button (and the second round's), as every scoring step has it. */
export function revealButton(ctx) {
  return roundTools(ctx, {
    reveal: t("Reveal dot totals"), hidden: t("The dot totals are hidden from the room until you reveal them."),
  });
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
    el("div", {}, el("strong", {}, `${formatNumber(progress.voters || 0)}/${formatNumber(state.workshop.participant_count)}`), el("span", { class: "muted" }, t("have voted"))),
    el("div", {}, el("strong", {}, formatNumber(progress.dots ?? 0)), el("span", { class: "muted" }, t("dots placed"))),
  );
}

function projectorView(ctx) {
  const { stage, state } = ctx;
  if (stepRevealed(stage) && !(stage.progress || {}).voters) {
    return [el("p", { class: "decision-sentence" }, t("Nobody has voted yet.")), ideasBoard(stage)];
  }
  if (stepRevealed(stage)) {
    return [
      sentence(stage),
      resultChart(stage, byDots(stage.ideas), { value: (idea) => idea.votes || 0, unit: DOTS(), title: t("Dot totals") }),
      el("p", { class: "hint-line" }, t("%(done)s of %(total)s voted · %(amount)s", {
        done: formatNumber((stage.progress || {}).voters || 0), total: formatNumber(state.workshop.participant_count),
        amount: dots((stage.progress || {}).dots ?? 0) })),
    ];
  }
  const roundOne = roundOneChart(stage, { unit: DOTS() });
  return [
    counts(stage, state),
    el("p", { class: "hint-line" }, t("The totals stay hidden until the facilitator reveals them.")),
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
  resultBar: (r) => ({ value: r.votes, text: dots(r.votes) }),
  // Its entries are the ideas' dots: results show them whenever the stage has a dot vote.
  placesDots: true,
  // Every tally carries the dots placed and, where seen, the dots per idea.
  applyTally: (stage, tally) => {
    if (tally.dots !== undefined) stage.progress.dots = tally.dots;
    if (tally.totals) for (const idea of stage.ideas) idea.votes = tally.totals[String(idea.id)] ?? 0;
  },
  resultText: (r) => dots(r.votes),
  // An idea's dots where this screen has them (the console always; the room once revealed).
  ideaFigures: (idea) => (idea.votes === undefined || idea.votes === null ? null : dots(idea.votes)),
  how: () => t("by dots"),
  // The words are getters: each read is in the page's language of the moment.
  get countName() { return t("By dots"); },
  progress: { count: "voters", get word() { return t("voted"); } },
  get label() { return t("Dot vote"); },
  get headline() { return t("Spend your dots"); },
  get start() { return t("start dot vote"); },
  get close() { return t("Close voting"); },
  outbox: {
    votes: {
      type: "latest", event: "votes:set", field: "votes", meKey: "votes",
      get closedMessage() { return t("Voting closed before your last change reached the room; your last saved dots count."); },
    },
  },
  metrics: (ctx) => [[`${formatNumber((ctx.stage.progress || {}).voters || 0)}/${formatNumber(ctx.state.workshop.participant_count)}`, t("voted")]],

  phone: phoneView,
  console: consoleView,
  projector: projectorView,
  status,
};
