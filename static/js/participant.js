// The participant's phone: join, then always show what the current stage and step ask. The
// step's view comes from its activity module (activities/); this shell owns the connection,
// the identity, the stage header and the outbox: everything the phone sends is kept in
// localStorage until the server acknowledged it, so a reload, a sleeping phone or lost wifi
// loses nothing, and anything the server refused when it finally arrived stays in a notice at
// the top of the page until the participant dismisses it.

import {
  SLOTS, announce, call, captureFocus, connect, currentStage, el, fill, isTransient, nodesOf, randomId,
  restoreFocus, resultsList, store, toast, words,
} from "./common.js";
import { N_, formatNumber, languageSwitcher, onLanguageChange, t, tn } from "./i18n.js";
import { countdown } from "./countdown.js";
import { tokenLinks } from "./plan-files.js";
import { REGISTRY, activityFor, drawView, phaseLabel, stepLabelOf } from "./activities/index.js";
import { figuresOf } from "./activities/ideas.js";
import { buildingOn, itemCard, natureBadge, wording } from "./items.js";

const app = document.getElementById("app");
const CODE = app.dataset.code;
const ME_KEY = `sw:participant:${CODE}`;
const views = {
  join: document.getElementById("join-view"),
  loading: document.getElementById("loading-view"),
  stage: document.getElementById("stage-view"),
  removed: document.getElementById("removed-view"),
  closed: document.getElementById("closed-view"),
};
const joinForm = document.getElementById("join-form");
const joinError = document.getElementById("join-error");
const who = document.getElementById("who");
const noticesNode = document.getElementById("notices");
const NOTICES_KEY = `sw:refused:${CODE}`;

let state = null;
let identity = store.get(ME_KEY, null); // {token, name}
let pendingName = null; // the name typed in the join form, until the join is acknowledged

function show(name) {
  for (const [key, node] of Object.entries(views)) node.hidden = key !== name;
}

// ------------------------------------------------------------------ the outbox

let retryTimer = null;

// "Busy — retrying": the server asked this phone to slow down (`rate_limited`); whatever it was
// sending stays in the outbox and goes again after `retry_after` seconds.
const busyNode = document.getElementById("busy");
function showBusy() { busyNode.hidden = false; }
function clearBusy() { busyNode.hidden = true; }

/** How long to wait after a `rate_limited` answer: its retry_after, a little spread. */
function waitAfter(error) {
  const seconds = Number(error.retry_after);
  const wait = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
  return Math.min(30000, Math.max(200, Math.ceil(wait))) + Math.floor(Math.random() * 200);
}

/**
 * True when a failed send should be tried again (no answer, offline, a server hiccup, this
 * connection lost its identity, or the server said to slow down); then a retry of everything
 * pending is scheduled.
 */
