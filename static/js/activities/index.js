// The activity registry: one module per kind of step, and the page shells delegate to it.
//
// There is no list of kinds here. The server serves `./kinds.js`, generated from the Python
// declarations (`workshop/activities`, `client_declarations()`): `export const KINDS = [{kind,
// label, noun, description, levels, settings, traits, progress_counts, item_figures, script}]`
// in registry order. This module imports every `KINDS[].script` (a top-level await; the pages
// preload them with <link rel="modulepreload">) and builds REGISTRY from their default exports.
// Adding an activity is one Python module and one JS module; a plug-in's module, wherever its
// file is, is served at /static/js/activities/<kind>.js like the built-ins'. The three page
// scripts (participant.js, console.js, present.js) own the connection, identity, the phone's
// outbox and retries, and the stage header; the body of a stage in phase P is drawn by
// REGISTRY[P]. No kind module imports this one (its top-level await would wait on itself):
// a module reaches another kind's module through `ctx.activity(kind)`, and the kinds' data
// (traits, nouns) through kinds.js.
//
// Words: every user-facing string goes through t()/tn() of ../i18n.js (placeholders
// %(name)s, one message per sentence), numbers through formatNumber, and labels the server
// sends (kinds.js labels, default categories, scales and quadrant names) through t(label);
// participants' words are shown as typed, with dir="auto". The string members below
// (label, headline, start, close, countName, progress.word, outbox.*.closedMessage) are
// read at each draw: declare them as getters (`get label() { return t("Dot vote"); }`), never
// as t() at the module's top level, so a language switch (i18n:change, after which the page
// draws again) is followed. A plain string still works (shown as written).
//
// A module's default export:

//   kind        the step kind, as in the snapshot's `stage.phase` and `stage.steps[].kind`
//   label       short name for steppers, badges and the agenda ("Dot vote")
//   headline    what the phone asks, as its heading ("Spend your dots")
//   start       console wording for moving into this step ("start dot vote")
//   close       console wording for moving out of it ("Close voting")
//   resultBar(r, stage)  optional, scoring steps: the bar of one result of a stage this step
//               decided, as {value, text, max?}; the results view (done.js) draws it
//   closes      optional, false for a step that is not closed by leaving it (results, which
//               only shows; define, which the facilitator fills in): the console's Next then
//               names the next step instead
//   how(decision)  optional, scoring steps: how a stage this step decided was decided, the words
//               after "Decided " ("by dots", "by a Borda count of everyone's ranking")
//   resultText(r, stage, ctx)  optional, scoring steps: one result's figures in the results
//               list of a stage this step decided ("12 points"); null leaves them to the step
//               that places dots (`placesDots`), or none
//   countName   optional, scoring steps: its own count in the console's "How sure is the room?"
//               ("By dots"), or a function of the stage; a ranking is named by its method instead
//   ideaFigures(idea, stage)  optional, scoring steps: an idea's figures from this step as
//               the screen's state has them ("12 dots"; a phone and the room screen get them
//               once revealed), or null; the phone's focus pin shows them (ideas.js figuresOf)
//   resultNote(r, stage)  optional: a node beside a result on the projector's results chart,
//               from a step on the stage (rate: the result's quadrant)
//   progress    optional, scoring steps: {count, word}, the stage-wide counter (one of its
//               `progress_counts`) and the word for it ("voters", "voted"): the results and
//               the ranking's console show "12/20 voted" for every scoring step on the stage
//   placesDots  optional, true for the step whose entries are the ideas' dots (`idea.votes`,
//               `r.votes`): results show dots when the stage has it, and a ranking shows
//               them beside its points
//   applyTally(stage, tally)  optional: take what this kind adds to a live `tally` (its
//               `tally()` in Python) onto the stage: sums into `stage.progress`, per-idea totals
//               onto the ideas (vote: dots; allocate: points; link: proposals). Every module's
//               runs on every tally (common.js applyTally), after the declared counters
//   listsItems  optional, true for the module whose console view also lists the items of a
//               stage that has not opened (brainstorm: what the facilitator preloaded)
//   phone(ctx), console(ctx), projector(ctx)
//               each returns a DOM node (or an array of nodes) for the stage in this phase.
//               The projector's view is fitted to the screen by present.js: it scales the
//               type down to the 24 px floor, then shortens every element with the class
//               `fit-list` from its end ("+ N more"); put results first, mark long lists.
//   phoneLeft(ctx)  optional, phone only: the phone moved on from a step of this kind (ctx is
//               the stage's, in the new state); returns [{id, message, text}] for what was
//               typed there and not sent (an open edit): the shell keeps each in a notice at
//               the top with a Copy button, as it keeps refused items
//   status(ctx) optional, phone only: what is expected now, in one short line ("3 dots left",
//               "Drag to order", "Waiting for the facilitator"); the shell shows it under the
//               heading, and shows `headline` for a module without it
//   unsaved(state)  optional, console only: edits typed but not yet sent, as
//               [{stage, item, label, save(act), discard()}]; finishing the workshop or
//               leaving the page asks about them first
//   outbox      optional, phone only: { name: declaration } of what the phone sends and must
//               keep until acknowledged; the participant shell builds one sender per name,
//               stores it in localStorage under `sw:<name>:<join code>` and resends it after a
//               reconnect, a timeout or a server hiccup. Two shapes:
//                 { type: "latest", event, field, meKey, closedMessage }
//                   a whole value per stage (replace semantics): sent as
//                   {stage_id, [field]: value}; the ack's [field] is kept in me[meKey][stage id].
//                   Sender API: value(stageId, fallback), isPending(stageId),
//                   set(stageId, value, delayMs).
//                 { type: "queue", event, payload(item), onAck(ctx, item, reply), refused(error, item) }
//                   a list of items each carrying a client_id (retries are idempotent), sent
//                   one at a time in order; `event` may be a function of the item (one queue
//                   for edits and deletions keeps them in order); refused(error, item) says
//                   why an item was not taken
//                   (a sentence such as "The brainstorm closed before your idea reached the
//                   room"): the shell keeps a refused item in a notice at the top of the
//                   phone, with its text and a Copy button, until the participant dismisses it.
//                   Sender API: items, add(item) (gives it a client_id), drop(clientId).
//   consoleEvents  optional: { "server:event": (state, payload) => boolean } live events the
//               console applies to its state; true asks for a redraw.
//   ideaAdded(ctx, idea, root)  optional, projector: patch the drawn view for a new idea
//               (return true), instead of a full redraw.
//
// ctx, built by the shell for each draw:
//   role        "participant" | "facilitator" | "projector"
//   state       the whole snapshot; stage: the stage drawn (stage.phase === module.kind)
//   me          the participant's `me` (phone only), else null
//   active      the workshop is still running (not finished)
//   rerender()  draw the page again after a local change
//   call(event, payload)  the acked emit: resolves with the ack, rejects with {code, message}
//   act(event, payload)   console: one action at a time, failures shown; resolves ack or null
//   outbox      phone: the senders built from the modules' `outbox` declarations, by name
//   key         console: the facilitator key (for HTTP calls)
//   activity(kind)  the module of another kind, or null (a kind module never imports another)

