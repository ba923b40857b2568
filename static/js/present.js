// The room's screen: a lobby with the join code and QR large, then the current step as its
// activity module draws it for the back of the room (the idea wall, live counts, results), with
// the code, a small QR and the live count kept in a strip. It only listens; it never changes the
// workshop. Whatever it draws is made to fit the screen (the fit engine below): a projector
// never scrolls. Beside the strip, the stage's countdown, large; when the facilitator puts an
// item in focus, it takes the screen with its figures as revealed, until the focus is cleared.

import {
  SLOTS, announce, applyTally, call, connect, currentStage, el, fill, hasTrait, moreText, nodesOf, removedNote,
  stageById, words,
} from "./common.js";
import { N_, formatList, formatNumber, language, onLanguageChange, setLanguage, t, tn } from "./i18n.js";
import { REGISTRY, activityFor, drawView, stepLabelOf } from "./activities/index.js";
import { consensusBadge, decisionItem, movedBadge, stepRevealed } from "./activities/decision.js";
import { figuresOf } from "./activities/ideas.js";
import { countdown } from "./countdown.js";
import { buildingOn, categoryTag, fieldsView, linksView, natureBadge, wording } from "./items.js";

const app = document.getElementById("app");
const WORKSHOP_ID = app.dataset.workshopId;
const main = document.getElementById("main");
const count = document.getElementById("count");
const phase = document.getElementById("phase");
let state = null;
let spoken = null; // what the last announcement was about, so each change is said once
let spokenFocus = ""; // the item in focus when it was last said ("" for none)

// ------------------------------------------------------------------ the fit engine
//
// After every draw the screen must fit: `document.documentElement.scrollHeight <= innerHeight`,
// no horizontal overflow, and no text under the floor (24 px on a 1080-line screen, in
// proportion on others). In order, until it fits:
//   1. the type scales down (`--fit` on #main; sizes in #main are in em), never so far that a
//      text that scales drops under the floor;
//   2. a list that declares other layouts (`data-density`, `data-sparser`, `data-denser`: the
//      idea wall's columns and note size) first tries the sparser ones (larger notes) that fit
//      as they are, then after scaling the denser ones one by one, scaling again at each;
//   3. the columns of a `fit-group` are cut each on its own, then the other lists marked
//      `fit-list` from their end, the last list first, each with a "+ N more" line, so nothing
//      is ever cut without saying so;
//   4. a view that marked no list has its tallest lists cut the same way.
// It all runs before the browser paints, so a redraw never flickers, and the last fit is reused
// while the view keeps its shape, so a tally every half second costs one layout.

const removed = new Map(); // list -> the items cut from it, to put back before the next fit

function floorPx() {
  return Math.min(innerWidth / 1920, innerHeight / 1080) * 24;
}

function overflows() {
  const root = document.documentElement;
  return root.scrollHeight > innerHeight || root.scrollWidth > innerWidth;
}

/** The elements holding visible text in `root`. */
function textHolders(root) {
  const holders = new Set();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.data.trim() || !parent || holders.has(parent)) continue;
    if (parent.closest(".visually-hidden, [hidden], details:not([open]) > :not(summary)")) continue;
    holders.add(parent);
  }
  return [...holders];
}

/**
 * The lowest --fit that keeps every text that scales with it at or above the floor. Texts
 * sized in rem (a badge, say) do not scale and do not limit it: the sizes are read at --fit 1
 * and at --fit .5, and only those that changed count.
 */
function lowestFit() {
  const holders = textHolders(main);
  const size = (node) => parseFloat(getComputedStyle(node).fontSize);
  setFit(1);
  const full = holders.map(size);
  setFit(0.5);
  let lowest = 0;
  holders.forEach((node, i) => {
    if (size(node) < full[i] - 0.01) lowest = Math.max(lowest, floorPx() / full[i]);
  });
  return Math.min(1, lowest);
}

function setFit(value) {
  main.style.setProperty("--fit", value.toFixed(3));
}

/** Put back what the last fit cut, so a patched view (a new note) is measured whole again. */
function restoreLists() {
  for (const [list, items] of removed) {
    for (const more of list.querySelectorAll(":scope > .fit-more")) more.remove();
    if (list.isConnected) list.append(...items);
  }
  removed.clear();
}