function retryLater(error) {
  if (error.code === "participant_removed") {
    removedFromWorkshop();
    return true;
  }
  if (error.code === "workshop_not_found") {
    workshopClosed(null);
    return true;
  }
  if (error.code === "rate_limited") {
    showBusy();
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (socket.connected) flushAll(); // else the reconnect sends everything again
    }, waitAfter(error));
    return true;
  }
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
    if (value === undefined || inFlight[key] || !identity || !state) return;
    inFlight[key] = true;
    try {
      const reply = await call(socket, spec.event, { stage_id: stageId, [spec.field]: value });
      clearBusy();
      state.me[spec.meKey] = state.me[spec.meKey] || {};
      state.me[spec.meKey][key] = reply[spec.field];
      if (same(pending[key], value)) delete pending[key];
    } catch (error) {
      if (!retryLater(error)) {
        // Drop only the refused value; a newer one the user set meanwhile is still sent.
        if (same(pending[key], value)) delete pending[key];
        // Kept as a message and its params, so the notice follows a language switch (a module's
        // closedMessage is a msgid it marked with N_).
        addNotice(`${storeKey}:${key}`, error.code === "wrong_phase"
          ? { msgid: spec.closedMessage || N_("This step closed before your last change reached the room.") }
          : { msgid: N_("Your last change was not saved: %(reason)s"), params: { reason: error.message } });
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
    clear() {
      for (const key of Object.keys(pending)) delete pending[key];
      store.remove(storeKey);
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
      renderNotices();
    },
    async flush() {
      if (flushing || !identity) return;
      flushing = true;
      try {
        let item;
        // Items added while a send is in flight join the same loop.
        while ((item = sender.items.find((candidate) => !candidate.error))) {
          try {
            const event = typeof spec.event === "function" ? spec.event(item) : spec.event;
            const reply = await call(socket, event, spec.payload(item));
            clearBusy();
            const sent = item;
            sender.items = sender.items.filter((other) => other.client_id !== sent.client_id);
            if (state && spec.onAck) spec.onAck(context(currentStage(state)), sent, reply);
            if (!identity) break; // removed meanwhile
          } catch (error) {
            if (retryLater(error)) break;
            item.error = spec.refused ? spec.refused(error, item) : t("Not sent: %(reason)s", { reason: error.message });
          } finally {
            store.set(storeKey, sender.items);
          }
        }
      } finally {
        flushing = false;
        if (state) renderStage();
        renderNotices();
      }
    },
    clear() {
      sender.items = [];
      store.remove(storeKey);
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

// ------------------------------------------------------------------ what did not reach the room

/**
 * Persistent notices, whatever the current step: every queued item the server refused (kept in
 * its outbox with `error` and `text` until dismissed) and every whole value refused because its
 * step had closed (kept under NOTICES_KEY). Both live in localStorage, so a reload keeps them.
 * Drawn incrementally: a notice already on the page is never redrawn, so the live region
 * announces each one once.
 */
let refusedValues = store.get(NOTICES_KEY, []); // [{id, message}]

/** Keep a notice: `message` is its text, or {msgid, params} (the shell's own words, said again
 * in the page's language after a switch). */
function addNotice(id, message, text = "") {
  refusedValues = refusedValues.filter((notice) => notice.id !== id);
  const said = typeof message === "string" ? { message } : { message: "", said: message };
  refusedValues.push(text ? { id, ...said, text } : { id, ...said });
  store.set(NOTICES_KEY, refusedValues);
  renderNotices();
}

/** A notice's message in the page's language (a stored {msgid, params}), else as it was kept. */
function noticeMessage(notice) {
  return notice.said && notice.said.msgid ? t(notice.said.msgid, notice.said.params) : notice.message;
}

function currentNotices() {
  const notices = [];
  for (const sender of Object.values(outbox)) {
    if (!sender.items) continue;
    for (const item of sender.items) {
      if (!item.error) continue;
      notices.push({
        id: `item:${item.client_id}`, message: item.error, text: item.text || "",
        dismiss: () => sender.drop(item.client_id),
      });
    }
  }
  for (const notice of refusedValues) {
    notices.push({
      ...notice,
      dismiss: () => {
        refusedValues = refusedValues.filter((other) => other.id !== notice.id);
        store.set(NOTICES_KEY, refusedValues);
        renderNotices();
      },
    });
  }
  return notices;
}

async function copyText(text, source) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      toast(t("Copied. Paste it wherever you like."));
      return;
    }
  } catch { /* not allowed: select it instead */ }
  // Plain http on the room's network has no clipboard API: select the words, so the phone's
  // own Copy is one tap away (and try the old copy command too).
  const selection = window.getSelection();
  selection.removeAllRanges();
  const range = document.createRange();
  range.selectNodeContents(source);
  selection.addRange(range);
  let copied = false;
  try { copied = document.execCommand("copy"); } catch { copied = false; }
  toast(copied ? t("Copied. Paste it wherever you like.") : t("The text is selected: use your phone's Copy."));
}

function noticeNode(notice) {
  const message = noticeMessage(notice);
  const typed = notice.text ? words(notice.text, "span", { class: "refused-text" }) : null;
  const node = el("div", { class: "notice error refusal", dataset: { notice: notice.id } },
    el("p", {}, typed
      ? nodesOf(t("%(message)s: “%(text)s”", SLOTS), { message, text: typed })
      : [message, /[.!?]$/.test(message) ? "" : "."]),
    el("div", { class: "row" },
      typed ? el("button", { type: "button", class: "small", onclick: () => copyText(notice.text, typed) }, t("Copy")) : null,
      el("button", {
        type: "button", class: "small quiet", "aria-label": t("Dismiss: %(message)s", { message }),
        onclick: () => {
          const next = node.nextElementSibling || node.previousElementSibling;
          notice.dismiss();
          const target = next ? next.querySelector("button:last-child") : document.querySelector("#stage-view h1");
          if (target) target.focus();
        },
      }, t("Dismiss")),
    ),
  );
  return node;
}

