// The console's timer for the stage on screen (#timer-panel): start 1, 3, 5 or 10 minutes or a
// custom number of minutes, add a minute, pause, resume, clear. The countdown (countdown.js)
// counts to the server's end time, so every screen shows the same; at zero it says "Time's up"
// and, when the facilitator turned the sound on (remembered on this device), plays a short tone.
// Nothing closes at zero. Every change is an event through the console's queue (`act`), with a
// client id where the server takes one, so a retried click acts once.

import { announce, currentStage, randomId, store } from "./common.js";
import { countdown, remaining } from "./countdown.js";
import { t } from "./i18n.js";

const MIN_SECONDS = 10;
const MAX_SECONDS = 7200;
const SOUND_KEY = "sw:console:timer-sound";

const panel = document.getElementById("timer-panel");
const running = document.getElementById("timer-running");
const pauseButton = document.getElementById("timer-pause");
const resumeButton = document.getElementById("timer-resume");
const addButton = document.getElementById("timer-add");
const clearButton = document.getElementById("timer-clear");
const customForm = document.getElementById("timer-custom-form");
const customInput = document.getElementById("timer-custom");
const errorNode = document.getElementById("timer-error");
const soundBox = document.getElementById("timer-sound");

// ------------------------------------------------------------------ the tone

let audio = null;

/** An AudioContext made (or resumed) inside a click or key press, which browsers require
 * before a page may play sound. */
function unlockAudio() {
  if (!soundBox.checked) return;
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  try {
    if (!audio) audio = new Context();
    if (audio.state === "suspended") audio.resume().catch(() => null);
  } catch {
    audio = null; // no sound on this device; the screen still says "Time's up"
  }
}

/** Three short beeps (about a second), made here: no audio file. */
function beep() {
  if (!audio || audio.state !== "running") return;
  const start = audio.currentTime + 0.05;
  for (let i = 0; i < 3; i += 1) {
    const at = start + i * 0.3;
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.type = "sine";
    tone.frequency.value = 880;
    // A soft attack and release: no click at either end.
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.2);
    tone.connect(gain).connect(audio.destination);
    tone.start(at);
    tone.stop(at + 0.22);
  }
}

soundBox.checked = Boolean(store.get(SOUND_KEY, false));
soundBox.addEventListener("change", () => {
  store.set(SOUND_KEY, soundBox.checked);
  unlockAudio();
});
// The sound may be on from an earlier visit: the first click or key on the page unlocks it.
for (const type of ["pointerdown", "keydown"]) {
  document.addEventListener(type, unlockAudio, { once: true, capture: true });
}

// ------------------------------------------------------------------ the panel

/**
 * Wire the panel. `act(event, payload)` sends through the console's queue (it shows refusals)
 * and resolves with the ack or null. Returns {render(state)}.
 */
export function timerPanel({ act }) {
  let state = null;
  // A zero seen on this page after the timer had time left: only that one sounds, never a
  // timer found already at zero when the page loads.
  let armed = false;
  const clock = countdown({
    className: "console-countdown",
    onZero: () => {
      drawControls();
      if (!armed) return;
      armed = false;
      announce(t("Time’s up."));
      if (soundBox.checked) beep();
    },
  });
  document.getElementById("timer-now").append(clock.node);

  const stage = () => (state ? currentStage(state) : null);

  function showError(message) {
    errorNode.textContent = message || "";
    errorNode.hidden = !message;
    if (message) customInput.setAttribute("aria-invalid", "true");
    else customInput.removeAttribute("aria-invalid");
  }

  /** Send one timer event for the stage on screen; the ack's timer is shown at once. */
  async function send(event, extra = {}) {
    const live = stage();
    if (!live) return null;
    unlockAudio();
    const reply = await act(event, { stage_id: live.id, ...extra });
    if (reply && state && currentStage(state) && currentStage(state).id === live.id && "timer" in reply) {
      state.timer = reply.timer;
      draw();
    }
    return reply;
  }

  async function start(seconds) {
    showError("");
    return send("timer:set", { seconds, client_id: randomId() });
  }

  for (const button of panel.querySelectorAll("button[data-minutes]")) {
    button.addEventListener("click", () => start(Number(button.dataset.minutes) * 60));
  }

  customForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    // A text field, not type="number": that one drops a decimal comma ("1,5" would be 15).
    const raw = customInput.value.trim().replace(",", ".");
    const minutes = Number(raw);
    if (!/^\d*\.?\d+$|^\d+\.$/.test(raw) || !Number.isFinite(minutes)) {
      showError(t("Type the number of minutes, e.g. 7 or 1.5."));
      customInput.focus();
      return;
    }
    const seconds = Math.round(minutes * 60);
    if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
      showError(t("A timer runs from 10 seconds (0.17 min) to 120 minutes."));
      customInput.focus();
      return;
    }
    if (await start(seconds)) customInput.value = "";
  });
  customInput.addEventListener("input", () => { if (!errorNode.hidden) showError(""); });

  addButton.addEventListener("click", () => send("timer:add", { seconds: 60, client_id: randomId() }));
  pauseButton.addEventListener("click", async () => {
    if (await send("timer:pause")) resumeButton.focus({ preventScroll: true });
  });
  resumeButton.addEventListener("click", async () => {
    if (await send("timer:resume")) pauseButton.focus({ preventScroll: true });
  });
  clearButton.addEventListener("click", () => send("timer:clear"));

  /** Pause or Resume, +1 min and Clear: only while there is a timer, each when it can act. */
  function drawControls() {
    const timer = state ? state.timer : null;
    running.hidden = !timer;
    panel.classList.toggle("has-timer", Boolean(timer));
    if (!timer) return;
    const left = remaining(timer);
    const up = left !== null && left <= 0;
    pauseButton.hidden = !timer.running || up;
    resumeButton.hidden = timer.running;
    // Focus on a button that just hid goes to its partner, not to the page.
    if (pauseButton.hidden && document.activeElement === pauseButton) resumeButton.focus({ preventScroll: true });
    if (resumeButton.hidden && document.activeElement === resumeButton) pauseButton.focus({ preventScroll: true });
  }

  function draw() {
    const timer = state ? state.timer : null;
    const left = remaining(timer);
    if (left !== null && left > 0 && timer.running) armed = true;
    if (!timer) armed = false;
    clock.update(state);
    drawControls();
  }

  /**
   * Shown while the workshop is active: for the current step, and in the lobby for the first
   * stage ("we start in 5 minutes" while people join); not once finished.
   */
  function render(snapshot) {
    state = snapshot;
    const live = stage();
    const active = state.workshop.status === "active" && Boolean(live);
    panel.hidden = !active;
    if (!active) showError("");
    draw();
  }

  return { render };
}
