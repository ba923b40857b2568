// Brainstorm: everyone sends short ideas; the console hides duplicates; the projector shows the
// ideas as a wall of notes as they arrive, its columns and type sized to how many there are.

import { announce, el, stageById, store, toast } from "../common.js";
import { formatNumber, t, tn } from "../i18n.js";
import { byCategory, categoriesOf, categoryLabel, wording } from "../items.js";
import { stepRevealed } from "./decision.js";
import {
  MAX_WORDING, SPARSE, authorsLine, categoryBoard, categoryCounts, consoleIdeas, noIdeas, note, setDensity, unsavedWordings, wall,
} from "./ideas.js";
import { themesPanel, themeWall } from "./themes.js";

const MAX = MAX_WORDING;

/** "12 / 280", in the page's digits. */
const countText = (n) => `${formatNumber(n)} / ${formatNumber(MAX)}`;
/** "12 ideas". */
const ideaCount = (n) => tn("%(n)s idea", "%(n)s ideas", n);

// One textarea for the page's life, so a redraw never loses what is being typed. Ctrl+Enter (or
// Cmd+Enter) sends where there is a keyboard; the phone does not advertise it. Its placeholder
// and counter are worded at each draw (the page's language may have changed since).
let current = null; // the ctx of the latest draw, for the keyboard shortcut
const draft = el("textarea", {
  id: "idea-text", dataset: { focus: "idea-text" }, name: "text", maxlength: MAX, rows: 3, dir: "auto",
  "aria-describedby": "idea-count",
});
const counter = el("span", { id: "idea-count", class: "hint counter" });
const countDraft = () => { counter.textContent = countText(draft.value.trim().length); };
draft.addEventListener("input", countDraft);
draft.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && current) submit(current, event);
});

function submit(ctx, event) {
  event.preventDefault();
  const text = draft.value.trim();
  if (!text) {
    toast(t("Write something first."), "error");
    draft.focus();
    return;
  }
  if (text.length > MAX) {
    toast(t("That is %(n)s characters; the limit is %(max)s.", { n: formatNumber(text.length), max: formatNumber(MAX) }), "error");
    return;
  }
  const categories = categoriesOf(ctx.stage);
  const category = chosenCategory(ctx);
  if (categories.length && !category) {
    // The words stay in the box: only the category is missing.
    // Category labels: the server's defaults (N_) in the page's language; typed ones as typed.
    const names = categories.map((entry) => t(entry.label)).join(", ");
    toast(t("Pick a category first: %(categories)s.", { categories: names }), "error");
    const first = document.querySelector("#category-picker button");
    if (first) first.focus();
    return;
  }
  draft.value = "";
  countDraft();
  ctx.outbox.ideas.add(category ? { stage_id: ctx.stage.id, text, category } : { stage_id: ctx.stage.id, text });
  draft.focus();
}

// ------------------------------------------------------------------ the category of the next idea

// stage id -> the category this phone picked last: it stays picked for the next idea (and
// across a reload), until the participant picks another.
const chosenKey = (ctx) => `sw:idea-category:${ctx.state.workshop.code}`;

/** The category picked for the next idea on this stage, or null (none yet, or a plain stage). */
function chosenCategory(ctx) {
  const key = store.get(chosenKey(ctx), {})[ctx.stage.id];
  return categoriesOf(ctx.stage).some((entry) => entry.key === key) ? key : null;
}

function choose(ctx, key) {
  const chosen = { ...store.get(chosenKey(ctx), {}), [ctx.stage.id]: key };
  store.set(chosenKey(ctx), chosen);
  announce(t("%(category)s picked for your next idea.", { category: t(categoryLabel(ctx.stage, key) || "") }));
  ctx.rerender();
}

/**
 * One large button per category (its label and hint), before the text box: the picked one is
 * marked (a tick, its colour, aria-pressed) and stays picked for the next idea.
 */