/** Draw the notices not yet on the page (`again`: all of them anew, after a language switch). */
function renderNotices(again = false) {
  if (!noticesNode) return;
  if (again) noticesNode.replaceChildren();
  const notices = currentNotices();
  const wanted = new Set(notices.map((notice) => notice.id));
  for (const node of [...noticesNode.children]) if (!wanted.has(node.dataset.notice)) node.remove();
  const shown = new Set([...noticesNode.children].map((node) => node.dataset.notice));
  for (const notice of notices) if (!shown.has(notice.id)) noticesNode.append(noticeNode(notice));
}

renderNotices(); // a reload shows what an earlier visit could not deliver

// ------------------------------------------------------------------ connection and joining

const socket = connect({ onConnect: () => identify() });

// ------------------------------------------------------------------ the language
//
// The phone reads in its browser's language until the participant picks another in the
// switcher at the top (remembered on this phone, and told to the server so its refusals follow).
// The page is not reloaded: what the template rendered is re-translated in place, and the rest
// is drawn again from the state this page holds, keeping what is typed and where focus is.

document.getElementById("phone-language").append(languageSwitcher({
  onChange: (code) => {
    if (socket.connected) call(socket, "language", { language: code }).catch(() => { /* the next connection's cookie says it */ });
  },
}));

onLanguageChange(() => {
  renderNotices(true);
  if (!state) return;
  renderWho();
  renderStage();
  renderBar({ quiet: true });
});

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
    clearBusy();
    render(reply.state);
    flushAll();
  } catch (error) {
    if (error.code === "rate_limited") {
      // Many phones joining at once: wait as the server asks and try again, name kept.
      showBusy();
      setTimeout(() => { if (socket.connected) identify(); }, waitAfter(error));
    } else if (error.code === "participant_removed") {
      removedFromWorkshop();
    } else if (error.code === "workshop_not_found") {
      workshopClosed(null);
    } else if (error.code === "join_locked") {
      pendingName = null;
      showJoinError(N_("Joining is closed for now. When the facilitator opens it again, tap Join."));
    } else if (error.code === "workshop_full") {
      pendingName = null;
      showJoinError(N_("This workshop is full: it has as many participants as it allows. Ask the facilitator."));
    } else if (error.code === "invalid_token") {
      // The workshop no longer knows this phone (for example a new workshop with the same code).
      store.remove(ME_KEY);
      identity = null;
      showJoinError(N_("Please join again."));
    } else if (error.code === "workshop_finished") {
      show("join");
      showJoinError(N_("This workshop has finished; new participants cannot join."));
    } else if (isTransient(error) || error.code === "internal_error") {
      setTimeout(identify, 1500);
    } else {
      show("join");
      showJoinError(error.message, { raw: true });
    }
  }
}

/** Say why joining failed: `message` is a msgid (said again after a language switch), or with
 * `raw` the server's own words. */
function showJoinError(message, { raw = false } = {}) {
  clearBusy();
  show("join");
  // The page's own "joining is closed" (from when it loaded) gives way to the fresher answer.
  const closed = document.getElementById("join-closed");
  if (closed) closed.hidden = true;
  if (raw) {
    delete joinError.dataset.t;
    joinError.textContent = message;
  } else {
    say(joinError, message);
  }
  joinError.hidden = false;
}

joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  joinError.hidden = true;
  pendingName = joinForm.name.value.trim();
  if (pendingName.length > 40) {
    showJoinError(N_("A name can be at most 40 characters."));
    return;
  }
  show("loading");
  if (socket.connected) identify();
});

socket.on("state", (snapshot) => { if (identity) render(snapshot); });
socket.on("participant:removed", () => removedFromWorkshop());
socket.on("workshop:closed", (payload) => workshopClosed(payload));

/**
 * The facilitator removed this participant: the token is forgotten (it no longer works), and
 * so is everything this phone still meant to send.
 */
function removedFromWorkshop() {
  leaveRoom("removed", "removed-title");
}

/**
 * The workshop was deleted (by its facilitator, or by the server's retention): the token is
 * forgotten with everything this phone still meant to send, and nothing reconnects.
 */
