// The facilitator console: run the agenda stage by stage and step by step, watch ideas and dots
// arrive live, add items, reveal results, edit the agenda, finish the workshop and download the
// plan. The body of a stage's current step comes from its activity module (activities/).
//
// A new workshop waits in its lobby (who has joined, one Start); then one Next button (#next-step,
// key N or →) does the next thing and Back (#prev-step, B or ←) goes back, both at the top of the
// stage column. Modules that hold edits on the console declare `unsaved(state)`; finishing or
// leaving the page asks about them first.
//
// Beside them: the join panel (link, copy, QR; console-join.js), the timer of the stage on
// screen (console-timer.js), the item in focus, who has not taken part yet and suggested
// duplicates (console-room.js, console-duplicates.js). Between workshops: start next year's
// from this one and delete this one (console-home.js, in the header's "More" menu).

import {
  announce, applyTally, call, captureFocus, connect, currentStage, declarationOf, el, facilitatorKey, fill, hasTrait, metric,
  randomId, removedNote, restoreFocus, stageById, store, toast,
} from "./common.js";
import { forgetTemplate } from "./saved-templates.js";
import { REGISTRY, activityFor, drawView, phaseLabel, stepLabelOf } from "./activities/index.js";
import { openAgendaEditor } from "./agenda-editor.js";
import { buildingOn, categoriesOf, categoryLabel, natureBadge, readerLocale } from "./items.js";
import { keyedButtons } from "./plan-files.js";
import { roomAccess, roomValue } from "./room-access.js";
import { renderJoin } from "./console-join.js";
import { timerPanel } from "./console-timer.js";
import { duplicatesSection } from "./console-duplicates.js";
import { focusBanner, notYetSection } from "./console-room.js";
import { workshopHome } from "./console-home.js";
import { setRaw, setText } from "./console-text.js";
import { N_, availableLanguages, formatNumber, languageSwitcher, onLanguageChange, t, tn } from "./i18n.js";

const app = document.getElementById("app");
const WORKSHOP_ID = app.dataset.workshopId;
const STORE_KEY = `sw:facilitator:${WORKSHOP_ID}`;

const panel = document.getElementById("stage-panel");
const agenda = document.getElementById("agenda");
let state = null;
let viewing = null; // the stage id shown in the panel; follows the current stage by default
let busy = false;

// ------------------------------------------------------------------ the key

// Opened from the server admin (`#key=…&admin=1`; read before facilitatorKey clears the
// address): the admin's key, replaced by the admin's next "Open console", is no facilitator
// link. Its entry says so (`admin: true`), so the start page does not list it as this
// browser's own, and the console says so instead of "Keep your facilitator link".
const FROM_ADMIN = new URLSearchParams(location.hash.slice(1)).get("admin") === "1";
// The facilitator's own entry, when the admin opens the console in a browser that holds one:
// it stays this browser's (the admin's key lives in this page only).
let own = FROM_ADMIN ? store.get(STORE_KEY, null) : null;
if (own && (own.admin || typeof own.key !== "string")) own = null;
let saved = facilitatorKey(STORE_KEY);
if (own && saved && saved.key === own.key) own = null;
if (own) store.set(STORE_KEY, own);
/** Keep `saved` in this browser, unless it is the admin's key beside the facilitator's own. */
function keepSaved() {
  if (!(saved && saved.admin && own)) store.set(STORE_KEY, saved);
}
const facilitatorLink = (key) => `${location.origin}/w/${WORKSHOP_ID}/facilitate#key=${key}`;

if (saved && FROM_ADMIN) {
  saved = { ...saved, shown: true, admin: true };
  keepSaved();
  document.getElementById("admin-note").hidden = false;
} else if (saved && !saved.shown) {
  document.getElementById("key-link").textContent = facilitatorLink(saved.key);
  document.getElementById("key-panel").hidden = false;
}
document.getElementById("dismiss-admin-note").addEventListener("click", () => {
  document.getElementById("admin-note").hidden = true;
});
document.getElementById("copy-key").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(facilitatorLink(saved.key));
    toast(t("Facilitator link copied."));
  } catch {
    const range = document.createRange();
    range.selectNodeContents(document.getElementById("key-link"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    toast(t("Select and copy the highlighted link."));
  }
});
document.getElementById("dismiss-key").addEventListener("click", () => {
  saved.shown = true;
  keepSaved();
  document.getElementById("key-panel").hidden = true;
});
document.getElementById("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const raw = document.getElementById("key-input").value.trim();
  const match = raw.match(/key=([^&\s]+)/);
  saved = { key: match ? match[1] : raw, shown: true };
  own = null;
  keepSaved();
  if (socket.connected) identify(); else socket.connect(); // a revoked console was disconnected
});