function moreLine(list, n) {
  const tag = list.tagName === "UL" || list.tagName === "OL" ? "li" : "div";
  return el(tag, { class: "fit-more" }, moreText(n));
}

/** Keep the first `keep` items of `list` and say how many more there are. */
function cutTo(list, items, keep) {
  for (const more of list.querySelectorAll(":scope > .fit-more")) more.remove();
  items.forEach((item, i) => {
    if (i < keep && !item.isConnected) list.append(item);
    if (i >= keep && item.isConnected) item.remove();
  });
  if (keep < items.length) list.append(moreLine(list, items.length - keep));
  removed.set(list, items.slice(keep));
}

/**
 * Keep the most of `items` in `list` that fit, by halving: `low` items are known to fit and
 * `high` not to (the whole list is one more than its length when it was not tried).
 */
function keepMostThatFit(list, items, low, high) {
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    cutTo(list, items, mid);
    if (overflows()) high = mid; else low = mid;
  }
  cutTo(list, items, low);
}

/** Cut `list` to the most items that fit; false if even none of them fits. */
function cutList(list) {
  const items = [...list.children].filter((item) => !item.classList.contains("fit-more"));
  if (!items.length) return false;
  cutTo(list, items, 0);
  if (overflows()) return false;
  // Every item did not fit: that is why the list is being cut.
  keepMostThatFit(list, items, 0, items.length);
  return true;
}

/**
 * Cut the lists of a `fit-group` (columns side by side): all to nothing first, then each in
 * turn given back the most items that fit beside the others, so a long column does not shorten
 * a short one.
 */
function cutGroup(group) {
  const lists = [...group.querySelectorAll(".fit-list")].map((list) => [list, [...list.children]]);
  for (const [list, items] of lists) cutTo(list, items, 0);
  if (overflows()) return false;
  for (const [list, items] of lists) keepMostThatFit(list, items, 0, items.length + 1);
  return true;
}

/**
 * What a fit depends on: the screen, the view's parts and the length of its lists. A tally
 * every half second changes numbers, not this, so the last fit is tried first and checked
 * with one layout instead of a search.
 */
function shapeOf() {
  const parts = [...main.children].map((node) => `${node.tagName}.${node.className}`);
  const lists = [...main.querySelectorAll(".fit-list")].map((list) => list.children.length);
  // Where #main starts and how wide it is: the strip, the countdown and the warning take a share.
  const room = `${main.offsetTop},${main.offsetWidth}`;
  return `${innerWidth}x${innerHeight}|${room}|${parts.join(",")}|${lists.join(",")}`;
}

let last = null; // {shape, fit, keep: [items kept per fit-list]}

function reuse(shape) {
  if (!last || last.shape !== shape) return false;
  const lists = [...main.querySelectorAll(".fit-list")];
  const natural = lists.map((list) => list.dataset.density);
  setFit(last.fit);
  lists.forEach((list, i) => {
    if (last.density[i] && natural[i] && last.density[i] !== natural[i]) densify(list, last.density[i]);
    const items = [...list.children].filter((item) => !item.classList.contains("fit-more"));
    if (last.keep[i] < items.length) cutTo(list, items, last.keep[i]);
  });
  if (!overflows()) return true;
  restoreLists();
  lists.forEach((list, i) => { if (natural[i]) densify(list, natural[i]); });
  return false;
}

function remember(shape) {
  const lists = [...main.querySelectorAll(".fit-list")];
  last = {
    shape,
    fit: parseFloat(main.style.getPropertyValue("--fit")) || 1,
    keep: lists.map((list) => [...list.children].filter((item) => !item.classList.contains("fit-more")).length),
    density: lists.map((list) => list.dataset.density || null),
  };
}

/** Make #main fit the screen: scale the type, then cut lists. */
export function fitScreen() {
  restoreLists();
  const shape = shapeOf();
  if (reuse(shape)) return;
  fitAfresh();
  remember(shape);
}

/** Scale the type between the floor and 1 so #main fits; false if even the floor does not. */
function scaleToFit() {
  setFit(1);
  if (!overflows()) return true;
  const lowest = lowestFit();
  setFit(lowest);
  if (overflows()) return false;
  let low = lowest;
  let high = 1;
  for (let i = 0; i < 6; i += 1) {
    const mid = (low + high) / 2;
    setFit(mid);
    if (overflows()) high = mid; else low = mid;
  }
  setFit(low);
  return true;
}