function categoryPicker(ctx, categories, chosen) {
  return el("fieldset", { class: "category-picker", id: "category-picker" },
    el("legend", {}, chosen ? t("Your next idea is about") : t("First, what is your idea about?")),
    el("div", { class: `category-buttons cats-${categories.length}` }, categories.map((entry) => {
      const picked = entry.key === chosen;
      return el("button", {
        type: "button", class: `category-choice cat-${entry.key}${picked ? " is-chosen" : ""}`,
        "aria-pressed": picked ? "true" : "false", dataset: { focus: `category-${entry.key}`, category: entry.key },
        onclick: () => choose(ctx, entry.key),
      },
      el("span", { class: "category-name" }, picked ? el("span", { class: "category-tick", "aria-hidden": "true" }, "✓ ") : null, t(entry.label)),
      entry.hint ? el("span", { class: "category-hint" }, t(entry.hint)) : null);

    })),
  );
}

// ------------------------------------------------------------------ the phone's own ideas

// idea id -> its open editor on this phone: a textarea that lives as long as the editor (so a
// redraw never loses what is being typed), its counter, and what is wrong with it. The words
// are also kept in localStorage, so a reload while editing brings the editor back as it was.
const editors = new Map();
const draftsKey = (ctx) => `sw:idea-edits:${ctx.state.workshop.code}`;

function keepDrafts(ctx) {
  store.set(draftsKey(ctx), Object.fromEntries([...editors].map(([id, editor]) => [id, editor.area.value])));
}

function editorFor(ctx, idea, text) {
  const area = el("textarea", {
    id: `edit-${idea.id}`, class: "edit-text", name: "text", maxlength: MAX,
    rows: Math.min(8, Math.max(3, Math.ceil(text.length / 26) + 1)), // the whole idea in view
    dataset: { focus: `edit-${idea.id}` }, "aria-describedby": `edit-count-${idea.id}`, dir: "auto",
  });
  area.value = text;
  const counter = el("span", { id: `edit-count-${idea.id}`, class: "hint counter" });
  const count = () => { counter.textContent = countText(area.value.trim().length); };
  // `count` again at each draw: the counter's digits follow the page's language.
  const editor = { area, counter, count, error: null, before: wording(idea) };
  area.addEventListener("input", () => {
    count();
    if (editor.error) { editor.error = null; if (current) current.rerender(); }
    if (current) keepDrafts(current);
  });
  area.addEventListener("keydown", (event) => {
    if (!current) return;
    if (event.key === "Escape") { event.preventDefault(); closeEditor(current, idea.id); }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); saveEdit(current, idea); }
  });
  count();
  return editor;
}

/**
 * Why the phone can no longer edit idea `id`, said to its author: merged into another idea,
 * still there but its brainstorm closed, or taken away by the facilitator (hidden or deleted).
 */
function goneMessage(ctx, id) {
  const { state, me } = ctx;
  if ((me.merged_ideas || []).some((idea) => idea.id === id)) {
    return t("The facilitator merged this idea with a similar one; your new wording");
  }
  const listed = state.stages.some((stage) => (stage.ideas || []).some((idea) => idea.id === id))
    || (me.private_ideas || []).some((idea) => idea.id === id);
  return listed ? t("The brainstorm closed before you saved your change") : t("The facilitator removed this idea; your new wording");
}

/**
 * Editors whose idea is no longer the phone's to edit (the facilitator hid, deleted or merged
 * it while its author was typing): their words go to the notices at the top, with a Copy
 * button, instead of vanishing with the editor. Words the same as the idea's are not news.
 */
function handOverVanished(ctx, mine) {
  const listed = new Set(mine.map((idea) => idea.id));
  let changed = false;
  for (const [id, editor] of [...editors]) {
    if (listed.has(id)) continue;
    editors.delete(id);
    changed = true;
    const text = editor.area.value.trim();
    if (text && text !== editor.before && ctx.notify) ctx.notify(`edit:${id}`, goneMessage(ctx, id), text);
  }
  if (changed) keepDrafts(ctx);
}

