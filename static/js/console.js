// The facilitator console: run the agenda stage by stage, watch ideas and dots arrive live,
// hide duplicates, reveal results, finish the workshop and download the plan.

import {
  PHASE_LABELS, call, connect, currentStage, el, fill, plural, resultsList, stageById, store,
  facilitatorKey, toast,
} from "./common.js";

const app = document.getElementById("app");
const WORKSHOP_ID = app.dataset.workshopId;
const STORE_KEY = `sw:facilitator:${WORKSHOP_ID}`;
const NEXT = { pending: "brainstorm", brainstorm: "vote", vote: "rank", rank: "done" };
const PREV = { vote: "brainstorm", rank: "vote", done: "rank" };
const NEXT_LABEL = {
  pending: "Start brainstorm",
  brainstorm: "Close ideas, start dot vote",
  vote: "Close voting, start ranking",
  rank: "Close ranking, show results",
};

const panel = document.getElementById("stage-panel");
const agenda = document.getElementById("agenda");
let state = null;
let viewing = null; // the stage id shown in the panel; follows the current stage by default
let busy = false;

// ------------------------------------------------------------------ the key

let saved = facilitatorKey(STORE_KEY);
const facilitatorLink = (key) => `${location.origin}/w/${WORKSHOP_ID}/facilitate#key=${key}`;

if (saved && !saved.shown) {
  document.getElementById("key-link").textContent = facilitatorLink(saved.key);
  document.getElementById("key-panel").hidden = false;
}
document.getElementById("copy-key").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(facilitatorLink(saved.key));
    toast("Facilitator link copied.");
  } catch {
    const range = document.createRange();
    range.selectNodeContents(document.getElementById("key-link"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    toast("Select and copy the highlighted link.");
  }
});
document.getElementById("dismiss-key").addEventListener("click", () => {
  saved.shown = true;
  store.set(STORE_KEY, saved);
  document.getElementById("key-panel").hidden = true;
});
document.getElementById("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const raw = document.getElementById("key-input").value.trim();
  const match = raw.match(/key=([^&\s]+)/);
  saved = { key: match ? match[1] : raw, shown: true };
  store.set(STORE_KEY, saved);
  identify();
});
if (saved) {
  document.getElementById("open-projector").href = `/w/${WORKSHOP_ID}/present#key=${saved.key}`;
}

// ------------------------------------------------------------------ connection

const socket = connect({ onConnect: () => identify() });

async function identify() {
  if (!saved) {
    document.getElementById("need-key").hidden = false;
    return;
  }
  try {
    const reply = await call(socket, "facilitate", { workshop_id: WORKSHOP_ID, key: saved.key });
    document.getElementById("need-key").hidden = true;
    document.getElementById("open-projector").href = `/w/${WORKSHOP_ID}/present#key=${saved.key}`;
    render(reply.state);
  } catch (error) {
    if (error.code === "unauthorized") {
      store.remove(STORE_KEY);
      saved = null;
      document.getElementById("need-key").hidden = false;
      const box = document.getElementById("key-error");
      box.textContent = "That link does not open this workshop.";
      box.hidden = false;
    } else if (error.code === "timeout" || error.code === "offline") {
      setTimeout(identify, 1500);
    } else {
      toast(error.message, "error");
    }
  }
}

socket.on("state", (snapshot) => render(snapshot));
socket.on("idea:added", ({ idea }) => {
  if (!state) return;
  const stage = stageById(state, idea.stage_id);
  if (stage && !stage.ideas.some((item) => item.id === idea.id)) {
    stage.ideas.push({ id: idea.id, text: idea.text, hidden: false, votes: 0 });
    renderPanel();
    renderAgenda();
  }
});
socket.on("participants", ({ count }) => {
  if (!state) return;
  state.workshop.participant_count = count;
  document.getElementById("ws-count").textContent = count;
  renderPanel();
});
socket.on("tally", (tally) => {
  if (!state) return;
  const stage = stageById(state, tally.stage_id);
  if (stage && tally.totals) {
    for (const idea of stage.ideas) idea.votes = tally.totals[String(idea.id)] ?? 0;
    stage.progress = { voters: tally.voters, rankers: tally.rankers, dots: tally.dots };
  }
  renderPanel();
});
socket.on("workshop:finished", () => toast("The workshop is finished; the plan is ready."));

// ------------------------------------------------------------------ actions

