// Rate: everyone rates ideas for impact and effort, 1 to 5 each (rate as many as you like, one
// scale or both). The console, and the room once revealed, see a 2×2 scatter: quick wins (high
// impact, low effort), big bets, fill-ins and money pits, with each idea's spread drawn around it.

import { el, plural } from "../common.js";
import { wording } from "../items.js";
import { consensusBadge, decisionItem, decisionSummary, movedBadge, previousRound, roundTools, stepRevealed } from "./decision.js";
import { consoleIdeas, noIdeas, wall } from "./ideas.js";

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

function phoneView(ctx) {
  const { stage } = ctx;
  const ratings = ratingsFor(ctx);
  const done = Object.keys(ratings).length;
  const unsaved = ctx.outbox.ratings.isPending(stage.id);
  const revealed = stepRevealed(stage);
  return el("div", {},
    (stage.round || 1) > 1 ? el("p", { class: "card notice" }, "Round 2: you start from your round-1 ratings. Change them if the discussion changed your mind.") : null,
    previousRound(stage),
    el("p", { class: "small muted" },
      "Rate each idea: how much would it change things (impact), and how hard is it (effort)? Rate the ones you can judge. ",
      unsaved ? "Saving…" : done ? `${plural(done, "idea", "ideas")} rated; saved.` : ""),
    revealed ? [decisionSummary(stage), scatter(stage)] : null,
    stage.ideas.length === 0 ? el("p", { class: "card" }, "There are no ideas to rate.") : null,
    el("ul", { class: "idea-list rate-list", "aria-label": "Ideas" }, stage.ideas.map((idea) => {
      const mine = ratings[String(idea.id)] || {};
      return el("li", { class: "rate-item" },
        el("div", {}, wording(idea)),
        SCALES.map((scale) => el("div", { class: "scale", role: "group", "aria-label": `${scale.label} of: ${wording(idea)}` },
          el("span", { class: "scale-label" }, scale.label,
            el("span", { class: "small muted" }, ` 1 ${scale.low} · 5 ${scale.high}`)),
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

/** The 2×2 scatter of mean effort (across) and mean impact (up), spread as an ellipse. */
export function scatter(stage) {
  const size = 420;
  const pad = 36;
  const span = size - 2 * pad;
  const x = (effort) => pad + ((effort - 1) / 4) * span;
  const y = (impact) => size - pad - ((impact - 1) / 4) * span;
  const placed = stage.ideas.filter((idea) => idea.impact !== undefined && idea.impact !== null && idea.effort !== null && idea.effort !== undefined);
  const numbered = placed.map((idea, i) => ({ idea, n: i + 1 }));
  const mid = x(3);
  const labels = [
    ["Quick wins", pad + 6, pad + 16, "quick_win"], ["Big bets", size - pad - 6, pad + 16, "big_bet"],
    ["Fill-ins", pad + 6, size - pad - 8, "fill_in"], ["Money pits", size - pad - 6, size - pad - 8, "money_pit"],
  ];
  const chart = svg("svg", { viewBox: `0 0 ${size} ${size}`, class: "scatter", role: "img",
    "aria-label": "Impact and effort: quick wins top left, big bets top right, fill-ins bottom left, money pits bottom right" },
  svg("rect", { x: pad, y: pad, width: mid - pad, height: y(3) - pad, class: "q quick_win" }),
  svg("rect", { x: mid, y: pad, width: size - pad - mid, height: y(3) - pad, class: "q big_bet" }),
  svg("rect", { x: pad, y: y(3), width: mid - pad, height: size - pad - y(3), class: "q fill_in" }),
  svg("rect", { x: mid, y: y(3), width: size - pad - mid, height: size - pad - y(3), class: "q money_pit" }),
  labels.map(([text, lx, ly, cls]) => svg("text", { x: lx, y: ly, class: `q-label ${cls}`, "text-anchor": lx > mid ? "end" : "start" }, text)),
  svg("text", { x: size / 2, y: size - 8, class: "axis", "text-anchor": "middle" }, "Effort →"),
  svg("text", { x: 12, y: size / 2, class: "axis", "text-anchor": "middle", transform: `rotate(-90 12 ${size / 2})` }, "Impact →"),
  numbered.map(({ idea, n }) => svg("g", { class: `point ${idea.quadrant || ""}` },
    svg("title", {}, `${wording(idea)}: impact ${idea.impact.toFixed(1)} ± ${(idea.impact_spread || 0).toFixed(1)}, effort ${idea.effort.toFixed(1)} ± ${(idea.effort_spread || 0).toFixed(1)}`),
    svg("ellipse", { cx: x(idea.effort), cy: y(idea.impact), rx: Math.max(2, ((idea.effort_spread || 0) / 4) * span), ry: Math.max(2, ((idea.impact_spread || 0) / 4) * span), class: "spread" }),
    svg("circle", { cx: x(idea.effort), cy: y(idea.impact), r: 11, class: "dot" }),
    svg("text", { x: x(idea.effort), y: y(idea.impact) + 4, "text-anchor": "middle", class: "n" }, n),
  )));
  const unplaced = stage.ideas.filter((idea) => !placed.includes(idea));
  return el("figure", { class: "scatter-figure" }, chart,
    el("figcaption", {},
      el("ol", { class: "scatter-legend" }, numbered.map(({ idea }) => el("li", {},
        el("span", {}, wording(idea)), " ",
        el("span", { class: `tag ${idea.quadrant}` }, QUADRANTS[idea.quadrant] || ""), " ",
        el("span", { class: "small muted" }, `impact ${idea.impact.toFixed(1)} ± ${(idea.impact_spread || 0).toFixed(1)}, effort ${idea.effort.toFixed(1)} ± ${(idea.effort_spread || 0).toFixed(1)}`), " ",
        consensusBadge(decisionItem(stage, idea.id)), movedBadge(decisionItem(stage, idea.id))))),
      unplaced.length ? el("p", { class: "small muted" }, `Not placed yet (needs an impact and an effort): ${unplaced.map((i) => wording(i)).join(" · ")}`) : null,
      el("p", { class: "small muted" }, "A mean above 3 counts as high. The ellipse around a point shows how much the ratings spread."),
    ));
}

function consoleView(ctx) {
  const { stage } = ctx;
  return el("div", {},
    roundTools(ctx, { what: "ratings" }),
    decisionSummary(stage),
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
  return [
    el("div", { class: "big-stats" },
      el("div", {}, el("strong", {}, `${progress.raters || 0}/${state.workshop.participant_count}`), el("span", { class: "muted" }, "have rated")),
      (stage.round || 1) > 1 ? el("div", {}, el("strong", {}, "2"), el("span", { class: "muted" }, "round")) : null,
    ),
    stepRevealed(stage) ? [scatter(stage), decisionSummary(stage)] : [previousRound(stage), wall(stage.ideas)],
  ];
}

export default {
  kind: "rate",
  label: "Impact and effort",
  headline: "Rate impact and effort",
  start: "start rating",
  close: "Close rating",
  outbox: {
    ratings: {
      type: "latest", event: "rating:set", field: "ratings", meKey: "ratings",
      closedMessage: "Rating has closed; your last saved ratings count.",
    },
  },
  metrics: (ctx) => [[`${(ctx.stage.progress || {}).raters || 0}/${ctx.state.workshop.participant_count}`, "rated"]],
  phone: phoneView,
  console: consoleView,
  projector: projectorView,
};