/**
 * Words an earlier visit left in an editor, for ideas the phone can no longer edit (gone, or
 * their brainstorm closed while the page was shut): handed to the notices, never dropped.
 */
function handOverSaved(ctx, saved, keep) {
  for (const [id, text] of Object.entries(saved)) {
    if (keep.has(Number(id)) || keep.has(id) || typeof text !== "string" || !text.trim()) continue;
    if (ctx.notify) ctx.notify(`edit:${id}`, goneMessage(ctx, Number(id)), text.trim());
  }
}

/** Editors a reload left open: back with the words that were typed, for ideas still listed. */
let restored = false; // the drafts of an earlier visit are brought back once per page

function restoreEditors(ctx, mine) {
  if (restored) return;
  restored = true;
  const saved = store.get(draftsKey(ctx), {});
  for (const idea of mine) {
    if (typeof saved[idea.id] === "string" && !editors.has(idea.id)) editors.set(idea.id, editorFor(ctx, idea, saved[idea.id]));
  }
  handOverSaved(ctx, saved, new Set(mine.map((idea) => idea.id)));
  keepDrafts(ctx);
}

/**
 * The page opens (or reconnects for the first time) away from an open brainstorm: what an
 * earlier visit left typed in an editor cannot be brought back as an editor, so it becomes a
 * notice. On an open brainstorm the view itself brings the editors back (restoreEditors).
 */
function phoneResume(ctx) {
  if (restored) return;
  const { state, stage } = ctx;
  const open = stage && stage.phase === "brainstorm" && !state.workshop.lobby && state.workshop.status !== "finished";
  if (open) return;
  restored = true;
  handOverSaved(ctx, store.get(draftsKey(ctx), {}), new Set());
  keepDrafts(ctx);
}

function openEditor(ctx, idea, text) {
  const editor = editorFor(ctx, idea, text);
  editors.set(idea.id, editor);
  keepDrafts(ctx);
  ctx.rerender();
  editor.area.focus();
  editor.area.setSelectionRange(editor.area.value.length, editor.area.value.length);
}

function closeEditor(ctx, ideaId) {
  editors.delete(ideaId);
  keepDrafts(ctx);
  ctx.rerender();
  const button = document.querySelector(`#my-ideas [data-focus="edit-idea-${ideaId}"]`);
  if (button) button.focus({ preventScroll: true });
}

/**
 * Save an edit: checked here as the server checks it, then queued in the outbox (kept on the
 * phone until the server has it, sent again after a reconnect). A refusal lands in the notices
 * at the top with the words and a Copy button, so nothing typed is lost.
 */
function saveEdit(ctx, idea) {
  const editor = editors.get(idea.id);
  if (!editor) return;
  const text = editor.area.value.trim();
  if (!text) {
    editor.error = t("Write something, or delete the idea instead.");
    ctx.rerender();
    editor.area.focus();
    return;
  }
  if (text.length > MAX) {
    editor.error = t("That is %(n)s characters; the limit is %(max)s.", { n: formatNumber(text.length), max: formatNumber(MAX) });
    ctx.rerender();
    return;
  }
  editors.delete(idea.id);
  keepDrafts(ctx);
  if (text !== shownText(ctx, idea)) {
    ctx.outbox.ideaChanges.add({ kind: "edit", idea_id: idea.id, stage_id: ctx.stage.id, text, before: idea.text });
  } else {
    ctx.rerender();
  }
  const button = document.querySelector(`#my-ideas [data-focus="edit-idea-${idea.id}"]`);
  if (button) button.focus({ preventScroll: true });
}