/** "Open projector view": the projector link of the state (a read-only token), never the key. */
const projectorButton = document.getElementById("open-projector");
function showProjectorLink(url) {
  if (url) {
    // Same origin as this console (the state's URL carries PUBLIC_URL's host): its path and token.
    const link = new URL(url, location.href);
    projectorButton.setAttribute("href", `${link.pathname}${link.search}${link.hash}`);
    projectorButton.removeAttribute("aria-disabled");
  } else {
    projectorButton.href = "#";
    projectorButton.setAttribute("aria-disabled", "true");
  }
}
projectorButton.addEventListener("click", (event) => {
  if (projectorButton.getAttribute("aria-disabled") === "true") event.preventDefault();
});

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
    render(reply.state);
    refreshTemplates();
  } catch (error) {
    if (error.code === "workshop_not_found") {
      workshopClosed(null);
    } else if (error.code === "unauthorized") {
      if (!(saved && saved.admin && own)) store.remove(STORE_KEY);
      saved = null;
      document.getElementById("need-key").hidden = false;
      const box = document.getElementById("key-error");
      setText(box, N_("That link does not open this workshop (it may have been replaced by a newer one)."));
      box.hidden = false;
    } else if (error.code === "timeout" || error.code === "offline") {
      setTimeout(identify, 1500);
    } else {
      toast(error.message, "error");
    }
  }
}

socket.on("state", (snapshot) => render(snapshot));

// ------------------------------------------------------------------ room access

let replacingKey = false; // this console asked for a new facilitator link: its own revocation is expected

const access = roomAccess({
  workshopId: WORKSHOP_ID,
  key: () => (saved ? saved.key : ""),
  act,
  replacing: (value) => { replacingKey = value; },
  keyReplaced(key) {
    saved = { key, shown: false }; // a facilitator link now, whoever asked for it
    own = null;
    keepSaved();
    document.getElementById("admin-note").hidden = true;
    // The server disconnects every console on the old key, this one too: come back on the new one.
    socket.disconnect();
    socket.connect();
    showKeyPanel(N_("Your new facilitator link"),
      N_("The old facilitator link no longer works, on any device. Copy this one somewhere safe: it is the only way back into this console from another browser. Anyone with it can run this workshop."));
    planShown = null; // the plan buttons and review link carry the key
    if (state) renderPlanPanel(state.workshop.status === "finished");
    refreshTemplates();
    setTimeout(() => { replacingKey = false; }, 5000);
  },
  projectorLink(url) {
    if (state) state.workshop.projector_url = url;
    showProjectorLink(url);
  },
});

function showKeyPanel(title, text) {
  setText(document.getElementById("key-title"), title);
  setText(document.getElementById("key-text"), text);
  document.getElementById("key-link").textContent = facilitatorLink(saved.key);
  const box = document.getElementById("key-panel");
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
  document.getElementById("copy-key").focus({ preventScroll: true });
}

/** The server cut this console off: its facilitator link was replaced elsewhere. */
socket.on("access:revoked", (payload) => {
  if (payload && payload.role && payload.role !== "facilitator") return;
  if (replacingKey) return; // this console asked; it reconnects with the new key
  leaveRoom();
  setText(document.getElementById("need-key-title"), N_("The facilitator link was replaced"));
  setText(document.getElementById("need-key-text"),
    N_("Someone with this workshop's facilitator link made a new one, so this console was disconnected. Open the new facilitator link, or paste it here."));
  document.getElementById("key-error").hidden = true;
  document.getElementById("need-key").hidden = false;
  toast(t("The facilitator link was replaced: this console needs the new one."), "error");
});
/** Forget this workshop's key and state and put the room away: the console cannot run it any more. */
function leaveRoom() {
  store.remove(STORE_KEY);
  saved = null;
  state = null;
  socket.disconnect();
  for (const open of document.querySelectorAll("dialog[open]")) open.close();
  home.hide();
  document.getElementById("key-panel").hidden = true;
  document.getElementById("admin-note").hidden = true;
  document.getElementById("agenda-card").hidden = true;
  document.getElementById("join-panel").hidden = true;
  document.getElementById("stage-column").hidden = true;
  showProjectorLink(null);
}

/**
 * The workshop is gone from the server (`workshop:closed`: deleted, or purged by the server's
 * retention; or `workshop_not_found` on a reconnect): its key is forgotten and the console
 * says so, with the way to the start page. Nothing is retried.
 */
function workshopClosed(payload) {
  if (home.leaving()) return; // this console deleted it and is on its way to the start page
  leaveRoom();
  for (const id of ["ws-facts", "need-key"]) document.getElementById(id).hidden = true;
  const reason = payload && payload.reason;
  setText(document.getElementById("closed-text"), reason === "expired"
    ? N_("It finished long enough ago for this server to remove it (its retention setting): ideas, votes, the plan and its links are gone.")
    : reason === "removed"
      ? N_("The server’s administrator deleted it: ideas, votes, the plan and its links are gone. Phones and the room’s screen were told.")
      : N_("Everything of it is gone from the server: ideas, votes, the plan and its links. Phones and the room’s screen were told."));
  const box = document.getElementById("closed-panel");
  box.hidden = false;
  document.getElementById("closed-title").focus();
}
socket.on("workshop:closed", (payload) => workshopClosed(payload));

