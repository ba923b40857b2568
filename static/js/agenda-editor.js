// The console's agenda editor: add, remove, reorder and rename stages, edit their prompts and
// their steps with each step's settings, before and during the workshop. Stages that have
// started keep their steps; only their title and prompt change. Saving replaces the agenda in
// one PUT (a refusal changes nothing); "Save as template" keeps the agenda for new workshops.

import { declarationOf, el, fill, hasTrait, toast } from "./common.js";
import { KINDS } from "./activities/kinds.js";
import { rememberTemplate } from "./saved-templates.js";

const KEY_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

/** The kinds with a trait, in registry order (the order the server's messages list them). */
const having = (trait) => KINDS.filter((entry) => entry.traits.includes(trait)).map((entry) => entry.kind);
const ORDER = KINDS.map((entry) => entry.kind);
const FIRST_SCORING = KINDS.findIndex((entry) => entry.traits.length);

/**
 * Where a kind of step belongs in a stage, earliest first, by its traits: steps that gather
 * (before every step with a trait in the registry: the brainstorm) 0, steps that score 1, a
 * step that ranks a shortlist 2, the step that decides 3, steps on the selected items 4 (in
 * registry order). "Add step" puts a new step before the first step that belongs later, so it
 * lands where the server takes it.
 */
function tier(kind) {
  if (hasTrait(kind, "needs_selected")) return 4 + ORDER.indexOf(kind) / 1000;
  if (hasTrait(kind, "decides")) return 3;
  if (hasTrait(kind, "shortlists")) return 2;
  const at = ORDER.indexOf(kind);
  return at >= 0 && at < FIRST_SCORING && !declarationOf(kind).traits.length ? 0 : 1;
}


const dialog = document.getElementById("agenda-dialog");
const body = document.getElementById("agenda-body");
const errorBox = document.getElementById("agenda-error");
const resultBox = document.getElementById("agenda-result");
const saveButton = document.getElementById("agenda-save");
const templateButton = document.getElementById("agenda-template");
const closeButton = document.getElementById("agenda-close");

let session = null; // {workshopId, key, finished, stages, activities, loaded}
let nextUid = 1;
// What a new stage starts with, from the server's built-in templates (`GET /api/templates`,
// `presets`): each standard level of the plan {key, title, prompt, steps}, and a custom stage's
// steps. Read when the editor opens.
let LEVELS = [];
let CUSTOM_STEPS = [];

const level = (key) => LEVELS.find((l) => l.key === key) || null;
const activity = (kind) => session.activities.find((a) => a.kind === kind) || { kind, label: kind, settings: {}, levels: null };
// A setting's words: its declared `label` (the activity's settings model), else its name.
const settingLabel = (name, kind = "") => (activity(kind).settings || {})[name]?.label
  || name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

const join = (words, last) => (words.length === 1 ? words[0] : `${words.slice(0, -1).join(", ")} ${last} ${words.at(-1)}`);
const labelOf = (kind) => activity(kind).label;

/**
 * What is wrong with the order of `kinds` in stage `name`, in the editor's words, or null.
 * The same rules, and the same sentences, as the server's (workshop/core/agenda.py).
 */
function orderProblem(kinds, name) {
  const twice = kinds.find((kind, i) => kinds.indexOf(kind) !== i);
  if (twice) return `${labelOf(twice)} appears twice in ${name}: a stage runs each step once.`;
  const unfed = kinds.find((kind, i) => hasTrait(kind, "shortlists") && !kinds.slice(0, i).some((k) => hasTrait(k, "feeds_shortlist")));
  if (unfed) {
    return `${labelOf(unfed)} needs a ${feedersWords()} step before it in ${name}: it ranks the top ideas of that step.`;
  }
  const deciding = kinds.findIndex((k) => hasTrait(k, "decides"));
  const wrong = deciding >= 0 ? kinds.slice(deciding + 1).find((k) => !hasTrait(k, "needs_selected")) : undefined;
  if (wrong) {
    const allowed = having("needs_selected").map(labelOf);
    return `${labelOf(wrong)} can't come after ${labelOf(kinds[deciding])} in ${name}: only ${join(allowed.length ? allowed : ["no steps"], "and")} work on the selected items.`;
  }
  return null;
}

