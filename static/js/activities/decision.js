// How sure the room is, in words a non-expert reads at a glance. Phones and the projector get
// one sentence (decisionSentence); the console gets the same sentence and, behind "Details", the
// measures: whether other fair ways of counting pick the same items as the step's own count (the
// picks that differ, side by side), the agreement on a ranking (Kendall's W), the Condorcet
// winner, the items that split the room, and in a second round what moved since round 1. The
// server leaves `stage.decision` out for phones and the projector until the step is revealed.

import { el, hasTrait, ideaText } from "../common.js";
import { N_, formatList, formatNumber, language, t, tn } from "../i18n.js";

/** A measure between 0 and 1 with two decimals ("0.80"), as the language writes it. */
const twoDecimals = (value) => formatNumber(value, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

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
  agreed: { icon: "✓", text: N_("agreed"), title: N_("Most of the room gave it about the same") },
  mixed: { icon: "~", text: N_("mixed"), title: N_("Opinions on it vary") },
  split: { icon: "⚡", text: N_("split room"), title: N_("Many put it near the top and many near the bottom") },
};

/** "✓ agreed", "~ mixed" or "⚡ split room" as plain text; "" for an item nobody supported. */
export function consensusLabel(item) {
  if (!item || !item.score) return "";
  const badge = BADGES[consensusWord(item)];
  return badge ? `${badge.icon} ${t(badge.text)}` : "";
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
  const title = t(badge.title);
  return el("span", { class: `consensus ${word}`, title: t("%(title)s (consensus %(value)s; 1 = everyone gave it the same)",
    { title, value: twoDecimals(item.consensus) }) },

  el("span", { class: "consensus-icon", "aria-hidden": "true" }, badge.icon),
  el("span", { class: "consensus-word" }, t(badge.text)));
}

/** "▲ 2" / "▼ 1" / "=" / "new" since round 1, for an item in round 2 (in words for screen readers). */
export function movedBadge(item) {
  if (!item || !("moved" in item)) return null;
  if (item.moved === null) return el("span", { class: "moved", title: t("Not in round 1's list") }, t("new"));
  if (item.moved === 0) {
    return el("span", { class: "moved same", role: "img", "aria-label": t("same place as in round 1"), title: t("Same place as in round 1") }, "=");
  }
  const up = item.moved > 0;
  const steps = Math.abs(item.moved);
  const r = item.round1; // its row in round 1
  return el("span", { class: `moved ${up ? "up" : "down"}`, role: "img",
    "aria-label": up ? tn("up %(n)s place since round 1", "up %(n)s places since round 1", steps)
      : tn("down %(n)s place since round 1", "down %(n)s places since round 1", steps),
    title: t("Round 1: place %(place)s", { place: r ? formatNumber(r.rank) : "?" }) }, `${up ? "▲" : "▼"} ${formatNumber(steps)}`);

}

/** The decision's entry for one idea, if any. */
export function decisionItem(stage, ideaId) {
  const decision = stage.decision;
  if (!decision || !decision.voters) return null; // nothing to measure before anyone took part
  return decision.items.find((item) => item.idea_id === ideaId) || null;
}