function workshopClosed(payload) {
  const title = document.getElementById("closed-title");
  const text = document.getElementById("closed-text");
  if (payload && payload.reason === "expired") {
    say(title, N_("This workshop was closed."));
    say(text, N_("It finished a while ago and the server removed it. Nothing more is sent from this phone."));
  } else if (payload && payload.reason === "removed") {
    say(title, N_("This workshop was closed."));
    say(text, N_("The server’s administrator deleted it. Nothing more is sent from this phone."));
  }
  leaveRoom("closed", "closed-title");
}

/** `node` says `msgid` in the page's language, now and after a switch (i18n.js translatePage). */
function say(node, msgid) {
  node.dataset.t = msgid;
  node.textContent = t(msgid);
}

/** Forget this phone's place in the room and show `view` (its heading `titleId` focused). */
function leaveRoom(view, titleId) {
  if (!identity && views[view] && !views[view].hidden) return;
  store.remove(ME_KEY);
  identity = null;
  state = null;
  pendingName = null;
  clearTimeout(retryTimer);
  retryTimer = null;
  clearBusy();
  for (const sender of Object.values(outbox)) sender.clear();
  refusedValues = [];
  store.remove(NOTICES_KEY);
  renderNotices();
  who.textContent = "";
  renderBar(); // no countdown or focus for a phone that is no longer in the room
  socket.disconnect();
  show(view);
  const title = document.getElementById(titleId);
  if (title) title.focus();
}
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
    activity: activityFor,
    // Words the phone can no longer send (an editor whose idea went away): a notice at the top.
    notify: addNotice,
  };
}

function headline(stage) {
  const activity = activityFor(stage.phase);
  return activity ? headlineOf(activity, stage) : phaseLabel(stage.phase);
}

/** A module's headline for `stage`: its `headlineFor(stage)` where it words it per stage ("Rate
 * likelihood and impact" on a risks stage), else its `headline`. */
function headlineOf(activity, stage) {
  if (typeof activity.headlineFor === "function") {
    try {
      const text = activity.headlineFor(stage);
      if (text) return text;
    } catch (error) {
      console.error(error); // a module's wording must never blank the page
    }
  }
  return activity.headline;
}

/** What is expected now, in one line: the module's status(ctx), else its headline. */
function statusOf(stage, ctx) {
  const activity = activityFor(stage.phase);
  if (!activity) return t("Follow the facilitator");
  if (typeof activity.status === "function") {
    try {
      const text = activity.status(ctx);
      if (text) return text;
    } catch (error) {
      console.error(error); // a module's wording must never blank the page
    }
  }
  return headlineOf(activity, stage);
}

/** Where the meeting is: "Vision · Dot vote" (the stage's title in its own direction). */
function whereOf(stage) {
  return [words(stage.title), " · ", stepLabelOf(stage)];
}

/** "step 2 of 4", for a stage of more than one step. */
function stepOf(stage) {
  const steps = stage.steps || [];
  return steps.length > 1 && stage.step >= 0
    ? t("step %(n)s of %(total)s", { n: formatNumber(stage.step + 1), total: formatNumber(steps.length) }) : null;
}

/**
 * Which view the phone shows: a new value moves the page to its top and focus to its heading.
 * Tallies, reveals, others' ideas and this phone's own changes keep the same view.
 */
function viewKey() {
  if (!state) return null;
  if (state.workshop.status === "finished") return "finished";
  if (state.workshop.lobby) return "lobby";
  const stage = currentStage(state);
  if (!stage || stage.phase === "pending") return "waiting";
  return `${stage.id}:${stage.step}:${stage.phase}:${stage.round || 1}`;
}

let shownKey = null;
let shownStage = null; // {id, phase} of the stage view shown, for its module's `phoneLeft`

/**
 * The phone moves on from a stage's step: its module may hand over what was typed there and
 * not sent (an open edit), which stays in a notice at the top with a Copy button.
 */
function leftStep(before) {
  const activity = before ? activityFor(before.phase) : null;
  if (!activity || typeof activity.phoneLeft !== "function") return;
  const stage = state.stages.find((s) => s.id === before.id);
  if (!stage) return;
  try {
    for (const notice of activity.phoneLeft(context(stage)) || []) addNotice(notice.id, notice.message, notice.text);
  } catch (error) {
    console.error(error);
  }
}

let resumed = false; // the first state: what an earlier visit left typed is looked at once

/**
 * Words an earlier visit left in an editor that cannot come back as one (its brainstorm has
 * closed since, or the idea is gone): the module hands them to the notices.
 */
