// Poll (a worked example of a third-party activity, see tests/plugins/poll.py): each participant
// picks one item. The counts stay hidden from phones and the projector until the facilitator
// reveals them; the console sees them live. Served at /static/js/activities/poll.js, so it
// imports the shared pieces by the same relative paths as the built-in modules.

import { announce, el, plural } from "../common.js";
import { wording } from "../items.js";
import { consensusBadge, decisionItem, decisionSummary, movedBadge, previousRound, roundTools, stepRevealed } from "./decision.js";
import { consoleIdeas, noIdeas, resultChart, roundOneChart, sentence, wall } from "./ideas.js";

const PICKS = ["pick", "picks"];

function pickOf(ctx) {
  return ctx.outbox.pollPicks.value(ctx.stage.id, null);
}

function choose(ctx, idea) {
  const same = pickOf(ctx) === idea.id;
  ctx.outbox.pollPicks.set(ctx.stage.id, same ? null : idea.id);
  announce(same ? "Pick withdrawn." : `You picked: ${wording(idea)}.`);
  ctx.rerender();
}

function byPicks(ideas) {
  return [...ideas].sort((a, b) => (b.picks || 0) - (a.picks || 0) || a.id - b.id);
}

function phoneView(ctx) {
  const { stage } = ctx;
  const mine = pickOf(ctx);
  const revealed = stepRevealed(stage);
  const ideas = revealed ? byPicks(stage.ideas) : stage.ideas;
  const unsaved = ctx.outbox.pollPicks.isPending(stage.id);
  return el("div", {},
    (stage.round || 1) > 1 ? el("p", { class: "card notice" }, "Round 2: your round-1 pick still counts. Change it if the discussion changed your mind.") : null,
    previousRound(stage),
    revealed ? sentence(stage) : null,
    el("p", { class: "muted" }, "Pick the one item that matters most. Tap it again to take your pick back. ",
      unsaved ? "Saving…" : mine !== null ? "Your pick is saved; change it until the poll closes." : ""),
    stage.ideas.length === 0 ? el("p", { class: "card" }, "There are no items to pick from.") : null,
    // A plug-in brings no stylesheet: the list is the built-ins' idea list, each item one
    // large button (the whole width, at least 48 px high), the picked one filled.
    el("ul", { class: "idea-list poll-list", "aria-label": "Items" }, ideas.map((idea) => el("li", {},
      el("button", {
        type: "button", class: mine === idea.id ? "poll-choice primary" : "poll-choice",
        "aria-pressed": mine === idea.id ? "true" : "false",
        dataset: { focus: `pick-${idea.id}` },
        style: "display:block;width:100%;min-height:3rem;text-align:left;margin:0.4rem 0 0.2rem;",
        onclick: () => choose(ctx, idea),
      },
      mine === idea.id ? "✓ " : "", wording(idea),
      idea.picks !== undefined ? el("span", { class: "room-total", style: "display:block;font-weight:normal;" }, `Room: ${plural(idea.picks, "pick", "picks")}`) : null),
      idea.picks !== undefined ? [consensusBadge(decisionItem(stage, idea.id)), movedBadge(decisionItem(stage, idea.id))] : null,
    ))),
  );
}

/** The phone's one line: pick something, or what was picked (and that the counts are shown). */
function status(ctx) {
  const { stage } = ctx;
  if (!ctx.active || !stage.ideas.length) return "Waiting for the facilitator";
  const mine = pickOf(ctx);
  const idea = stage.ideas.find((i) => i.id === mine);
  const line = idea ? `Your pick: ${wording(idea)}` : "Pick one item";
  return stepRevealed(stage) ? `Picks shown · ${line}` : line;
}

function consoleView(ctx) {
  const { stage } = ctx;
  return el("div", {},
    roundTools(ctx, { what: "picks" }),
    decisionSummary(stage),
    stage.ideas.length ? consoleIdeas(ctx, byPicks(stage.ideas), {
      canHide: ctx.active, canMerge: ctx.active,
      value: (idea) => idea.picks || 0,
      figure: (idea) => plural(idea.picks || 0, "pick", "picks"),
      extra: (idea) => [consensusBadge(decisionItem(stage, idea.id)), movedBadge(decisionItem(stage, idea.id))],
    }) : noIdeas(stage),
  );
}

function projectorView(ctx) {
  const { stage, state } = ctx;
  const pollers = (stage.progress || {}).pollers || 0;
  const n = state.workshop.participant_count;
  if (stepRevealed(stage) && !pollers) {
    return [el("p", { class: "decision-sentence" }, "Nobody has picked yet."), wall(stage.ideas, {}, { newestFirst: false })];
  }
  if (stepRevealed(stage)) {
    return [
      sentence(stage),
      resultChart(stage, byPicks(stage.ideas), { value: (idea) => idea.picks || 0, unit: PICKS, title: "Poll results" }),
      el("p", { class: "hint-line" }, `${pollers} of ${n} picked`),
    ];
  }
  return [
    el("div", { class: "big-stats" },
      el("div", {}, el("strong", {}, `${pollers}/${n}`), el("span", { class: "muted" }, "have picked"))),
    el("p", { class: "hint-line" }, "The picks stay hidden until the facilitator reveals them."),
    roundOneChart(stage, { unit: PICKS }) || wall(stage.ideas, {}, { newestFirst: false }),
  ];
}

export default {
  kind: "poll",
  label: "Poll",
  headline: "Pick one item",
  start: "start poll",
  close: "Close the poll",
  // What the results view (done.js) asks of the step that decided a stage.
  resultBar: (r) => ({ value: r.picks ?? 0, text: plural(r.picks ?? 0, "pick", "picks") }),
  resultText: (r) => plural(r.picks ?? 0, "pick", "picks"),
  how: () => "by picks",
  countName: "By picks",
  progress: { count: "pollers", word: "picked" },
  outbox: {
    pollPicks: {
      type: "latest", event: "poll:pick", field: "idea_id", meKey: "poll_picks",
      closedMessage: "The poll closed before your pick reached the room; your last saved pick counts.",
    },
  },
  metrics: (ctx) => [[`${(ctx.stage.progress || {}).pollers || 0}/${ctx.state.workshop.participant_count}`, "picked"]],
  phone: phoneView,
  console: consoleView,
  projector: projectorView,
  status,
};