import { KINDS } from "./kinds.js";
import { t } from "../i18n.js";

/** How long a page waits for a kind's module before it draws without it: a stalled request,
 * or a module that imports this one (which would wait on itself), cannot hold every page. */
const LOAD_TIMEOUT_MS = 15000;

/** A kind's module, or null when it failed to load in time: the page still draws the others. */
async function load(entry) {
  const LATE = Symbol("late");
  let timer = null;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve(LATE), LOAD_TIMEOUT_MS); });
  try {
    const loaded = await Promise.race([import(entry.script), late]);
    if (loaded === LATE) {
      console.error(`The module of ${entry.kind} did not load within ${LOAD_TIMEOUT_MS / 1000} s`);
      return null;
    }
    if (!loaded.default) console.error(`The module of ${entry.kind} has no default export`);
    return loaded.default || null;
  } catch (error) {
    console.error(`The module of ${entry.kind} did not load`, error);
    return null;
  } finally {
    clearTimeout(timer);
  }
}

const modules = await Promise.all(KINDS.map(load));

/** Every kind's module by kind, in registry order. */
export const REGISTRY = Object.fromEntries(
  KINDS.map((entry, i) => [entry.kind, modules[i]]).filter(([, module]) => module),
);

/** The label of a phase ("Not started" before a stage opens). */
export function phaseLabel(phase) {
  if (phase === "pending") return t("Not started");
  if (REGISTRY[phase]) return REGISTRY[phase].label;
  // The server's label (marked N_ there): translated here.
  const entry = KINDS.find((k) => k.kind === phase);
  return entry ? t(entry.label) : phase;

}

/**
 * A module's `view` ("phone", "console" or "projector") for `ctx`, or `fallback()` when there
 * is no module or its view throws: one kind's mistake never blanks the page.
 */
export function drawView(activity, view, ctx, fallback) {
  if (!activity || typeof activity[view] !== "function") return fallback();
  try {
    return activity[view](ctx);
  } catch (error) {
    console.error(`The ${view} view of ${activity.kind} failed`, error);
    return fallback();
  }
}

/** The module drawing a phase, or null (pending, or a kind this page does not know). */
export function activityFor(phase) {
  return REGISTRY[phase] || null;
}

/**
 * The name of a step of `stage` (of kind `kind`, its current one by default): its module's
 * `stepLabel(stage)` where it words it per stage ("Likelihood and impact" on a risks stage),
 * else the kind's label ("Not started" before the stage opens).
 */
export function stepLabelOf(stage, kind = stage.phase) {
  const activity = activityFor(kind);
  if (activity && typeof activity.stepLabel === "function") {
    try {
      const text = activity.stepLabel(stage);
      if (text) return text;
    } catch (error) {
      console.error(error);
    }
  }
  return phaseLabel(kind);
}
