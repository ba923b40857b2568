// Pieces several activities draw: the console's idea list (with dots and hiding) and the
// projector's wall of notes.

import { el, plural } from "../common.js";
import { wording } from "../items.js";

/** Ideas by dots, most first; ties in writing order (lower id first). */
export function byDots(ideas) {
  return [...ideas].sort((a, b) => (b.votes || 0) - (a.votes || 0) || a.id - b.id);
}

/**
 * The console's list of a stage's ideas: hidden ones struck through, dots and bars when
 * `showVotes`, a Hide/Show button when `canHide`, shortlisted ones highlighted.
 */
export function consoleIdeas(ctx, ideas, { showVotes = false, canHide = false } = {}) {
  const { stage } = ctx;
  const maxVotes = Math.max(1, ...ideas.map((idea) => idea.votes || 0));
  return el("ul", { class: "console-ideas" }, ideas.map((idea) => el("li", {
    class: [idea.hidden ? "is-hidden" : "", stage.shortlist.includes(idea.id) ? "on-shortlist" : ""].join(" ").trim(),
  },
  el("span", { class: "text" }, wording(idea),
    idea.from_facilitator ? el("span", { class: "tag" }, "added by you") : null,
    idea.hidden ? el("span", { class: "muted small" }, " (hidden)") : null),
  showVotes ? el("span", { class: "total" }, plural(idea.votes || 0, "dot", "dots")) : el("span"),
  canHide ? el("button", {
    type: "button", class: "quiet small", dataset: { focus: `hide-${idea.id}` },
    "aria-label": `${idea.hidden ? "Show" : "Hide"}: ${idea.text}`,
    onclick: () => ctx.act("idea:hide", { idea_id: idea.id, hidden: !idea.hidden }),
  }, idea.hidden ? "Show" : "Hide") : el("span"),
  showVotes ? el("div", { class: "bar", "aria-hidden": "true" },
    el("span", { style: `width:${Math.round(100 * (idea.votes || 0) / maxVotes)}%` })) : null,
  )));
}

/** What the console says when a stage has no ideas yet. */
export function noIdeas(stage) {
  return el("p", { class: "muted" }, stage.phase === "pending"
    ? "Not started yet."
    : "No ideas yet. They appear here as participants send them.");
}

/** The projector's wall of sticky notes, newest first. */
export function wall(ideas, attrs = {}) {
  return el("ul", { class: "wall", "aria-label": "Ideas", ...attrs },
    [...ideas].reverse().map((idea) => el("li", { class: "note" }, wording(idea))));
}
