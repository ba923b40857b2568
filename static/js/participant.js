// The participant's phone: join, then always show what the current stage and phase ask.
// Everything the phone sends is kept in localStorage until the server acknowledged it, so a
// reload, a sleeping phone or lost wifi loses nothing.

import {
  PHASE_LABELS, announce, buildingOn, call, connect, currentStage, el, fill, ideaText, isTransient, plural,
  randomId, resultsList, stageById, store, toast,
} from "./common.js";

const app = document.getElementById("app");
const CODE = app.dataset.code;
const KEYS = {
  me: `sw:participant:${CODE}`,
  outbox: `sw:outbox:${CODE}`,
  votes: `sw:votes:${CODE}`,
  rankings: `sw:rankings:${CODE}`,
};
const views = {
  join: document.getElementById("join-view"),
  loading: document.getElementById("loading-view"),
  stage: document.getElementById("stage-view"),
};
const joinForm = document.getElementById("join-form");
const joinError = document.getElementById("join-error");
const who = document.getElementById("who");

let state = null;
let identity = store.get(KEYS.me, null); // {token, name}
let pendingName = null; // the name typed in the join form, until the join is acknowledged
let outbox = store.get(KEYS.outbox, []); // ideas not yet acknowledged
let flushingIdeas = false;
const draft = el("textarea", {
  id: "idea-text", dataset: { focus: "idea-text" }, name: "text", maxlength: 280, rows: 3, "aria-describedby": "idea-count",
  placeholder: "One idea, in a sentence or two",
});
const draftCounter = el("span", { id: "idea-count", class: "hint counter" }, "0 / 280");
draft.addEventListener("input", () => {
  draftCounter.textContent = `${draft.value.trim().length} / 280`;
});
draft.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) submitIdea(event);
});

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

/**
 * Whole-value writes (a dot allocation, a ranking): the newest value per stage stays on the
 * phone until the server acknowledged it, and is sent again after a reconnect. The server
 * replaces the whole value, so sending again is always safe.
 */
