// Shared helpers for the three screens: the socket, acked calls, DOM building, notices.

import { KINDS } from "./activities/kinds.js";
import { N_, formatNumber, onLanguageChange, t, tn } from "./i18n.js";

const DECLARED = new Map(KINDS.map((entry) => [entry.kind, entry]));

/** What the server declares of a kind (KINDS: label, noun, traits, …), or null. */
export function declarationOf(kind) {
  return DECLARED.get(kind) || null;
}

/** Whether a kind of step has a trait ("scores", "shortlists", "freezes_items", …). */
export function hasTrait(kind, trait) {
  const entry = DECLARED.get(kind);
  return Boolean(entry && entry.traits.includes(trait));
}

/**
 * Build an element: el("li", {class: "x", onclick: fn}, "text", child). Text is never HTML.
 * `style` is an object of properties ({width: "40%", "--share": 0.5}) set through the CSSOM,
 * never as a style attribute, so the page's CSP needs no 'unsafe-inline' for styles.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "style") {
      setStyle(node, value);
    } else if (name === "class") {
      node.className = value;
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else if (value === true) {
      node.setAttribute(name, "");
    } else {
      node.setAttribute(name, String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * Set inline styles through the CSSOM (which a CSP without 'unsafe-inline' allows, unlike a
 * style attribute): an object of properties, or a "a:b;c:d" string (a plug-in's) split into one.
 */
export function setStyle(node, style) {
  const entries = typeof style === "string"
    ? style.split(";").map((part) => part.split(/:(.*)/s, 2).map((word) => word.trim())).filter(([name, value]) => name && value)
    : Object.entries(style);
  for (const [name, value] of entries) {
    if (value === undefined || value === null || value === "") continue;
    node.style.setProperty(name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), String(value));
  }
}

/** Replace all children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren();
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** English only ("3 dots"): a screen's counted text goes through tn() from i18n.js instead. */
export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Participants' own words (an idea, a name, a title or prompt someone typed): never translated,
 * and shown in their own direction (`dir="auto"`), so Arabic words read right in an English page
 * and Latin words in an Arabic one. `tag` is the element ("span" by default).
 */
export function words(text, tag = "span", attrs = {}) {
  return el(tag, { ...attrs, dir: "auto" }, text);
}

/** Pass as t()'s params to keep its %(name)s placeholders for nodesOf(). */
export const SLOTS = Object.freeze({});

/**
 * A translated sentence with nodes in its placeholders: `nodesOf(t("You: %(name)s", SLOTS),
 * {name: words(name)})` → ["You: ", <span dir=auto>]. Values that are not nodes are text.
 */
