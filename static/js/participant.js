// The participant's phone: join, then always show what the current stage and step ask. The
// step's view comes from its activity module (activities/); this shell owns the connection,
// the identity, the stage header and the outbox: everything the phone sends is kept in
// localStorage until the server acknowledged it, so a reload, a sleeping phone or lost wifi
// loses nothing.

import {
  announce, call, captureFocus, connect, currentStage, el, fill, isTransient, randomId,
  restoreFocus, resultsList, store, toast,
} from "./common.js";
import { tokenLinks } from "./plan-files.js";
import { REGISTRY, activityFor, phaseLabel } from "./activities/index.js";
import { buildingOn, itemCard, natureBadge } from "./items.js";

const app = document.getElementById("app");
const CODE = app.dataset.code;
const ME_KEY = `sw:participant:${CODE}`;
const views = {
  join: document.getElementById("join-view"),
  loading: document.getElementById("loading-view"),
  stage: document.getElementById("stage-view"),
};
const joinForm = document.getElementById("join-form");
const joinError = document.getElementById("join-error");
const who = document.getElementById("who");

let state = null;
let identity = store.get(ME_KEY, null); // {token, name}
let pendingName = null; // the name typed in the join form, until the join is acknowledged

function show(name) {
  for (const [key, node] of Object.entries(views)) node.hidden = key !== name;
}

// ------------------------------------------------------------------ the outbox

let retryTimer = null;
/**
 * True when a failed send should be tried again (no answer, offline, a server hiccup, or this
 * connection lost its identity); then a retry of everything pending is scheduled.
 */
function retryLater(error) {
  const again = isTransient(error) || error.code === "internal_error" || error.code === "not_joined";
  if (again && !retryTimer) {
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (!socket.connected) return; // the reconnect sends everything again
      if (error.code === "not_joined") identify(); else flushAll();
    }, 3000);
  }
  return again;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A whole value per stage (a dot allocation, a ranking, a set of links): the newest one stays
 * on the phone until the server acknowledged it, and is sent again after a reconnect. The
 * server replaces the whole value, so sending again is always safe.
 */
function latestSender(name, spec) {
  const storeKey = `sw:${spec.storeKey || name}:${CODE}`;
  const pending = store.get(storeKey, {}); // stage id -> value not yet acknowledged
  const inFlight = {};
  let timer = null;
  async function send(stageId) {
    const key = String(stageId);
    const value = pending[key];
    if (value === undefined || inFlight[key]) return;
    inFlight[key] = true;
    try {
      const reply = await call(socket, spec.event, { stage_id: stageId, [spec.field]: value });
      state.me[spec.meKey] = state.me[spec.meKey] || {};
      state.me[spec.meKey][key] = reply[spec.field];
      if (same(pending[key], value)) delete pending[key];
    } catch (error) {
      if (!retryLater(error)) {
        // Drop only the refused value; a newer one the user set meanwhile is still sent.
        if (same(pending[key], value)) delete pending[key];
        toast(error.code === "wrong_phase" ? spec.closedMessage : error.message, "error");
      }
    } finally {
      inFlight[key] = false;
      store.set(storeKey, pending);
      const newer = pending[key] !== undefined && !same(pending[key], value);
      if (newer && socket.connected) send(stageId);
      if (state) renderStage();
    }
  }
  return {
    value(stageId, fallback) {
      const key = String(stageId);
      if (pending[key] !== undefined) return pending[key];
      const saved = state && state.me[spec.meKey] ? state.me[spec.meKey][key] : undefined;
      return saved !== undefined ? saved : fallback;
    },
    isPending: (stageId) => pending[String(stageId)] !== undefined,
    /** Keep `value` as the newest for the stage and send it after `delayMs` of quiet. */
    set(stageId, value, delayMs = 0) {
      pending[String(stageId)] = value;
      store.set(storeKey, pending);
      renderStage();
      clearTimeout(timer);
      timer = setTimeout(() => send(stageId), delayMs);
    },
    flush() {
      for (const key of Object.keys(pending)) send(Number(key));
    },
  };
}

/** A list of things to send in order (ideas, suggestions), each with a client_id so a retry
 * after a lost ack is harmless. Items the server refused stay, marked, until removed. */
function queueSender(name, spec) {
  const storeKey = `sw:${spec.storeKey || name}:${CODE}`;
  let flushing = false;
  const sender = {
    items: store.get(storeKey, []),
    add(item) {
      sender.items.push({ ...item, client_id: randomId() });
      store.set(storeKey, sender.items);
      renderStage();
      sender.flush();
    },
    drop(clientId) {
      sender.items = sender.items.filter((item) => item.client_id !== clientId);
      store.set(storeKey, sender.items);
      renderStage();
    },
    async flush() {
      if (flushing || !identity) return;
      flushing = true;
      try {
        let item;
        // Items added while a send is in flight join the same loop.
        while ((item = sender.items.find((candidate) => !candidate.error))) {
          try {
            const reply = await call(socket, spec.event, spec.payload(item));
            const sent = item;
            sender.items = sender.items.filter((other) => other.client_id !== sent.client_id);
            if (state && spec.onAck) spec.onAck(context(currentStage(state)), sent, reply);
          } catch (error) {
            if (retryLater(error)) break;
            item.error = spec.refused ? spec.refused(error) : `Not sent: ${error.message}`;
          } finally {
            store.set(storeKey, sender.items);
          }
        }
      } finally {
        flushing = false;
        if (state) renderStage();
      }
    },
  };
  return sender;
}