/** Swap a list's density class (a wall's columns and type) for another. */
function densify(list, density) {
  list.classList.replace(list.dataset.density, density);
  list.dataset.density = density;
}

function fitAfresh() {
  // Short ideas leave room: a sparser wall (larger notes) when it fits as it is.
  for (const list of main.querySelectorAll(".fit-list[data-sparser]")) {
    const natural = list.dataset.density;
    for (const density of list.dataset.sparser.split(" ").filter(Boolean)) {
      densify(list, density);
      setFit(1);
      if (!overflows()) return;
    }
    densify(list, natural);
  }
  if (scaleToFit()) return;
  // Lists that can be denser (a wall: more columns, smaller notes) try that before cutting.
  for (const list of main.querySelectorAll(".fit-list[data-denser]")) {
    for (const density of list.dataset.denser.split(" ").filter(Boolean)) {
      densify(list, density);
      if (scaleToFit()) return;
    }
  }
  setFit(lowestFit());
  for (const group of [...main.querySelectorAll(".fit-group")].reverse()) {
    if (cutGroup(group)) return;
  }
  for (const list of [...main.querySelectorAll(".fit-list")].reverse()) {
    if (!list.closest(".fit-group") && cutList(list)) return;
  }
  // A view that marked no list (or not enough): its other lists, the tallest first, so the
  // screen still never scrolls and still says what it left out.
  const others = [...main.querySelectorAll("ul, ol")]
    .filter((list) => !list.classList.contains("fit-list") && !list.closest(".fit-list, .visually-hidden") && list.children.length > 1)
    .map((list) => [list, list.getBoundingClientRect().height])
    .sort((a, b) => b[1] - a[1]);
  for (const [list] of others) {
    if (cutList(list)) return;
  }
}

let resizing = 0;
function refit() {
  cancelAnimationFrame(resizing);
  resizing = requestAnimationFrame(fitScreen);
}
addEventListener("resize", refit);
// What sits above #main (the strip, the countdown, the join warning) can change its height
// without a redraw of #main (the countdown reaching "Time’s up", the QR loading): fit again.
if (typeof ResizeObserver === "function") {
  const heights = new Map();
  const above = new ResizeObserver((entries) => {
    let changed = false;
    for (const entry of entries) {
      const height = entry.borderBoxSize && entry.borderBoxSize[0] ? entry.borderBoxSize[0].blockSize : entry.contentRect.height;
      if (heights.get(entry.target) !== height) changed = true;
      heights.set(entry.target, height);
    }
    if (changed) refit();
  });
  for (const id of ["join", "projector-timer", "join-warning"]) above.observe(document.getElementById(id));
}
if (document.fonts) document.fonts.ready.then(() => fitScreen());

// ------------------------------------------------------------------ the room's count

function showCount(n) {
  count.textContent = formatNumber(n);
  // "3 joined": the count, large, where the language puts it in the sentence.
  fill(count.parentElement, nodesOf(tn("%(n)s joined", "%(n)s joined", n, { n: "%(n)s" }), { n: count }));
  // Beside the count: "1 participant was removed" (their entries left every total).
  const beside = document.getElementById("removed");
  beside.textContent = removedNote(state);
  beside.hidden = !beside.textContent;
}

/** The same words under the results, in the fitted view (scaled with it). */
function removedLine() {
  const note = removedNote(state);
  return note ? el("p", { class: "removed-note" }, note) : null;
}

// ------------------------------------------------------------------ the projector token
//
// The room's screen opens with its own read-only credential, the projector token, from the
// console's "Open projector view" link (`#token=…`). It is taken out of the address bar at once
// and kept in this tab's sessionStorage under a key of its own, so a reload still works. The
// facilitator key is never read here, nor stored: a `#key=` in the address is only removed.

const TOKEN_KEY = `sw:projector:${WORKSHOP_ID}`;
const session = {
  get() { try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; } },
  set(token) { try { sessionStorage.setItem(TOKEN_KEY, token); } catch { /* blocked */ } },
  remove() { try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* blocked */ } },
};

function projectorToken() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  if (fromHash) session.set(fromHash);
  return fromHash || session.get();
}