function replacer({ event, field, storeKey, meKey, closedMessage }) {
  const pending = store.get(storeKey, {}); // stage id -> value not yet acknowledged
  const inFlight = {};
  let timer = null;
  async function send(stageId) {
    const key = String(stageId);
    const value = pending[key];
    if (value === undefined || inFlight[key]) return;
    inFlight[key] = true;
    try {
      const reply = await call(socket, event, { stage_id: stageId, [field]: value });
      state.me[meKey][key] = reply[field];
      if (JSON.stringify(pending[key]) === JSON.stringify(value)) delete pending[key];
    } catch (error) {
      if (!retryLater(error)) {
        // Drop only the refused value; a newer one the user set meanwhile is still sent.
        if (JSON.stringify(pending[key]) === JSON.stringify(value)) delete pending[key];
        toast(error.code === "wrong_phase" ? closedMessage : error.message, "error");
      }
    } finally {
      inFlight[key] = false;
      store.set(storeKey, pending);
      const newer = pending[key] !== undefined && JSON.stringify(pending[key]) !== JSON.stringify(value);
      if (newer && socket.connected) send(stageId);
      if (state) renderStage();
    }
  }
  return {
    pending,
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

const votes = replacer({
  event: "votes:set", field: "votes", storeKey: KEYS.votes, meKey: "votes",
  closedMessage: "Voting has closed; your last saved dots count.",
});
const rankings = replacer({
  event: "ranking:set", field: "order", storeKey: KEYS.rankings, meKey: "rankings",
  closedMessage: "Ranking has closed.",
});

function show(name) {
  for (const [key, node] of Object.entries(views)) node.hidden = key !== name;
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
    store.set(KEYS.me, identity);
    pendingName = null;
    render(reply.state);
    flushAll();
  } catch (error) {
    if (error.code === "invalid_token") {
      // The workshop no longer knows this phone (for example a new workshop with the same code).
      store.remove(KEYS.me);
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

function render(snapshot) {
  const before = state ? currentStage(state) : null;
  state = snapshot;
  const now = currentStage(state);
  if (state.workshop.status === "finished") {
    announce("The workshop has finished. The plan is ready to download.");
  } else if (now && (!before || before.id !== now.id || before.phase !== now.phase)) {
    announce(`${now.title}: ${PHASE_LABELS[now.phase]}. ${phaseHeadline(now)}.`);
  }
  who.textContent = state.me && state.me.name ? `You: ${state.me.name}` : "You: anonymous";
  show("stage");
  renderStage();
}

function renderStage() {
  const stage = currentStage(state);
  const node = views.stage;
  if (state.workshop.status === "finished") return fill(node, finishedView());
  if (!stage || stage.phase === "pending") {
    return fill(node, el("div", { class: "card" },
      el("h1", {}, "You're in"),
      el("p", {}, "The facilitator will open the first activity soon. Keep this page open."),
    ));
  }
  const head = el("div", { class: "card stage-head" },
    el("div", { class: "kicker" }, `${stage.title} · ${PHASE_LABELS[stage.phase]}`),
    el("h1", {}, phaseHeadline(stage)),
    el("p", { class: "prompt" }, stage.prompt),
    buildingOn(state, stage),
  );
  const body = {
    brainstorm: brainstormView, vote: voteView, rank: rankView, done: doneView,
  }[stage.phase](stage);
  const focused = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.focus : null;
  fill(node, head, body);
  if (focused) restoreFocus(node, focused);
}

/** Put keyboard focus back on the control it was on before a redraw (or its neighbour). */
function restoreFocus(root, key) {
  const target = root.querySelector(`[data-focus="${CSS.escape(key)}"]`);
  if (!target) return;
  if (!target.disabled) {
    target.focus({ preventScroll: true });
    return;
  }
  const other = [...target.parentElement.querySelectorAll("button")].find((b) => !b.disabled);
  if (other) other.focus({ preventScroll: true });
}

function phaseHeadline(stage) {
  return {
    brainstorm: "Share your ideas",
    vote: "Spend your dots",
    rank: "Put the shortlist in order",
    done: "Results",
  }[stage.phase];
}

// ------------------------------------------------------------------ brainstorm

function brainstormView(stage) {
  const myIds = new Set(state.me.ideas);
  const mine = stage.ideas.filter((idea) => myIds.has(idea.id));
  const waiting = outbox.filter((item) => item.stage_id === stage.id);
  return el("div", {},
    el("form", { class: "card stack", onsubmit: submitIdea, "aria-label": "New idea" },
      el("div", {},
        el("label", { for: "idea-text" }, "Your idea"),
        draft,
        el("div", { class: "spread" }, draftCounter, el("span", { class: "hint" }, "Ctrl+Enter sends")),
      ),
      el("button", { class: "primary wide", type: "submit", dataset: { focus: "send-idea" } }, "Send idea"),
    ),
    el("section", { class: "card", "aria-labelledby": "mine-title" },
      el("h2", { id: "mine-title" }, `Your ideas (${mine.length + waiting.length})`),
      mine.length + waiting.length === 0
        ? el("p", { class: "muted" }, "Nothing yet. Short and specific works best.")
        : el("ul", { class: "idea-list" },
          mine.map((idea) => el("li", {}, idea.text)),
          waiting.map((item) => el("li", { class: item.error ? "failed" : "pending" },
            item.text,
            el("div", { class: "small" }, item.error
              ? el("span", { class: "error-text" }, item.error)
              : "Sending… (kept on this phone until the server has it)"),
            item.error ? el("button", {
              type: "button", class: "quiet small", onclick: () => dropFromOutbox(item.client_id),
            }, "Remove") : null,
          )),
        ),
    ),
  );
}

function submitIdea(event) {
  event.preventDefault();
  const stage = currentStage(state);
  const text = draft.value.trim();
  if (!text) {
    toast("Write something first.", "error");
    draft.focus();
    return;
  }
  if (text.length > 280) {
    toast(`That is ${text.length} characters; the limit is 280.`, "error");
    return;
  }
  outbox.push({ client_id: randomId(), stage_id: stage.id, text });
  store.set(KEYS.outbox, outbox);
  draft.value = "";
  draftCounter.textContent = "0 / 280";
  renderStage();
  draft.focus();
  flushIdeas();
}

function dropFromOutbox(clientId) {
  outbox = outbox.filter((item) => item.client_id !== clientId);
  store.set(KEYS.outbox, outbox);
  renderStage();
}

async function flushIdeas() {
  if (flushingIdeas || !identity) return;
  flushingIdeas = true;
  try {
    let item;
    // Ideas typed while a send is in flight join the same loop.
    while ((item = outbox.find((candidate) => !candidate.error))) {
      try {
        const { idea } = await call(socket, "idea:submit", {
          stage_id: item.stage_id, text: item.text, client_id: item.client_id,
        });
        const sent = item;
        outbox = outbox.filter((other) => other.client_id !== sent.client_id);
        const stage = stageById(state, idea.stage_id);
        if (stage && !stage.ideas.some((other) => other.id === idea.id)) {
          stage.ideas.push({ id: idea.id, text: idea.text });
        }
        if (!state.me.ideas.includes(idea.id)) state.me.ideas.push(idea.id);
        announce("Idea sent.");
      } catch (error) {
        if (retryLater(error)) break;
        item.error = error.code === "wrong_phase"
          ? "Not sent: the brainstorm had closed."
          : `Not sent: ${error.message}`;
      } finally {
        store.set(KEYS.outbox, outbox);
      }
    }
  } finally {
    flushingIdeas = false;
    if (state) renderStage();
  }
}

// ------------------------------------------------------------------ dot vote

function allocationFor(stage) {
  const key = String(stage.id);
  return { ...(votes.pending[key] || state.me.votes[key] || {}) };
}

function voteView(stage) {
  const allocation = allocationFor(stage);
  const spent = Object.values(allocation).reduce((a, b) => a + b, 0);
  const left = stage.dot_budget - spent;
  const unsaved = votes.pending[String(stage.id)] !== undefined;
  const dots = el("span", { class: "dot-row", "aria-hidden": "true" },
    Array.from({ length: stage.dot_budget }, (_, i) => el("span", { class: i < left ? "dot on" : "dot" })));
  const ideas = stage.revealed
    ? [...stage.ideas].sort((a, b) => (b.votes || 0) - (a.votes || 0) || a.id - b.id)
    : stage.ideas;
  return el("div", {},
    el("div", { class: "dots-left" },
      el("strong", {}, `${plural(left, "dot", "dots")} left`),
      dots,
    ),
    el("p", { class: "small muted" },
      `Up to ${plural(stage.max_dots_per_idea, "dot", "dots")} on one idea. `,
      unsaved ? "Saving…" : spent ? "Your dots are saved; change them until voting closes." : ""),
    stage.ideas.length === 0 ? el("p", { class: "card" }, "There are no ideas to vote on.") : null,
    el("ul", { class: "idea-list", "aria-label": "Ideas" },
      ideas.map((idea) => {
        const mine = allocation[String(idea.id)] || 0;
        return el("li", { class: "vote-item" },
          el("div", {},
            el("div", {}, idea.text),
            idea.votes !== undefined ? el("div", { class: "small total" }, `Room total: ${plural(idea.votes, "dot", "dots")}`) : null,
          ),
          el("div", { class: "stepper", role: "group", "aria-label": `Dots on: ${idea.text}` },
            el("button", {
              type: "button", "aria-label": "Remove a dot", disabled: mine === 0,
              dataset: { focus: `less-${idea.id}` },
              onclick: () => changeVote(stage, idea.id, -1),
            }, "−"),
            el("span", { class: "count" }, mine),
            el("button", {
              type: "button", class: "primary", "aria-label": "Add a dot",
              dataset: { focus: `more-${idea.id}` },
              disabled: left === 0 || mine >= stage.max_dots_per_idea,
              onclick: () => changeVote(stage, idea.id, +1),
            }, "+"),
          ),
        );
      }),
    ),
  );
}

function changeVote(stage, ideaId, delta) {
  const allocation = allocationFor(stage);
  const key = String(ideaId);
  const next = Math.max(0, (allocation[key] || 0) + delta);
  if (next === 0) delete allocation[key]; else allocation[key] = next;
  votes.set(stage.id, allocation, 250);
  const left = stage.dot_budget - Object.values(allocation).reduce((a, b) => a + b, 0);
  announce(`${plural(allocation[key] || 0, "dot", "dots")} on this idea, ${plural(left, "dot", "dots")} left.`);
}

// ------------------------------------------------------------------ ranking

function orderFor(stage) {
  const key = String(stage.id);
  const saved = rankings.pending[key] || state.me.rankings[key] || [];
  const order = saved.filter((id) => stage.shortlist.includes(id));
  for (const id of stage.shortlist) if (!order.includes(id)) order.push(id);
  return order;
}

function rankView(stage) {
  const key = String(stage.id);
  const order = orderFor(stage);
  const saved = state.me.rankings[key];
  const isSaved = !rankings.pending[key] && saved && saved.length === order.length
    && saved.every((id, i) => id === order[i]);
  const list = el("ol", { class: "rank-list", "aria-label": "Your order, best first" },
    order.map((id, index) => el("li", { class: "rank-item", dataset: { id } },
      el("span", { class: "place", "aria-hidden": "true" }, index + 1),
      el("span", { class: "rank-text" },
        el("span", { class: "visually-hidden" }, `Place ${index + 1}: `), ideaText(stage, id)),
      el("span", { class: "moves" },
        el("button", {
          type: "button", "aria-label": `Move up: ${ideaText(stage, id)}`, disabled: index === 0,
          dataset: { focus: `up-${id}` },
          onclick: () => moveRank(stage, index, index - 1),
        }, "↑"),
        el("button", {
          type: "button", "aria-label": `Move down: ${ideaText(stage, id)}`, disabled: index === order.length - 1,
          dataset: { focus: `down-${id}` },
          onclick: () => moveRank(stage, index, index + 1),
        }, "↓"),
        el("span", { class: "grip", "aria-hidden": "true", title: "Drag to reorder" }, "⠿"),
      ),
    )),
  );
  enableDrag(list, stage);
  return el("div", {},
    el("p", { class: "small muted" }, "Drag the handle, or use the arrows. Best at the top."),
    stage.shortlist.length === 0 ? el("p", { class: "card" }, "The shortlist is empty.") : list,
    el("div", { class: "card spread" },
      el("span", { class: "save-state", role: "status" },
        isSaved ? "✓ Your ranking is saved." : rankings.pending[key] ? "Saving…" : "Not submitted yet."),
      el("button", {
        type: "button", class: isSaved ? "" : "primary", onclick: () => saveRanking(stage, orderFor(stage)),
        dataset: { focus: "save-ranking" },
      }, isSaved ? "Save again" : "Submit my ranking"),
    ),
  );
}

function moveRank(stage, from, to) {
  const order = orderFor(stage);
  const [id] = order.splice(from, 1);
  order.splice(to, 0, id);
  saveRanking(stage, order); // the redraw keeps focus on this idea's arrow button
}

function enableDrag(list, stage) {
  let dragging = null;
  list.addEventListener("pointerdown", (event) => {
    const grip = event.target.closest(".grip");
    if (!grip) return;
    dragging = grip.closest(".rank-item");
    dragging.classList.add("dragging");
    grip.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  list.addEventListener("pointermove", (event) => {
    if (!dragging) return;
    const prev = dragging.previousElementSibling;
    const next = dragging.nextElementSibling;
    if (prev) {
      const box = prev.getBoundingClientRect();
      if (event.clientY < box.top + box.height / 2) { list.insertBefore(dragging, prev); return; }
    }
    if (next) {
      const box = next.getBoundingClientRect();
      if (event.clientY > box.top + box.height / 2) list.insertBefore(next, dragging);
    }
  });
  const drop = () => {
    if (!dragging) return;
    dragging.classList.remove("dragging");
    dragging = null;
    const order = [...list.querySelectorAll(".rank-item")].map((item) => Number(item.dataset.id));
    saveRanking(stage, order);
  };
  list.addEventListener("pointerup", drop);
  list.addEventListener("pointercancel", drop);
}

function saveRanking(stage, order) {
  rankings.set(stage.id, order);
}

// ------------------------------------------------------------------ results and the end

function doneView(stage) {
  if (!stage.results.length) return el("p", { class: "card" }, "This stage ended without ideas.");
  return el("div", { class: "card" },
    el("p", { class: "muted small" }, stage.select_count === 1
      ? "The top item goes into the plan."
      : `The top ${stage.select_count} items go into the plan.`),
    resultsList(stage),
    el("p", { class: "muted small", style: "margin-top:.75rem" }, "Wait for the facilitator to start the next stage."),
  );
}

function finishedView() {
  const links = state.plan ? state.plan.urls : null;
  // Same-origin paths: the absolute URLs carry whatever host the facilitator used.
  const withToken = (url) => `${new URL(url).pathname}?token=${encodeURIComponent(identity.token)}`;
  return el("div", {},
    el("section", { class: "card" },
      el("h1", {}, "The plan is ready"),
      el("p", {}, "Thank you for taking part. Download the strategic plan:"),
      links ? el("div", { class: "stack" },
        el("a", { class: "button primary wide", href: withToken(links.html), target: "_blank", rel: "noopener" }, "Open the plan (printable page)"),
        el("a", { class: "button wide", href: withToken(links.md), download: "" }, "Download as Markdown"),
      ) : null,
    ),
    state.stages.filter((stage) => stage.phase === "done" && stage.results.length).map((stage) =>
      el("section", { class: "card" }, el("h2", {}, stage.title), resultsList(stage))),
  );
}

// ------------------------------------------------------------------ retries

function flushAll() {
  flushIdeas();
  votes.flush();
  rankings.flush();
}
