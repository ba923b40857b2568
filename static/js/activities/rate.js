// Rate: everyone rates ideas on the step's two scales, 1 to 5 each (rate as many as you like, one
// scale or both): impact and effort unless the step's `scales` setting names others (a risks
// stage rates likelihood and impact). The console, and the room once revealed, see a 2×2
// scatter, the first scale up and the second across: quick wins (first high, second low), big
// bets, fill-ins and money pits, or the names the step's `quadrants` setting gives them, with
// each idea's spread drawn around it. Ratings and figures are keyed by the scales' keys.

import { el } from "../common.js";
import { N_, formatNumber, language, t, tn } from "../i18n.js";
import { originMark, wording } from "../items.js";
import { consensusBadge, decisionItem, decisionSentence, decisionSummary, movedBadge, previousRound, previousRoundLine, roundTools, stepRevealed } from "./decision.js";
import { consoleIdeas, noIdeas, phoneOrder, wall } from "./ideas.js";

// The defaults, in English as the server stores them; translated where shown (`said`).
const SCALES = [
  { key: "impact", label: N_("Impact"), low: N_("little"), high: N_("a lot") },
  { key: "effort", label: N_("Effort"), low: N_("easy"), high: N_("hard") },
];
export const QUADRANTS = {
  quick_win: N_("Quick win"),
  big_bet: N_("Big bet"),
  fill_in: N_("Fill-in"),
  money_pit: N_("Money pit"),
};
// The default names as the chart's corners say them.
const CORNERS = { quick_win: N_("Quick wins"), big_bet: N_("Big bets"), fill_in: N_("Fill-ins"), money_pit: N_("Money pits") };

/** A label the server sent or a default (a scale's, a quadrant's), in the page's language when
 * the catalogue has it; the facilitator's own words stay as typed. */