socket.on("idea:added", ({ idea }) => {
  if (!state) return;
  const stage = stageById(state, idea.stage_id);
  if (stage && !stage.ideas.some((item) => item.id === idea.id)) {
    stage.ideas.push({
      id: idea.id, text: idea.text, fields: {}, links: [], hidden: false, votes: 0,
      ...(idea.authors ? { authors: idea.authors } : {}), ...(idea.category ? { category: idea.category } : {}),
    });
    renderPanel();
    renderAgenda();
  }
});
socket.on("participants", ({ count }) => {
  if (!state) return;
  state.workshop.participant_count = count;
  document.getElementById("ws-count").textContent = count;
  access.render(state);
  if (state.workshop.lobby) renderLobby();
  renderPanel();
});
socket.on("tally", (tally) => {
  if (!state) return;
  const stage = stageById(state, tally.stage_id);
  if (stage) {
    applyTally(stage, tally, Object.values(REGISTRY));
    // The console's tally also carries the stage's suggested duplicates and who has not acted.
    if ("duplicates" in tally) stage.duplicates = tally.duplicates;
    if ("not_yet" in tally) stage.not_yet = tally.not_yet;
  }
  renderPanel();
});
socket.on("workshop:finished", () => toast(t("The workshop is finished; the plan is ready.")));
// Live events an activity declares (a suggestion from a phone, for example).
for (const activity of Object.values(REGISTRY)) {
  for (const [event, apply] of Object.entries(activity.consoleEvents || {})) {
    socket.on(event, (payload) => { if (state && apply(state, payload)) renderPanel(); });
  }
}

// ------------------------------------------------------------------ actions

/** Send one facilitator action at a time; failures are shown. Resolves with the ack or null. */
let queue = Promise.resolve();
/** Actions run one after the other in the order clicked; none is dropped while another runs. */
function act(event, payload) {
  const run = queue.then(() => send(event, payload));
  queue = run.catch(() => null);
  return run;
}

async function send(event, payload) {
  busy = true;
  panel.setAttribute("aria-busy", "true");
  try {
    return await call(socket, event, payload);
  } catch (error) {
    toast(error.code === "offline" || error.code === "timeout"
      ? t("Not sent: the connection is down. Try again when it is back.")
      : error.message, "error");
    return null;
  } finally {
    busy = false;
    panel.removeAttribute("aria-busy");
  }
}

const timer = timerPanel({ act });
const home = workshopHome({ workshopId: WORKSHOP_ID, key: () => (saved ? saved.key : ""), state: () => state });
const focusPanel = focusBanner({ act });

function setPhase(stage, phase) {
  viewing = stage.id;
  act("stage:phase", { stage_id: stage.id, phase });
}

const dialog = document.getElementById("confirm-finish");
const FINAL = N_("The plan is generated now and nobody can add ideas, dots or rankings afterwards.");

/** What finishing now leaves out: stages that have not reached their results. */
function finishNote() {
  const open = state.stages.filter((stage) => !stage.decided);
  if (!open.length) return t(FINAL);
  const stages = open.map((s) => s.title).join(", ");
  return `${tn("%(stages)s has not reached results and will select nothing.",
    "%(stages)s have not reached results and will select nothing.", open.length, { stages })} ${t(FINAL)}`;
}

/** Every activity's console edits not yet sent (define's fields), from the modules that
 * declare `unsaved(state)`: finishing or leaving the page asks about them first. */
function unsavedEdits() {
  if (!state) return [];
  return Object.values(REGISTRY).flatMap((activity) => (activity.unsaved ? activity.unsaved(state) : []));
}

document.getElementById("finish").addEventListener("click", () => {
  if (!state) return;
  const pending = unsavedEdits();
  if (pending.length && typeof unsavedDialog.showModal === "function") {
    askAboutUnsaved(pending);
    return;
  }
  document.getElementById("confirm-text").textContent = finishNote();
  if (typeof dialog.showModal === "function") dialog.showModal();
  else if (confirm(t("Finish the workshop and create the plan?"))) finish();
});
dialog.addEventListener("close", () => { if (dialog.returnValue === "finish") finish(); });

const unsavedDialog = document.getElementById("confirm-unsaved");
let unsavedShown = [];
function askAboutUnsaved(pending) {
  unsavedShown = pending;
  document.getElementById("unsaved-text").textContent =
    tn("%(n)s item has unsaved changes: save them, discard them, or go back.",
      "%(n)s items have unsaved changes: save them, discard them, or go back.", pending.length);
  fill(document.getElementById("unsaved-list"),
    pending.map((entry) => el("li", {}, el("strong", {}, entry.label), el("span", { class: "muted", dir: "auto" }, ` · ${entry.stage.title}`))));
  document.getElementById("unsaved-note").textContent = finishNote();
  unsavedDialog.returnValue = "";
  unsavedDialog.showModal();
}
unsavedDialog.addEventListener("close", async () => {
  const pending = unsavedShown;
  unsavedShown = [];
  if (unsavedDialog.returnValue === "save") {
    for (const entry of pending) {
      if (!(await entry.save(act))) {
        toast(t("Not finished: “%(item)s” could not be saved. Check it and finish again.", { item: entry.label }), "error");
        showUnsaved(entry);
        return;
      }
    }
    finish();
  } else if (unsavedDialog.returnValue === "discard") {
    for (const entry of pending) entry.discard();
    renderPanel();
    finish();
  } else if (pending.length) {
    showUnsaved(pending[0]); // "Go back" (or Escape): to the first item with unsaved changes
  }
});

/** Show the stage of an unsaved item and put focus in its form. */
function showUnsaved(entry) {
  if (viewing !== entry.stage.id) {
    viewing = entry.stage.id;
    renderAgenda();
    renderPanel();
  }
  const field = panel.querySelector(`[id^="def-${entry.item.id}-"]`);
  if (field) {
    field.closest("details")?.setAttribute("open", "");
    field.focus();
  }
}

