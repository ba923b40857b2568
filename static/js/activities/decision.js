// How sure the room is, in words a non-expert reads at a glance. Phones and the projector get
// one sentence (decisionSentence); the console gets the same sentence and, behind "Details", the
// measures: whether other fair ways of counting pick the same items as the step's own count (the
// picks that differ, side by side), the agreement on a ranking (Kendall's W), the Condorcet
// winner, the items that split the room, and in a second round what moved since round 1. The
// server leaves `stage.decision` out for phones and the projector until the step is revealed.

import { el, hasTrait, ideaText, plural } from "../common.js";

// Disclosures the person opened, by name, so a redraw (every tally on the console) keeps them open.
const opened = new Set();

/** A <details> that stays open or closed across redraws, as its reader left it. */
function keptDetails(name, attrs, summary, ...body) {
  return el("details", { ...attrs, open: opened.has(name),
    ontoggle: (event) => { if (event.target.open) opened.add(name); else opened.delete(name); } },
  el("summary", {}, summary), ...body);
}

const METHOD_NAMES = { borda: "Borda", schulze: "Schulze", copeland: "Copeland" };

/** "agreed", "mixed" or "split" for an item's standing (contested items split the room). */
export function consensusWord(item) {
  if (!item || item.consensus === null || item.consensus === undefined) return "";
  if (item.contested) return "split";
  return item.consensus >= 0.75 ? "agreed" : "mixed";
}

const BADGES = {
  agreed: { icon: "✓", text: "agreed", title: "Most of the room gave it about the same" },
  mixed: { icon: "~", text: "mixed", title: "Opinions on it vary" },
  split: { icon: "⚡", text: "split room", title: "Many put it near the top and many near the bottom" },
};

/** "✓ agreed", "~ mixed" or "⚡ split room" as plain text; "" for an item nobody supported. */
export function consensusLabel(item) {
  if (!item || !item.score) return "";
  const badge = BADGES[consensusWord(item)];
  return badge ? `${badge.icon} ${badge.text}` : "";
}

/**
 * Words and an icon for one item's consensus (never colour alone); null for an item nobody
 * supported (score 0: calling it "agreed" would mislead) or without a measure.
 */
export function consensusBadge(item) {
  if (!item || item.consensus === null || item.consensus === undefined) return null;
  if (!item.score) return null;
  const word = consensusWord(item);
  const badge = BADGES[word];
  return el("span", { class: `consensus ${word}`, title: `${badge.title} (consensus ${item.consensus.toFixed(2)}; 1 = everyone gave it the same)` },
    el("span", { class: "consensus-icon", "aria-hidden": "true" }, badge.icon),
    el("span", { class: "consensus-word" }, badge.text));
}

