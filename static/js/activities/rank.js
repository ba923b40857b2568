// Rank: the top ideas of the step before (dots, points or impact) form a shortlist; everyone
// puts it in order, by dragging the handle or with the arrow buttons. Until that step was
// revealed, phones and the projector get the shortlist in writing order (no places, no dots);
// each phone starts from its own fair order of it (unless the step's `shuffle` is off).

import { barChart } from "../chart.js";
import { el, ideaText } from "../common.js";
import { N_, formatNumber, t, tn } from "../i18n.js";
import { originMark, wording } from "../items.js";
import {
  consensusBadge, decisionItem, decisionSentence, decisionSummary, hasDots, movedBadge, previousRound, previousRoundLine,
  progressLine, roundTools, stepRevealed,
} from "./decision.js";
import { ideaActions, ideaRowClass, ideaWords, phoneOrder, unitOptions } from "./ideas.js";


const KIND = "rank";
const PROGRESS = { count: "rankers", get word() { return t("ranked"); } };
/** How a stage this step decided was decided, by the ranking's method. */
const HOW = {
  borda: N_("by a Borda count of everyone's ranking"),
  schulze: N_("by the Schulze method over everyone's ranking"),
};
/** "12 pts" in the page's language. */
const pts = (n) => tn("%(n)s pt", "%(n)s pts", n);
const dots = (n) => tn("%(n)s dot", "%(n)s dots", n);

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
  const list = el("ol", { class: "rank-list", "aria-label": t("Your order, best first") },
    order.map((id, index) => el("li", { class: "rank-item", dataset: { id, ideaId: id } },
      el("span", { class: "place", "aria-hidden": "true" }, formatNumber(index + 1)),
      el("span", { class: "rank-text" },
        el("span", { class: "visually-hidden" }, t("Place %(n)s:", { n: formatNumber(index + 1) }), " "), el("bdi", {}, ideaText(stage, id)),

        originMark(stage.ideas.find((idea) => idea.id === id))),
      el("span", { class: "moves" },
        el("button", {
          type: "button", "aria-label": t("Move up: %(idea)s", { idea: ideaText(stage, id) }), disabled: index === 0,
          dataset: { focus: `up-${id}` }, onclick: () => move(ctx, index, index - 1),
        }, "↑"),
        el("button", {
          type: "button", "aria-label": t("Move down: %(idea)s", { idea: ideaText(stage, id) }), disabled: index === order.length - 1,
          dataset: { focus: `down-${id}` }, onclick: () => move(ctx, index, index + 1),
        }, "↓"),
        el("span", { class: "grip", "aria-hidden": "true", title: t("Drag to reorder") }, "⠿"),
      ),
    )),
  );
  enableDrag(list, ctx);
  return el("div", {},
    (stage.round || 1) > 1 ? el("p", { class: "card notice" }, t("Round 2: you start from your round-1 order. Change it if the discussion changed your mind.")) : null,
    stepRevealed(stage) ? roomOrder(stage) : null,
    previousRound(stage),
    el("h2", { class: "rank-heading" }, t("Your order")),
    el("p", { class: "small muted" }, t("Drag the handle, or use the arrows. Best at the top.")),
    stage.shortlist.length === 0 ? el("p", { class: "card" }, t("The shortlist is empty.")) : list,
    el("div", { class: "card spread" },
      el("span", { class: "save-state", role: "status" },
        isSaved ? t("✓ Your ranking is saved.") : pending ? t("Saving…") : t("Not submitted yet.")),
      el("button", {
        type: "button", class: isSaved ? "" : "primary", onclick: () => save(ctx, orderFor(ctx)),
        dataset: { focus: "save-ranking" },
      }, isSaved ? t("Save again") : t("Submit my ranking")),
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
  return el("section", { class: "card room-result", "aria-label": t("The room's order") },
    el("h2", {}, t("The room's order")),
    decisionSentence(stage),
    el("ol", { class: "results" }, standings(stage).map((row) => el("li", { class: row.selected ? "selected" : "" },
      el("span", { class: "place" }, formatNumber(row.place)),
      el("span", {}, row.selected ? el("span", { class: "check", "aria-hidden": "true" }, "✓") : null, el("bdi", {}, wording(row.idea)),
        row.selected ? el("span", { class: "visually-hidden" }, " ", t("(selected)")) : null, " ",
        consensusBadge(row.item), movedBadge(row.item)),
      el("span", { class: "figures" }, row.item ? pts(row.item.score) : "")))));
}

function consoleView(ctx) {
  const { stage } = ctx;
  const ideas = standingsOrder(stage).map((id) => stage.ideas.find((idea) => idea.id === id)).filter(Boolean);
  const withDots = hasDots(ctx, stage);
  return el("div", {},
    roundTools(ctx, { reveal: t("Reveal ranking"), hidden: t("The ranking are hidden from the room until you reveal them.") }),
    el("p", { class: "muted small" }, stage.method === "schulze" ? t("Counted by the Schulze method.") : t("Counted by the Borda count."), " ",
      stage.method === "schulze"
        ? t("Schulze compares every pair head to head, so a majority's favourite cannot lose to a split vote.")
        : t("Borda gives points by place, so ideas the whole room rates well come first.")),
    decisionSummary(stage, ctx),
    el("h3", {}, t("Shortlist being ranked")),
    el("ol", { class: "console-ideas" }, ideas.map((idea) => {
      const item = decisionItem(stage, idea.id);
      return el("li", { class: `on-shortlist ${ideaRowClass(ctx, idea)}`.trim(), dataset: { ideaId: idea.id } },
        ideaWords(ctx, idea, consensusBadge(item), movedBadge(item)),
        el("span", { class: "total" }, [item ? pts(item.score) : null, withDots ? dots(idea.votes || 0) : null].filter(Boolean).join(" · ")),
        el("span", { class: "row idea-tools" }, ideaActions(ctx, idea)),
      );
    })),
  );
}

function projectorView(ctx) {
  const { stage, state } = ctx;
  const progress = stage.progress || {};
  const ranked = `${formatNumber(progress.rankers || 0)}/${formatNumber(state.workshop.participant_count)}`;
  const someRanked = Boolean(stage.decision && stage.decision.voters);
  if (stepRevealed(stage) && someRanked) {
    const rows = standings(stage);
    return [
      decisionSentence(stage),
      barChart(rows.map((row) => ({
        id: row.id, label: wording(row.idea), value: row.item ? row.item.score : 0, selected: row.selected, place: row.place,
        note: [consensusBadge(row.item), movedBadge(row.item)].filter(Boolean),
      })), { ...unitOptions({ one: t("pt"), many: t("pts"), text: pts }),
        title: t("%(stage)s: the room's order", { stage: stage.title }), key: `rank:${stage.id}:${stage.round || 1}` }),
      el("p", { class: "muted present-count-line" }, (stage.round || 1) > 1
        ? t("%(ranked)s have ranked · round 2", { ranked }) : t("%(ranked)s have ranked", { ranked })),
    ];
  }
  return [
    el("div", { class: "big-stats" },
      el("div", {}, el("strong", {}, ranked), el("span", { class: "muted" }, t("have ranked"))),
      (stage.round || 1) > 1 ? el("div", {}, el("strong", {}, formatNumber(2)), el("span", { class: "muted" }, t("round"))) : null,
    ),
    previousRoundLine(stage),
    stepRevealed(stage) ? el("p", { class: "decision-sentence" }, t("Nobody has ranked yet: the room's order appears with the first rankings.")) : null,
    el("h2", {}, t("Shortlist")),
    el(stage.shortlist_ranked ? "ol" : "ul", { class: "present-results fit-list" }, stage.shortlist.map((id, i) => {
      const idea = stage.ideas.find((item) => item.id === id);
      return el("li", {}, el("span", { class: "place" }, stage.shortlist_ranked ? formatNumber(i + 1) : "•"), el("span", { dir: "auto" }, idea ? wording(idea) : ""),
        el("span", { class: "figures" }, idea && idea.votes !== undefined ? dots(idea.votes) : ""));
    })),
  ];
}

/** What the phone expects now, in one line. */
function status(ctx) {
  const { stage, me } = ctx;
  if (!stage.shortlist.length) return t("Waiting for the facilitator");
  const order = ctx.outbox ? orderFor(ctx) : stage.shortlist;
  const saved = me && me.rankings ? me.rankings[String(stage.id)] : null;
  const pending = ctx.outbox && ctx.outbox.rankings.isPending(stage.id);
  const isSaved = !pending && saved && saved.length === order.length && saved.every((id, i) => id === order[i]);
  if (isSaved) return (stage.round || 1) > 1 ? t("Round 2: ranking saved; change it if you like") : t("Ranking saved; change it until ranking closes");
  return (stage.round || 1) > 1 ? t("Round 2: drag to order, then submit") : t("Drag to order, best at the top");
}

export default {
  kind: KIND,
  // A stage this step decides shows each shortlisted result's bar by its rank points, with its
  // dots beside them when the stage had any (they break ties, so they say why equal scores are
  // in this order).
  resultBar: (r, stage) => {
    if (!r.shortlisted) return { value: 0, text: t("not shortlisted") };
    const points = pts(r.score);
    const dotted = stage.results.some((other) => other.votes);
    return { value: r.score, text: dotted ? `${points} · ${dots(r.votes ?? 0)}` : points };
  },
  // The results list of a stage this step decided: a shortlisted result's points (and dots,
  // when the stage had a dot vote); one left off the shortlist by its dots, or "not shortlisted".
  resultText: (r, stage, ctx) => {
    const withDots = hasDots(ctx, stage);
    if (r.shortlisted) return withDots ? `${pts(r.score)} · ${dots(r.votes)}` : pts(r.score);
    return withDots ? null : t("not shortlisted");
  },
  // An idea's place and points in the room's order where this screen has it (the console
  // always; the room once revealed).
  ideaFigures: (idea, stage) => {
    if (!stage.decision || stage.decision.kind !== KIND) return null;
    const at = stage.decision.items.findIndex((item) => item.idea_id === idea.id);
    return at < 0 ? null : t("place %(place)s · %(points)s", { place: formatNumber(at + 1), points: pts(stage.decision.items[at].score) });
  },
  how: (decision) => (HOW[decision.method] ? t(HOW[decision.method]) : HOW[decision.method]),
  progress: PROGRESS,
  // The words are getters: each read is in the page's language of the moment.
  get label() { return t("Rank"); },
  get headline() { return t("Put the shortlist in order"); },
  get start() { return t("start ranking"); },
  get close() { return t("Close ranking"); },
  outbox: {
    rankings: {
      type: "latest", event: "ranking:set", field: "order", meKey: "rankings",
      get closedMessage() { return t("Ranking closed before your last change reached the room; your last saved order counts."); },
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