// Leaving the page (closing the tab, reloading) with unsaved edits asks the browser's question.
window.addEventListener("beforeunload", (event) => {
  if (home.leaving() || !unsavedEdits().length) return;
  event.preventDefault();
  event.returnValue = "";
});

function finish() {
  act("workshop:finish", {}).then((reply) => { if (reply) toast(t("Plan created.")); });
}

// ------------------------------------------------------------------ the plan

let planShown = null; // "draft" or "final": what the plan panel shows now
function renderPlanPanel(finished) {
  const mode = finished ? "final" : "draft";
  if (mode === planShown || !saved) return;
  planShown = mode;
  setText(document.getElementById("plan-status"), finished
    ? N_("The plan is ready. Every format is the latest published version.")
    : N_("Download a draft at any time: every page is marked DRAFT until you finish."));
  fill(document.getElementById("plan-files"),
    keyedButtons(WORKSHOP_ID, saved.key, { draft: !finished }));
  document.getElementById("plan-after").hidden = !finished;
  if (finished) {
    document.getElementById("review-link").href = `/w/${WORKSHOP_ID}/review#key=${saved.key}`;
    refreshShares();
  }
}

async function shareCall(method, path = "") {
  const response = await fetch(`/api/workshops/${WORKSHOP_ID}/shares${path}`, {
    method, headers: { Authorization: `Bearer ${saved.key}` },
  });
  if (!response.ok) throw new Error((await response.json()).error.message);
  return response.status === 204 ? null : response.json();
}

async function refreshShares() {
  try {
    const { shares } = await shareCall("GET");
    fill(document.getElementById("share-list"), shares.map((share) => el("li", {},
      el("span", {}, t("Link %(id)s · made %(when)s", {
        id: share.id, when: new Date(share.created_at).toLocaleString(readerLocale()) })),
      el("button", { type: "button", class: "small danger", onclick: () => revokeShare(share.id) }, t("Revoke")),
    )));
  } catch (error) {
    toast(t("Could not list the share links: %(reason)s", { reason: error.message }), "error");
  }
}

async function revokeShare(id) {
  if (!confirm(t("Revoke this link? Anyone who has it can no longer open the plan."))) return;
  try {
    await shareCall("DELETE", `/${encodeURIComponent(id)}`);
    toast(t("The link is revoked."));
    document.getElementById("new-share").hidden = true;
  } catch (error) {
    toast(t("Could not revoke the link: %(reason)s", { reason: error.message }), "error");
  }
  refreshShares();
}

document.getElementById("create-share").addEventListener("click", async () => {
  try {
    const share = await shareCall("POST");
    document.getElementById("new-share-url").textContent = share.url;
    document.getElementById("new-share").hidden = false;
    refreshShares();
  } catch (error) {
    toast(t("Could not create a link: %(reason)s", { reason: error.message }), "error");
  }
});
document.getElementById("copy-share").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(document.getElementById("new-share-url").textContent);
    toast(t("Share link copied."));
  } catch {
    toast(t("Select the link and copy it by hand."), "error");
  }
});

// ------------------------------------------------------------------ saved templates

/** The templates this workshop saved (private: only their ids open them), each with Delete. */
async function refreshTemplates() {
  if (!saved) return;
  let templates = [];
  try {
    const response = await fetch(`/api/workshops/${WORKSHOP_ID}/templates`, {
      headers: { Authorization: `Bearer ${saved.key}` },
    });
    if (!response.ok) return;
    templates = (await response.json()).templates || [];
  } catch {
    return; // offline for a moment: the list is refreshed after the next save or reload
  }
  document.getElementById("templates-section").hidden = !templates.length;
  fill(document.getElementById("template-list"), templates.map((template) => el("li", {},
    el("span", {}, el("span", { dir: "auto" }, template.title),
      el("span", { class: "muted" }, ` · ${tn("%(n)s stage", "%(n)s stages", template.stages ? template.stages.length : 0)}`)),
    el("button", { type: "button", class: "small danger", onclick: () => deleteTemplate(template) },
      t("Delete"), el("span", { class: "visually-hidden" }, ` ${t("the template %(title)s", { title: template.title })}`)),
  )));
}

async function deleteTemplate(template) {
  if (!confirm(t("Delete the template “%(title)s”? Nobody can start a workshop from it any more.", { title: template.title }))) return;
  try {
    const response = await fetch(`/api/templates/${encodeURIComponent(template.id)}`, {
      method: "DELETE", headers: { Authorization: `Bearer ${saved.key}` },
    });
    if (!response.ok && response.status !== 404) throw new Error((await response.json()).error.message);
    forgetTemplate(template.id);
    toast(t("Template deleted."));
  } catch (error) {
    toast(t("The template was not deleted: %(reason)s", { reason: error.message }), "error");
  }
  refreshTemplates();
}

document.addEventListener("templates:changed", refreshTemplates);

document.getElementById("edit-agenda").addEventListener("click", () => {
  if (!saved) return;
  openAgendaEditor({
    workshopId: WORKSHOP_ID,
    key: saved.key,
    finished: Boolean(state && state.workshop.status === "finished"),
    organization: state ? state.workshop.organization : null,
    horizonYears: state ? state.workshop.horizon_years : 3,
    language: state ? state.workshop.language : null,
  });
});

