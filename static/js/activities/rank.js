// Rank: the top ideas of the step before (dots, points or impact) form a shortlist; everyone
// puts it in order, by dragging the handle or with the arrow buttons. Until that step was
// revealed, phones and the projector get the shortlist in writing order (no places, no dots);
// each phone starts from its own fair order of it (unless the step's `shuffle` is off).

import { barChart } from "../chart.js";
import { el, ideaText, plural } from "../common.js";
import { originMark, wording } from "../items.js";
import {
  consensusBadge, decisionItem, decisionSentence, decisionSummary, hasDots, movedBadge, previousRound, previousRoundLine,
  progressLine, roundTools, stepRevealed,
} from "./decision.js";
import { ideaActions, ideaRowClass, ideaWords, phoneOrder } from "./ideas.js";

const KIND = "rank";
const PROGRESS = { count: "rankers", word: "ranked" };
const METHODS = { borda: "Borda count", schulze: "Schulze method" };
/** How a stage this step decided was decided, by the ranking's method. */
const HOW = {
  borda: "by a Borda count of everyone's ranking",
  schulze: "by the Schulze method over everyone's ranking",
};

/**
 * This phone's order of the shortlist: the one it saved (or is sending), then what it has not
 * placed yet in its own fair order, which is also where a phone starts before it orders.
 */
function orderFor(ctx) {
  const { stage } = ctx;
  const saved = ctx.outbox.rankings.value(stage.id, []);
  const order = saved.filter((id) => stage.shortlist.includes(id));
  const start = phoneOrder(ctx, stage.shortlist.map((id) => ({ id }))).map((item) => item.id);
  for (const id of start) if (!order.includes(id)) order.push(id);
  return order;
}

function save(ctx, order) {
  ctx.outbox.rankings.set(ctx.stage.id, order);
}

function move(ctx, from, to) {
  const order = orderFor(ctx);
  const [id] = order.splice(from, 1);
  order.splice(to, 0, id);
  save(ctx, order); // the redraw keeps focus on this idea's arrow button
}