function agreementLine(w) {
  if (w >= 0.7) return t("Agreement on the order: strong");
  if (w >= 0.4) return t("Agreement on the order: moderate");
  return t("Agreement on the order: weak");
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
  if (METHOD_NAMES[decision.method]) return t("By %(method)s counting", { method: METHOD_NAMES[decision.method] });
  const decider = ctx && ctx.activity ? ctx.activity(decision.kind) : null;
  if (!decider || !decider.countName) return t("As counted");
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

/** "A, B and C" (as the page's language joins a list). */
function joinAnd(words) {
  if (words.length <= 1) return words.join("");
  if (language() !== "en") return formatList(words);
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

/** An idea's words in the language's quotation marks. */
function quote(text) {
  return t("“%(text)s”", { text });
}

function quoted(stage, ids) {
  return joinAnd(ids.map((id) => quote(ideaText(stage, id))));
}

/** The one sentence's text, or null before anyone took part. */
export function decisionText(stage) {
  const decision = stage.decision;
  if (!decision || !decision.items || !decision.items.length || !decision.voters) return null;
  const picks = decision.picks;
  const split = decision.items.filter((item) => item.contested && item.score);
  if (decision.voters === 1) return t("Only one person has taken part so far.");
  if (picksSome(decision) && !decision.robust) {
    const { differ } = differingPicks(decision);
    // The places in question: the step's own picks that another count leaves out, and the
    // first item below them.
    const ranks = new Map(decision.items.map((item) => [item.idea_id, item.rank]));
    const inQuestion = [...new Set(differ.flatMap((group) => [...group.left, ...group.added]))]
      .sort((a, b) => (ranks.get(a) ?? 1e9) - (ranks.get(b) ?? 1e9));
    if (picks === 1) return t("Close call: the winner depends on how the votes are counted.");
    if (inQuestion.length === 2) {
      const [a, b] = inQuestion;
      const named = [a, b].every((id) => ideaText(stage, id).length <= 40);
      const which = named ? t("%(a)s or %(b)s", { a: quoted(stage, [a]), b: quoted(stage, [b]) })
        : t("#%(a)s or #%(b)s", { a: formatNumber(ranks.get(a)), b: formatNumber(ranks.get(b)) });
      return tn("Close call: whether %(which)s makes the top idea depends on how the votes are counted.",
        "Close call: whether %(which)s makes the top %(n)s depends on how the votes are counted.", picks, { which });
    }
    return tn("Close call: which ideas make the top idea depends on how the votes are counted.",
      "Close call: which ideas make the top %(n)s depends on how the votes are counted.", picks);
  }
  if (split.length === 1 && ideaText(stage, split[0].idea_id).length <= 60) {
    return t("%(idea)s splits the room: worth a word before deciding.", { idea: quoted(stage, [split[0].idea_id]) });
  }
  if (split.length) {
    return tn("%(n)s ideas split the room: worth a word before deciding.", "%(n)s ideas split the room: worth a word before deciding.", split.length);
  }
  const w = decision.kendall_w;
  if (picksSome(decision)) {
    const own = new Set(ownPicks(decision));
    const chosen = decision.items.filter((item) => own.has(item.idea_id));
    const meanConsensus = chosen.reduce((sum, item) => sum + (item.consensus ?? 1), 0) / (chosen.length || 1);
    const agreed = w !== null && w !== undefined ? w >= 0.5 : meanConsensus >= 0.75; // as the "agreed" badge
    if (agreed) {
      return tn("A clear result: most of the room agrees on the top idea.", "A clear result: most of the room agrees on the top %(n)s.", picks);
    }
    return tn("The top idea holds however the votes are counted, though opinions on them vary.",
      "The top %(n)s hold however the votes are counted, though opinions on them vary.", picks);
  }
  if (w !== null && w !== undefined) {
    return w >= 0.5 ? t("A clear result: the room largely agrees on the order.") : t("Opinions differ: people put the ideas in quite different orders.");
  }
  const supported = decision.items.filter((item) => item.score && item.consensus !== null && item.consensus !== undefined);
  const mean = supported.reduce((sum, item) => sum + item.consensus, 0) / (supported.length || 1);
  return mean >= 0.75 ? t("The room largely agrees.") : t("Opinions on these ideas vary.");
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
  const frame = (...body) => el("section", { class: "decision card", "aria-label": t("How sure the room is") },
    el("h3", {}, t("How sure is the room?")), body);
  if (!decision.voters) return frame(el("p", { class: "muted" }, t("Nobody has taken part yet; the measures appear with the first answers.")));
  const lines = [];
  if (picksSome(decision)) {
    const { own, agree, differ } = differingPicks(decision);
    if (!differ.length) {
      lines.push(el("p", { class: "robust yes" }, el("strong", {}, t("Solid."), " "),
        tn("%(count)s, the top idea: %(items)s.", "%(count)s, the top %(n)s: %(items)s.", decision.picks,
          { count: ownCountName(decision, ctx, stage), items: quoted(stage, own) }), " ",
        agree.length ? tn("%(methods)s counting picks the same.", "%(methods)s counting pick the same.", agree.length, { methods: joinAnd(agree) }) : ""));
    } else {
      lines.push(el("div", { class: "robust no" },
        el("p", {}, el("strong", {}, t("The counting method decides this one."), " "),
          t("Other fair ways of counting pick different items, so the room is close to a tie.")),
        el("ul", { class: "picks" },
          el("li", {}, el("strong", {}, t("%(count)s (this step):", { count: ownCountName(decision, ctx, stage) }), " "), quoted(stage, own)),
          differ.map((group) => el("li", {}, el("strong", {}, t("%(methods)s:", { methods: joinAnd(group.names) }), " "),
            group.added.length ? t("%(added)s instead of %(left)s", { added: quoted(stage, group.added), left: quoted(stage, group.left) })
              : t("without %(items)s", { items: quoted(stage, group.left) }))),
          agree.length ? el("li", {}, el("strong", {}, t("%(methods)s:", { methods: joinAnd(agree) }), " "), t("the same as this step")) : null)));
    }
  }
  if (decision.kendall_w !== null && decision.kendall_w !== undefined) {
    lines.push(el("p", {},
      el("strong", {}, agreementLine(decision.kendall_w), " "),
      el("span", { class: "muted" }, t("(Kendall's W %(w)s; 1 means everyone ranked alike)", { w: twoDecimals(decision.kendall_w) }))));
  }
  if (decision.condorcet_winner) {
    lines.push(el("p", {}, el("strong", { dir: "auto" }, quote(ideaText(stage, decision.condorcet_winner))),
      " ", t("beats every other item head to head.")));
  }
  const split = decision.items.filter((item) => item.contested && item.score);
  if (split.length) {
    lines.push(el("p", {}, el("strong", {}, t("Split the room:"), " "),
      tn("%(items)s. Many put it near the top and many near the bottom.", "%(items)s. Many put them near the top and many near the bottom.",
        split.length, { items: quoted(stage, split.map((item) => item.idea_id)) })));
  } else if (decision.voters > 1) {
    lines.push(el("p", { class: "muted" }, t("No item splits the room.")));
  }
  if (decision.round > 1) {
    const moved = decision.items.filter((item) => item.moved).length;
    lines.push(el("p", {}, el("strong", {}, t("Round %(n)s.", { n: formatNumber(decision.round) }), " "),
      moved ? tn("%(n)s item has moved since round 1.", "%(n)s items have moved since round 1.", moved) : t("Nothing has moved since round 1 yet.")));
  }
  lines.push(el("p", { class: "muted" }, tn("%(n)s person took part.", "%(n)s people took part.", decision.voters)));
  return frame(decisionSentence(stage),
    keptDetails(`decision:${stage.id}`, { class: "decision-details" }, t("Details"), lines));
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
  return [`${formatNumber(progress[module.progress.count] || 0)}/${formatNumber(ctx.state.workshop.participant_count)}`, module.progress.word];
}

/**
 * The console's reveal button and, once revealed, the button that opens round 2. `reveal` is
 * the button's words ("Reveal dot totals") and `hidden` the line saying what the room does not
 * see yet, both translated by the caller; `what` ("dot totals"), the older way, builds both in
 * English.
 */
export function roundTools(ctx, { what = null, reveal = null, hidden = null } = {}) {
  const { stage } = ctx;
  if (!ctx.active) return null;
  const revealed = stepRevealed(stage);
  const round = stage.round || 1;
  return el("div", { class: "row step-tools" },
    revealed ? null : el("button", { type: "button", dataset: { focus: "reveal" },
      onclick: () => ctx.act("results:reveal", { stage_id: stage.id }) },
    reveal || (what ? `Reveal ${what}` : t("Reveal results"))),
    revealed && round < 2 ? el("button", { type: "button", dataset: { focus: "round-2" },
      title: t("Everyone starts from their round-1 answers and can change them after the discussion."),
      onclick: () => ctx.act("round:start", { stage_id: stage.id }) }, t("Start round 2")) : null,
    el("span", { class: "muted small" },
      round > 1 ? t("Round %(n)s: round 1 is kept; what moved shows below.", { n: formatNumber(round) })
        : revealed ? t("The room sees the results. Discuss, then run a second round if minds may change.")
          : hidden || (what ? `The ${what} are hidden from the room until you reveal them.` : t("The results are hidden from the room until you reveal them."))),
  );
}

/** Round 1's order, for phones and the projector during round 2. */
export function previousRound(stage) {
  const rounds = (stage.rounds || []).filter((r) => r.step === stage.step);
  if (!rounds.length) return null;
  const last = rounds[rounds.length - 1];
  return keptDetails(`round:${stage.id}:${stage.step}`, { class: "card previous-round" },
    t("Round %(n)s results", { n: formatNumber(last.round) }),
    el("ol", {}, last.items.slice(0, 10).map((item) => el("li", {}, el("span", { dir: "auto" }, ideaText(stage, item.idea_id)),
      el("span", { class: "muted small" }, ` · ${formatNumber(item.score)}`)))));
}

/** Round 1's leading items in one line, for the projector during round 2 (nobody clicks there). */
export function previousRoundLine(stage, limit = 5) {
  const rounds = (stage.rounds || []).filter((r) => r.step === stage.step);
  if (!rounds.length) return null;
  const last = rounds[rounds.length - 1];
  const shown = last.items.slice(0, limit);
  const more = last.items.length - shown.length;
  return el("p", { class: "previous-round-line" },
    el("strong", {}, t("Round %(n)s:", { n: formatNumber(last.round) }), " "),
    shown.map((item, i) => [i ? " · " : "", el("span", { class: "place" }, `${formatNumber(i + 1)} `),
      el("span", { dir: "auto" }, ideaText(stage, item.idea_id))]),
    more > 0 ? el("span", { class: "muted" }, ` · ${tn("+ %(n)s more", "+ %(n)s more", more)}`) : null);


}