async function act(event, payload, success) {
  if (busy) return;
  busy = true;
  panel.setAttribute("aria-busy", "true");
  try {
    const reply = await call(socket, event, payload);
    if (success) success(reply);
  } catch (error) {
    toast(error.code === "offline" || error.code === "timeout"
      ? "Not sent: the connection is down. Try again when it is back."
      : error.message, "error");
  } finally {
    busy = false;
    panel.removeAttribute("aria-busy");
  }
}

function setPhase(stage, phase) {
  viewing = stage.id;
  act("stage:phase", { stage_id: stage.id, phase });
}

const dialog = document.getElementById("confirm-finish");
document.getElementById("finish").addEventListener("click", () => {
  if (!state) return;
  const open = state.stages.filter((stage) => stage.phase !== "done");
  document.getElementById("confirm-text").textContent = open.length
    ? `${open.map((s) => s.title).join(", ")} ${open.length === 1 ? "has" : "have"} not reached results and will select nothing. `
      + "The plan is generated now and nobody can add ideas, dots or rankings afterwards."
    : "The plan is generated now and nobody can add ideas, dots or rankings afterwards.";
  if (typeof dialog.showModal === "function") dialog.showModal();
  else if (confirm("Finish the workshop and create the plan?")) finish();
});
dialog.addEventListener("close", () => { if (dialog.returnValue === "finish") finish(); });

function finish() {
  act("workshop:finish", {}, () => toast("Plan created."));
}

async function download(format) {
  try {
    const response = await fetch(state.plan.urls[format], { headers: { Authorization: `Bearer ${saved.key}` } });
    if (!response.ok) throw new Error((await response.json()).error.message);
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    if (format === "html") {
      window.open(url, "_blank", "noopener");
    } else {
      const link = el("a", { href: url, download: `strategic-plan-${state.workshop.code}.md` });
      document.body.append(link);
      link.click();
      link.remove();
    }
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) {
    toast(`Download failed: ${error.message}`, "error");
  }
}
document.getElementById("download-md").addEventListener("click", () => download("md"));
document.getElementById("open-html").addEventListener("click", () => download("html"));

// ------------------------------------------------------------------ rendering

function render(snapshot) {
  const previousCurrent = state && state.current.stage_id;
  state = snapshot;
  if (viewing === null || previousCurrent !== state.current.stage_id) viewing = state.current.stage_id;
  document.getElementById("ws-title").textContent = state.workshop.title;
  document.getElementById("ws-count").textContent = state.workshop.participant_count;
  document.getElementById("agenda-card").hidden = false;
  panel.hidden = false;
  const finished = state.workshop.status === "finished";
  document.getElementById("finish").hidden = finished;
  document.getElementById("plan-links").hidden = !finished;
  renderAgenda();
  renderPanel();
}

function renderAgenda() {
  fill(agenda, state.stages.map((stage) => el("li", {},
    el("button", {
      type: "button",
      "aria-current": stage.id === viewing ? "true" : "false",
      onclick: () => { viewing = stage.id; renderAgenda(); renderPanel(); },
    },
    el("span", {}, stage.title),
    el("span", { class: "agenda-meta" },
      el("span", { class: `badge ${stage.phase}` }, PHASE_LABELS[stage.phase]),
      plural(stage.ideas.filter((i) => !i.hidden).length, "idea", "ideas"),
      stage.id === state.current.stage_id && state.workshop.status === "active"
        ? el("span", { class: "live" }, "● on screen") : null,
    )),
  )));
}

