// Rate: everyone rates ideas for impact and effort, 1 to 5 each (rate as many as you like, one
// scale or both). The console, and the room once revealed, see a 2×2 scatter: quick wins (high
// impact, low effort), big bets, fill-ins and money pits, with each idea's spread drawn around it.

import { el, plural } from "../common.js";
import { originMark, wording } from "../items.js";
import { consensusBadge, decisionItem, decisionSentence, decisionSummary, movedBadge, previousRound, previousRoundLine, roundTools, stepRevealed } from "./decision.js";
import { consoleIdeas, noIdeas, phoneOrder, wall } from "./ideas.js";

const SCALES = [
  { key: "impact", label: "Impact", low: "little", high: "a lot" },
  { key: "effort", label: "Effort", low: "easy", high: "hard" },
];
export const QUADRANTS = {
  quick_win: "Quick win",
  big_bet: "Big bet",
  fill_in: "Fill-in",
  money_pit: "Money pit",
};
const SVG = "http://www.w3.org/2000/svg";

function ratingsFor(ctx) {
  const saved = ctx.outbox.ratings.value(ctx.stage.id, {});
  return Object.fromEntries(Object.entries(saved).map(([id, r]) => [id, { ...r }]));
}

function setRating(ctx, ideaId, scale, value) {
  const ratings = ratingsFor(ctx);
  const key = String(ideaId);
  const current = ratings[key] || { impact: null, effort: null };
  current[scale] = current[scale] === value ? null : value; // tapping the chosen value clears it
  if (current.impact === null && current.effort === null) delete ratings[key]; else ratings[key] = current;
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
  return el("div", {},
    (stage.round || 1) > 1 ? el("p", { class: "card notice" }, "Round 2: you start from your round-1 ratings. Change them if the discussion changed your mind.") : null,
    revealed ? el("section", { class: "card room-result", "aria-label": "The room's ratings" },
      el("h2", {}, "The room's ratings"), decisionSentence(stage), scatter(stage)) : null,
    previousRound(stage),
    el("p", { class: "small muted" },
      "Rate each idea: how much would it change things (impact), and how hard is it (effort)? Rate the ones you can judge. ",
      unsaved ? "Saving…" : done ? `${plural(done, "idea", "ideas")} rated; saved.` : ""),
    stage.ideas.length === 0 ? el("p", { class: "card" }, "There are no ideas to rate.") : null,
    // Each phone rates in its own order (the room's results are the scatter above).
    el("ul", { class: "idea-list rate-list", "aria-label": "Ideas" }, phoneOrder(ctx, stage.ideas).map((idea) => {
      const mine = ratings[String(idea.id)] || {};
      return el("li", { class: "rate-item", dataset: { ideaId: idea.id } },
        el("div", { class: "rate-text" }, wording(idea), originMark(idea)),
        SCALES.map((scale) => el("div", { class: "scale", role: "group", "aria-label": `${scale.label} of: ${wording(idea)}` },
          el("span", { class: "scale-label" }, scale.label,
            el("span", { class: "scale-ends muted" }, ` 1 ${scale.low} · 5 ${scale.high}`)),
          [1, 2, 3, 4, 5].map((n) => el("button", {
            type: "button", class: mine[scale.key] === n ? "primary" : "",
            "aria-pressed": mine[scale.key] === n ? "true" : "false",
            "aria-label": `${scale.label} ${n} of 5`, dataset: { focus: `${scale.key}-${idea.id}-${n}` },
            onclick: () => setRating(ctx, idea.id, scale.key, n),
          }, n)),
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
const px = (effort) => MARGIN + ((effort - 1) / 4) * SPAN;
const py = (impact) => 100 - MARGIN - ((impact - 1) / 4) * SPAN;

function figuresOf(idea) {
  return `impact ${idea.impact.toFixed(1)} ± ${(idea.impact_spread || 0).toFixed(1)}, effort ${idea.effort.toFixed(1)} ± ${(idea.effort_spread || 0).toFixed(1)}`;
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
  const rated = stage.ideas.filter((idea) => idea.impact !== undefined && idea.impact !== null && idea.effort !== null && idea.effort !== undefined);
  if (!stage.decision || stage.decision.kind !== "rate") return rated;
  const rank = new Map(stage.decision.items.map((item) => [item.idea_id, item.rank]));
  return [...rated].sort((a, b) => (rank.get(a.id) ?? 1e9) - (rank.get(b.id) ?? 1e9));
}

/**
 * The 2×2 scatter of mean effort (across) and mean impact (up): the quadrants, then every
 * idea's spread as an ellipse, then the points above them, each numbered beside its point; the
 * legend lists the numbers with each idea's quadrant and figures.
 */
export function scatter(stage) {
  const placed = placedIdeas(stage).map((idea, i) => ({ idea, n: i + 1 }));
  // The best LABELLED get a number (and a legend line); more would bury the points under
  // their labels. The rest are drawn as smaller dots, their spreads too.
  const numbered = placed.slice(0, LABELLED);
  const others = placed.slice(LABELLED);
  const chart = svg("svg", { viewBox: "0 0 100 100", class: `scatter${placed.length > 10 ? " many" : ""}`, role: "img", preserveAspectRatio: "none",
    "aria-label": `Impact and effort of ${plural(numbered.length, "idea", "ideas")}: quick wins top left, big bets top right, fill-ins bottom left, money pits bottom right. The list below gives each idea's place.` },
  svg("rect", { x: 0, y: 0, width: 50, height: 50, class: "q quick_win" }),
  svg("rect", { x: 50, y: 0, width: 50, height: 50, class: "q big_bet" }),
  svg("rect", { x: 0, y: 50, width: 50, height: 50, class: "q fill_in" }),
  svg("rect", { x: 50, y: 50, width: 50, height: 50, class: "q money_pit" }),
  svg("g", { class: "spreads" }, [...others, ...numbered].map(({ idea }) => svg("ellipse", {
    cx: px(idea.effort), cy: py(idea.impact), class: "spread",
    rx: Math.max(DOT_R, ((idea.effort_spread || 0) / 4) * SPAN), ry: Math.max(DOT_R, ((idea.impact_spread || 0) / 4) * SPAN) }))),
  svg("g", { class: "others" }, others.map(({ idea, n }) => svg("g", { class: `point other ${idea.quadrant || ""}` },
    svg("title", {}, `${n}. ${wording(idea)}: ${figuresOf(idea)}`),
    svg("circle", { cx: px(idea.effort), cy: py(idea.impact), r: DOT_R * 0.6, class: "dot" })))),
  svg("g", { class: "points" }, numbered.map(({ idea, n }) => svg("g", { class: `point ${idea.quadrant || ""}` },
    svg("title", {}, `${n}. ${wording(idea)}: ${figuresOf(idea)}`),
    svg("circle", { cx: px(idea.effort), cy: py(idea.impact), r: DOT_R, class: "dot" })))),
  );
  const area = el("div", { class: "scatter-area" }, chart,
    numbered.map(({ idea, n }) => el("span", { class: "scatter-n", "aria-hidden": "true",
      dataset: { x: px(idea.effort).toFixed(2), y: py(idea.impact).toFixed(2) },
      style: { left: `${px(idea.effort) + DOT_R}%`, top: `${py(idea.impact) - 3}%` } }, n)));
  if (watching) watching.observe(area);
  else requestAnimationFrame(() => placeLabels(area));
  const unplaced = stage.ideas.filter((idea) => !placed.some((entry) => entry.idea === idea));
  return el("figure", { class: "scatter-figure" },
    el("div", { class: "scatter-plot" },
      el("div", { class: "scatter-q top", "aria-hidden": "true" }, el("span", { class: "quick_win" }, "Quick wins"), el("span", { class: "big_bet" }, "Big bets")),
      el("div", { class: "scatter-middle" },
        el("span", { class: "scatter-axis y", "aria-hidden": "true" }, "Impact →"),
        area),
      el("div", { class: "scatter-q bottom", "aria-hidden": "true" }, el("span", { class: "fill_in" }, "Fill-ins"), el("span", { class: "money_pit" }, "Money pits")),
      el("span", { class: "scatter-axis x", "aria-hidden": "true" }, "Effort →")),
    el("figcaption", {},
      el("ol", { class: "scatter-legend fit-list", "aria-label": "Ideas on the chart" }, numbered.map(({ idea, n }) => {
        const item = decisionItem(stage, idea.id);
        return el("li", {},
          el("span", { class: "scatter-key", "aria-hidden": "true" }, n),
          el("span", { class: "legend-body" },
            el("span", { class: "legend-text" }, wording(idea)), " ",
            el("span", { class: `tag ${idea.quadrant}` }, QUADRANTS[idea.quadrant] || ""), " ",
            el("span", { class: "legend-figures" }, figuresOf(idea)), " ",
            consensusBadge(item), movedBadge(item)));
      })),
      others.length ? el("p", { class: "muted scatter-others" }, `${plural(others.length, "more idea is", "more ideas are")} on the chart as small dots, without a number.`) : null,
      unplaced.length ? el("p", { class: "small muted scatter-unplaced" }, `Not placed yet (needs an impact and an effort): ${unplaced.map((i) => wording(i)).join(" · ")}`) : null,
      el("p", { class: "small muted scatter-note" }, "A mean above 3 counts as high. The ellipse around a point shows how much the ratings spread."),
    ));
}

function consoleView(ctx) {
  const { stage } = ctx;
  return el("div", {},
    roundTools(ctx, { what: "ratings" }),
    decisionSummary(stage, ctx),
    stage.ideas.length ? [scatter(stage), consoleIdeas(ctx, stage.ideas, {
      canHide: ctx.active, canMerge: ctx.active,
      figure: (idea) => (idea.ratings ? plural(idea.ratings, "rating", "ratings") : "no ratings"),
      extra: (idea) => [consensusBadge(decisionItem(stage, idea.id)), movedBadge(decisionItem(stage, idea.id))],
    })] : noIdeas(stage),
  );
}

function projectorView(ctx) {
  const { stage, state } = ctx;
  const progress = stage.progress || {};
  const rated = `${progress.raters || 0}/${state.workshop.participant_count}`;
  if (stepRevealed(stage)) {
    return [decisionSentence(stage), scatter(stage),
      el("p", { class: "muted present-count-line" }, `${rated} have rated${(stage.round || 1) > 1 ? " · round 2" : ""}`)];
  }
  return [
    el("div", { class: "big-stats" },
      el("div", {}, el("strong", {}, rated), el("span", { class: "muted" }, "have rated")),
      (stage.round || 1) > 1 ? el("div", {}, el("strong", {}, "2"), el("span", { class: "muted" }, "round")) : null,
    ),
    previousRoundLine(stage), wall(stage.ideas, {}, { newestFirst: false }),
  ];
}

/** What the phone expects now, in one line. */
function status(ctx) {
  const { stage } = ctx;
  const n = stage.ideas.length;
  if (!n) return "Waiting for ideas to rate";
  const done = ctx.outbox ? ratedCount(ctx) : 0;
  if (!done) return "Rate each idea 1–5";
  if (done < n) return `${done} of ${n} ideas rated`;
  return "All rated: change them until rating closes";
}

export default {
  kind: "rate",
  // A stage this step decides shows each result's bar by its mean impact, out of 5 (done.js).
  resultBar: (r) => {
    const rated = r.impact !== null && r.impact !== undefined;
    return { value: rated ? r.impact : 0, text: rated ? `impact ${r.impact.toFixed(1)}` : "not rated", max: 5 };
  },
  // In the results list: mean impact and effort, and the quadrant.
  resultText: (r) => {
    if (r.impact === null || r.impact === undefined) return "not rated";
    const effort = r.effort === null || r.effort === undefined ? "?" : r.effort.toFixed(1);
    return `impact ${r.impact.toFixed(1)} · effort ${effort}${r.quadrant ? ` · ${QUADRANTS[r.quadrant]}` : ""}`;
  },
  // An idea's means where this screen has them (the console always; the room once revealed).
  ideaFigures: (idea) => {
    if (idea.impact === undefined || idea.impact === null) return null;
    const effort = idea.effort === undefined || idea.effort === null ? "?" : idea.effort.toFixed(1);
    return `impact ${idea.impact.toFixed(1)} · effort ${effort}${idea.quadrant ? ` · ${QUADRANTS[idea.quadrant]}` : ""}`;
  },
  // Beside each result on the projector's chart: its quadrant.
  resultNote: (r) => (r.quadrant ? el("span", { class: `tag ${r.quadrant}` }, QUADRANTS[r.quadrant]) : null),
  how: () => "by mean impact, then lower effort",
  countName: "By mean impact",
  progress: { count: "raters", word: "rated" },
  label: "Impact and effort",
  headline: "Rate impact and effort",
  start: "start rating",
  close: "Close rating",
  outbox: {
    ratings: {
      type: "latest", event: "rating:set", field: "ratings", meKey: "ratings",
      closedMessage: "Rating closed before your last change reached the room; your last saved ratings count.",
    },
  },
  metrics: (ctx) => [[`${(ctx.stage.progress || {}).raters || 0}/${ctx.state.workshop.participant_count}`, "rated"]],
  status,
  phone: phoneView,
  console: consoleView,
  projector: projectorView,
};
