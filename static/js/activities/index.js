// The activity registry: one module per kind of step, and the page shells delegate to it.
//
// Adding an activity means one new module in this folder and one line in REGISTRY below (plus
// its Python side under workshop/activities/). The three page scripts (participant.js,
// console.js, present.js) own the connection, identity, the phone's outbox and retries, and
// the stage header; the body of a stage in phase P is drawn by REGISTRY[P].
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
//   phone(ctx), console(ctx), projector(ctx)
//               each returns a DOM node (or an array of nodes) for the stage in this phase.
//               The projector's view is fitted to the screen by present.js: it scales the
//               type down to the 24 px floor, then shortens every element with the class
//               `fit-list` from its end ("+ N more"); put results first, mark long lists.
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
//                 { type: "queue", event, payload(item), onAck(ctx, item, reply), refused(error) }
//                   a list of items each carrying a client_id (retries are idempotent), sent
//                   one at a time in order; refused(error) says why an item was not taken
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

import allocate from "./allocate.js";
import brainstorm from "./brainstorm.js";
import define from "./define.js";
import done from "./done.js";
import link from "./link.js";
import rank from "./rank.js";
import rate from "./rate.js";
import vote from "./vote.js";

export const REGISTRY = {
  [brainstorm.kind]: brainstorm,
  [vote.kind]: vote,
  [allocate.kind]: allocate,
  [rate.kind]: rate,
  [rank.kind]: rank,
  [link.kind]: link,
  [define.kind]: define,
  [done.kind]: done,
};

/** The label of a phase ("Not started" before a stage opens). */
export function phaseLabel(phase) {
  if (phase === "pending") return "Not started";
  return REGISTRY[phase] ? REGISTRY[phase].label : phase;
}

/** The module drawing a phase, or null (pending, or a kind this page does not know). */
export function activityFor(phase) {
  return REGISTRY[phase] || null;
}