/** Pointer dragging by the handle (a finger or a mouse); the drop saves the new order. */
function enableDrag(list, ctx) {
  let dragging = null;
  list.addEventListener("pointerdown", (event) => {
    const grip = event.target.closest(".grip");
    if (!grip) return;
    dragging = grip.closest(".rank-item");
    dragging.classList.add("dragging");
    grip.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  list.addEventListener("pointermove", (event) => {
    if (!dragging) return;
    const prev = dragging.previousElementSibling;
    const next = dragging.nextElementSibling;
    if (prev) {
      const box = prev.getBoundingClientRect();
      if (event.clientY < box.top + box.height / 2) { list.insertBefore(dragging, prev); return; }
    }
    if (next) {
      const box = next.getBoundingClientRect();
      if (event.clientY > box.top + box.height / 2) list.insertBefore(next, dragging);
    }
  });
  const drop = () => {
    if (!dragging) return;
    dragging.classList.remove("dragging");
    dragging = null;
    save(ctx, [...list.querySelectorAll(".rank-item")].map((item) => Number(item.dataset.id)));
  };
  list.addEventListener("pointerup", drop);
  list.addEventListener("pointercancel", drop);
}

function phoneView(ctx) {
  const { stage, me } = ctx;
  const key = String(stage.id);
  const order = orderFor(ctx);
  const pending = ctx.outbox.rankings.isPending(stage.id);
  const saved = me.rankings[key];
  const isSaved = !pending && saved && saved.length === order.length && saved.every((id, i) => id === order[i]);
  const list = el("ol", { class: "rank-list", "aria-label": "Your order, best first" },
    order.map((id, index) => el("li", { class: "rank-item", dataset: { id, ideaId: id } },
      el("span", { class: "place", "aria-hidden": "true" }, index + 1),
      el("span", { class: "rank-text" },
        el("span", { class: "visually-hidden" }, `Place ${index + 1}: `), ideaText(stage, id),
        originMark(stage.ideas.find((idea) => idea.id === id))),
      el("span", { class: "moves" },
        el("button", {
          type: "button", "aria-label": `Move up: ${ideaText(stage, id)}`, disabled: index === 0,
          dataset: { focus: `up-${id}` }, onclick: () => move(ctx, index, index - 1),
        }, "↑"),
        el("button", {
          type: "button", "aria-label": `Move down: ${ideaText(stage, id)}`, disabled: index === order.length - 1,
          dataset: { focus: `down-${id}` }, onclick: () => move(ctx, index, index + 1),
        }, "↓"),
        el("span", { class: "grip", "aria-hidden": "true", title: "Drag to reorder" }, "⠿"),
      ),
    )),
  );
  enableDrag(list, ctx);
  return el("div", {},
    (stage.round || 1) > 1 ? el("p", { class: "card notice" }, "Round 2: you start from your round-1 order. Change it if the discussion changed your mind.") : null,
    stepRevealed(stage) ? roomOrder(stage) : null,
    previousRound(stage),
    el("h2", { class: "rank-heading" }, "Your order"),
    el("p", { class: "small muted" }, "Drag the handle, or use the arrows. Best at the top."),
    stage.shortlist.length === 0 ? el("p", { class: "card" }, "The shortlist is empty.") : list,
    el("div", { class: "card spread" },
      el("span", { class: "save-state", role: "status" },
        isSaved ? "✓ Your ranking is saved." : pending ? "Saving…" : "Not submitted yet."),
      el("button", {
        type: "button", class: isSaved ? "" : "primary", onclick: () => save(ctx, orderFor(ctx)),
        dataset: { focus: "save-ranking" },
      }, isSaved ? "Save again" : "Submit my ranking"),
    ),
  );
}

/** The shortlist in the live order of the step's method (the console; the room once revealed). */
function standingsOrder(stage) {
  if (!stage.decision || stage.decision.kind !== KIND) return stage.shortlist;
  return stage.decision.items.map((item) => item.idea_id);
}

/** The room's standings, best first: [{id, idea, item, place, selected}]. */
function standings(stage) {
  const picks = stage.decision && stage.decision.kind === KIND ? stage.decision.picks : 0;
  return standingsOrder(stage).map((id, i) => {
    const item = decisionItem(stage, id);
    return { id, idea: stage.ideas.find((idea) => idea.id === id), item, place: i + 1, selected: Boolean(item) && picks > 0 && i < picks };
  }).filter((row) => row.idea);
}

/** The room's order once revealed (phones): the sentence, then the list. */
function roomOrder(stage) {
  return el("section", { class: "card room-result", "aria-label": "The room's order" },
    el("h2", {}, "The room's order"),
    decisionSentence(stage),
    el("ol", { class: "results" }, standings(stage).map((row) => el("li", { class: row.selected ? "selected" : "" },
      el("span", { class: "place" }, row.place),
      el("span", {}, row.selected ? el("span", { class: "check", "aria-hidden": "true" }, "✓") : null, wording(row.idea),
        row.selected ? el("span", { class: "visually-hidden" }, " (selected)") : null, " ",
        consensusBadge(row.item), movedBadge(row.item)),
      el("span", { class: "figures" }, row.item ? plural(row.item.score, "pt", "pts") : "")))));
}

function consoleView(ctx) {
  const { stage } = ctx;
  const ideas = standingsOrder(stage).map((id) => stage.ideas.find((idea) => idea.id === id)).filter(Boolean);
  const dots = hasDots(ctx, stage);
  return el("div", {},
    roundTools(ctx, { what: "ranking" }),
    el("p", { class: "muted small" }, `Counted by the ${METHODS[stage.method] || METHODS.borda}. `,
      stage.method === "schulze"
        ? "Schulze compares every pair head to head, so a majority's favourite cannot lose to a split vote."
        : "Borda gives points by place, so ideas the whole room rates well come first."),
    decisionSummary(stage, ctx),
    el("h3", {}, "Shortlist being ranked"),
    el("ol", { class: "console-ideas" }, ideas.map((idea) => {
      const item = decisionItem(stage, idea.id);
      return el("li", { class: `on-shortlist ${ideaRowClass(ctx, idea)}`.trim(), dataset: { ideaId: idea.id } },
        ideaWords(ctx, idea, consensusBadge(item), movedBadge(item)),
        el("span", { class: "total" }, [item ? plural(item.score, "pt", "pts") : null, dots ? plural(idea.votes || 0, "dot", "dots") : null].filter(Boolean).join(" · ")),
        el("span", { class: "row idea-tools" }, ideaActions(ctx, idea)),
      );
    })),
  );
}

function projectorView(ctx) {
  const { stage, state } = ctx;
  const progress = stage.progress || {};
  const ranked = `${progress.rankers || 0}/${state.workshop.participant_count}`;
  const someRanked = Boolean(stage.decision && stage.decision.voters);
  if (stepRevealed(stage) && someRanked) {
    const rows = standings(stage);
    return [
      decisionSentence(stage),
      barChart(rows.map((row) => ({
        id: row.id, label: wording(row.idea), value: row.item ? row.item.score : 0, selected: row.selected, place: row.place,
        note: [consensusBadge(row.item), movedBadge(row.item)].filter(Boolean),
      })), { unit: ["pt", "pts"], title: `${stage.title}: the room's order`, key: `rank:${stage.id}:${stage.round || 1}` }),
      el("p", { class: "muted present-count-line" }, `${ranked} have ranked${(stage.round || 1) > 1 ? " · round 2" : ""}`),
    ];
  }
  return [
    el("div", { class: "big-stats" },
      el("div", {}, el("strong", {}, ranked), el("span", { class: "muted" }, "have ranked")),
      (stage.round || 1) > 1 ? el("div", {}, el("strong", {}, "2"), el("span", { class: "muted" }, "round")) : null,
    ),
    previousRoundLine(stage),
    stepRevealed(stage) ? el("p", { class: "decision-sentence" }, "Nobody has ranked yet: the room's order appears with the first rankings.") : null,
    el("h2", {}, "Shortlist"),
    el(stage.shortlist_ranked ? "ol" : "ul", { class: "present-results fit-list" }, stage.shortlist.map((id, i) => {
      const idea = stage.ideas.find((item) => item.id === id);
      return el("li", {}, el("span", { class: "place" }, stage.shortlist_ranked ? i + 1 : "•"), el("span", {}, idea ? wording(idea) : ""),
        el("span", { class: "figures" }, idea && idea.votes !== undefined ? plural(idea.votes, "dot", "dots") : ""));
    })),
  ];
}

/** What the phone expects now, in one line. */
function status(ctx) {
  const { stage, me } = ctx;
  if (!stage.shortlist.length) return "Waiting for the facilitator";
  const order = ctx.outbox ? orderFor(ctx) : stage.shortlist;
  const saved = me && me.rankings ? me.rankings[String(stage.id)] : null;
  const pending = ctx.outbox && ctx.outbox.rankings.isPending(stage.id);
  const isSaved = !pending && saved && saved.length === order.length && saved.every((id, i) => id === order[i]);
  if (isSaved) return (stage.round || 1) > 1 ? "Round 2: ranking saved; change it if you like" : "Ranking saved; change it until ranking closes";
  return (stage.round || 1) > 1 ? "Round 2: drag to order, then submit" : "Drag to order, best at the top";
}

export default {
  kind: KIND,
  // A stage this step decides shows each shortlisted result's bar by its rank points, with its
  // dots beside them when the stage had any (they break ties, so they say why equal scores are
  // in this order).
  resultBar: (r, stage) => {
    if (!r.shortlisted) return { value: 0, text: "not shortlisted" };
    const points = plural(r.score, "pt", "pts");
    const dotted = stage.results.some((other) => other.votes);
    return { value: r.score, text: dotted ? `${points} · ${plural(r.votes ?? 0, "dot", "dots")}` : points };
  },
  // The results list of a stage this step decided: a shortlisted result's points (and dots,
  // when the stage had a dot vote); one left off the shortlist by its dots, or "not shortlisted".
  resultText: (r, stage, ctx) => {
    const dots = hasDots(ctx, stage);
    if (r.shortlisted) return dots ? `${plural(r.score, "pt", "pts")} · ${plural(r.votes, "dot", "dots")}` : plural(r.score, "pt", "pts");
    return dots ? null : "not shortlisted";
  },
  // An idea's place and points in the room's order where this screen has it (the console
  // always; the room once revealed).
  ideaFigures: (idea, stage) => {
    if (!stage.decision || stage.decision.kind !== KIND) return null;
    const at = stage.decision.items.findIndex((item) => item.idea_id === idea.id);
    return at < 0 ? null : `place ${at + 1} · ${plural(stage.decision.items[at].score, "pt", "pts")}`;
  },
  how: (decision) => HOW[decision.method],
  progress: PROGRESS,
  label: "Rank",
  headline: "Put the shortlist in order",
  start: "start ranking",
  close: "Close ranking",
  outbox: {
    rankings: {
      type: "latest", event: "ranking:set", field: "order", meKey: "rankings",
      closedMessage: "Ranking closed before your last change reached the room; your last saved order counts.",
    },
  },
  // Every other scoring step's count on the stage, in step order, then the ranking's own.
  metrics: (ctx) => {
    const others = ctx.stage.steps.filter((s) => s.kind !== KIND).map((s) => ctx.activity(s.kind)).filter((m) => m && m.progress);
    return [...others, { progress: PROGRESS }].map((module) => progressLine(ctx, module));
  },
  status,
  phone: phoneView,
  console: consoleView,
  projector: projectorView,
};
