// The stage timer as every screen shows it: a countdown to the server's `ends_at`, corrected
// for this device's clock offset from the server (`server_time` in each state), "Time's up"
// at zero (nothing closes by itself). One shared piece for the console, phones and the room
// screen; each page decides where it goes and how large it is (CSS: .countdown, .is-up,
// .is-paused).

import { el } from "./common.js";
import { formatNumber, onLanguageChange, t } from "./i18n.js";

// Server clock minus this device's clock. A state reaches the device some time after the
// server built it, so each state's offset is short by that delay: usually milliseconds, but a
// state held up (a busy network, a phone waking) would set the clock back by seconds. The
// largest offset of the last half minute is the best guess; forgetting older ones follows a
// device whose own clock was corrected meanwhile.
const WINDOW_MS = 30000;
let seen = []; // [performance.now(), offset] per state of the last WINDOW_MS
let offsetMs = 0;

/** Learn the offset from a state's `server_time` (call on every state). */
export function syncClock(state) {
  const server = state && Date.parse(state.server_time || "");
  if (!Number.isFinite(server)) return;
  const now = performance.now();
  seen = seen.filter(([at]) => now - at < WINDOW_MS);
  seen.push([now, server - Date.now()]);
  offsetMs = Math.max(...seen.map(([, offset]) => offset));
}

/** The server's "now" in ms, as this device best knows it. */
export function serverNow() {
  return Date.now() + offsetMs;
}

/** Seconds left on a timer (`state.timer`): may be 0; null when there is no timer. */
export function remaining(timer) {
  if (!timer) return null;
  if (!timer.running) return Math.max(0, Number(timer.paused_remaining) || 0);
  const ends = Date.parse(timer.ends_at || "");
  if (!Number.isFinite(ends)) return null;
  return Math.max(0, (ends - serverNow()) / 1000);
}

/** "4:05", "1:02:03" in the page's digits; whole seconds rounded up, so 0:00 only once time is
 * really up. */
export function clock(seconds) {
  const whole = Math.ceil(Math.max(0, seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const two = (n) => formatNumber(n, { minimumIntegerDigits: 2, useGrouping: false });
  const s = two(whole % 60);
  return h ? `${formatNumber(h, { useGrouping: false })}:${two(m)}:${s}` : `${formatNumber(m, { useGrouping: false })}:${s}`;
}

/** Set a node's text only when it changes (a redraw that changes nothing mutates nothing). */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/**
 * A countdown element that keeps itself current: `update(state)` with each state (or
 * `update(state, timer)` for another timer than the current stage's); it hides itself when
 * there is no timer. It redraws on the second while the timer runs and not at all while it is
 * paused or up. `onZero()` is called when a running timer reaches 0 while this screen watches
 * it (not when a page opens on a timer already up, so a reload rings no bell).
 */
export function countdown({ className = "", onZero = null } = {}) {
  const time = el("span", { class: "countdown-time" });
  const note = el("span", { class: "countdown-note" });
  const node = el("div", { class: `countdown ${className}`.trim(), role: "timer", hidden: true }, time, note);
  let timer = null;
  let tick = null;
  let before = null; // seconds left at the last draw: a running timer crossing 0 calls onZero

  function draw() {
    clearTimeout(tick);
    tick = null;
    const left = remaining(timer);
    node.hidden = left === null;
    if (left === null) {
      before = null;
      return;
    }
    const up = left <= 0;
    const paused = !timer.running && !up;
    node.classList.toggle("is-up", up);
    node.classList.toggle("is-paused", paused);
    setText(time, up ? t("Time’s up") : clock(left));
    setText(note, paused ? t("paused") : "");
    if (up && timer.running && before !== null && before > 0 && onZero) onZero();
    before = left;
    // The next draw just after the shown second changes (the display rounds up).
    if (timer.running && !up) tick = setTimeout(draw, ((left * 1000) % 1000) + 20);
  }

  function update(state, current = state && state.timer) {
    syncClock(state);
    timer = current || null;
    draw();
  }

  // Its words ("Time’s up", "paused") and digits follow the page's language.
  onLanguageChange(() => { if (timer) draw(); });

  return { node, update };
}