export function nodesOf(text, values) {
  const parts = [];
  let at = 0;
  for (const match of text.matchAll(/%\((\w+)\)s/g)) {
    if (match.index > at) parts.push(text.slice(at, match.index));
    const value = values[match[1]];
    parts.push(value === undefined || value === null ? match[0] : value);
    at = match.index + match[0].length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}

/**
 * "1 participant was removed" / "N participants were removed", or "" when nobody was: said
 * next to the joined count and under the results, since a removed participant's dots, points,
 * ratings and rankings leave every total (`removed_count`, in `state.workshop` or at the top
 * of any audience's state).
 */
export function removedNote(state) {
  if (!state) return "";
  const value = state.workshop && state.workshop.removed_count !== undefined
    ? state.workshop.removed_count : state.removed_count;
  const n = Number(value) || 0;
  if (n <= 0) return "";
  return tn("%(n)s participant was removed", "%(n)s participants were removed", n);
}

/** Open the Socket.IO connection and show a banner while it is down. */
export function connect({ onConnect }) {
  // eslint-disable-next-line no-undef
  const socket = io({ reconnectionDelayMax: 4000, timeout: 10000 });
  const banner = document.getElementById("connection");
  let everConnected = false;
  let shown = ""; // the message the banner says (a msgid), said again after a language switch
  const show = (msgid) => {
    shown = msgid;
    if (!banner) return;
    banner.textContent = msgid ? t(msgid) : "";
    banner.hidden = !msgid;
  };
  onLanguageChange(() => show(shown));
  socket.on("connect", () => {
    everConnected = true;
    show("");
    onConnect(socket);
  });
  socket.on("disconnect", (reason) => {
    // The page closed it, or the server did on purpose (a replaced link, a removed
    // participant): no reconnecting; the page says what happened.
    if (reason === "io client disconnect" || reason === "io server disconnect") {
      show("");
      return;
    }
    show(N_("Connection lost. Reconnecting… Nothing you sent is lost."));
  });
  socket.on("connect_error", () => {
    show(everConnected ? N_("Still reconnecting…") : N_("Cannot reach the server. Retrying…"));
  });
  window.addEventListener("online", () => { if (!socket.connected) socket.connect(); });
  return socket;
}

/**
 * Emit an event and resolve with its ack. Rejects with {code: "timeout"} when no ack arrives,
 * and with the server's {code, message} when it refused.
 */
export function call(socket, event, payload, timeoutMs = 8000) {
  return new Promise((resolve, reject) => {
    if (!socket.connected) {
      reject({ code: "offline", message: t("Not connected right now.") });
      return;
    }
    socket.timeout(timeoutMs).emit(event, payload, (err, reply) => {
      if (err) {
        reject({ code: "timeout", message: t("No answer from the server; it will be retried.") });
      } else if (!reply || reply.ok !== true) {
        reject((reply && reply.error) || { code: "unknown", message: t("The server refused that.") });
      } else {
        resolve(reply);
      }
    });
  });
}

/** True for failures worth retrying (the network), false for the server's refusals. */
export function isTransient(error) {
  return error && (error.code === "timeout" || error.code === "offline");
}

/** Say something to screen readers through the page's one polite status region. */
export function announce(message) {
  const node = document.getElementById("announce");
  if (!node) return;
  node.textContent = "";
  setTimeout(() => { node.textContent = message; }, 50);
}

let toastTimer = null;
/** A short message at the bottom of the screen, read out by screen readers. */
export function toast(message, kind = "") {
  const node = document.getElementById("toast");
  if (!node) return;
  node.textContent = message;
  node.className = `toast ${kind}`;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, kind === "error" ? 6000 : 3000);
}

/** localStorage that survives private mode failures. */
export const store = {
  get(key, fallback = null) {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* full or blocked */ }
  },
  remove(key) {
    try { localStorage.removeItem(key); } catch { /* blocked */ }
  },
};

/** A random id for idempotent retries. */
export function randomId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The facilitator key for the console (never the projector, which has a token of its own):
 * `#key=...` from the address (then removed from the address bar and history) or the one this
 * browser kept. Returns {key, shown} or null;
 * `shown` records whether the console has shown the facilitator link once.
 */
export function facilitatorKey(storeKey) {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("key");
  if (fromHash) history.replaceState(null, "", location.pathname + location.search);
  let saved = store.get(storeKey, null);
  if (fromHash && (!saved || saved.key !== fromHash)) {
    saved = { key: fromHash, shown: Boolean(saved && saved.shown) };
    store.set(storeKey, saved);
  }
  return saved;
}

export function stageById(state, id) {
  return state.stages.find((stage) => stage.id === id) || null;
}

export function currentStage(state) {
  return state.current && state.current.stage_id ? stageById(state, state.current.stage_id) : null;
}

export function ideaText(stage, id) {
  const idea = stage.ideas.find((item) => item.id === id);
  return idea ? idea.text : t("(hidden idea)");
}

// A tally's counts: every kind's stage-wide counters (its `progress_counts`) and the stage's
// visible ideas. What else a kind's tally carries (its sums, its per-idea totals) its module
// takes over in its own `applyTally`.
const TALLY_COUNTS = [...new Set([...KINDS.flatMap((entry) => entry.progress_counts), "ideas"])];
// The per-idea figures a step's standings carry and the ideas take over (its `item_figures`).
const DECISION_KEYS = [...new Set(KINDS.flatMap((entry) => entry.item_figures))];

