// Brainstorm: everyone sends short ideas; the console hides duplicates; the projector shows the
// ideas as a wall of notes as they arrive, its columns and type sized to how many there are.

import { announce, el, plural, stageById, toast } from "../common.js";
import { wording } from "../items.js";
import { stepRevealed } from "./decision.js";
import { authorsLine, consoleIdeas, noIdeas, note, setDensity, wall } from "./ideas.js";
import { themesPanel, themeWall } from "./themes.js";

const MAX = 280;

// One textarea for the page's life, so a redraw never loses what is being typed. Ctrl+Enter (or
// Cmd+Enter) sends where there is a keyboard; the phone does not advertise it.
let current = null; // the ctx of the latest draw, for the keyboard shortcut
const draft = el("textarea", {
  id: "idea-text", dataset: { focus: "idea-text" }, name: "text", maxlength: MAX, rows: 3,
  "aria-describedby": "idea-count", placeholder: "One idea, in a sentence or two",
});
const counter = el("span", { id: "idea-count", class: "hint counter" }, `0 / ${MAX}`);
draft.addEventListener("input", () => { counter.textContent = `${draft.value.trim().length} / ${MAX}`; });
draft.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && current) submit(current, event);
});

function submit(ctx, event) {
  event.preventDefault();
  const text = draft.value.trim();
  if (!text) {
    toast("Write something first.", "error");
    draft.focus();
    return;
  }
  if (text.length > MAX) {
    toast(`That is ${text.length} characters; the limit is ${MAX}.`, "error");
    return;
  }
  draft.value = "";
  counter.textContent = `0 / ${MAX}`;
  ctx.outbox.ideas.add({ stage_id: ctx.stage.id, text });
  draft.focus();
}

function phoneView(ctx) {
  current = ctx;
  const { stage, me } = ctx;
  const ideas = ctx.outbox.ideas;
  const myIds = new Set(me.ideas);
  const mine = stage.private
    ? (me.private_ideas || []).filter((idea) => idea.stage_id === stage.id)
    : stage.ideas.filter((idea) => myIds.has(idea.id));
  // A refused idea lives in the shell's notice at the top (with Copy and Dismiss), not here too.
  const waiting = ideas.items.filter((item) => item.stage_id === stage.id && !item.error);
  const merged = (me.merged_ideas || []).filter((idea) => idea.stage_id === stage.id);
  const settings = (stage.steps[stage.step] || {}).settings || {};
  return el("div", {},
    stage.private ? el("p", { class: "card notice" }, "Private brainstorm: you see only your own ideas until the facilitator reveals everyone's, so nobody is swayed by the first ideas.") : null,
    settings.named ? el("p", { class: "muted" }, "Your name is shown with your ideas.") : null,
    el("form", { class: "card stack", onsubmit: (event) => submit(ctx, event), "aria-label": "New idea" },
      el("div", {},
        el("label", { for: "idea-text" }, "Your idea"),
        draft,
        el("div", { class: "spread" }, counter),
      ),
      el("button", { class: "primary wide", type: "submit", dataset: { focus: "send-idea" } }, "Send idea"),
    ),
    el("section", { class: "card", "aria-labelledby": "mine-title" },
      el("h2", { id: "mine-title" }, `Your ideas (${mine.length + merged.length + waiting.length})`),
      mine.length + merged.length + waiting.length === 0
        ? el("p", { class: "muted" }, "Nothing yet. Short and specific works best.")
        : el("ul", { class: "idea-list" },
          mine.map((idea) => el("li", {}, wording(idea), authorsLine(idea))),
          merged.map((idea) => el("li", {}, idea.text,
            el("div", { class: "muted" }, `Merged with a similar idea: “${idea.into_text}”`))),
          waiting.map((item) => el("li", { class: "pending" },
            item.text,
            el("div", {}, "Sending… (kept on this phone until the server has it)"),
          )),
        ),
    ),
  );
}

