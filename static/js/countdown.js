// The stage timer as every screen shows it: a countdown to the server's `ends_at`, corrected
// for this device's clock offset from the server (`server_time` in each state), "Time's up"
// at zero (nothing closes by itself). One shared piece for the console, phones and the room
// screen; each page decides where it goes and how large it is (CSS: .countdown).

import { el } from "./common.js";

let offsetMs = 0; // server clock minus this device's clock, from the latest state

/** Learn the offset from a state's `server_time` (call on every state). */
export function syncClock(state) {
  const server = state && Date.parse(state.server_time || "");
  if (Number.isFinite(server)) offsetMs = server - Date.now();
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

/** "4:05", "1:02:03"; whole seconds rounded up, so 0:00 only once time is really up. */
export function clock(seconds) {
  const whole = Math.ceil(Math.max(0, seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/**
 * A countdown element that keeps itself current. `update(state)` with each state; it hides
 * itself when there is no timer. `onZero()` is called once each time a running timer reaches 0.
 */
export function countdown({ className = "", onZero = null } = {}) {
  const time = el("span", { class: "countdown-time" });
  const note = el("span", { class: "countdown-note" });
  const node = el("div", { class: `countdown ${className}`.trim(), role: "timer", hidden: true }, time, note);
  let timer = null;
  let ticking = null;
  let zeroSeen = false;

  function draw() {
    const left = remaining(timer);
    if (left === null) {
      node.hidden = true;
      return;
    }
    node.hidden = false;
    const up = left <= 0;
    node.classList.toggle("is-up", up);
    node.classList.toggle("is-paused", !timer.running && !up);
    time.textContent = up ? "Time’s up" : clock(left);
    note.textContent = !timer.running && !up ? "paused" : "";
    if (up && timer.running && !zeroSeen) {
      zeroSeen = true;
      if (onZero) onZero();
    }
    if (!up) zeroSeen = false;
  }

  function update(state) {
    syncClock(state);
    timer = (state && state.timer) || null;
    if (ticking === null && timer) ticking = setInterval(draw, 250);
    if (ticking !== null && !timer) {
      clearInterval(ticking);
      ticking = null;
    }
    draw();
  }

  return { node, update };
}