function renderPanel() {
  if (!state) return;
  const stage = stageById(state, viewing) || currentStage(state) || state.stages[0];
  const finished = state.workshop.status === "finished";
  const isCurrent = stage.id === state.current.stage_id;
  const phases = ["brainstorm", "vote", "rank", "done"];
  const at = phases.indexOf(stage.phase);
  const steps = el("ol", { class: "steps", "aria-label": "Phases" }, phases.map((phase, i) => el("li", {
    class: i < at ? "is-past" : i === at ? "is-current" : "",
    "aria-current": i === at ? "step" : null,
  }, PHASE_LABELS[phase])));

  const controls = el("div", { class: "row" });
  if (!finished) {
    if (NEXT[stage.phase]) {
      controls.append(el("button", { type: "button", class: "primary", onclick: () => setPhase(stage, NEXT[stage.phase]) },
        NEXT_LABEL[stage.phase]));
    } else {
      const next = state.stages.find((s) => s.position === stage.position + 1);
      if (next && next.phase === "pending") {
        controls.append(el("button", { type: "button", class: "primary", onclick: () => setPhase(next, "brainstorm") },
          `Start ${next.title}: brainstorm`));
      } else if (!next) {
        controls.append(el("button", { type: "button", class: "primary", onclick: () => document.getElementById("finish").click() },
          "Finish workshop and create the plan"));
      }
    }
    if (PREV[stage.phase]) {
      controls.append(el("button", { type: "button", onclick: () => setPhase(stage, PREV[stage.phase]) },
        `Back to ${PHASE_LABELS[PREV[stage.phase]].toLowerCase()}`));
    }
    if (!isCurrent && stage.phase !== "pending") {
      controls.append(el("button", { type: "button", onclick: () => setPhase(stage, stage.phase) }, "Show on phones and projector"));
    }
    if (["vote", "rank"].includes(stage.phase) && !stage.revealed) {
      controls.append(el("button", { type: "button", onclick: () => act("results:reveal", { stage_id: stage.id }) },
        "Reveal dot totals"));
    }
  }

  const visible = stage.ideas.filter((idea) => !idea.hidden);
  const participants = state.workshop.participant_count;
  const progress = stage.progress || { voters: 0, rankers: 0 };
  const metrics = el("div", { class: "metrics" },
    metric(visible.length, "ideas"),
    metric(participants, "joined"),
    stage.phase === "vote" || stage.phase === "rank" || stage.phase === "done"
      ? metric(`${progress.voters}/${participants}`, "voted") : null,
    stage.phase === "rank" || stage.phase === "done" ? metric(`${progress.rankers}/${participants}`, "ranked") : null,
  );

  fill(panel,
    finished ? el("p", { class: "notice good" }, "The workshop is finished and the plan is ready: download it from the agenda.") : null,
    el("div", { class: "spread" },
      el("h2", {}, stage.title, isCurrent && !finished ? el("span", { class: "badge", style: "margin-left:.5rem" }, "on screen") : null),
      el("span", { class: "muted small" },
        stage.phase === "vote" || stage.phase === "rank" ? (stage.revealed ? "Totals visible to the room" : "Totals hidden from the room") : ""),
    ),
    el("p", { class: "prompt" }, stage.prompt),
    steps,
    controls,
    metrics,
    stage.phase === "done" ? resultsList(stage) : ideaList(stage),
  );
}

function metric(value, label) {
  return el("div", { class: "metric" }, el("strong", {}, value), el("span", {}, label));
}

function ideaList(stage) {
  if (stage.ideas.length === 0) {
    return el("p", { class: "muted" }, stage.phase === "pending"
      ? "Not started yet."
      : "No ideas yet. They appear here as participants send them.");
  }
  const showVotes = stage.phase !== "brainstorm" && stage.phase !== "pending";
  const canHide = ["brainstorm", "vote"].includes(stage.phase) && state.workshop.status === "active";
  const maxVotes = Math.max(1, ...stage.ideas.map((idea) => idea.votes || 0));
  let ideas = [...stage.ideas];
  if (stage.phase === "rank") {
    ideas = stage.shortlist.map((id) => stage.ideas.find((idea) => idea.id === id)).filter(Boolean);
  } else if (showVotes) {
    ideas.sort((a, b) => (b.votes || 0) - (a.votes || 0) || a.id - b.id);
  }
  return el("div", {},
    stage.phase === "rank" ? el("h3", {}, "Shortlist being ranked") : null,
    el("ul", { class: "console-ideas" }, ideas.map((idea) => el("li", {
      class: [idea.hidden ? "is-hidden" : "", stage.shortlist.includes(idea.id) ? "on-shortlist" : ""].join(" "),
    },
    el("span", { class: "text" }, idea.text, idea.hidden ? el("span", { class: "muted small" }, " (hidden)") : null),
    showVotes ? el("span", { class: "total" }, plural(idea.votes || 0, "dot", "dots")) : el("span"),
    canHide ? el("button", {
      type: "button", class: "quiet small",
      onclick: () => act("idea:hide", { idea_id: idea.id, hidden: !idea.hidden }),
    }, idea.hidden ? "Show" : "Hide") : el("span"),
    showVotes ? el("div", { class: "bar", "aria-hidden": "true" },
      el("span", { style: `width:${Math.round(100 * (idea.votes || 0) / maxVotes)}%` })) : null,
    ))),
  );
}