function privateTools(ctx) {
  const { stage } = ctx;
  const settings = (stage.steps[stage.step] || {}).settings || {};
  if (!settings.private || !ctx.active) return null;
  if (stepRevealed(stage)) return el("p", { class: "muted small" }, "Everyone's ideas are shown to the room.");
  return el("div", { class: "row step-tools" },
    el("button", { type: "button", dataset: { focus: "reveal" }, onclick: () => ctx.act("results:reveal", { stage_id: stage.id }) }, "Reveal ideas"),
    el("span", { class: "muted small" }, "Private brainstorm: phones see only their own ideas and the projector only a count."));
}

function consoleView(ctx) {
  const { stage } = ctx;
  return el("div", { class: "brainstorm-console" },
    privateTools(ctx),
    stage.ideas.length ? consoleIdeas(ctx, stage.ideas, { canHide: ctx.active, canMerge: ctx.active }) : noIdeas(stage),
    ctx.active && stage.ideas.length ? themesPanel(ctx) : null,
  );
}

function projectorView(ctx) {
  const { stage } = ctx;
  if (stage.private && !stepRevealed(stage)) {
    const n = (stage.progress || {}).ideas || 0;
    return [
      el("div", { class: "big-stats" }, el("div", {}, el("strong", { id: "private-count" }, n), el("span", { class: "muted" }, n === 1 ? "idea so far" : "ideas so far"))),
      el("p", { class: "hint-line" }, "Ideas stay private until the facilitator reveals them."),
    ];
  }
  return [
    el("p", { class: "hint-line", id: "idea-count" }, stage.ideas.length
      ? plural(stage.ideas.length, "idea", "ideas")
      : "Ideas appear here as they arrive. Scan the code or type it on your phone."),
    themeWall(stage) || wall(stage.ideas, { id: "wall" }),
  ];
}

/**
 * A new note goes on top of the wall without redrawing (and re-animating) the others; the wall
 * takes the density of its new size. The projector fits the screen again after it.
 */
function ideaAdded(ctx, idea, root) {
  const board = root.querySelector("#wall");
  if (!board) return false;
  board.prepend(note(idea));
  const n = ctx.stage.ideas.length;
  setDensity(board, n);
  root.querySelector("#idea-count").textContent = plural(n, "idea", "ideas");
  return true;
}

/** The phone's one line: what to do now. */
function status(ctx) {
  if (!ctx.active) return "Waiting for the facilitator";
  const { stage, me } = ctx;
  const mine = stage.private
    ? (me.private_ideas || []).filter((idea) => idea.stage_id === stage.id).length
    : stage.ideas.filter((idea) => me.ideas.includes(idea.id)).length;
  return mine ? `Send your ideas (${mine} sent so far)` : "Send your ideas";
}

export default {
  kind: "brainstorm",
  // The console lists a stage's items with this view before the stage opens (preloaded items).
  listsItems: true,
  label: "Brainstorm",
  headline: "Share your ideas",
  start: "start brainstorm",
  close: "Close ideas",
  outbox: {
    ideas: {
      type: "queue",
      storeKey: "outbox", // the name phones have used since the first release
      event: "idea:submit",
      payload: (item) => ({ stage_id: item.stage_id, text: item.text, client_id: item.client_id }),
      onAck(ctx, item, reply) {
        const { idea } = reply;
        const stage = stageById(ctx.state, idea.stage_id);
        if (stage && stage.private) {
          const own = ctx.state.me.private_ideas || (ctx.state.me.private_ideas = []);
          if (!own.some((other) => other.id === idea.id)) own.push({ id: idea.id, stage_id: idea.stage_id, text: idea.text });
        } else if (stage && !stage.ideas.some((other) => other.id === idea.id)) {
          stage.ideas.push({ id: idea.id, text: idea.text, fields: {}, links: [], from_facilitator: false });
        }
        if (!ctx.state.me.ideas.includes(idea.id)) ctx.state.me.ideas.push(idea.id);
        announce("Idea sent.");
      },
      refused: (error) => (error.code === "wrong_phase"
        ? "The brainstorm closed before your idea reached the room"
        : `Your idea was not sent: ${error.message}`),
    },
  },
  phone: phoneView,
  console: consoleView,
  projector: projectorView,
  status,
  ideaAdded,
};
