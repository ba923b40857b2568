// The room's screen: the join code and QR, the live count, and the current step as its activity
// module draws it for the back of the room (the idea wall, dot totals once revealed, links and
// fields as they are settled, results). It only listens; it never changes the workshop.

import { applyTally, call, connect, currentStage, el, facilitatorKey, fill, stageById } from "./common.js";
import { keyedButtons } from "./plan-files.js";
import { activityFor, phaseLabel } from "./activities/index.js";
import { buildingOn, natureBadge, wording } from "./items.js";

const app = document.getElementById("app");
const WORKSHOP_ID = app.dataset.workshopId;
const STORE_KEY = `sw:facilitator:${WORKSHOP_ID}`;
const main = document.getElementById("main");
let state = null;

const saved = facilitatorKey(STORE_KEY);

const socket = connect({ onConnect: () => identify() });

async function identify() {
  if (!saved) {
    fill(main, el("h1", {}, "Open this screen from the facilitator console"),
      el("p", { class: "muted" }, "The projector view needs the facilitator link. Use “Open projector view” in the console."));
    return;
  }
  try {
    const reply = await call(socket, "present", { workshop_id: WORKSHOP_ID, key: saved.key });
    render(reply.state);
  } catch (error) {
    if (error.code === "timeout" || error.code === "offline") setTimeout(identify, 1500);
    else fill(main, el("h1", {}, "Cannot show this workshop"), el("p", {}, error.message));
  }
}

socket.on("state", (snapshot) => render(snapshot));
socket.on("participants", ({ count }) => {
  if (!state) return;
  state.workshop.participant_count = count;
  document.getElementById("count").textContent = count;
});
socket.on("idea:added", ({ idea }) => {
  if (!state) return;
  const stage = stageById(state, idea.stage_id);
  if (!stage || stage.ideas.some((item) => item.id === idea.id)) return;
  stage.ideas.push({ id: idea.id, text: idea.text, fields: {}, links: [], ...(idea.authors ? { authors: idea.authors } : {}) });
  const current = currentStage(state);
  if (!current || current.id !== stage.id) return;
  const activity = activityFor(current.phase);
  if (!(activity && activity.ideaAdded && activity.ideaAdded(context(current), idea, main))) renderMain();
});
socket.on("tally", (payload) => {
  if (!state) return;
  const stage = stageById(state, payload.stage_id);
  if (stage) {
    applyTally(stage, payload);
  }
  renderMain();
});

function context(stage) {
  return {
    role: "projector",
    state,
    stage,
    me: null,
    active: state.workshop.status === "active",
    rerender: renderMain,
    call: (event, payload) => call(socket, event, payload),
    act: () => Promise.resolve(null), // the projector never changes anything
  };
}

function render(snapshot) {
  state = snapshot;
  document.getElementById("count").textContent = state.workshop.participant_count;
  document.getElementById("join-url").textContent = state.workshop.join_url.replace(/^https?:\/\//, "");
  document.getElementById("code").textContent = state.workshop.code;
  renderMain();
}

function finishedView() {
  const decided = state.stages.filter((s) => s.decided && s.selected.length);
  return [
    el("div", { class: "present-phase" }, "Finished"),
    el("h1", {}, state.workshop.title),
    el("p", { class: "prompt" }, "The strategic plan is ready. Participants can download it from their phones."),
    el("div", { class: "present-downloads", "aria-label": "Download the plan" },
      el("span", { class: "label" }, "Download"), keyedButtons(WORKSHOP_ID, saved.key)),
    // One line per stage, so the whole plan fits the screen.
    el("dl", { class: "present-plan" }, decided.map((s) => el("div", {},
      el("dt", {}, s.title, " ", natureBadge(s.key)),
      el("dd", {}, s.selected.map((item, i) => [i ? " · " : "", wording(item)])),
    ))),
  ];
}

function renderMain() {
  const stage = currentStage(state);
  if (state.workshop.status === "finished") return fill(main, finishedView());
  if (!stage || stage.phase === "pending") {
    return fill(main, el("h1", {}, state.workshop.title),
      el("p", { class: "prompt" }, "Join now with your phone. We start in a moment."));
  }
  const activity = activityFor(stage.phase);
  return fill(main,
    el("div", { class: "present-phase" }, `${stage.title} · ${phaseLabel(stage.phase)}`),
    el("h1", {}, stage.title, " ", natureBadge(stage.key)),
    stage.prompt ? el("p", { class: "prompt" }, stage.prompt) : null,
    buildingOn(state, stage, { compact: true }),
    activity ? activity.projector(context(stage)) : null,
  );
}