function resumeTyped() {
  if (!state.me) return;
  // Every step module that keeps typed words across visits says so with `phoneResume`.
  for (const activity of Object.values(REGISTRY)) {
    if (typeof activity.phoneResume !== "function") continue;
    try {
      activity.phoneResume(context(currentStage(state)));
    } catch (error) {
      console.error(error);
    }
  }
}

/** "You: Ana" (the name in its own direction), or "You: anonymous". */
function renderWho() {
  if (!state) return;
  fill(who, state.me && state.me.name
    ? nodesOf(t("You: %(name)s", SLOTS), { name: words(state.me.name) }) : t("You: anonymous"));
}

function render(snapshot) {
  state = snapshot;
  if (!resumed) {
    resumed = true;
    resumeTyped();
  }
  renderWho();
  show("stage");
  renderStage();
  renderBar();
  renderNotices();
}

// ------------------------------------------------------------------ the bar at the top: timer and focus

// What stays at the top of the phone while it scrolls: the stage's countdown and the item the
// facilitator put in focus. Its height is `--phone-top`, so the sticky pieces of a step's view
// (the dots left) sit under it instead of behind it.
const bar = document.getElementById("phone-bar");
const timerBox = document.getElementById("phone-timer");
const pin = document.getElementById("focus-pin");
const clock = countdown({ className: "phone-countdown" });
const TIME_LEFT = N_("Time left");
// Marked data-t: i18n.js re-translates it on a switch.
timerBox.append(el("span", { class: "timer-label", "aria-hidden": "true", dataset: { t: TIME_LEFT } }, t(TIME_LEFT)), clock.node);
let pinned = null; // what the pin shows now, so an unchanged focus is not redrawn (nor re-announced)

if (typeof ResizeObserver === "function") {
  new ResizeObserver(() => {
    document.documentElement.style.setProperty("--phone-top", `${bar.hidden ? 0 : bar.offsetHeight}px`);
  }).observe(bar);
}

/** The focused item and its stage, from `state.focus` (null when nothing is in focus). */
function focusedItem() {
  const focus = state && state.focus;
  if (!focus) return null;
  const stage = state.stages.find((s) => s.id === focus.stage_id) || null;
  const idea = stage ? [...stage.ideas, ...(stage.selected || [])].find((item) => item.id === focus.idea_id) : null;
  return { focus, stage, idea };
}

/** The countdown and the pin; `quiet` redraws the pin without announcing it again (a switch). */
function renderBar({ quiet = false } = {}) {
  if (quiet) pinned = null;
  const live = Boolean(state) && state.workshop.status !== "finished";
  clock.update(live ? state : null);
  timerBox.hidden = !live || !state.timer;
  const item = live ? focusedItem() : null;
  const text = item ? (item.idea ? wording(item.idea) : item.focus.text) : null;
  const figures = item && item.idea && item.stage ? figuresOf(activityFor, item.stage, item.idea) : [];
  const key = item ? JSON.stringify([item.focus.idea_id, text, figures]) : null;
  if (key !== pinned) {
    pinned = key;
    pin.hidden = !item;
    if (item) {
      fill(pin,
        el("span", { class: "focus-kicker", id: "focus-pin-label" }, t("In focus")),
        words(text, "p", { class: "focus-text" }),
        figures.length ? el("p", { class: "focus-figures" }, figures.join(" · ")) : null);
      if (!quiet) announce(t("In focus: %(text)s", { text }));
    } else {
      pin.replaceChildren();
    }
  }
  markFocused();
  bar.hidden = timerBox.hidden && pin.hidden;
  document.documentElement.style.setProperty("--phone-top", `${bar.hidden ? 0 : bar.offsetHeight}px`);
}

/** The focused item in the step's own list is marked too (its controls stay where they are). */
function markFocused() {
  const id = state && state.focus ? String(state.focus.idea_id) : null;
  for (const node of views.stage.querySelectorAll("[data-idea-id].is-focus")) {
    if (node.dataset.ideaId !== id) node.classList.remove("is-focus");
  }
  if (id) for (const node of views.stage.querySelectorAll(`[data-idea-id="${CSS.escape(id)}"]`)) node.classList.add("is-focus");
}