/** A full-screen message instead of the room (no link, or a replaced one). */
function notice(title, text) {
  app.classList.remove("is-running");
  app.classList.add("is-lobby", "is-blocked");
  document.getElementById("join").hidden = true; // no code, no QR, no count without the room
  timerBox.hidden = true;
  joinWarning.hidden = true;
  phase.textContent = "";
  fill(main, el("h1", { class: "lobby-title" }, title), el("p", { class: "lobby-hint present-notice" }, text));
  fitScreen();
}

// ------------------------------------------------------------------ the countdown

const timerBox = document.getElementById("projector-timer");
const joinWarning = document.getElementById("join-warning");
// The screen itself is no live region: "Time’s up" is said once, when it happens.
const timer = countdown({ className: "present-countdown", onZero: () => announce(t("Time’s up.")) });
timerBox.append(timer.node);

/** The current stage's countdown, corrected for this screen's clock (none once finished). */
function showTimer() {
  const finished = state.workshop.status === "finished";
  timer.update(state, finished ? null : state.timer);
  timerBox.hidden = timer.node.hidden;
}

const NEEDS_LINK = N_("Open this screen from the console’s “Open projector view” link.");
let token = projectorToken();
const socket = token ? connect({ onConnect: () => identify() }) : null;
if (!token) notice(document.title.split(" · ")[0], t(NEEDS_LINK));

function replaced() {
  token = null;
  session.remove();
  state = null;
  if (socket) socket.disconnect();
  notice(t("This projector link was replaced"),
    t("The facilitator made a new projector link. Open the new one from the console’s “Open projector view”."));
}

/**
 * The workshop was deleted (`workshop:closed`, or `workshop_not_found` on a reconnect): the
 * token is forgotten, the connection closed, and the screen says so; nothing keeps spinning.
 */
function closed(payload) {
  token = null;
  session.remove();
  state = null;
  if (socket) socket.disconnect();
  timer.update(null, null);
  const reason = payload && payload.reason;
  notice(t("This workshop was closed."), reason === "expired"
    ? t("It finished a while ago and the server removed it.")
    : reason === "removed"
      ? t("The server’s administrator deleted it. Thank you for taking part.")
      : t("The facilitator deleted it. Thank you for taking part."));
}

async function identify() {
  if (!token) return;
  try {
    const reply = await call(socket, "present", { workshop_id: WORKSHOP_ID, token });
    render(reply.state);
  } catch (error) {
    if (error.code === "timeout" || error.code === "offline" || error.code === "rate_limited") {
      setTimeout(identify, error.retry_after ? Math.ceil(error.retry_after * 1000) : 1500);
    } else if (error.code === "unauthorized") {
      replaced();
    } else if (error.code === "workshop_not_found") {
      closed(null);
    } else {
      notice(t("Cannot show this workshop"), error.message);
    }
  }
}

if (socket) {
  socket.on("state", (snapshot) => { if (token) render(snapshot); });
  socket.on("access:revoked", (payload) => { if (!payload || payload.role !== "facilitator") replaced(); });
  socket.on("workshop:closed", (payload) => closed(payload));
  socket.on("participants", ({ count: n }) => {
    if (!state) return;
    state.workshop.participant_count = n;
    showCount(n);
    renderMain(); // the activities show "4/12 have voted"
  });
  socket.on("idea:added", ({ idea }) => {
    if (!state) return;
    const stage = stageById(state, idea.stage_id);
    if (!stage || stage.ideas.some((item) => item.id === idea.id)) return;
    stage.ideas.push({
      id: idea.id, text: idea.text, fields: {}, links: [],
      ...(idea.authors ? { authors: idea.authors } : {}), ...(idea.category ? { category: idea.category } : {}),
    });
    const current = currentStage(state);
    if (!current || current.id !== stage.id) return;
    if (main.querySelector("#focus")) return; // the wall is not on screen: the focus is
    const activity = activityFor(current.phase);
    if (activity && activity.ideaAdded && activity.ideaAdded(context(current), idea, main)) fitScreen();
    else renderMain();
  });
  socket.on("tally", (payload) => {
    if (!state) return;
    const stage = stageById(state, payload.stage_id);
    if (stage) applyTally(stage, payload, Object.values(REGISTRY));
    renderMain();
  });
}

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
    activity: activityFor,
  };
}

/** A key of the room's state: in `state.workshop`, or at the top of the state. */
function roomValue(key) {
  if (!state) return undefined;
  return state.workshop[key] !== undefined ? state.workshop[key] : state[key];
}