const said = (text) => (text ? t(String(text)) : text);
/** A scale's label as shown ("Impact"). */
const scaleLabel = (scale) => said(scale.label);
/** A mean with one decimal ("4.0"), in the page's digits. */
const oneDecimal = (value) => formatNumber(value, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const SVG = "http://www.w3.org/2000/svg";

/** The stage's rate step: its current step when that rates, else its first rate step. */
function rateStep(stage) {
  const steps = (stage && stage.steps) || [];
  const current = steps[stage && stage.step];
  if (current && current.kind === "rate") return current;
  return steps.find((step) => step.kind === "rate") || null;
}

/** The scales of a stage's rate step ({key, label, low, high}, first drawn up, second across). */
export function scalesOf(stage) {
  const given = ((rateStep(stage) || {}).settings || {}).scales;
  return Array.isArray(given) && given.length === 2 ? given : SCALES;
}

/** Each quadrant's name (by position id) on a stage: its rate step's `quadrants`, else the defaults. */
export function quadrantNames(stage) {
  return { ...QUADRANTS, ...(((rateStep(stage) || {}).settings || {}).quadrants || {}) };
}

/** Whether the stage rates impact and effort with the default names (today's words, then). */
function isDefault(stage) {
  const scales = scalesOf(stage);
  const names = quadrantNames(stage);
  return scales.every((scale, i) => ["key", "label", "low", "high"].every((k) => scale[k] === SCALES[i][k]))
    && Object.keys(QUADRANTS).every((k) => names[k] === QUADRANTS[k]);
}

/** Whether both scales are "worse when higher" (a risks stage: likelihood and impact): its
 * urgent corner is coloured as a warning (results.css `.risk-scale`), not as the best one. */
function isRisky(stage) {
  return ((rateStep(stage) || {}).settings || {}).second_tie_break === "higher";
}

/** A label or name inside a sentence: lower case first letter, unless it starts an abbreviation
 * (or the language writes its nouns with a capital: German). */
function lower(words) {
  if (language() === "de") return String(words);
  const head = String(words).split(" ")[0];
  return head.length > 1 && head[1] === head[1].toUpperCase() && head[1] !== head[1].toLowerCase()
    ? String(words) : String(words).charAt(0).toLowerCase() + String(words).slice(1);
}

/** A quadrant's name: the idea's or result's own label when the server sent one, else the stage's. */
function quadrantName(stage, entry) {
  if (!entry || !entry.quadrant) return "";
  return said(entry.quadrant_label || quadrantNames(stage)[entry.quadrant] || "");
}

const has = (value) => value !== null && value !== undefined;

function ratingsFor(ctx) {
  const saved = ctx.outbox.ratings.value(ctx.stage.id, {});
  return Object.fromEntries(Object.entries(saved).map(([id, r]) => [id, { ...r }]));
}

function setRating(ctx, ideaId, scale, value) {
  const ratings = ratingsFor(ctx);
  const key = String(ideaId);
  const keys = scalesOf(ctx.stage).map((s) => s.key);
  const current = ratings[key] || Object.fromEntries(keys.map((k) => [k, null]));
  current[scale] = current[scale] === value ? null : value; // tapping the chosen value clears it
  if (keys.every((k) => !has(current[k]))) delete ratings[key]; else ratings[key] = current;
  ctx.outbox.ratings.set(ctx.stage.id, ratings, 300);
}

/** How many ideas this phone has rated (on at least one scale). */
function ratedCount(ctx) {
  return Object.keys(ratingsFor(ctx)).length;
}

function phoneView(ctx) {
  const { stage } = ctx;
  const ratings = ratingsFor(ctx);
  const done = Object.keys(ratings).length;
  const unsaved = ctx.outbox.ratings.isPending(stage.id);
  const revealed = stepRevealed(stage);
  const scales = scalesOf(stage);
  const range = (s) => {
    const low = said(s.low) || t("low");
    const high = said(s.high) || t("high");
    return t("%(scale)s (1 %(low)s to 5 %(high)s)", { scale: lower(scaleLabel(s)), low, high });
  };

  const ask = isDefault(stage)
    ? t("Rate each idea: how much would it change things (impact), and how hard is it (effort)? Rate the ones you can judge.")
    : [t("Rate each idea on %(first)s and %(second)s.", { first: range(scales[0]), second: range(scales[1]) }), " ", t("Rate the ones you can judge.")];
  return el("div", {},
    (stage.round || 1) > 1 ? el("p", { class: "card notice" }, t("Round 2: you start from your round-1 ratings. Change them if the discussion changed your mind.")) : null,
    revealed ? el("section", { class: "card room-result", "aria-label": t("The room's ratings") },
      el("h2", {}, t("The room's ratings")), decisionSentence(stage), scatter(stage)) : null,
    previousRound(stage),
    el("p", { class: "small muted" },
      ask, " ",
      unsaved ? t("Saving…") : done ? tn("%(n)s idea rated; saved.", "%(n)s ideas rated; saved.", done) : ""),
    stage.ideas.length === 0 ? el("p", { class: "card" }, t("There are no ideas to rate.")) : null,
    // Each phone rates in its own order (the room's results are the scatter above).
    el("ul", { class: "idea-list rate-list", "aria-label": t("Ideas") }, phoneOrder(ctx, stage.ideas).map((idea) => {
      const mine = ratings[String(idea.id)] || {};
      return el("li", { class: "rate-item", dataset: { ideaId: idea.id } },
        el("div", { class: "rate-text", dir: "auto" }, wording(idea), originMark(idea)),
        scales.map((scale) => el("div", { class: "scale", role: "group", "aria-label": t("%(scale)s of: %(idea)s", { scale: scaleLabel(scale), idea: wording(idea) }) },
          el("span", { class: "scale-label" }, scaleLabel(scale),
            el("span", { class: "scale-ends muted" }, ` ${formatNumber(1)} ${said(scale.low)} · ${formatNumber(5)} ${said(scale.high)}`)),
          [1, 2, 3, 4, 5].map((n) => el("button", {
            type: "button", class: mine[scale.key] === n ? "primary" : "",
            "aria-pressed": mine[scale.key] === n ? "true" : "false",
            "aria-label": t("%(scale)s %(n)s of 5", { scale: scaleLabel(scale), n: formatNumber(n) }), dataset: { focus: `${scale.key}-${idea.id}-${n}` },
            onclick: () => setRating(ctx, idea.id, scale.key, n),
          }, formatNumber(n))),
        )),
      );
    })),
  );
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== null && value !== undefined) node.setAttribute(name, String(value));
  for (const child of children.flat()) if (child) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

// The plot runs from 1 to 5 on both scales, inside a margin so a point on the edge is whole.
// Coordinates are percent of the (square) plot: the SVG's viewBox is 0 0 100 100.
const MARGIN = 7;
const SPAN = 100 - 2 * MARGIN;
const DOT_R = 2.4; // a point's radius, percent of the plot's width
const LABELLED = 12; // points with a number and a legend line
const px = (second) => MARGIN + ((second - 1) / 4) * SPAN; // across: the second scale
const py = (first) => 100 - MARGIN - ((first - 1) / 4) * SPAN; // up: the first scale

/** An idea's means and spreads in the stage's scales ("impact 4.0 ± 0.8, effort 2.0 ± 0.8"). */
function figuresOf(idea, scales) {
  return scales.map((s) => `${lower(scaleLabel(s))} ${oneDecimal(idea[s.key])} ± ${oneDecimal(idea[`${s.key}_spread`] || 0)}`).join(", ");
}

function overlap(a, b) {
  const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
  const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  return w > 0 && h > 0 ? w * h : 0;
}

// Where a number may sit around its point, tried in this order (then farther out).
const SIDES = [[1, 0], [-1, 0], [0, -1], [0, 1], [1, -1], [-1, -1], [1, 1], [-1, 1]];

/**
 * Put each point's number beside it, never over a point: for every label in turn, the first
 * side (right, left, above, below, the corners; then twice as far) where it covers no point,
 * no label placed before it, and stays inside the plot; failing that, the side that covers
 * least. Deterministic: the same points and sizes place the labels the same way. Runs again
 * whenever the plot or the type changes size (the projector scales its type to fit).
 */
export function placeLabels(area) {
  const width = area.clientWidth;
  const height = area.clientHeight;
  if (!width || !height) return;
  const labels = [...area.querySelectorAll(".scatter-n")];
  const r = (DOT_R / 100) * width + 1;
  const dots = labels.map((label) => {
    const x = (Number(label.dataset.x) / 100) * width;
    const y = (Number(label.dataset.y) / 100) * height;
    return { x, y, left: x - r, right: x + r, top: y - r, bottom: y + r };
  });
  const placed = [];
  labels.forEach((label, i) => {
    const w = label.offsetWidth;
    const h = label.offsetHeight;
    const { x, y } = dots[i];
    let best = null;
    for (const reach of [1, 2, 3]) {
      for (const [dx, dy] of SIDES) {
        const gap = 2 + (reach - 1) * (Math.max(w, h) * 0.9);
        const cx = x + dx * (r + gap + w / 2);
        const cy = y + dy * (r + gap + h / 2);
        const box = { left: cx - w / 2, right: cx + w / 2, top: cy - h / 2, bottom: cy + h / 2 };
        const outside = w * h - overlap(box, { left: 0, top: 0, right: width, bottom: height });
        const onDots = dots.reduce((sum, dot) => sum + overlap(box, dot), 0);
        const onLabels = placed.reduce((sum, other) => sum + overlap(box, other), 0);
        const cost = outside * 4 + onDots * 8 + onLabels * 2 + (reach - 1);
        if (!best || cost < best.cost) best = { cost, box };
        if (cost === 0) break;
      }
      if (best.cost < 1) break;
    }
    placed.push(best.box);
    label.style.left = `${(best.box.left / width) * 100}%`;
    label.style.top = `${(best.box.top / height) * 100}%`;
  });
}

const watching = typeof ResizeObserver === "function"
  ? new ResizeObserver((entries) => {
    for (const entry of entries) {
      if (entry.target.isConnected) placeLabels(entry.target); else watching.unobserve(entry.target);
    }
  })
  : null;

/** The ideas with a mean on both scales, best first (the step's order when known). */
function placedIdeas(stage) {
  const [up, across] = scalesOf(stage).map((s) => s.key);
  const rated = stage.ideas.filter((idea) => has(idea[up]) && has(idea[across]));
  if (!stage.decision || stage.decision.kind !== "rate") return rated;
  const rank = new Map(stage.decision.items.map((item) => [item.idea_id, item.rank]));
  return [...rated].sort((a, b) => (rank.get(a.id) ?? 1e9) - (rank.get(b.id) ?? 1e9));
}

/**
 * The 2×2 scatter of the second scale's mean (across: effort) and the first's (up: impact): the
 * quadrants, then every idea's spread as an ellipse, then the points above them, each numbered
 * beside its point; the legend lists the numbers with each idea's quadrant and figures. The
 * axes carry the scales' labels and the corners the quadrants' names.
 */
export function scatter(stage) {
  const scales = scalesOf(stage);
  const [up, across] = scales.map((s) => s.key);
  const plain = isDefault(stage);
  const names = quadrantNames(stage);
  const corner = (q) => said(plain ? CORNERS[q] : names[q]);
  const x = (idea) => px(idea[across]);
  const y = (idea) => py(idea[up]);
  const placed = placedIdeas(stage).map((idea, i) => ({ idea, n: i + 1 }));
  // The best LABELLED get a number (and a legend line); more would bury the points under
  // their labels. The rest are drawn as smaller dots, their spreads too.
  const numbered = placed.slice(0, LABELLED);
  const others = placed.slice(LABELLED);
  const chart = svg("svg", { viewBox: "0 0 100 100", class: `scatter${placed.length > 10 ? " many" : ""}`, role: "img", preserveAspectRatio: "none",
    "aria-label": tn(
      "%(first)s and %(second)s of %(n)s idea: %(quick_win)s top left, %(big_bet)s top right, %(fill_in)s bottom left, %(money_pit)s bottom right. The list below gives each idea's place.",
      "%(first)s and %(second)s of %(n)s ideas: %(quick_win)s top left, %(big_bet)s top right, %(fill_in)s bottom left, %(money_pit)s bottom right. The list below gives each idea's place.",
      numbered.length, {
        first: scaleLabel(scales[0]), second: lower(scaleLabel(scales[1])), quick_win: lower(corner("quick_win")), big_bet: lower(corner("big_bet")),
        fill_in: lower(corner("fill_in")), money_pit: lower(corner("money_pit")),
      }) },
  svg("rect", { x: 0, y: 0, width: 50, height: 50, class: "q quick_win" }),
  svg("rect", { x: 50, y: 0, width: 50, height: 50, class: "q big_bet" }),
  svg("rect", { x: 0, y: 50, width: 50, height: 50, class: "q fill_in" }),
  svg("rect", { x: 50, y: 50, width: 50, height: 50, class: "q money_pit" }),
  svg("g", { class: "spreads" }, [...others, ...numbered].map(({ idea }) => svg("ellipse", {
    cx: x(idea), cy: y(idea), class: "spread",
    rx: Math.max(DOT_R, ((idea[`${across}_spread`] || 0) / 4) * SPAN), ry: Math.max(DOT_R, ((idea[`${up}_spread`] || 0) / 4) * SPAN) }))),
  svg("g", { class: "others" }, others.map(({ idea, n }) => svg("g", { class: `point other ${idea.quadrant || ""}` },
    svg("title", {}, `${formatNumber(n)}. ${wording(idea)}: ${figuresOf(idea, scales)}`),
    svg("circle", { cx: x(idea), cy: y(idea), r: DOT_R * 0.6, class: "dot" })))),
  svg("g", { class: "points" }, numbered.map(({ idea, n }) => svg("g", { class: `point ${idea.quadrant || ""}` },
    svg("title", {}, `${formatNumber(n)}. ${wording(idea)}: ${figuresOf(idea, scales)}`),
    svg("circle", { cx: x(idea), cy: y(idea), r: DOT_R, class: "dot" })))),
  );
  const area = el("div", { class: "scatter-area" }, chart,
    numbered.map(({ idea, n }) => el("span", { class: "scatter-n", "aria-hidden": "true",
      dataset: { x: x(idea).toFixed(2), y: y(idea).toFixed(2) },
      style: { left: `${x(idea) + DOT_R}%`, top: `${y(idea) - 3}%` } }, formatNumber(n))));
  if (watching) watching.observe(area);
  else requestAnimationFrame(() => placeLabels(area));
  const unplaced = stage.ideas.filter((idea) => !placed.some((entry) => entry.idea === idea));
  return el("figure", { class: `scatter-figure${isRisky(stage) ? " risk-scale" : ""}` },
    // The plot is geometry (the second scale grows to the right, as its SVG draws it): its
    // corner names and axes stay where the quadrants are in a right-to-left page too.
    el("div", { class: "scatter-plot", dir: "ltr" },

      el("div", { class: "scatter-q top", "aria-hidden": "true" }, el("span", { class: "quick_win" }, corner("quick_win")), el("span", { class: "big_bet" }, corner("big_bet"))),
      el("div", { class: "scatter-middle" },
        el("span", { class: "scatter-axis y", "aria-hidden": "true" }, `${scaleLabel(scales[0])} →`),
        area),
      el("div", { class: "scatter-q bottom", "aria-hidden": "true" }, el("span", { class: "fill_in" }, corner("fill_in")), el("span", { class: "money_pit" }, corner("money_pit"))),
      el("span", { class: "scatter-axis x", "aria-hidden": "true" }, `${scaleLabel(scales[1])} →`)),
    el("figcaption", {},
      el("ol", { class: "scatter-legend fit-list", "aria-label": t("Ideas on the chart") }, numbered.map(({ idea, n }) => {
        const item = decisionItem(stage, idea.id);
        return el("li", {},
          el("span", { class: "scatter-key", "aria-hidden": "true" }, formatNumber(n)),
          el("span", { class: "legend-body" },
            el("span", { class: "legend-text", dir: "auto" }, wording(idea)), " ",
            el("span", { class: `tag ${idea.quadrant}` }, quadrantName(stage, idea)), " ",
            el("span", { class: "legend-figures" }, figuresOf(idea, scales)), " ",
            consensusBadge(item), movedBadge(item)));
      })),
      others.length ? el("p", { class: "muted scatter-others" }, tn("%(n)s more idea is on the chart as small dots, without a number.",
        "%(n)s more ideas are on the chart as small dots, without a number.", others.length)) : null,
      unplaced.length ? el("p", { class: "small muted scatter-unplaced" }, plain
        ? t("Not placed yet (needs an impact and an effort): %(ideas)s", { ideas: unplaced.map((i) => wording(i)).join(" · ") })
        : t("Not placed yet (needs a rating on %(first)s and on %(second)s): %(ideas)s", {
          first: lower(scaleLabel(scales[0])), second: lower(scaleLabel(scales[1])), ideas: unplaced.map((i) => wording(i)).join(" · ") })) : null,
      el("p", { class: "small muted scatter-note" }, t("A mean above 3 counts as high. The ellipse around a point shows how much the ratings spread.")),
    ));
}

function consoleView(ctx) {
  const { stage } = ctx;
  return el("div", {},
    roundTools(ctx, { reveal: t("Reveal ratings"), hidden: t("The ratings are hidden from the room until you reveal them.") }),
    decisionSummary(stage, ctx),
    stage.ideas.length ? [scatter(stage), consoleIdeas(ctx, stage.ideas, {
      canHide: ctx.active, canMerge: ctx.active,
      figure: (idea) => (idea.ratings ? tn("%(n)s rating", "%(n)s ratings", idea.ratings) : t("no ratings")),
      extra: (idea) => [consensusBadge(decisionItem(stage, idea.id)), movedBadge(decisionItem(stage, idea.id))],
    })] : noIdeas(stage),
  );
}

function projectorView(ctx) {
  const { stage, state } = ctx;
  const progress = stage.progress || {};
  const rated = `${formatNumber(progress.raters || 0)}/${formatNumber(state.workshop.participant_count)}`;
  if (stepRevealed(stage)) {
    return [decisionSentence(stage), scatter(stage),
      el("p", { class: "muted present-count-line" }, (stage.round || 1) > 1 ? t("%(rated)s have rated · round 2", { rated }) : t("%(rated)s have rated", { rated }))];
  }
  return [
    el("div", { class: "big-stats" },
      el("div", {}, el("strong", {}, rated), el("span", { class: "muted" }, t("have rated"))),
      (stage.round || 1) > 1 ? el("div", {}, el("strong", {}, formatNumber(2)), el("span", { class: "muted" }, t("round"))) : null,
    ),
    previousRoundLine(stage), wall(stage.ideas, {}, { newestFirst: false }),
  ];
}

/** An idea's or result's means on both scales and its quadrant ("impact 4.0 · effort 2.0 ·
 * Quick win"); null before it has a mean on the first scale. */
function means(entry, stage) {
  const [first, second] = scalesOf(stage);
  if (!has(entry[first.key])) return null;
  const other = has(entry[second.key]) ? oneDecimal(entry[second.key]) : "?";
  const name = quadrantName(stage, entry);
  return `${lower(scaleLabel(first))} ${oneDecimal(entry[first.key])} · ${lower(scaleLabel(second))} ${other}${name ? ` · ${name}` : ""}`;
}

/** The two scales' words as a decision's items name them (their `<key>_spread` figures), for
 * a caller that has no stage: "impact", "effort" by default. */
function scaleWordsOf(decision) {
  const item = ((decision && decision.items) || [])[0] || {};
  const keys = Object.keys(item).filter((k) => k.endsWith("_spread")).map((k) => k.slice(0, -"_spread".length));
  return keys.length === 2 ? keys.map((k) => k.replace(/_/g, " ")) : ["impact", "effort"];
}

/** What the phone expects now, in one line. */
function status(ctx) {
  const { stage } = ctx;
  const n = stage.ideas.length;
  if (!n) return t("Waiting for ideas to rate");
  const done = ctx.outbox ? ratedCount(ctx) : 0;
  if (!done) return t("Rate each idea 1–5");
  if (done < n) return tn("%(done)s of %(n)s idea rated", "%(done)s of %(n)s ideas rated", n, { done: formatNumber(done) });
  return t("All rated: change them until rating closes");
}

export default {
  kind: "rate",
  // A stage this step decides shows each result's bar by its mean on the first scale (impact),
  // out of 5 (done.js).
  resultBar: (r, stage) => {
    const [first] = scalesOf(stage);
    const rated = has(r[first.key]);
    return { value: rated ? r[first.key] : 0, text: rated ? `${lower(scaleLabel(first))} ${oneDecimal(r[first.key])}` : t("not rated"), max: 5 };
  },
  // In the results list: the means on both scales, and the quadrant.
  resultText: (r, stage) => means(r, stage) || t("not rated"),
  // An idea's means where this screen has them (the console always; the room once revealed).
  ideaFigures: (idea, stage) => means(idea, stage),
  // Beside each result on the projector's chart: its quadrant.
  resultNote: (r, stage) => (r.quadrant
    ? el("span", { class: `tag ${r.quadrant}${isRisky(stage) ? " risk-scale" : ""}` }, quadrantName(stage, r)) : null),
  // The live tally copies the figures every kind declares onto the ideas (common.js); a step
  // with scales of its own has keys no kind declares, so this copies those.
  applyTally: (stage, tally) => {
    const decision = tally.decision;
    if (!decision || decision.kind !== "rate" || isDefault(stage)) return;
    const keys = scalesOf(stage).flatMap((s) => [s.key, `${s.key}_spread`]).concat(["quadrant_label"]);
    const byId = new Map(decision.items.map((item) => [item.idea_id, item]));
    for (const idea of stage.ideas || []) {
      const item = byId.get(idea.id);
      if (item) for (const key of keys) if (key in item) idea[key] = item[key];
    }
  },
  // How the step decides: "by mean impact, then lower effort". Without the stage (done.js
  // passes only the decision) the scales' words come from the figures' keys, and a stage with
  // scales of its own is said by its first scale only (its tie-break is in its settings).
  how: (decision, stage) => {
    if (!stage) {
      const [first, second] = scaleWordsOf(decision);
      return second === "effort" && first === "impact" ? t("by mean impact, then lower effort") : t("by mean %(scale)s", { scale: first });
    }
    const [first, second] = scalesOf(stage).map((s) => lower(scaleLabel(s)));
    return ((rateStep(stage) || {}).settings || {}).second_tie_break === "higher"
      ? t("by mean %(first)s, then higher %(second)s", { first, second })
      : t("by mean %(first)s, then lower %(second)s", { first, second });
  },
  // The console's "How sure is the room?" names the step's own count by its first scale.
  countName: (stage) => t("By mean %(scale)s", { scale: lower(scaleLabel(scalesOf(stage)[0])) }),
  // The step's name and the phone's headline on a stage with scales of its own ("Likelihood
  // and impact", "Rate likelihood and impact"); `label` and `headline` are the kind's own.
  stepLabel: (stage) => {
    if (isDefault(stage)) return t("Impact and effort");
    const [first, second] = scalesOf(stage);
    return t("%(first)s and %(second)s", { first: scaleLabel(first), second: lower(scaleLabel(second)) });
  },
  headlineFor: (stage) => {
    if (isDefault(stage)) return t("Rate impact and effort");
    const [first, second] = scalesOf(stage);
    return t("Rate %(first)s and %(second)s", { first: lower(scaleLabel(first)), second: lower(scaleLabel(second)) });
  },
  progress: { count: "raters", get word() { return t("rated"); } },
  // The words are getters: each read is in the page's language of the moment.
  get label() { return t("Impact and effort"); },
  get headline() { return t("Rate impact and effort"); },
  get start() { return t("start rating"); },
  get close() { return t("Close rating"); },
  outbox: {
    ratings: {
      type: "latest", event: "rating:set", field: "ratings", meKey: "ratings",
      get closedMessage() { return t("Rating closed before your last change reached the room; your last saved ratings count."); },
    },
  },
  metrics: (ctx) => [[`${formatNumber((ctx.stage.progress || {}).raters || 0)}/${formatNumber(ctx.state.workshop.participant_count)}`, t("rated")]],

  status,
  phone: phoneView,
  console: consoleView,
  projector: projectorView,
};