/** The steps a shortlist can be taken from, as a refusal names them ("Dot vote, … or …"). */
function feedersWords() {
  const feeders = having("feeds_shortlist").map(labelOf);
  return join(feeders.length ? feeders : ["scoring"], "or");
}

const stageName = (stage, index) => stage.title.trim() || `stage ${index + 1}`;

/** Where a new step of `kind` goes: its own place in the order if valid there, else the first
 * valid place; null when no place is valid (a rank with nothing to rank from). */
function placeFor(kinds, kind) {
  const own = tier(kind);
  let at = kinds.findIndex((k) => tier(k) > own);
  if (at < 0) at = kinds.length;
  const valid = (i) => !orderProblem([...kinds.slice(0, i), kind, ...kinds.slice(i)], "");
  // A stage already out of order (a step moved by hand) gets the new step at its own place.
  if (valid(at) || orderProblem(kinds, "")) return at;
  for (let i = 0; i <= kinds.length; i++) if (valid(i)) return i;
  return null;
}

/** A step with every declared setting, defaults filled in. */
function newStep(kind, given = {}) {
  const step = { kind };
  for (const [name, spec] of Object.entries(activity(kind).settings || {})) {
    step[name] = given[name] ?? spec.default;
  }
  return step;
}

function newStage(key) {
  const known = level(key);
  return {
    uid: nextUid++,
    key: known ? key : "",
    custom: !known,
    title: known ? known.title : "",
    prompt: known ? known.prompt : "",
    started: false,
    steps: (known ? known.steps : CUSTOM_STEPS).map(({ kind, ...given }) => newStep(kind, given)),
  };
}

/** What the PUT sends: ids of kept stages, everything else as edited. */
function payload() {
  return {
    stages: session.stages.map((s) => ({
      ...(s.id ? { id: s.id } : {}),
      key: s.key.trim(), title: s.title.trim(), prompt: s.prompt.trim(),
      steps: s.steps.map((step) => ({ ...step })),
    })),
  };
}

const isDirty = () => session && JSON.stringify(payload()) !== session.loaded;

