// How sure the room is, in words a non-expert reads at a glance: for the step's items, their
// consensus and whether the room is split, whether the counting method changes the outcome,
// the agreement on a ranking (Kendall's W), the Condorcet winner, and in a second round what
// moved since round 1. The console sees it live; phones and the projector once revealed (the
// server leaves `stage.decision` out for them until then).

import { el, ideaText, plural } from "../common.js";

const METHOD_NAMES = { borda: "Borda", schulze: "Schulze", copeland: "Copeland" };

/** "agreed", "mixed" or "divided" for a consensus between 0 and 1. */
export function consensusWord(consensus) {
  if (consensus === null || consensus === undefined) return "";
  if (consensus >= 0.75) return "agreed";
  if (consensus >= 0.5) return "mixed";
  return "divided";
}

/** A small meter with the word, for one item. */
export function consensusBadge(item) {
  if (!item || item.consensus === null || item.consensus === undefined) return null;
  const word = consensusWord(item.consensus);
  return el("span", { class: `consensus ${word}`, title: `Consensus ${item.consensus.toFixed(2)} (1 = everyone gave it the same)` },
    el("span", { class: "meter", "aria-hidden": "true" }, el("span", { style: `width:${Math.round(item.consensus * 100)}%` })),
    el("span", {}, word),
    item.contested ? el("span", { class: "tag contested" }, "split room") : null,
  );
}

/** "▲ 2" / "▼ 1" / "=" / "new" since round 1, for an item in round 2. */
export function movedBadge(item) {
  if (!item || !("moved" in item)) return null;
  if (item.moved === null) return el("span", { class: "moved", title: "Not in round 1's list" }, "new");
  if (item.moved === 0) return el("span", { class: "moved same", title: "Same place as in round 1" }, "=");
  const up = item.moved > 0;
  return el("span", { class: `moved ${up ? "up" : "down"}`, title: `Round 1: place ${item.round1 ? item.round1.rank : "?"}` },
    `${up ? "▲" : "▼"} ${Math.abs(item.moved)}`);
}

/** The decision's entry for one idea, if any. */
export function decisionItem(stage, ideaId) {
  const decision = stage.decision;
  if (!decision || !decision.voters) return null; // nothing to measure before anyone took part
  return decision.items.find((item) => item.idea_id === ideaId) || null;
}

function agreementWord(w) {
  if (w >= 0.7) return "strong";
  if (w >= 0.4) return "moderate";
  return "weak";
}

/** The sentences about the whole step: robustness, agreement, Condorcet, rounds. */
export function decisionSummary(stage) {
  const decision = stage.decision;
  if (!decision || !decision.items.length) return null;
  if (!decision.voters) {
    return el("section", { class: "decision card", "aria-label": "How sure the room is" },
      el("h3", {}, "How sure is the room?"),
      el("p", { class: "muted" }, "Nobody has taken part yet; the measures appear with the first answers."));
  }
  const lines = [];
  const picks = decision.picks;
  if (picks > 0 && picks < decision.items.length) {
    if (decision.robust) {
      lines.push(el("p", { class: "robust yes" },
        el("strong", {}, "Solid result. "),
        `Borda, Schulze and Copeland counting all pick the same ${plural(picks, "item", "items")}.`));
    } else {
      const differing = Object.entries(decision.methods).map(([name, ids]) =>
        `${METHOD_NAMES[name] || name}: ${ids.map((id) => ideaText(stage, id)).join(", ")}`);
      lines.push(el("p", { class: "robust no" },
        el("strong", {}, "The counting method decides this one. "),
        "Different fair ways of counting pick different items, so the room is close to a tie. ",
        el("span", { class: "small muted" }, differing.join(" · "))));
    }
  }
  if (decision.kendall_w !== null && decision.kendall_w !== undefined) {
    lines.push(el("p", {},
      el("strong", {}, `Agreement on the order: ${agreementWord(decision.kendall_w)} `),
      el("span", { class: "muted small" }, `(Kendall's W ${decision.kendall_w.toFixed(2)}; 1 means everyone ranked alike)`)));
  }
  if (decision.condorcet_winner) {
    lines.push(el("p", {}, el("strong", {}, ideaText(stage, decision.condorcet_winner)),
      " beats every other item head to head."));
  }
  const split = decision.items.filter((item) => item.contested).length;
  if (split) {
    lines.push(el("p", {}, el("strong", {}, `${plural(split, "item splits", "items split")} the room: `),
      "many put it near the top and many near the bottom. Worth discussing before deciding."));
  } else if (decision.voters > 1) {
    lines.push(el("p", { class: "muted" }, "No item splits the room."));
  }
  if (decision.round > 1) {
    const moved = decision.items.filter((item) => item.moved).length;
    lines.push(el("p", {}, el("strong", {}, `Round ${decision.round}. `),
      moved ? `${plural(moved, "item has", "items have")} moved since round 1.` : "Nothing has moved since round 1 yet."));
  }
  return el("section", { class: "decision card", "aria-label": "How sure the room is" },
    el("h3", {}, "How sure is the room?"), lines);
}

/** Is the current step's result shown to the room? */
export function stepRevealed(stage) {
  if ((stage.reveals || []).includes(stage.step)) return true;
  return stage.phase === "vote" && stage.revealed;
}

/** The console's reveal button and, once revealed, the button that opens round 2. */
export function roundTools(ctx, { what = "results" } = {}) {
  const { stage } = ctx;
  if (!ctx.active) return null;
  const revealed = stepRevealed(stage);
  const round = stage.round || 1;
  return el("div", { class: "row step-tools" },
    revealed ? null : el("button", { type: "button", dataset: { focus: "reveal" },
      onclick: () => ctx.act("results:reveal", { stage_id: stage.id }) }, `Reveal ${what}`),
    revealed && round < 2 ? el("button", { type: "button", dataset: { focus: "round-2" },
      title: "Everyone starts from their round-1 answers and can change them after the discussion.",
      onclick: () => ctx.act("round:start", { stage_id: stage.id }) }, "Start round 2") : null,
    el("span", { class: "muted small" },
      round > 1 ? `Round ${round}: round 1 is kept; what moved shows below.`
        : revealed ? "The room sees the results. Discuss, then run a second round if minds may change."
          : `The ${what} are hidden from the room until you reveal them.`),
  );
}

/** Round 1's order, for phones and the projector during round 2. */
export function previousRound(stage) {
  const rounds = (stage.rounds || []).filter((r) => r.step === stage.step);
  if (!rounds.length) return null;
  const last = rounds[rounds.length - 1];
  return el("details", { class: "card previous-round" },
    el("summary", {}, `Round ${last.round} results`),
    el("ol", {}, last.items.slice(0, 10).map((item) => el("li", {}, ideaText(stage, item.idea_id),
      el("span", { class: "muted small" }, ` · ${item.score}`)))));
}