function deleteIdea(ctx, idea) {
  const text = shownText(ctx, idea);
  // The browser's own dialog: a screen reader reads it, and a stray tap cannot confirm it.
  if (!window.confirm(`${t("Delete your idea?")}\n\n${t("“%(text)s”", { text })}`)) return;
  editors.delete(idea.id);
  keepDrafts(ctx);
  ctx.outbox.ideaChanges.add({ kind: "delete", idea_id: idea.id, stage_id: ctx.stage.id, text });
  const box = document.getElementById("idea-text");
  if (box) box.focus({ preventScroll: true });
}

/** The changes to `idea` still on their way (oldest first). */
function changesOf(ctx, idea) {
  return ctx.outbox.ideaChanges.items.filter((item) => item.idea_id === idea.id && !item.error);
}

/** What the phone shows as an idea's words: its newest edit on the way, else the room's. */
function shownText(ctx, idea) {
  const edits = changesOf(ctx, idea).filter((item) => item.kind === "edit");
  return edits.length ? edits[edits.length - 1].text : wording(idea);
}

/**
 * The brainstorm closed (or the phone moved on) with editors open: words that differ from the
 * idea are handed to the phone's notices, with a Copy button, instead of vanishing.
 */
function phoneLeft(ctx) {
  const notices = [];
  for (const [id, editor] of editors) {
    const idea = ctx.stage.ideas.find((other) => other.id === id)
      || (ctx.me.private_ideas || []).find((other) => other.id === id);
    const text = editor.area.value.trim();
    if (text && (!idea || text !== wording(idea))) {
      notices.push({ id: `edit:${id}`, message: t("The brainstorm closed before you saved your change"), text });
    }
  }
  editors.clear();
  keepDrafts(ctx);
  return notices;
}

/** One of the phone's own ideas: its words with Edit and Delete, or its editor, or on its way. */
function ownIdea(ctx, idea, editable) {
  const changes = changesOf(ctx, idea);
  const deleting = changes.some((item) => item.kind === "delete");
  const editing = editors.get(idea.id);
  const text = shownText(ctx, idea);
  if (editing && editable && !deleting) {
    editing.count();
    return el("li", { class: "own-idea is-editing", dataset: { ideaId: idea.id } },
      el("form", { class: "stack", "aria-label": t("Edit your idea: %(idea)s", { idea: text }), onsubmit: (event) => { event.preventDefault(); saveEdit(ctx, idea); } },
        el("div", {},
          el("label", { for: `edit-${idea.id}` }, t("Edit your idea")),
          editing.area,
          el("div", { class: "spread" }, editing.counter),
        ),
        editing.error ? el("p", { class: "notice error", role: "alert" }, editing.error) : null,
        el("div", { class: "row edit-actions" },
          el("button", { type: "submit", class: "primary save-edit", dataset: { focus: `save-edit-${idea.id}` } }, t("Save")),
          el("button", { type: "button", class: "cancel-edit", dataset: { focus: `cancel-edit-${idea.id}` },
            onclick: () => closeEditor(ctx, idea.id) }, t("Cancel")),
        ),
      ));
  }
  const saving = changes.length > 0;
  // Similar ideas were merged into it: it speaks for them too, so only the facilitator can
  // take it away (hide it or undo the merge); its wording can still be fixed.
  const mergedInto = Boolean(idea.merged && idea.merged.length);
  return el("li", { class: `own-idea${saving ? " pending" : ""}${deleting ? " is-deleting" : ""}`, dataset: { ideaId: idea.id } },
    el("p", { class: "own-text", dir: "auto" }, text, authorsLine(idea)),
    mergedInto ? el("p", { class: "small muted own-state" }, t("Similar ideas were merged into it: to remove it, ask the facilitator.")) : null,
    saving ? el("p", { class: "small muted own-state", role: "status" },
      deleting ? t("Deleting… (kept on this phone until the server has it)") : t("Saving your change… (kept on this phone until the server has it)")) : null,
    editable && !deleting ? el("div", { class: "row own-tools" },
      el("button", {
        type: "button", class: "small edit-idea", dataset: { focus: `edit-idea-${idea.id}` },
        "aria-label": t("Edit: %(idea)s", { idea: text }), onclick: () => openEditor(ctx, idea, text),
      }, t("Edit")),
      mergedInto ? null : el("button", {
        type: "button", class: "small quiet danger delete-idea", dataset: { focus: `delete-idea-${idea.id}` },
        "aria-label": t("Delete: %(idea)s", { idea: text }), onclick: () => deleteIdea(ctx, idea),
      }, t("Delete")),
    ) : null,
  );
}