async function request(method, url, data) {
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${session.key}`, ...(data ? { "Content-Type": "application/json" } : {}) },
      body: data ? JSON.stringify(data) : undefined,
    });
  } catch {
    throw { code: "offline", message: "No connection to the server. Your changes are still here; try again." };
  }
  const reply = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = reply.error || { code: `http_${response.status}`, message: `The server answered ${response.status}.` };
    throw error;
  }
  return reply;
}

function showError(message) {
  if (errorBox.textContent === message && errorBox.hidden === !message) return;
  errorBox.textContent = message;
  errorBox.hidden = !message;
}

/** After any edit: an error on show is checked again and goes as soon as it no longer holds
 * (a server refusal too: the next save asks the server again). */
function refreshError() {
  if (!errorBox.hidden) showError(checkLocally() || "");
}

function load(agenda) {
  session.activities = agenda.activities;
  session.stages = agenda.stages.map((s) => ({
    uid: nextUid++, id: s.id, key: s.key, custom: !level(s.key), title: s.title, prompt: s.prompt || "",
    started: s.started, steps: s.steps.map((step) => ({ ...step })),
  }));
  session.loaded = JSON.stringify(payload());
}

/** A template's prompt for this workshop: `{org}` and `{horizon}` filled in as the server fills
 * them when a workshop is created from a template (workshop/core/agenda.py, fill_prompt). */
function fillPrompt(prompt, { organization, horizonYears }) {
  const values = {
    "{org}": organization || "our organisation",
    "{horizon}": horizonYears === 1 ? "1 year" : `${horizonYears} years`,
  };
  return prompt.replace(/\{org\}|\{horizon\}/g, (found) => values[found]);
}

/** What a new stage starts with, from the built-in templates the server lists. */
async function loadPresets(workshop) {
  const { presets } = await request("GET", "/api/templates");
  LEVELS = presets.levels.map((l) => ({ ...l, prompt: fillPrompt(l.prompt, workshop) }));
  CUSTOM_STEPS = presets.custom.steps;
}

/** Open the editor for a workshop; it loads the agenda (and what new stages start with) from
 * the server each time. */
export async function openAgendaEditor({ workshopId, key, finished, organization = null, horizonYears = 3 }) {
  session = { workshopId, key, finished, stages: [], activities: [], loaded: "" };
  showError("");
  resultBox.hidden = true;
  fill(body, el("p", { class: "muted" }, "Loading the agenda…"));
  saveButton.hidden = finished;
  if (typeof dialog.showModal === "function") dialog.showModal(); else dialog.setAttribute("open", "");
  try {
    const [agenda] = await Promise.all([
      request("GET", `/api/workshops/${workshopId}/agenda`),
      loadPresets({ organization, horizonYears }),
    ]);
    load(agenda);
    render();
  } catch (error) {
    fill(body);
    showError(`Could not load the agenda: ${error.message || "no connection"}`);
  }
}

// ------------------------------------------------------------------ drawing

function move(list, index, by) {
  const [item] = list.splice(index, 1);
  list.splice(index + by, 0, item);
}

/** Redraw, keeping focus on the control that had it (moved stages and steps keep their uid). */
function render(focusKey = null) {
  const active = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.focus : null;
  fill(body,
    session.finished ? el("p", { class: "notice info" }, "The workshop has finished: the agenda can no longer change, but you can save it as a template.") : null,
    el("ol", { class: "agenda-edit" }, session.stages.map((stage, index) => stageEditor(stage, index))),
    session.finished ? null : addStageRow(),
  );
  for (const stage of session.stages) stage.added = ""; // "added before …" shows once
  const target = focusKey || active;
  if (target) {
    const node = body.querySelector(`[data-focus="${CSS.escape(target)}"]`);
    if (node && !node.disabled) node.focus({ preventScroll: !focusKey });
  }
  updateButtons();
}

function updateButtons() {
  refreshError();
  const dirty = isDirty();
  saveButton.disabled = !dirty;
  saveButton.textContent = dirty ? "Save agenda" : "No changes to save";
  templateButton.textContent = dirty ? "Save changes and save as template" : "Save as template";
}

function input(attrs, onInput) {
  return el("input", { ...attrs, disabled: session.finished, oninput: (event) => { onInput(event.target.value); updateButtons(); } });
}

function stageEditor(stage, index) {
  const id = (name) => `ag-${stage.uid}-${name}`;
  const locked = stage.started || session.finished;
  const count = session.stages.length;
  const tools = locked ? el("span", { class: "muted small" }, stage.started ? "Started: only the title and prompt can change" : "")
    : el("span", { class: "row" },
      el("button", { type: "button", class: "small", disabled: index === 0, dataset: { focus: id("up") },
        "aria-label": `Move ${stage.title || "stage"} up`, onclick: () => { move(session.stages, index, -1); render(id("up")); } }, "↑"),
      el("button", { type: "button", class: "small", disabled: index === count - 1, dataset: { focus: id("down") },
        "aria-label": `Move ${stage.title || "stage"} down`, onclick: () => { move(session.stages, index, +1); render(id("down")); } }, "↓"),
      el("button", { type: "button", class: "small danger", disabled: count === 1, dataset: { focus: id("remove") },
        "aria-label": `Remove ${stage.title || "stage"}`,
        onclick: () => { session.stages.splice(index, 1); render(); } }, "Remove"));
  return el("li", { class: `card agenda-stage${stage.started ? " started" : ""}` },
    el("div", { class: "spread" },
      el("h3", {}, `${index + 1}. ${stage.title || "New stage"}`, " ",
        el("span", { class: "badge" }, stage.key || "custom"),
        stage.started ? el("span", { class: "badge good started-badge" }, "started") : null),
      tools),
    el("div", { class: "agenda-fields" },
      el("div", {},
        el("label", { for: id("title") }, "Title"),
        input({ id: id("title"), dataset: { focus: id("title") }, value: stage.title, maxlength: 80 }, (v) => { stage.title = v; }),
      ),
      locked ? null : keyPicker(stage, id),
      el("div", { class: "wide-field" },
        el("label", { for: id("prompt") }, "Prompt ", el("span", { class: "hint" }, "(what phones and the projector ask)")),
        el("textarea", { id: id("prompt"), dataset: { focus: id("prompt") }, rows: 2, maxlength: 400, disabled: session.finished,
          oninput: (event) => { stage.prompt = event.target.value; updateButtons(); } }, stage.prompt),
      ),
    ),
    stepsEditor(stage, id, locked),
  );
}

function keyPicker(stage, id) {
  const used = new Set(session.stages.filter((s) => s !== stage).map((s) => s.key));
  return el("div", {},
    el("label", { for: id("level") }, "Level"),
    el("select", { id: id("level"), dataset: { focus: id("level") }, onchange: (event) => {
      const value = event.target.value;
      if (value === "custom") { stage.custom = true; stage.key = ""; } else {
        stage.custom = false;
        stage.key = value;
        if (!stage.title || LEVELS.some((l) => l.title === stage.title)) stage.title = level(value).title;
      }
      // A link step only runs on programs, projects and actions.
      stage.steps = stage.steps.filter((step) => allowedOn(step.kind, stage.key));
      render(stage.custom ? id("key") : id("level"));
    } },
    LEVELS.map((l) => el("option", { value: l.key, selected: !stage.custom && stage.key === l.key, disabled: used.has(l.key) }, l.title)),
    el("option", { value: "custom", selected: stage.custom }, "Custom…")),
    stage.custom ? el("div", { class: "custom-key" },
      el("label", { for: id("key") }, "Key ", el("span", { class: "hint" }, "(lower-case letters, digits, dashes)")),
      input({ id: id("key"), dataset: { focus: id("key") }, value: stage.key, maxlength: 40, placeholder: "e.g. risks",
        pattern: KEY_PATTERN.source, autocapitalize: "none", spellcheck: "false" }, (v) => { stage.key = v.trim().toLowerCase(); }),
    ) : null,
  );
}

function allowedOn(kind, key) {
  const levels = activity(kind).levels;
  return !levels || levels.includes(key);
}

/** A choice's words: the setting's declared `choices`, else the value itself. */
function choiceLabel(rule, choice) {
  return (rule.choices && rule.choices[choice]) || choice;
}

/** How a setting's value reads ("Yes", "Schulze method", 5). */
function settingValue(rule, value) {
  if (rule.type === "boolean") return value ? "Yes" : "No";
  if (rule.enum) return choiceLabel(rule, value);
  return value;
}

/** The control for one setting: a checkbox, a list of choices, or a whole number. */
function settingInput(rule, step, name, id) {
  const value = step[name] ?? rule.default;
  if (rule.type === "boolean") {
    return el("input", { type: "checkbox", id, dataset: { focus: id }, checked: Boolean(value),
      onchange: (event) => { step[name] = event.target.checked; updateButtons(); } });
  }
  if (rule.enum) {
    return el("select", { id, dataset: { focus: id },
      onchange: (event) => { step[name] = event.target.value; updateButtons(); } },
    rule.enum.map((choice) => el("option", { value: choice, selected: choice === value }, choiceLabel(rule, choice))));
  }
  return el("input", { type: "number", id, dataset: { focus: id }, value,
    min: rule.minimum ?? undefined, max: rule.maximum ?? undefined, step: 1, inputmode: "numeric",
    oninput: (event) => {
      const n = event.target.valueAsNumber;
      step[name] = Number.isFinite(n) ? Math.round(n) : event.target.value;
      updateButtons();
    } });
}

function stepsEditor(stage, id, locked) {
  const rows = stage.steps.map((step, i) => {
    const spec = activity(step.kind);
    const sid = (name) => id(`step-${i}-${name}`);
    const settings = Object.entries(spec.settings || {}).map(([name, rule]) => el("span", { class: "setting" },
      el("label", { for: sid(name) }, settingLabel(name, step.kind)),
      locked
        ? el("strong", { id: sid(name) }, settingValue(rule, step[name] ?? rule.default))
        : settingInput(rule, step, name, sid(name))));
    return el("li", { class: "step-edit" },
      el("span", { class: "step-name" }, el("strong", {}, spec.label), el("span", { class: "hint" }, spec.description || "")),
      settings.length ? el("span", { class: "settings" }, settings) : null,
      locked ? null : el("span", { class: "row step-tools" },
        el("button", { type: "button", class: "small", disabled: i === 0, dataset: { focus: sid("up") }, "aria-label": `Move ${spec.label} earlier`,
          onclick: () => { move(stage.steps, i, -1); render(id(`step-${i - 1}-up`)); } }, "↑"),
        el("button", { type: "button", class: "small", disabled: i === stage.steps.length - 1, dataset: { focus: sid("down") },
          "aria-label": `Move ${spec.label} later`, onclick: () => { move(stage.steps, i, +1); render(id(`step-${i + 1}-down`)); } }, "↓"),
        el("button", { type: "button", class: "small quiet", dataset: { focus: sid("remove") }, "aria-label": `Remove step ${spec.label}`,
          onclick: () => { stage.steps.splice(i, 1); render(id("add-kind")); } }, "Remove")),
    );
  });
  const have = new Set(stage.steps.map((s) => s.kind));
  const kinds = stage.steps.map((s) => s.kind);
  const choices = session.activities.filter((a) => !have.has(a.kind) && allowedOn(a.kind, stage.key));
  const index = session.stages.indexOf(stage);
  const problem = orderProblem(kinds, stageName(stage, index));
  return el("div", { class: "steps-edit" },
    el("h4", {}, "Steps"),
    el("ol", {}, rows),
    problem && !locked ? el("p", { class: "error-text step-problem" }, problem) : null,
    locked || !choices.length ? null : el("div", { class: "row" },
      el("label", { class: "visually-hidden", for: id("add-kind") }, `Step to add to ${stage.title}`),
      el("select", { id: id("add-kind"), dataset: { focus: id("add-kind") } },
        choices.map((a) => el("option", { value: a.kind },
          placeFor(kinds, a.kind) === null ? `${a.label} (needs a step to rank from)` : a.label))),
      el("button", { type: "button", class: "small", dataset: { focus: id("add-step") }, onclick: () => {
        const kind = document.getElementById(id("add-kind")).value;
        const at = placeFor(kinds, kind);
        if (at === null) {
          stage.added = `Add a ${feedersWords()} step first: ${labelOf(kind)} ranks the top ideas of that step.`;
        } else {
          stage.steps.splice(at, 0, newStep(kind));
          stage.added = at < kinds.length
            ? `${labelOf(kind)} added before ${labelOf(kinds[at])}.` : `${labelOf(kind)} added at the end.`;
        }
        render(id("add-kind"));
        const status = document.getElementById("agenda-status");
        if (status) status.textContent = `${stage.added} ${stage.title}`.trim();
      } }, "Add step")),
    stage.added ? el("p", { class: "hint" }, stage.added) : null,
  );
}

function addStageRow() {
  const used = new Set(session.stages.map((s) => s.key));
  return el("div", { class: "row add-stage" },
    el("label", { for: "ag-new-level" }, "Add a stage"),
    el("select", { id: "ag-new-level", dataset: { focus: "ag-new-level" } },
      LEVELS.filter((l) => !used.has(l.key)).map((l) => el("option", { value: l.key }, l.title)),
      el("option", { value: "custom" }, "Custom stage")),
    el("button", { type: "button", class: "primary small", dataset: { focus: "ag-add-stage" }, onclick: () => {
      const stage = newStage(document.getElementById("ag-new-level").value);
      // A standard level goes where it belongs in the plan; a custom one at the end.
      const order = LEVELS.findIndex((l) => l.key === stage.key);
      let at = session.stages.length;
      if (order >= 0) {
        const after = session.stages.findIndex((s, i) => {
          const o = LEVELS.findIndex((l) => l.key === s.key);
          return o > order && !session.stages.slice(i).some((later) => later.started);
        });
        if (after >= 0) at = after;
      }
      session.stages.splice(at, 0, stage);
      render(`ag-${stage.uid}-${stage.custom ? "key" : "title"}`);
    } }, "Add stage"),
  );
}

// ------------------------------------------------------------------ saving

function checkLocally() {
  for (const [i, stage] of session.stages.entries()) {
    const name = stage.title.trim() || `Stage ${i + 1}`;
    if (!stage.title.trim()) return `Stage ${i + 1} needs a title.`;
    if (!KEY_PATTERN.test(stage.key.trim())) return `${name}: the key must be lower-case letters, digits and dashes, starting with a letter.`;
    if (!stage.steps.length) return `${name} needs at least one step.`;
    const order = orderProblem(stage.steps.map((step) => step.kind), stageName(stage, i));
    if (order) return order;
    for (const step of stage.steps) {
      for (const [setting, rule] of Object.entries(activity(step.kind).settings || {})) {
        const value = step[setting];
        if (rule.type === "boolean" || rule.enum) continue; // a checkbox or a list: always valid
        if (!Number.isInteger(value)) return `${name}: ${settingLabel(setting, step.kind)} must be a whole number.`;
        if ((rule.minimum != null && value < rule.minimum) || (rule.maximum != null && value > rule.maximum)) {
          return `${name}: ${settingLabel(setting, step.kind)} must be between ${rule.minimum} and ${rule.maximum}.`;
        }
      }
    }
  }
  return null;
}

/** PUT the agenda; true when the server took it. Its refusal is shown and nothing changes. */
async function saveAgenda() {
  showError("");
  const problem = checkLocally();
  if (problem) {
    showError(problem);
    return false;
  }
  saveButton.disabled = true;
  try {
    load(await request("PUT", `/api/workshops/${session.workshopId}/agenda`, payload()));
    return true;
  } catch (error) {
    // The buttons first: their re-check would clear a refusal only the server can make. It stays
    // until the next edit. The server's message names the stage and its steps as the editor does.
    updateButtons();
    showError(`Not saved: ${String(error.message || "no connection to the server.")}`);
    return false;
  }
}

saveButton.addEventListener("click", async () => {
  if (await saveAgenda()) {
    close();
    toast("Agenda saved. Phones and the projector have it now.");
  }
});

templateButton.addEventListener("click", async () => {
  if (!session) return;
  if (isDirty() && !session.finished && !(await saveAgenda())) return;
  render();
  showError("");
  templateButton.disabled = true;
  try {
    const saved = await request("POST", "/api/templates", { workshop_id: session.workshopId });
    rememberTemplate(saved);
    document.dispatchEvent(new CustomEvent("templates:changed"));
    fill(resultBox, "Saved as the template “", el("strong", {}, saved.title), `” (${saved.stages.length} stages). `,
      "The start page of this browser offers it for new workshops; nobody else sees it. The console lists it under Saved templates.");
    resultBox.hidden = false;
  } catch (error) {
    showError(`Template not saved: ${error.message || "no connection to the server."}`);
  } finally {
    templateButton.disabled = false;
  }
});

function close() {
  if (dialog.open) dialog.close(); else dialog.removeAttribute("open");
}

closeButton.addEventListener("click", () => {
  if (isDirty() && !confirm("Close without saving your changes to the agenda?")) return;
  close();
});
dialog.addEventListener("cancel", (event) => {
  if (isDirty() && !confirm("Close without saving your changes to the agenda?")) event.preventDefault();
});