// ------------------------------------------------------------------ rendering

/** Keep the title (and when this console was opened) with the key: the start page lists them. */
let opened = null;
function keepInList() {
  if (!saved) return;
  const title = state.workshop.title;
  if (saved.title === title && saved.opened_at && opened) return;
  opened = opened || new Date().toISOString();
  saved = { ...saved, title, opened_at: opened };
  keepSaved();
}

function render(snapshot) {
  const previousCurrent = state && state.current.stage_id;
  state = snapshot;
  keepInList();
  home.render(state);
  if (viewing === null || previousCurrent !== state.current.stage_id || !stageById(state, viewing)) {
    viewing = state.current.stage_id;
  }
  document.getElementById("ws-title").textContent = state.workshop.title;
  document.getElementById("ws-count").textContent = state.workshop.participant_count;
  showRemoved(document.getElementById("ws-removed"));
  document.getElementById("agenda-card").hidden = false;
  document.getElementById("stage-column").hidden = false;
  const finished = state.workshop.status === "finished";
  document.getElementById("finish").hidden = finished;
  showProjectorLink(roomValue(state, "projector_url"));
  access.render(state);
  renderJoin(state);
  renderPlanPanel(finished);
  renderWorkshopLanguage();
  renderAgenda();
  renderNav();
  timer.render(state);
  focusPanel.render(state);
  renderPanel();
  announcePhase();
}

// ------------------------------------------------------------------ languages

// The console's own language follows this browser (the switcher in the header remembers a
// choice on this device); the server's error messages to this connection follow it too.
document.getElementById("console-language").append(languageSwitcher({
  id: "console-language-select",
  onChange: (code) => { if (socket.connected) socket.emit("language", { language: code }); },
}));

// The workshop's language: the room's screen and the plan speak it. A change goes to the
// server (`workshop:language`), which tells every screen; a refusal is said beside the select.
const workshopLanguage = document.getElementById("workshop-language");
const workshopLanguageError = document.getElementById("workshop-language-error");
let languageSending = false;

function showLanguageError(message) {
  setRaw(workshopLanguageError, message || "");
  workshopLanguageError.hidden = !message;
}

function renderWorkshopLanguage() {
  if (!state) return;
  const box = document.getElementById("workshop-language-box");
  box.hidden = false;
  const current = state.workshop.language || "en";
  if (workshopLanguage.options.length !== availableLanguages().length) {
    fill(workshopLanguage, availableLanguages().map((lang) =>
      el("option", { value: lang.code, lang: lang.code, dir: lang.direction }, lang.name)));
  }
  if (!languageSending) workshopLanguage.value = current;
  workshopLanguage.disabled = state.workshop.status === "finished";
}

workshopLanguage.addEventListener("change", async () => {
  if (!state) return;
  const wanted = workshopLanguage.value;
  showLanguageError("");
  languageSending = true;
  try {
    const reply = await call(socket, "workshop:language", { language: wanted });
    if (state) state.workshop.language = (reply && reply.language) || wanted;
  } catch (error) {
    showLanguageError(error.code === "offline" || error.code === "timeout"
      ? t("Not sent: the connection is down. Try again when it is back.")
      : error.message || error.code);
  } finally {
    languageSending = false;
    renderWorkshopLanguage();
  }
});

// Another language on this console: every part drawn from the state is drawn again in it
// (the text being typed stays: the item box, the dialogs' fields are never rebuilt).
onLanguageChange(() => {
  if (!state) return;
  planShown = null;
  announced = null;
  render(state);
});

// ------------------------------------------------------------------ next and back

const startButton = document.getElementById("start-workshop");
const nextButton = document.getElementById("next-step");
const prevButton = document.getElementById("prev-step");
let nextMove = null; // what Next does now: a function, or null
let prevMove = null;

// What a step's module calls starting and closing it: its declaration's words, which it gives
// in the page's language (getters, activities/index.js).
const words = (kind) => REGISTRY[kind] || { start: t("start %(kind)s", { kind }), close: t("Close this step"), label: kind };
const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);
const KEPT = N_("Going back keeps every idea, dot, ranking and link: nothing anyone sent is deleted.");

/** The stage after (or before) `stage` in agenda order, or null. */
function neighbour(stage, offset) {
  return state.stages.find((s) => s.position === stage.position + offset) || null;
}

/**
 * The one forward move from where the room is now, and the one move back: each {label, title,
 * run} or null. They always act on the live stage, whatever stage the panel shows.
 */