// One sender per declaration of every activity module.
const outbox = {};
for (const activity of Object.values(REGISTRY)) {
  for (const [name, spec] of Object.entries(activity.outbox || {})) {
    outbox[name] = spec.type === "queue" ? queueSender(name, spec) : latestSender(name, spec);
  }
}

function flushAll() {
  for (const sender of Object.values(outbox)) sender.flush();
}

// ------------------------------------------------------------------ connection and joining

const socket = connect({ onConnect: () => identify() });

async function identify() {
  if (!identity && pendingName === null) {
    show("join");
    return;
  }
  const payload = { code: CODE };
  if (identity) payload.token = identity.token;
  if (pendingName !== null) payload.name = pendingName;
  try {
    const reply = await call(socket, "join", payload);
    identity = { token: reply.token, name: reply.participant.name };
    store.set(ME_KEY, identity);
    pendingName = null;
    render(reply.state);
    flushAll();
  } catch (error) {
    if (error.code === "invalid_token") {
      // The workshop no longer knows this phone (for example a new workshop with the same code).
      store.remove(ME_KEY);
      identity = null;
      showJoinError("Please join again.");
    } else if (error.code === "workshop_finished") {
      show("join");
      showJoinError("This workshop has finished; new participants cannot join.");
    } else if (isTransient(error) || error.code === "internal_error") {
      setTimeout(identify, 1500);
    } else {
      show("join");
      showJoinError(error.message);
    }
  }
}

function showJoinError(message) {
  show("join");
  joinError.textContent = message;
  joinError.hidden = false;
}

joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  joinError.hidden = true;
  pendingName = joinForm.name.value.trim();
  if (pendingName.length > 40) {
    showJoinError("A name can be at most 40 characters.");
    return;
  }
  show("loading");
  if (socket.connected) identify();
});

socket.on("state", (snapshot) => { if (identity) render(snapshot); });
socket.on("workshop:finished", () => { /* a fresh state with the plan links follows */ });

// ------------------------------------------------------------------ rendering

function context(stage) {
  return {
    role: "participant",
    state,
    stage,
    me: state.me,
    active: state.workshop.status === "active",
    rerender: renderStage,
    call: (event, payload) => call(socket, event, payload),
    act: (event, payload) => call(socket, event, payload),
    outbox,
  };
}

function headline(stage) {
  const activity = activityFor(stage.phase);
  return activity ? activity.headline : phaseLabel(stage.phase);
}

function render(snapshot) {
  const before = state ? currentStage(state) : null;
  state = snapshot;
  const now = currentStage(state);
  if (state.workshop.status === "finished") {
    announce("The workshop has finished. The plan is ready to download.");
  } else if (now && now.phase !== "pending" && (!before || before.id !== now.id || before.phase !== now.phase)) {
    announce(`${now.title}: ${phaseLabel(now.phase)}. ${headline(now)}.`);
  }
  who.textContent = state.me && state.me.name ? `You: ${state.me.name}` : "You: anonymous";
  show("stage");
  renderStage();
}

function renderStage() {
  if (!state) return;
  const stage = currentStage(state);
  const node = views.stage;
  const focused = captureFocus();
  if (state.workshop.status === "finished") {
    fill(node, finishedView());
  } else if (!stage || stage.phase === "pending") {
    fill(node, el("div", { class: "card" },
      el("h1", {}, "You're in"),
      el("p", {}, "The facilitator will open the first activity soon. Keep this page open."),
    ));
  } else {
    const activity = activityFor(stage.phase);
    const head = el("div", { class: "card stage-head" },
      el("div", { class: "kicker" }, `${stage.title} · ${phaseLabel(stage.phase)}`),
      el("h1", {}, headline(stage)),
      natureBadge(stage.key),
      stage.prompt ? el("p", { class: "prompt" }, stage.prompt) : null,
      buildingOn(state, stage),
    );
    fill(node, head, activity
      ? activity.phone(context(stage))
      : el("p", { class: "card" }, "This step happens on the room's screen. Follow the facilitator."));
  }
  restoreFocus(node, focused);
}

// ------------------------------------------------------------------ the end

function finishedView() {
  const links = state.plan ? state.plan.urls : null;
  return el("div", {},
    el("section", { class: "card" },
      el("h1", {}, "The plan is ready"),
      el("p", {}, "Thank you for taking part. Download the strategic plan:"),
      // Same-origin paths with the token: the absolute URLs carry the facilitator's host.
      links ? tokenLinks(links, identity.token) : null,
    ),
    state.stages.filter((stage) => stage.decided).map((stage) => el("section", { class: "card" },
      el("h2", {}, stage.title),
      stage.selected.length && stage.selected.some((item) => Object.keys(item.fields).length || item.links.length)
        ? el("ul", { class: "item-cards" }, stage.selected.map((item) => itemCard(state, stage, item)))
        : resultsList(stage))),
  );
}