function phoneView(ctx) {
  current = ctx;
  draft.placeholder = t("One idea, in a sentence or two");
  countDraft();
  const { stage, me } = ctx;
  const ideas = ctx.outbox.ideas;
  const myIds = new Set(me.ideas);
  const mine = stage.private
    ? (me.private_ideas || []).filter((idea) => idea.stage_id === stage.id)
    : stage.ideas.filter((idea) => myIds.has(idea.id));
  restoreEditors(ctx, mine);
  handOverVanished(ctx, mine);
  // A refused idea lives in the shell's notice at the top (with Copy and Dismiss), not here too.
  const waiting = ideas.items.filter((item) => item.stage_id === stage.id && !item.error);
  const merged = (me.merged_ideas || []).filter((idea) => idea.stage_id === stage.id);
  const settings = (stage.steps[stage.step] || {}).settings || {};
  // Own ideas can change while the brainstorm is open (`idea:edit`, `idea:delete`).
  const editable = ctx.active && stage.phase === "brainstorm";
  const count = mine.length + merged.length + waiting.length;
  const categories = categoriesOf(stage);
  const chosen = categories.length ? chosenCategory(ctx) : null;
  // The phone's own ideas, each as a list row with the category it went to.
  const rows = [
    ...mine.map((idea) => ({ category: idea.category, node: ownIdea(ctx, idea, editable) })),
    ...merged.map((idea) => ({ category: idea.category, node: el("li", { dataset: { ideaId: idea.id } }, el("bdi", {}, idea.text),
      el("div", { class: "muted" }, t("Merged with a similar idea: “%(text)s”", { text: idea.into_text }))) })),
    ...waiting.map((item) => ({ category: item.category, node: el("li", { class: "pending" },
      el("bdi", {}, item.text),
      el("div", {}, t("Sending… (kept on this phone until the server has it)")),
    ) })),
  ];
  const ownList = (list) => el("ul", { class: "idea-list own-ideas" }, list.map((row) => row.node));
  return el("div", {},
    stage.private ? el("p", { class: "card notice" }, t("Private brainstorm: you see only your own ideas until the facilitator reveals everyone's, so nobody is swayed by the first ideas.")) : null,
    settings.named ? el("p", { class: "muted" }, t("Your name is shown with your ideas.")) : null,
    el("form", { class: "card stack", onsubmit: (event) => submit(ctx, event), "aria-label": t("New idea") },
      categories.length ? categoryPicker(ctx, categories, chosen) : null,
      el("div", {},
        el("label", { for: "idea-text" }, chosen ? t("Your idea (%(category)s)", { category: t(categoryLabel(stage, chosen) || "") }) : t("Your idea")),
        draft,
        el("div", { class: "spread" }, counter),
      ),
      el("button", { class: "primary wide", type: "submit", dataset: { focus: "send-idea" } },
        chosen ? t("Send to %(category)s", { category: t(categoryLabel(stage, chosen) || "") }) : t("Send idea")),
    ),
    el("section", { class: "card", id: "my-ideas", "aria-labelledby": "mine-title" },
      el("h2", { id: "mine-title" }, t("Your ideas (%(n)s)", { n: formatNumber(count) })),
      count === 0
        ? el("p", { class: "muted" }, t("Nothing yet. Short and specific works best."))
        : [
          editable && mine.length ? el("p", { class: "muted small" }, t("Fix a typo or take an idea back while the brainstorm is open.")) : null,
          categories.length
            ? byCategory(stage, rows, { skipEmpty: true }).map((group) => el("section", { class: "own-category", dataset: { category: group.key } },
              el("h3", { class: `own-category-title cat-${group.key}` }, t(group.label), " ", el("span", { class: "muted small" }, `(${formatNumber(group.items.length)})`)),
              ownList(group.items)))
            : ownList(rows),
        ],
    ),
  );
}