function moves() {
  const stage = currentStage(state) || state.stages[0];
  if (!stage || state.workshop.status !== "active") return { next: null, back: null };
  let next = null;
  let back = null;
  const here = stage.steps[stage.step];
  const following = stage.steps[stage.step + 1];
  if (stage.phase === "pending") {
    if (stage.steps.length) {
      next = { label: t("Next: Open %(stage)s", { stage: stage.title }),
        title: t("Open %(stage)s and %(start)s.", { stage: stage.title, start: words(stage.steps[0].kind).start }),
        run: () => setPhase(stage, stage.steps[0].kind) };
    }
  } else if (following) {
    const close = words(here.kind).close;
    const start = capitalise(words(following.kind).start);
    // Leaving a step that gathers input closes it; a module that declares `closes: false` (it
    // only shows, or the facilitator fills it in) is left by naming the next step instead.
    const label = words(here.kind).closes === false ? t("Next: %(step)s", { step: start }) : t("Next: %(step)s", { step: close });
    next = { label, title: t("%(close)s and %(start)s.", { close, start: words(following.kind).start }),
      run: () => setPhase(stage, following.kind) };
  } else {
    const later = neighbour(stage, 1);
    if (later && later.steps.length) {
      const kind = later.phase === "pending" ? later.steps[0].kind : later.phase;
      next = { label: t("Next stage: %(stage)s", { stage: later.title }),
        title: later.phase === "pending"
          ? t("Open %(stage)s and %(start)s.", { stage: later.title, start: words(kind).start })
          : t("Show %(stage)s on phones and projector.", { stage: later.title }),
        run: () => setPhase(later, kind) };
    } else if (!later) {
      next = { label: t("Next: Finish and create the plan"), title: t("Finish the workshop and create the plan (you confirm first)."),
        run: () => document.getElementById("finish").click() };
    }
  }
  if (stage.step > 0) {
    const previous = stage.steps[stage.step - 1];
    const step = phaseLabel(previous.kind).toLowerCase();
    back = { label: t("Back to %(step)s", { step }),
      title: `${t("Reopen %(step)s in %(stage)s.", { step, stage: stage.title })} ${t(KEPT)}`,
      run: () => setPhase(stage, previous.kind) };
  } else {
    const earlier = neighbour(stage, -1);
    if (earlier && earlier.phase !== "pending") {
      back = { label: t("Back to %(step)s", { step: earlier.title }),
        title: `${t("Show %(stage)s on phones and projector again.", { stage: earlier.title })} ${t(KEPT)}`,
        run: () => setPhase(earlier, earlier.phase) };
    }
  }
  return { next, back };
}

function renderNav() {
  const lobby = Boolean(state.workshop.lobby) && state.workshop.status === "active";
  const { next, back } = moves();
  document.getElementById("lobby").hidden = !lobby;
  document.getElementById("step-buttons").hidden = lobby || state.workshop.status !== "active";
  document.getElementById("step-nav").hidden = state.workshop.status !== "active";
  // The lobby (with the join panel) scrolls away; Next and Back stay on top once the day runs.
  document.getElementById("step-nav").classList.toggle("is-lobby", lobby);
  nextMove = next ? next.run : null;
  prevMove = back ? back.run : null;
  if (lobby) {
    const first = state.stages[0];
    startButton.disabled = !next;
    startButton.title = next ? t("Open %(stage)s and %(start)s.", { stage: first.title, start: words(first.steps[0].kind).start }) : "";
    renderLobby();
  }
  // Next and Back move the room, whatever stage the panel shows: say where the room is.
  const live = currentStage(state);
  document.getElementById("nav-where").textContent = live && live.phase !== "pending"
    ? t("On screen: %(stage)s · %(step)s", { stage: live.title, step: stepLabelOf(live) }) : "";
  document.getElementById("next-label").textContent = next ? next.label : t("Next");
  nextButton.title = next ? next.title : t("Nothing comes next");
  nextButton.disabled = !next;
  document.getElementById("prev-label").textContent = back ? back.label : t("Back");
  prevButton.title = back ? back.title : t("Nothing to go back to");
  prevButton.disabled = !back;
}

const LOBBY_NAMES = 40;

/** "N participants were removed" in `node`, hidden while nobody was. */
function showRemoved(node) {
  const note = removedNote(state);
  node.textContent = note;
  node.hidden = !note;
}

/** Who has joined, while the room waits for the start. */
function renderLobby() {
  const count = state.workshop.participant_count;
  document.getElementById("lobby-count").textContent = formatNumber(count);
  // The count is drawn apart (large): the words after it agree with it.
  document.getElementById("lobby-joined").textContent = tn("person has joined", "people have joined", count);
  showRemoved(document.getElementById("lobby-removed"));
  // Names, where the snapshot carries them (`workshop.participants`, the console's alone);
  // people may stay anonymous, and a big room shows its first names and how many more.
  const people = state.workshop.participants || [];
  const names = people.map((p) => p && p.name).filter(Boolean);
  const shown = names.slice(0, LOBBY_NAMES);
  const more = names.length - shown.length;
  const anonymous = people.length - names.length;
  const list = document.getElementById("lobby-names");
  list.hidden = !shown.length;
  fill(list, shown.map((name) => el("li", { dir: "auto" }, name)),
    shown.length && more > 0 ? el("li", { class: "more" }, tn("+ %(n)s more", "+ %(n)s more", more)) : null,
    shown.length && anonymous > 0 ? el("li", { class: "more" }, tn("%(n)s without a name", "%(n)s without a name", anonymous)) : null);
}

startButton.addEventListener("click", () => { if (nextMove) nextMove(); });
nextButton.addEventListener("click", () => { if (nextMove) nextMove(); });
prevButton.addEventListener("click", () => { if (prevMove) prevMove(); });