/**
 * Apply a live `tally` to the stage it is about: the running counts, what each kind's module
 * takes from it (`applyTally(stage, tally)` of every module in `modules`, the shell's registry:
 * every kind adds to every tally), and the step's standings (`decision`) with their per-idea
 * figures.
 */
export function applyTally(stage, tally, modules = []) {
  const progress = { ...stage.progress };
  for (const name of TALLY_COUNTS) if (tally[name] !== undefined) progress[name] = tally[name];
  stage.progress = progress;
  for (const module of modules) if (module.applyTally) module.applyTally(stage, tally);
  if (tally.decision) {
    stage.decision = tally.decision;
    const byId = new Map(tally.decision.items.map((item) => [item.idea_id, item]));
    for (const idea of stage.ideas) {
      const item = byId.get(idea.id);
      if (!item) continue;
      for (const key of DECISION_KEYS) if (key in item) idea[key] = item[key];
    }
  }
}

/** The figures of a result by default: points and dots after a shortlist was ranked, else dots. */
function defaultFigures(stage, r) {
  const ranked = (stage.steps || []).some((step) => hasTrait(step.kind, "shortlists"));
  const dots = tn("%(n)s dot", "%(n)s dots", r.votes);
  return ranked && r.shortlisted ? `${tn("%(n)s pt", "%(n)s pts", r.score)} · ${dots}` : dots;
}

/**
 * A results list (place, text, figures), selected items highlighted with a ✓ and "(selected)"
 * for screen readers. Options: className ("results"), figures(stage, r) → text, badges(r) →
 * nodes after the text (consensus, moved), limit (show the first n and say how many more).
 * A string second argument is the class name (as before).
 */
export function resultsList(stage, options = {}) {
  const { className = "results", figures = defaultFigures, badges = null, limit = 0 } =
    typeof options === "string" ? { className: options } : options;
  const shown = limit > 0 ? stage.results.slice(0, limit) : stage.results;
  const more = stage.results.length - shown.length;
  return el(
    "ol",
    { class: className, "aria-label": t("%(title)s results", { title: stage.title }) },
    shown.map((r) =>
      el(
        "li",
        { class: r.selected ? "selected" : "" },
        el("span", { class: "place" }, formatNumber(r.rank)),
        el("span", { class: "result-text" },
          r.selected ? el("span", { class: "check", "aria-hidden": "true" }, "✓") : null,
          words(r.text), r.selected ? el("span", { class: "visually-hidden" }, " ", t("(selected)")) : null,
          badges ? [" ", badges(r)] : null),
        el("span", { class: "figures" }, figures(stage, r)),
      ),
    ),
    more > 0 ? el("li", { class: "fit-more" }, moreText(more)) : null,
  );
}

/** "+ 3 more": what a list cut to fit a screen leaves out. */
export function moreText(n) {
  return tn("+ %(n)s more", "+ %(n)s more", n);
}

/**
 * Remember which control has keyboard focus (by its `data-focus` name) and where the caret is,
 * so a redraw from a new snapshot can put both back.
 */
export function captureFocus() {
  const active = document.activeElement;
  if (!active || !active.dataset || !active.dataset.focus) return null;
  const saved = { key: active.dataset.focus };
  if (typeof active.selectionStart === "number") {
    try { saved.selection = [active.selectionStart, active.selectionEnd]; } catch { /* not a text field */ }
  }
  return saved;
}

/** Put focus back on the control saved by captureFocus (or an enabled neighbour button). */
export function restoreFocus(root, saved) {
  if (!saved) return;
  const target = root.querySelector(`[data-focus="${CSS.escape(saved.key)}"]`);
  if (!target) return;
  if (!target.disabled) {
    if (document.activeElement !== target) target.focus({ preventScroll: true });
    if (saved.selection && typeof target.setSelectionRange === "function") {
      try { target.setSelectionRange(...saved.selection); } catch { /* not a text field */ }
    }
    return;
  }
  const other = [...target.parentElement.querySelectorAll("button")].find((b) => !b.disabled);
  if (other) other.focus({ preventScroll: true });
}

/** A figure with its label, for progress counts. */
export function metric(value, label) {
  return el("div", { class: "metric" }, el("strong", {}, value), el("span", {}, label));
}