function privateTools(ctx) {
  const { stage } = ctx;
  const settings = (stage.steps[stage.step] || {}).settings || {};
  if (!settings.private || !ctx.active) return null;
  if (stepRevealed(stage)) return el("p", { class: "muted small" }, t("Everyone's ideas are shown to the room."));
  return el("div", { class: "row step-tools" },
    el("button", { type: "button", dataset: { focus: "reveal" }, onclick: () => ctx.act("results:reveal", { stage_id: stage.id }) }, t("Reveal ideas")),
    el("span", { class: "muted small" }, t("Private brainstorm: phones see only their own ideas and the projector only a count.")));
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
  const categorised = categoriesOf(stage).length > 0;
  if (stage.private && !stepRevealed(stage)) {
    const n = (stage.progress || {}).ideas || 0;
    return [
      el("div", { class: "big-stats" }, el("div", {}, el("strong", { id: "private-count" }, formatNumber(n)),
        el("span", { class: "muted" }, tn("idea so far", "ideas so far", n)))),
      // A categorised one: how many in each category, never the ideas themselves.
      categorised ? categoryCounts(stage) : null,
      el("p", { class: "hint-line" }, t("Ideas stay private until the facilitator reveals them.")),
    ];
  }
  return [
    el("p", { class: "hint-line", id: "idea-count" }, stage.ideas.length
      ? ideaCount(stage.ideas.length)
      : t("Ideas appear here as they arrive. Scan the code or type it on your phone.")),
    themeWall(stage) || (categorised ? categoryBoard(stage, stage.ideas, { id: "category-board" }) : wall(stage.ideas, { id: "wall" })),
  ];
}

/**
 * A new note goes on top of the wall without redrawing (and re-animating) the others; the wall
 * takes the density of its new size. The projector fits the screen again after it.
 */
function ideaAdded(ctx, idea, root) {
  const regions = root.querySelector("#category-board");
  if (regions) {
    // The board by category: the note goes on top of its category's region.
    const region = regions.querySelector(`[data-category="${CSS.escape(idea.category || "")}"]`);
    if (!region) return false;
    region.querySelector("ul").prepend(note(idea));
    const shown = region.querySelector(".category-count");
    if (shown) shown.textContent = formatNumber(ctx.stage.ideas.filter((other) => other.category === idea.category).length);
    root.querySelector("#idea-count").textContent = ideaCount(ctx.stage.ideas.length);
    regions.classList.toggle("is-sparse", ctx.stage.ideas.length <= SPARSE);
    return true;
  }
  const board = root.querySelector("#wall");
  if (!board) return false;
  board.prepend(note(idea));
  const n = ctx.stage.ideas.length;
  setDensity(board, n);
  root.querySelector("#idea-count").textContent = ideaCount(n);
  return true;
}

/** The phone's one line: what to do now. */
function status(ctx) {
  if (!ctx.active) return t("Waiting for the facilitator");
  const { stage, me } = ctx;
  const mine = stage.private
    ? (me.private_ideas || []).filter((idea) => idea.stage_id === stage.id).length
    : stage.ideas.filter((idea) => me.ideas.includes(idea.id)).length;
  return mine ? t("Send your ideas (%(n)s sent so far)", { n: formatNumber(mine) }) : t("Send your ideas");
}