/** The one line that says where the meeting is and what is expected now. */
function statusLine(where, now, step = null) {
  return el("p", { class: "status-line" },
    where ? el("span", { class: "where" }, el("span", { class: "kicker" }, where),
      step ? el("span", { class: "step-of" }, ` · ${step}`) : null, " ") : null,
    now ? el("strong", { class: "now" }, now) : null);
}

/**
 * The stage heading: focusable by script only, and named with where the meeting is. Its
 * data-focus keeps it focused through the redraws that follow a step change.
 */
function heading(where, text) {
  return el("h1", { tabindex: "-1", id: "stage-heading", dataset: { focus: "stage-heading" } },
    where ? el("span", { class: "visually-hidden" }, where, ": ") : null, text);
}

function renderStage() {
  if (!state) return;
  const stage = currentStage(state);
  const node = views.stage;
  const key = viewKey();
  const moved = key !== shownKey;
  shownKey = key;
  if (moved) {
    leftStep(shownStage);
    shownStage = stage && stage.phase !== "pending" && !state.workshop.lobby && state.workshop.status !== "finished"
      ? { id: stage.id, phase: stage.phase } : null;
  }
  const focused = moved ? null : captureFocus();
  if (state.workshop.status === "finished") {
    fill(node, finishedView());
  } else if (state.workshop.lobby) {
    fill(node, el("div", { class: "card stage-head" },
      statusLine(null, t("You're in. Waiting for the facilitator to start")),
      heading(null, t("You're in")),
      el("p", {}, nodesOf(t("The first activity of “%(title)s” opens here when the facilitator starts. Keep this page open.", SLOTS),
        { title: words(state.workshop.title) })),
    ));
  } else if (!stage || stage.phase === "pending") {
    fill(node, el("div", { class: "card stage-head" },
      statusLine(stage ? words(stage.title) : null, t("Waiting for the facilitator")),
      heading(null, t("Waiting for the facilitator")),
      el("p", {}, t("The next activity opens here. Keep this page open.")),
    ));
  } else {
    const activity = activityFor(stage.phase);
    const ctx = context(stage);
    const now = statusOf(stage, ctx);
    const head = el("div", { class: "card stage-head" },
      // The heading right below says the headline; the line does not repeat it.
      statusLine(whereOf(stage), now === headline(stage) ? null : now, stepOf(stage)),
      heading(whereOf(stage), headline(stage)),
      natureBadge(stage.key),
      stage.prompt ? words(stage.prompt, "p", { class: "prompt" }) : null,
      buildingOn(state, stage),
    );
    fill(node, head, drawView(activity, "phone", ctx,
      () => el("p", { class: "card" }, t("This step happens on the room's screen. Follow the facilitator."))));
  }
  if (moved) {
    // A new step: its instruction is the first thing seen (and, focused, the first thing heard:
    // the heading says where the meeting is, so no separate announcement repeats it).
    window.scrollTo(0, 0);
    const title = node.querySelector("h1");
    if (title) title.focus({ preventScroll: true });
  } else {
    restoreFocus(node, focused);
  }
  markFocused();
}

// ------------------------------------------------------------------ the end

function finishedView() {
  const links = state.plan ? state.plan.urls : null;
  return el("div", {},
    el("section", { class: "card stage-head" },
      statusLine(null, t("The workshop has finished")),
      heading(null, t("The plan is ready")),
      el("p", {}, t("Thank you for taking part. Download the strategic plan:")),
      // Same-origin paths with the token: the absolute URLs carry the facilitator's host.
      links ? tokenLinks(links, identity.token) : null,
    ),
    state.stages.filter((stage) => stage.decided).map((stage) => el("section", { class: "card" },
      words(stage.title, "h2"),
      stage.selected.length && stage.selected.some((item) => Object.keys(item.fields).length || item.links.length)
        ? el("ul", { class: "item-cards" }, stage.selected.map((item) => itemCard(state, stage, item)))
        : selectedResults(stage))),
  );
}

/** A decided stage's selected results first; the rest of its list folded away. */
function selectedResults(stage) {
  const list = resultsList(stage);
  const rest = [...list.children].filter((li) => !li.classList.contains("selected"));
  if (!rest.length || rest.length === list.children.length) return list;
  const others = el("ol", { class: "results", start: list.children.length - rest.length + 1 }, rest);
  return [list, el("details", { class: "more-results" },
    el("summary", {}, tn("The other %(n)s result", "The other %(n)s results", rest.length)), others)];
}
