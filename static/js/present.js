// The room's screen: the join code and QR, the live count, the idea wall and revealed results.
// It only listens; it never changes the workshop.

import {
  PHASE_LABELS, buildingOn, call, connect, currentStage, el, fill, plural, resultsList, stageById,
  facilitatorKey,
} from "./common.js";

const app = document.getElementById("app");
const WORKSHOP_ID = app.dataset.workshopId;
const STORE_KEY = `sw:facilitator:${WORKSHOP_ID}`;
const main = document.getElementById("main");
let state = null;

let saved = facilitatorKey(STORE_KEY);

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
  stage.ideas.push({ id: idea.id, text: idea.text });
  const current = currentStage(state);
  if (current && current.id === stage.id && current.phase === "brainstorm") {
    const wall = document.getElementById("wall");
    if (wall) {
      wall.prepend(el("li", { class: "note" }, idea.text));
      document.getElementById("idea-count").textContent = plural(stage.ideas.length, "idea", "ideas");
    } else {
      renderMain();
    }
  }
});
socket.on("tally", (payload) => {
  if (!state) return;
  const stage = stageById(state, payload.stage_id);
  if (stage) {
    stage.progress = { voters: payload.voters, rankers: payload.rankers, dots: payload.dots };
    if (payload.totals) for (const idea of stage.ideas) idea.votes = payload.totals[String(idea.id)] ?? 0;
  }
  renderMain();
});

function render(snapshot) {
  state = snapshot;
  document.getElementById("count").textContent = state.workshop.participant_count;
  document.getElementById("join-url").textContent = state.workshop.join_url.replace(/^https?:\/\//, "");
  document.getElementById("code").textContent = state.workshop.code;
  renderMain();
}

function renderMain() {
  const stage = currentStage(state);
  if (state.workshop.status === "finished") {
    return fill(main,
      el("div", { class: "present-phase" }, "Finished"),
      el("h1", {}, state.workshop.title),
      el("p", { class: "prompt" }, "The strategic plan is ready. Participants can download it from their phones."),
      state.stages.filter((s) => s.phase === "done" && s.results.length).map((s) => el("section", {},
        el("h2", {}, s.title),
        el("ol", { class: "present-results" }, s.results.filter((r) => r.selected).map((r) =>
          el("li", { class: "selected" }, el("span", { class: "place" }, r.rank), el("span", {}, r.text), el("span"))),
        ))),
    );
  }
  if (!stage || stage.phase === "pending") {
    return fill(main, el("h1", {}, state.workshop.title),
      el("p", { class: "prompt" }, "Join now with your phone. We start in a moment."));
  }
  const participants = state.workshop.participant_count;
  const progress = stage.progress || { voters: 0, rankers: 0 };
  const head = [
    el("div", { class: "present-phase" }, `${stage.title} · ${PHASE_LABELS[stage.phase]}`),
    el("h1", {}, stage.title),
    el("p", { class: "prompt" }, stage.prompt),
    buildingOn(state, stage),
  ];
  if (stage.phase === "brainstorm") {
    return fill(main, head,
      el("p", { class: "muted", id: "idea-count" }, stage.ideas.length
        ? plural(stage.ideas.length, "idea", "ideas")
        : "Ideas appear here as they arrive. Scan the code or type it on your phone."),
      el("ul", { class: "wall", id: "wall", "aria-label": "Ideas" },
        [...stage.ideas].reverse().map((idea) => el("li", { class: "note" }, idea.text))),
    );
  }
  if (stage.phase === "vote") {
    return fill(main, head,
      el("div", { class: "big-stats" },
        el("div", {}, el("strong", {}, `${progress.voters}/${participants}`), el("span", { class: "muted" }, "have voted")),
        el("div", {}, el("strong", {}, progress.dots ?? 0), el("span", { class: "muted" }, "dots placed")),
      ),
      stage.revealed ? bars(stage) : el("ul", { class: "wall" },
        stage.ideas.map((idea) => el("li", { class: "note" }, idea.text))),
    );
  }
  if (stage.phase === "rank") {
    return fill(main, head,
      el("div", { class: "big-stats" },
        el("div", {}, el("strong", {}, `${progress.rankers}/${participants}`), el("span", { class: "muted" }, "have ranked")),
      ),
      el("h2", {}, "Shortlist"),
      // Until the reveal the shortlist comes in writing order: no places, no dots.
      el(stage.revealed ? "ol" : "ul", { class: "present-results" }, stage.shortlist.map((id, i) => {
        const idea = stage.ideas.find((item) => item.id === id);
        return el("li", {}, el("span", { class: "place" }, stage.revealed ? i + 1 : "•"), el("span", {}, idea ? idea.text : ""),
          el("span", { class: "figures" }, idea && idea.votes !== undefined ? plural(idea.votes, "dot", "dots") : ""));
      })),
    );
  }
  return fill(main, head, resultsList(stage, "present-results"));
}

function bars(stage) {
  const ideas = [...stage.ideas].sort((a, b) => (b.votes || 0) - (a.votes || 0) || a.id - b.id);
  const max = Math.max(1, ...ideas.map((idea) => idea.votes || 0));
  return el("ol", { class: "bars", "aria-label": "Dot totals" }, ideas.slice(0, 12).map((idea) => el("li", {},
    el("span", {}, idea.text),
    el("span", { class: "num" }, idea.votes || 0),
    el("span", { class: "bar-track", "aria-hidden": "true" }, el("span", { style: `width:${Math.round(100 * (idea.votes || 0) / max)}%` })),
  )));
}