/** "▲ 2" / "▼ 1" / "=" / "new" since round 1, for an item in round 2 (in words for screen readers). */
export function movedBadge(item) {
  if (!item || !("moved" in item)) return null;
  if (item.moved === null) return el("span", { class: "moved", title: "Not in round 1's list" }, "new");
  if (item.moved === 0) {
    return el("span", { class: "moved same", role: "img", "aria-label": "same place as in round 1", title: "Same place as in round 1" }, "=");
  }
  const up = item.moved > 0;
  const places = plural(Math.abs(item.moved), "place", "places");
  return el("span", { class: `moved ${up ? "up" : "down"}`, role: "img", "aria-label": `${up ? "up" : "down"} ${places} since round 1`,
    title: `Round 1: place ${item.round1 ? item.round1.rank : "?"}` }, `${up ? "▲" : "▼"} ${Math.abs(item.moved)}`);
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

/** The step's own order (its items by rank) and its picks. */
function ownPicks(decision) {
  const byRank = [...decision.items].sort((a, b) => a.rank - b.rank);
  return byRank.slice(0, decision.picks).map((item) => item.idea_id);
}

/** Whether the step picks some but not all of its items (a shortlist or a selection). */
function picksSome(decision) {
  return decision.picks > 0 && decision.picks < decision.items.length;
}

/** How the step itself counts, as a label ("By dots", "By Schulze counting"): a step whose own
 * method is one of the counting methods (a ranking) is named by it, the others by what they add
 * up, as the deciding step's module declares it (`countName`, a label or a function of the
 * stage). */
function ownCountName(decision, ctx, stage) {
  if (METHOD_NAMES[decision.method]) return `By ${METHOD_NAMES[decision.method]} counting`;
  const decider = ctx && ctx.activity ? ctx.activity(decision.kind) : null;
  if (!decider || !decider.countName) return "As counted";
  // A module may name its count per stage (a rate step by its first scale).
  return typeof decider.countName === "function" ? decider.countName(stage) : decider.countName;
}

/**
 * The other fair counts that pick different items from the step's own: one entry per group of
 * methods picking the same set, with what they add and what they leave out. Methods agreeing
 * with the step's own picks are listed in `agree`.
 */
export function differingPicks(decision) {
  const own = ownPicks(decision);
  const ownSet = new Set(own);
  const groups = new Map();
  const agree = [];
  for (const [name, ids] of Object.entries(decision.methods || {})) {
    if (name === decision.method) continue; // that is the step's own count
    const added = ids.filter((id) => !ownSet.has(id));
    const left = own.filter((id) => !ids.includes(id));
    if (!added.length && !left.length) { agree.push(METHOD_NAMES[name] || name); continue; }
    const key = `${added.join(",")}|${left.join(",")}`;
    if (!groups.has(key)) groups.set(key, { names: [], added, left });
    groups.get(key).names.push(METHOD_NAMES[name] || name);
  }
  return { own, agree, differ: [...groups.values()] };
}

/** "A, B and C" */
function joinAnd(words) {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

function quoted(stage, ids) {
  return joinAnd(ids.map((id) => `“${ideaText(stage, id)}”`));
}

function topWords(picks) {
  return picks === 1 ? "the top idea" : `the top ${picks}`;
}

/** The one sentence's text, or null before anyone took part. */
export function decisionText(stage) {
  const decision = stage.decision;
  if (!decision || !decision.items || !decision.items.length || !decision.voters) return null;
  const picks = decision.picks;
  const split = decision.items.filter((item) => item.contested && item.score);
  if (decision.voters === 1) return "Only one person has taken part so far.";
  if (picksSome(decision) && !decision.robust) {
    const { differ } = differingPicks(decision);
    // The places in question: the step's own picks that another count leaves out, and the
    // first item below them.
    const ranks = new Map(decision.items.map((item) => [item.idea_id, item.rank]));
    const inQuestion = [...new Set(differ.flatMap((group) => [...group.left, ...group.added]))]
      .sort((a, b) => (ranks.get(a) ?? 1e9) - (ranks.get(b) ?? 1e9));
    if (picks === 1) return "Close call: the winner depends on how the votes are counted.";
    if (inQuestion.length === 2) {
      const [a, b] = inQuestion;
      const named = [a, b].every((id) => ideaText(stage, id).length <= 40);
      const which = named ? `${quoted(stage, [a])} or ${quoted(stage, [b])}` : `#${ranks.get(a)} or #${ranks.get(b)}`;
      return `Close call: whether ${which} makes ${topWords(picks)} depends on how the votes are counted.`;
    }
    return `Close call: which ideas make ${topWords(picks)} depends on how the votes are counted.`;
  }
  if (split.length === 1 && ideaText(stage, split[0].idea_id).length <= 60) {
    return `${quoted(stage, [split[0].idea_id])} splits the room: worth a word before deciding.`;
  }
  if (split.length) return `${split.length} ideas split the room: worth a word before deciding.`;
  const w = decision.kendall_w;
  if (picksSome(decision)) {
    const own = new Set(ownPicks(decision));
    const chosen = decision.items.filter((item) => own.has(item.idea_id));
    const meanConsensus = chosen.reduce((sum, item) => sum + (item.consensus ?? 1), 0) / (chosen.length || 1);
    const agreed = w !== null && w !== undefined ? w >= 0.5 : meanConsensus >= 0.75; // as the "agreed" badge
    if (agreed) return `A clear result: most of the room agrees on ${topWords(picks)}.`;
    return `${picks === 1 ? "The top idea holds" : `The top ${picks} hold`} however the votes are counted, though opinions on them vary.`;
  }
  if (w !== null && w !== undefined) {
    return w >= 0.5 ? "A clear result: the room largely agrees on the order." : "Opinions differ: people put the ideas in quite different orders.";
  }
  const supported = decision.items.filter((item) => item.score && item.consensus !== null && item.consensus !== undefined);
  const mean = supported.reduce((sum, item) => sum + item.consensus, 0) / (supported.length || 1);
  return mean >= 0.75 ? "The room largely agrees." : "Opinions on these ideas vary.";
}

/** One plain sentence about the step for phones and the projector; null before anyone took part. */
export function decisionSentence(stage) {
  const text = decisionText(stage);
  return text ? el("p", { class: "decision-sentence" }, text) : null;
}

/** The sentence and, behind "Details", the measures: for the console (`ctx` names the step's
 * own count through the deciding module's `countName`). */
export function decisionSummary(stage, ctx = null) {
  const decision = stage.decision;
  if (!decision || !decision.items.length) return null;
  const frame = (...body) => el("section", { class: "decision card", "aria-label": "How sure the room is" },
    el("h3", {}, "How sure is the room?"), body);
  if (!decision.voters) return frame(el("p", { class: "muted" }, "Nobody has taken part yet; the measures appear with the first answers."));
  const lines = [];
  if (picksSome(decision)) {
    const { own, agree, differ } = differingPicks(decision);
    if (!differ.length) {
      lines.push(el("p", { class: "robust yes" }, el("strong", {}, "Solid. "),
        `${ownCountName(decision, ctx, stage)}, ${topWords(decision.picks)}: ${quoted(stage, own)}. `,
        agree.length ? `${joinAnd(agree)} counting ${agree.length === 1 ? "picks" : "pick"} the same.` : ""));
    } else {
      lines.push(el("div", { class: "robust no" },
        el("p", {}, el("strong", {}, "The counting method decides this one. "),
          "Other fair ways of counting pick different items, so the room is close to a tie."),
        el("ul", { class: "picks" },
          el("li", {}, el("strong", {}, `${ownCountName(decision, ctx, stage)} (this step): `), quoted(stage, own)),
          differ.map((group) => el("li", {}, el("strong", {}, `${joinAnd(group.names)}: `),
            group.added.length ? `${quoted(stage, group.added)} instead of ${quoted(stage, group.left)}` : `without ${quoted(stage, group.left)}`)),
          agree.length ? el("li", {}, el("strong", {}, `${joinAnd(agree)}: `), "the same as this step") : null)));
    }
  }
  if (decision.kendall_w !== null && decision.kendall_w !== undefined) {
    lines.push(el("p", {},
      el("strong", {}, `Agreement on the order: ${agreementWord(decision.kendall_w)} `),
      el("span", { class: "muted" }, `(Kendall's W ${decision.kendall_w.toFixed(2)}; 1 means everyone ranked alike)`)));
  }
  if (decision.condorcet_winner) {
    lines.push(el("p", {}, el("strong", {}, `“${ideaText(stage, decision.condorcet_winner)}”`),
      " beats every other item head to head."));
  }
  const split = decision.items.filter((item) => item.contested && item.score);
  if (split.length) {
    lines.push(el("p", {}, el("strong", {}, `Split the room: `), quoted(stage, split.map((item) => item.idea_id)),
      `. Many put ${split.length === 1 ? "it" : "them"} near the top and many near the bottom.`));
  } else if (decision.voters > 1) {
    lines.push(el("p", { class: "muted" }, "No item splits the room."));
  }
  if (decision.round > 1) {
    const moved = decision.items.filter((item) => item.moved).length;
    lines.push(el("p", {}, el("strong", {}, `Round ${decision.round}. `),
      moved ? `${plural(moved, "item has", "items have")} moved since round 1.` : "Nothing has moved since round 1 yet."));
  }
  lines.push(el("p", { class: "muted" }, `${plural(decision.voters, "person", "people")} took part.`));
  return frame(decisionSentence(stage),
    keptDetails(`decision:${stage.id}`, { class: "decision-details" }, "Details", lines));
}

/** Is the current step's result shown to the room? (The stage's `revealed` flag is the reveal
 * of the step with the `reveal_flag` trait, the dot vote's since the first release.) */
export function stepRevealed(stage) {
  if ((stage.reveals || []).includes(stage.step)) return true;
  return hasTrait(stage.phase, "reveal_flag") && stage.revealed;
}

/** Whether the stage has the step that places dots (`placesDots`): results show dots then. */
export function hasDots(ctx, stage) {
  return stage.steps.some((step) => {
    const module = ctx.activity(step.kind);
    return Boolean(module && module.placesDots);
  });
}

/** A scoring step's console count, "12/20" and "voted", from its `progress` declaration. */
export function progressLine(ctx, module) {
  const progress = ctx.stage.progress || {};
  return [`${progress[module.progress.count] || 0}/${ctx.state.workshop.participant_count}`, module.progress.word];
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
  return keptDetails(`round:${stage.id}:${stage.step}`, { class: "card previous-round" }, `Round ${last.round} results`,
    el("ol", {}, last.items.slice(0, 10).map((item) => el("li", {}, ideaText(stage, item.idea_id),
      el("span", { class: "muted small" }, ` · ${item.score}`)))));
}

/** Round 1's leading items in one line, for the projector during round 2 (nobody clicks there). */
export function previousRoundLine(stage, limit = 5) {
  const rounds = (stage.rounds || []).filter((r) => r.step === stage.step);
  if (!rounds.length) return null;
  const last = rounds[rounds.length - 1];
  const shown = last.items.slice(0, limit);
  const more = last.items.length - shown.length;
  return el("p", { class: "previous-round-line" },
    el("strong", {}, `Round ${last.round}: `),
    shown.map((item, i) => [i ? " · " : "", el("span", { class: "place" }, `${i + 1} `), ideaText(stage, item.idea_id)]),
    more > 0 ? el("span", { class: "muted" }, ` · + ${more} more`) : null);
}