/** Keys N / → and B / ←, unless the facilitator is typing or a dialog or the More menu is open. */
function typing(target) {
  if (!target || !(target instanceof Element)) return false;
  return Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"));
}
/** The back and next buttons name the arrow keys that move them in the page's direction. */
function arrowShortcuts() {
  const rtl = document.documentElement.dir === "rtl";
  const back = document.getElementById("prev-step");
  const next = document.getElementById("next-step");
  if (back) back.setAttribute("aria-keyshortcuts", rtl ? "B ArrowRight" : "B ArrowLeft");
  if (next) next.setAttribute("aria-keyshortcuts", rtl ? "N ArrowLeft" : "N ArrowRight");
}
arrowShortcuts();
document.addEventListener("i18n:change", arrowShortcuts);

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.repeat) return;
  if (!state || typing(event.target) || document.querySelector("dialog[open], details.console-menu[open]")) return;
  const key = event.key;
  // The arrow that points forward: right in a left-to-right page, left in an Arabic one.
  const rtl = document.documentElement.dir === "rtl";
  const forward = rtl ? "ArrowLeft" : "ArrowRight";
  const backward = rtl ? "ArrowRight" : "ArrowLeft";
  if (key === "n" || key === "N" || key === forward) {
    if (!nextMove) return;
    event.preventDefault();
    nextMove();
  } else if (key === "b" || key === "B" || key === backward) {
    if (!prevMove) return;
    event.preventDefault();
    prevMove();
  }
});

let announced = null;
/** Tell screen readers once when the room moves to another stage or step, never on a tally. */
function announcePhase() {
  const stage = currentStage(state);
  const where = state.workshop.status === "finished" ? "finished"
    : state.workshop.lobby ? "lobby" : stage ? `${stage.id}:${stage.phase}` : "";
  if (announced === null) { announced = where; return; }
  if (where === announced) return;
  announced = where;
  if (where === "finished") announce(t("The workshop is finished."));
  else if (where === "lobby") announce(t("The room is in the lobby."));
  else if (stage) announce(t("Now: %(stage)s, %(step)s.", { stage: stage.title, step: stepLabelOf(stage).toLowerCase() }));
}

function renderAgenda() {
  const focused = captureFocus();
  fill(agenda, state.stages.map((stage) => el("li", {},
    el("button", {
      type: "button",
      "aria-current": stage.id === viewing ? "true" : "false",
      dataset: { focus: `agenda-${stage.id}` },
      onclick: () => { viewing = stage.id; renderAgenda(); renderPanel(); },
    },
    el("span", { dir: "auto" }, stage.title),
    el("span", { class: "agenda-meta" },
      // Coloured by what the step does (app.css reads its traits).
      el("span", { class: "badge", "data-traits": declarationOf(stage.phase) ? declarationOf(stage.phase).traits.join(" ") : null },
        stepLabelOf(stage)),
      tn("%(n)s idea", "%(n)s ideas", stage.ideas.filter((i) => !i.hidden).length),
      stage.id === state.current.stage_id && state.workshop.status === "active"
        ? el("span", { class: "live" }, t("● on screen")) : null,
    )),
  )));
  restoreFocus(agenda, focused);
}

function context(stage) {
  return {
    role: "facilitator",
    state,
    stage,
    me: null,
    active: state.workshop.status === "active",
    rerender: renderPanel,
    call: (event, payload) => call(socket, event, payload),
    act,
    key: saved ? saved.key : null,
    activity: activityFor,
  };
}

/** The steps of a stage as a stepper, the current one marked. */
function stepper(stage) {
  return el("ol", { class: "steps", "aria-label": t("Steps") }, stage.steps.map((step, i) => el("li", {
    class: i < stage.step ? "is-past" : i === stage.step ? "is-current" : "",
    "aria-current": i === stage.step ? "step" : null,
  }, el("span", { class: "step-no", "aria-hidden": "true" }, formatNumber(i + 1)), stepLabelOf(stage, step.kind))));
}

/** For a stage the room is not on: bring it to the phones and projector. Next and Back (at the
 * top of the column) move the live stage. */
function controls(stage) {
  if (stage.id === state.current.stage_id || !stage.steps.length) return null;
  if (stage.phase === "pending") {
    if (state.workshop.lobby) return null;
    return el("div", { class: "row controls" },
      el("button", { type: "button", onclick: () => setPhase(stage, stage.steps[0].kind) }, t("Open %(stage)s now", { stage: stage.title })),
      el("span", { class: "muted small" }, t("starts with %(step)s", { step: phaseLabel(stage.steps[0].kind).toLowerCase() })));
  }
  return el("div", { class: "row controls" },
    el("button", { type: "button", onclick: () => setPhase(stage, stage.phase) }, t("Show on phones and projector")));
}

let addItemOpen = null; // the facilitator's choice to show the form, kept across redraws
// One text box for the page's life, so a redraw never loses an item being typed.
const newItem = el("textarea", {
  id: "new-item", rows: 2, maxlength: 280, dataset: { focus: "new-item" },
  "aria-describedby": "new-item-hint", dir: "auto",
});

// stage id -> the category picked in the form: it stays picked for the next item.
const newItemCategory = new Map();