export default {
  kind: "brainstorm",
  // The console lists a stage's items with this view before the stage opens (preloaded items).
  listsItems: true,
  // The words are getters: each read is in the page's language of the moment.
  get label() { return t("Brainstorm"); },
  get headline() { return t("Share your ideas"); },
  get start() { return t("start brainstorm"); },
  get close() { return t("Close ideas"); },
  outbox: {
    ideas: {
      type: "queue",
      storeKey: "outbox", // the name phones have used since the first release
      event: "idea:submit",
      // `category` only on a stage with categories: a plain stage's payload is as it always was.
      payload: (item) => (item.category
        ? { stage_id: item.stage_id, text: item.text, category: item.category, client_id: item.client_id }
        : { stage_id: item.stage_id, text: item.text, client_id: item.client_id }),
      onAck(ctx, item, reply) {
        const { idea } = reply;
        const stage = stageById(ctx.state, idea.stage_id);
        const category = idea.category ? { category: idea.category } : {};
        if (stage && stage.private) {
          const own = ctx.state.me.private_ideas || (ctx.state.me.private_ideas = []);
          if (!own.some((other) => other.id === idea.id)) own.push({ id: idea.id, stage_id: idea.stage_id, text: idea.text, ...category });
        } else if (stage && !stage.ideas.some((other) => other.id === idea.id)) {
          stage.ideas.push({ id: idea.id, text: idea.text, fields: {}, links: [], from_facilitator: false, ...category });
        }
        if (!ctx.state.me.ideas.includes(idea.id)) ctx.state.me.ideas.push(idea.id);
        announce(t("Idea sent."));
      },
      refused: (error) => (error.code === "wrong_phase"
        ? t("The brainstorm closed before your idea reached the room")
        : error.code === "unknown_category"
          ? t("Your idea was not sent (%(reason)s). Pick a category and send it again", { reason: error.message.replace(/[.!]$/, "") })
          : t("Your idea was not sent: %(reason)s", { reason: error.message })),
    },
    // Edits and deletions of the phone's own ideas, in the order made.
    ideaChanges: {
      type: "queue",
      storeKey: "idea-changes",
      event: (item) => (item.kind === "delete" ? "idea:delete" : "idea:edit"),
      payload: (item) => (item.kind === "delete" ? { idea_id: item.idea_id } : { idea_id: item.idea_id, text: item.text }),
      onAck(ctx, item, reply) {
        const { idea } = reply;
        for (const stage of ctx.state.stages) {
          if (item.kind === "delete") {
            stage.ideas = stage.ideas.filter((other) => other.id !== idea.id);
          } else {
            for (const other of stage.ideas) if (other.id === idea.id) other.text = idea.text;
          }
        }
        const me = ctx.state.me;
        if (item.kind === "delete") {
          me.ideas = me.ideas.filter((id) => id !== idea.id);
          me.private_ideas = (me.private_ideas || []).filter((other) => other.id !== idea.id);
          announce(t("Idea deleted."));
        } else {
          for (const other of me.private_ideas || []) if (other.id === idea.id) other.text = idea.text;
          announce(t("Change saved."));
        }
      },
      refused: (error, item) => {
        const why = {
          idea_has_votes: t("someone already voted for it; ask the facilitator to hide it"),
          wrong_phase: t("the brainstorm closed before it reached the room"),
          idea_merged: t("the facilitator merged it with a similar idea"),
          idea_not_found: t("the idea is no longer there"),
          not_your_idea: t("it is not one of your ideas"),
        }[error.code] || error.message.replace(/[.!]$/, "");
        return item.kind === "delete" ? t("Not deleted (%(reason)s)", { reason: why }) : t("Your change was not saved (%(reason)s)", { reason: why });

      },
    },
  },
  phone: phoneView,
  phoneLeft,
  phoneResume,
  console: consoleView,
  projector: projectorView,
  status,
  ideaAdded,
  // A private categorised brainstorm's counts per category move with every tally.
  applyTally: (stage, tally) => {
    if (tally.ideas_by_category) stage.progress.ideas_by_category = tally.ideas_by_category;
  },
  // Wording editors open on the console (ideas.js; every stage's lists share them).
  unsaved: unsavedWordings,
};