let qrFor = null; // the code the QR image shows
let qrReady = Promise.resolve();

/** The join strip: the address, the code and the QR, shown together once the QR has loaded
 * (no empty frame), or the count and "Joining is closed" while joining is locked. */
function showJoin() {
  const code = state.workshop.code;
  if (qrFor !== code) {
    qrFor = code;
    const qr = document.getElementById("join-qr");
    qr.src = `/j/${encodeURIComponent(code)}/qr.svg`;
    qrReady = (qr.decode ? qr.decode() : Promise.resolve()).catch(() => null);
  }
  const joinUrl = state.workshop.join_url.replace(/^https?:\/\//, "");
  qrReady.then(() => {
    if (!state || state.workshop.code !== code) return;
    document.getElementById("join-url").textContent = joinUrl;
    document.getElementById("code").textContent = code;
    document.getElementById("join").hidden = false;
    fitScreen();
  });
  // Phones cannot open a loopback address: the room is told, and how to fix it. While joining
  // is closed there is no address to warn about.
  joinWarning.hidden = state.workshop.join_reachable !== false || Boolean(roomValue("join_locked"));
  if (!joinWarning.hidden) {
    fill(joinWarning, el("strong", {}, t("Phones cannot open this address:")), " ",
      nodesOf(t("it names this computer itself. Restart the server with %(host)s on the room’s network, or set %(url)s to the address phones use.", SLOTS),
        { host: el("code", {}, "HOST=0.0.0.0"), url: el("code", {}, "PUBLIC_URL") }));
  }
}

function render(snapshot) {
  state = snapshot;
  followLanguage();
  app.classList.remove("is-blocked");
  showCount(state.workshop.participant_count);
  // Joining closed by the facilitator: the code and QR go, the strip says so.
  app.classList.toggle("is-locked", Boolean(roomValue("join_locked")));
  showJoin();
  showTimer();
  speak();
  renderMain();
}

/** One sentence to screen readers when the step, its reveal, its round or the workshop changes. */
function speak() {
  const stage = currentStage(state);
  const finished = state.workshop.status === "finished";
  const revealed = stage ? stepRevealed(stage) : false;
  const about = [finished, state.workshop.lobby, stage && stage.id, stage && stage.phase, revealed, stage && stage.round].join("|");
  const focus = focusShown();
  const focusAbout = focus ? `${focus.idea_id}` : "";
  if (about === spoken && focusAbout === spokenFocus) return;
  const first = spoken === null;
  const focusChanged = focusAbout !== spokenFocus;
  const stageChanged = about !== spoken; // said first: a step change also ends the focus
  spoken = about;
  spokenFocus = focusAbout;
  if (first) return; // the page itself says where the room is; announce changes only
  if (!stageChanged) {
    if (focusChanged && focus) announce(t("In focus: %(text)s", { text: focus.text }));
    return;
  }
  if (finished) announce(t("The workshop has finished. The plan is ready."));
  else if (state.workshop.lobby || !stage || stage.phase === "pending") announce(t("Waiting to start."));
  else if (revealed) announce(t("%(title)s: the results are shown.", { title: stage.title }));
  else if ((stage.round || 1) > 1) {
    announce(t("%(title)s: %(step)s, round %(round)s.", { title: stage.title, step: stepLabelOf(stage), round: formatNumber(stage.round) }));
  } else announce(t("%(title)s: %(step)s.", { title: stage.title, step: stepLabelOf(stage) }));
}

function finishedView() {
  const decided = state.stages.filter((s) => s.decided && s.selected.length);
  return [
    words(state.workshop.title, "h1"),
    // The room's screen only reads: the files are on the phones and in the console.
    el("p", { class: "prompt" }, t("The strategic plan is ready. Participants can download it from their phones.")),
    // One line per stage, so the whole plan fits the screen: its title, how many items it
    // chose, and as many of them as the line holds (the rest ends in "…"; all are in the plan).
    el("dl", { class: "present-plan fit-list" }, decided.map((s) => el("div", {},
      el("dt", {}, words(s.title), el("span", { class: "plan-count" }, ` ${formatNumber(s.selected.length)}`)),
      el("dd", { title: s.selected.map(wording).join(" · ") }, s.selected.map((item, i) => [i ? " · " : "", wording(item)])),
    ))),
    removedLine(),
  ];
}

function lobbyView() {
  const first = currentStage(state) || state.stages[0];
  return [
    words(state.workshop.title, "h1", { class: "lobby-title" }),
    roomValue("join_locked")
      ? el("p", { class: "lobby-call" }, t("Joining is closed"))
      : el("p", { class: "lobby-call" }, t("Join now with your phone")),
    el("p", { class: "lobby-hint" }, roomValue("join_locked") ? "" : [t("Scan the code or type the address."), " "],
      first ? nodesOf(t("We start with %(title)s in a moment.", SLOTS), { title: words(first.title) }) : t("We start in a moment.")),
  ];
}

// ------------------------------------------------------------------ the item in focus

/** The focus to show, or null: none set, or the lobby or the end, which keep their own screens. */
function focusShown() {
  if (!state || !state.focus || state.workshop.status === "finished" || state.workshop.lobby) return null;
  return state.focus;
}

/** A result's figures as the results view words them: in the deciding step's words (its
 * `resultText`), else the dots, when a step on the stage places them. */
function figureWords(ctx, stage, r) {
  const decider = stage.decision ? activityFor(stage.decision.kind) : null;
  const own = decider && decider.resultText ? decider.resultText(r, stage, ctx) : null;
  if (own !== null && own !== undefined) return own;
  const dots = stage.steps.map((step) => activityFor(step.kind)).find((module) => module && module.placesDots);
  return dots && dots.resultText ? dots.resultText(r, stage, ctx) : "";
}

/**
 * The figures of an idea as the room may see them: once its stage is decided, its place in
 * the results in the deciding step's words; before, each step's figures of it as this screen
 * has them (the server sends them once revealed; the modules' `ideaFigures`) and its standing
 * in the step's count. Null when nothing is revealed.
 */
function focusFigures(ctx, stage, idea) {
  const result = stage.results.find((r) => r.idea_id === idea.id);
  if (result) {
    return { place: result.rank, of: stage.results.length, words: figureWords(ctx, stage, result), selected: result.selected, item: result };
  }
  const words = figuresOf(activityFor, stage, idea).join(" · ");
  const item = decisionItem(stage, idea.id);
  if (!words && !item) return null;
  return { place: null, words, selected: false, item };
}

/** Whether the stage is ranking a shortlist that leaves `idea` out. */
function offShortlist(stage, idea) {
  if (!hasTrait(stage.phase, "shortlists") || !Array.isArray(stage.shortlist) || !stage.shortlist.length) return false;
  return !stage.shortlist.includes(idea.id);
}

/** Whether the stage has reached a step that scores its items (its figures may be hidden). */
function scoredYet(stage) {
  return stage.steps.some((step, i) => i <= stage.step && hasTrait(step.kind, "scores"));
}

/** The item in focus, large: its stage, its wording, its figures as revealed, its fields. */
function focusView(focus) {
  const stage = stageById(state, focus.stage_id);
  const idea = stage ? [...stage.ideas, ...(stage.selected || [])].find((item) => item.id === focus.idea_id) : null;
  const text = idea ? wording(idea) : focus.text;
  const figures = stage && idea ? focusFigures(context(stage), stage, idea) : null;
  const authors = idea && idea.authors && idea.authors.length ? idea.authors : null;
  const alsoSaid = idea && idea.also_said && idea.also_said.length ? idea.also_said : null;
  let standing = null;
  // Ranking a shortlist, the other ideas are not ranked: said plainly, beside the figures its
  // earlier steps have revealed (the shortlist itself is public on the phones).
  const offList = stage && idea && !(figures && figures.place) && offShortlist(stage, idea);
  if (figures) {
    standing = el("p", { class: `focus-figures${figures.selected ? " selected" : ""}` },
      figures.place ? el("span", { class: "focus-place" }, t("#%(place)s", { place: formatNumber(figures.place) }),
        el("span", { class: "focus-of" }, " ", t("of %(total)s", { total: formatNumber(figures.of) }))) : null,
      offList ? el("span", { class: "focus-off" }, t("Not on the shortlist")) : null,
      figures.words ? el("span", { class: "focus-words" }, figures.words) : null,
      figures.selected ? el("span", { class: "focus-selected" }, "✓ ", t("selected")) : null,
      consensusBadge(figures.item), movedBadge(figures.item));
  } else if (offList) {
    standing = el("p", { class: "focus-figures" }, el("span", { class: "focus-off" }, t("Not on the shortlist")));
  } else if (stage && scoredYet(stage) && !stepRevealed(stage)) {
    standing = el("p", { class: "focus-hidden" }, t("Its figures are shown once the facilitator reveals them."));
  } else if (stage && idea && scoredYet(stage)) {
    // Revealed, and still nothing for it (it came in after the count, or nobody chose it).
    standing = el("p", { class: "focus-hidden" }, t("No figures for it in this step."));
  }
  return el("section", { id: "focus", class: "focus", "aria-labelledby": "focus-text" },
    el("p", { class: "focus-kicker" }, el("span", { class: "focus-label" }, t("In focus")),
      stage ? [" · ", words(stage.title), " ", natureBadge(stage.key)] : null,
      // On a stage with categories: which one it is in.
      stage && idea ? categoryTag(stage, idea) : null),
    // Its size follows its length, so a long item fits with the words around it still readable.
    el("h1", { class: `focus-text ${text.length > 120 ? "is-long" : text.length > 50 ? "is-medium" : ""}`.trim(), id: "focus-text", dir: "auto" }, text),
    authors ? el("p", { class: "focus-authors" }, nodesOf(t("by %(names)s", SLOTS), { names: words(formatList(authors, "unit")) })) : null,
    standing,
    stage && idea ? fieldsView(stage, idea) : null,
    stage && idea ? linksView(state, stage, idea) : null,
    alsoSaid ? el("div", { class: "focus-also" },
      el("p", { class: "focus-also-label" }, tn("Also said (%(n)s idea merged into it)", "Also said (%(n)s ideas merged into it)", alsoSaid.length)),
      el("ul", { class: "focus-also-list fit-list" }, alsoSaid.map((said) => words(said, "li")))) : null,
  );
}

/** "Vision · Dot vote · Round 2": the strip's line. */
function stageLine(stage) {
  const round = (stage.round || 1) > 1 ? [" · ", t("Round %(n)s", { n: formatNumber(stage.round) })] : null;
  return [words(stage.title), " · ", stepLabelOf(stage), round];
}

function renderMain() {
  const stage = currentStage(state);
  const finished = state.workshop.status === "finished";
  const lobby = !finished && state.workshop.lobby;
  app.classList.toggle("is-lobby", lobby);
  app.classList.toggle("is-running", !lobby);
  if (finished) {
    phase.textContent = t("Finished");
    fill(main, finishedView());
  } else if (lobby) {
    phase.textContent = "";
    fill(main, lobbyView());
  } else if (focusShown()) {
    fill(main, focusView(focusShown()));
  } else if (!stage || stage.phase === "pending") {
    fill(phase, stage ? [words(stage.title), " · ", t("Next")] : null);
    fill(main, words(stage ? stage.title : state.workshop.title, "h1"),
      el("p", { class: "prompt" }, t("Next up. The facilitator opens it in a moment.")));
  } else {
    const activity = activityFor(stage.phase);
    fill(phase, stageLine(stage));
    fill(main,
      el("h1", {}, words(stage.title), " ", natureBadge(stage.key)),
      stage.prompt ? words(stage.prompt, "p", { class: "prompt" }) : null,
      buildingOn(state, stage, { compact: true }),
      drawView(activity, "projector", context(stage), () => null),
      removedLine(),
    );
  }
  fitScreen();
}

// ------------------------------------------------------------------ the workshop's language
//
// The room's screen reads in its workshop's language (`state.workshop.language`), whatever the
// device's: the server renders the page in it, and when the facilitator changes it the screen
// switches at once (no reload, nothing remembered on this device) and draws itself again.

let following = null; // the language being switched to, so a burst of states asks once

function followLanguage() {
  const wanted = state && state.workshop && state.workshop.language;
  if (!wanted || wanted === language() || wanted === following) return;
  following = wanted;
  setLanguage(wanted)
    .catch((error) => console.error(error)) // its catalogue did not load: stay as it is
    .finally(() => { if (following === wanted) following = null; });
}

onLanguageChange(() => {
  if (!state) return;
  showCount(state.workshop.participant_count);
  showJoin();
  showTimer();
  renderMain();
});