function addItemForm(stage) {
  // Items can be added until a step that freezes them (a ranking, the results) is reached.
  const allowed = state.workshop.status === "active" && !stage.decided && !hasTrait(stage.phase, "freezes_items");
  if (!allowed) return null;
  const submit = async (event) => {
    event.preventDefault();
    const text = newItem.value.trim();
    if (!text) {
      toast(t("Write the item first."), "error");
      newItem.focus();
      return;
    }
    // A stage with categories: the item goes to the category picked (required, as for phones).
    const category = categories.length ? newItemCategory.get(stage.id) || "" : null;
    if (categories.length && !categories.some((entry) => entry.key === category)) {
      toast(t("Pick a category first: %(categories)s.", { categories: categories.map((entry) => t(entry.label)).join(", ") }), "error");
      const select = document.getElementById("new-item-category");
      if (select) select.focus();
      return;
    }
    const payload = category
      ? { stage_id: stage.id, text, category, client_id: randomId() }
      : { stage_id: stage.id, text, client_id: randomId() };
    const reply = await act("idea:submit", payload);
    if (reply) {
      newItem.value = "";
      toast(reply.duplicate ? t("That item was already added.")
        : category ? t("Added to %(stage)s (%(category)s).", { stage: stage.title, category: t(categoryLabel(stage, category)) })
          : t("Added to %(stage)s.", { stage: stage.title }));
      newItem.focus();
    }
  };
  const categories = categoriesOf(stage);
  newItem.placeholder = t("e.g. one of last year's goals"); // the page's language now
  const categoryField = categories.length ? el("div", {},
    el("label", { for: "new-item-category" }, t("Category")),
    el("select", {
      id: "new-item-category", dataset: { focus: "new-item-category" },
      onchange: (event) => newItemCategory.set(stage.id, event.target.value),
    },
    el("option", { value: "", selected: !newItemCategory.get(stage.id) }, t("Pick a category…")),
    categories.map((entry) => el("option", { value: entry.key, selected: newItemCategory.get(stage.id) === entry.key },
      entry.hint ? `${t(entry.label)} — ${t(entry.hint)}` : t(entry.label)))),
  ) : null;
  const details = el("details", { class: "add-item", open: addItemOpen ?? stage.phase === "pending" },
    // Kept at the click itself: a details made open fires "toggle" too, which is no choice.
    el("summary", { onclick: (event) => { addItemOpen = !event.currentTarget.parentElement.open; } },
      t("Add items to %(stage)s", { stage: stage.title })),
    el("form", { class: "stack", onsubmit: submit, "aria-label": t("Add an item to %(stage)s", { stage: stage.title }) },
      categoryField,
      el("div", {},
        el("label", { for: "new-item" }, t("Item")),
        newItem,
        el("p", { class: "hint", id: "new-item-hint" },
          t("Preload items before the stage opens, or add them until it is ranked. Everyone sees them like any idea.")),
      ),
      el("button", { type: "submit", class: "primary", dataset: { focus: "add-item" } }, t("Add item")),
    ),
  );
  return details;
}

function renderPanel() {
  if (!state) return;
  const stage = stageById(state, viewing) || currentStage(state) || state.stages[0];
  if (!stage) return;
  const finished = state.workshop.status === "finished";
  const isCurrent = stage.id === state.current.stage_id;
  const activity = activityFor(stage.phase);
  const ctx = context(stage);
  const visible = stage.ideas.filter((idea) => !idea.hidden);
  const metrics = el("div", { class: "metrics" },
    metric(formatNumber(visible.length), t("ideas")),
    metric(formatNumber(state.workshop.participant_count), t("joined")),
    drawView(activity, "metrics", ctx, () => []).map(([value, label]) => metric(value, label)),
  );
  // A stage that has not opened lists its preloaded items with the module that lists items.
  const lister = Object.values(REGISTRY).find((module) => module.listsItems);
  const broken = () => el("p", { class: "notice error" }, t("This step's screen did not load; see the browser console."));
  let body;
  if (activity) body = drawView(activity, "console", ctx, broken);
  else if (stage.phase !== "pending") body = broken();
  else if (stage.ideas.length && lister) body = drawView(lister, "console", ctx, broken);
  else body = el("p", { class: "muted" }, t("Not started yet. You can add items before it opens."));

  const focused = captureFocus();
  fill(panel,
    finished ? el("p", { class: "notice good" }, t("The workshop is finished and the plan is ready: download it from the agenda.")) : null,
    el("div", { class: "spread" },
      el("h2", {}, el("span", { dir: "auto" }, stage.title), " ", natureBadge(stage.key),
        isCurrent && !finished ? el("span", { class: "badge on-screen" }, t("on screen")) : null),
      el("span", { class: "muted small" },
        // The stage's `revealed` flag: the dot vote's reveal (reveal_flag), whose totals a
        // shortlist built from them shows too.
        hasTrait(stage.phase, "reveal_flag") || hasTrait(stage.phase, "shortlists")
          ? (stage.revealed ? t("Totals visible to the room") : t("Totals hidden from the room")) : ""),
    ),
    stage.prompt ? el("p", { class: "prompt", dir: "auto" }, stage.prompt) : null,
    buildingOn(state, stage),
    stepper(stage),
    finished ? null : controls(stage),
    metrics,
    // Who has not taken part in the step on screen (the current stage's alone).
    isCurrent && !finished ? notYetSection(stage, state.workshop.participant_count) : null,
    addItemForm(stage),
    duplicatesSection(stage, { act, rerender: renderPanel, active: !finished }),
    body,
    // Under the results and counts: why they dropped (a removed participant's entries left them).
    stage.phase !== "pending" && removedNote(state)
      ? el("p", { class: "removed-note", id: "panel-removed" }, removedNote(state)) : null,
  );
  restoreFocus(panel, focused);
}
