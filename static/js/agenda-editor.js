// The console's agenda editor: add, remove, reorder and rename stages, edit their prompts and
// their steps with each step's settings, before and during the workshop. Stages that have
// started keep their steps; only their title and prompt change. Saving replaces the agenda in
// one PUT (a refusal changes nothing); "Save as template" keeps the agenda for new workshops.
// Settings that hold a list or an object have editors of their own: a brainstorm's categories
// (label and hint per row), a rating's two scales and its quadrants' names. A template's
// optional stage (full-strategic-plan's situation analysis) is offered as a switch, which also
// adds the steps that stage gives others (a link step in the goals stage) and takes them out.

import { declarationOf, el, fill, hasTrait, toast } from "./common.js";
import { KINDS } from "./activities/kinds.js";
import { rememberTemplate } from "./saved-templates.js";
import { formatNumber, onLanguageChange, t, tn } from "./i18n.js";

const KEY_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;
const MAX_CATEGORIES = 8;
/** A rating's scales when a step stored before they were settings has none (the server's
 * default, workshop/activities/rate.py). */
const DEFAULT_SCALES = [
  { key: "impact", label: "Impact", low: "little", high: "a lot" },
  { key: "effort", label: "Effort", low: "easy", high: "hard" },
];
/** The quadrants by position: which ends of the two scales each one is. */
const QUADRANTS = [
  ["quick_win", "high", "low"], ["big_bet", "high", "high"], ["fill_in", "low", "low"], ["money_pit", "low", "high"],
];
/** Categories typed in this editor: their key follows their label. Loaded ones keep their key
 * (ideas and the link rules, such as a goal building on "strengths", name it). */
const freshCategories = new WeakSet();

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

let session = null; // {workshopId, key, finished, stages, activities, optional, loaded, refusal}
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

// "A, B and C" / "A, B or C": `last` is the translated word before the last one.
const join = (words, last) => (words.length === 1 ? words[0] : `${words.slice(0, -1).join(", ")} ${last} ${words.at(-1)}`);
const labelOf = (kind) => activity(kind).label;

/**
 * What is wrong with the order of `kinds` in stage `name`, in the editor's words, or null.
 * The same rules, and the same sentences, as the server's (workshop/core/agenda.py).
 */
function orderProblem(kinds, name) {
  const twice = kinds.find((kind, i) => kinds.indexOf(kind) !== i);
  if (twice) return t("%(step)s appears twice in %(stage)s: a stage runs each step once.", { step: labelOf(twice), stage: name });
  const unfed = kinds.find((kind, i) => hasTrait(kind, "shortlists") && !kinds.slice(0, i).some((k) => hasTrait(k, "feeds_shortlist")));
  if (unfed) {
    return t("%(step)s needs a %(feeders)s step before it in %(stage)s: it ranks the top ideas of that step.",
      { step: labelOf(unfed), feeders: feedersWords(), stage: name });
  }
  const deciding = kinds.findIndex((k) => hasTrait(k, "decides"));
  const wrong = deciding >= 0 ? kinds.slice(deciding + 1).find((k) => !hasTrait(k, "needs_selected")) : undefined;
  if (wrong) {
    const allowed = having("needs_selected").map(labelOf);
    return t("%(step)s can't come after %(decider)s in %(stage)s: only %(allowed)s work on the selected items.", {
      step: labelOf(wrong), decider: labelOf(kinds[deciding]), stage: name,
      allowed: join(allowed.length ? allowed : [NO_STEPS()], AND()) });
  }
  return null;
}

const AND = () => t("and");
const NO_STEPS = () => t("no steps");

/** The steps a shortlist can be taken from, as a refusal names them ("Dot vote, … or …"). */
function feedersWords() {
  const feeders = having("feeds_shortlist").map(labelOf);
  return join(feeders.length ? feeders : [t("scoring")], t("or"));
}

const stageName = (stage, index) => stage.title.trim() || t("stage %(n)s", { n: formatNumber(index + 1) });

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

/** A setting that holds a list or an object (categories, scales, quadrant names): it has an
 * editor of its own, not a checkbox, a list of choices or a number. */
function structured(rule, name) {
  return rule.type === "array" || rule.type === "object" || ["categories", "scales", "quadrants"].includes(name)
    || (rule.default !== null && typeof rule.default === "object");
}

const copy = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/** What a level's preset gives a setting of a kind of step (undefined: the level has no such
 * step, or it leaves the setting out). */
function presetSetting(levelKey, kind, name) {
  const found = level(levelKey);
  const step = found ? found.steps.find((s) => s.kind === kind) : null;
  return step ? step[name] : undefined;
}

/** A step with every declared setting, defaults filled in: those `given`, else what the stage's
 * level starts that kind of step with (a situation stage's brainstorm: the SWOT), else the
 * declared default. A setting without a default is left out: the server fills it in. */
function newStep(kind, given = {}, levelKey = "") {
  const step = { kind };
  for (const [name, spec] of Object.entries(activity(kind).settings || {})) {
    const value = given[name] ?? presetSetting(levelKey, kind, name) ?? spec.default;
    if (value !== null && value !== undefined) step[name] = copy(value);
  }
  return step;
}

/** A stage's level changed: list and object settings still as the old level starts them take
 * what the new level starts them with (a brainstorm moved to "situation" gets the SWOT); the
 * facilitator's own edits stay. */
function relevel(stage, from, to) {
  for (const step of stage.steps) {
    for (const [name, rule] of Object.entries(activity(step.kind).settings || {})) {
      if (!structured(rule, name)) continue;
      const before = presetSetting(from, step.kind, name) ?? rule.default;
      if (JSON.stringify(step[name] ?? null) !== JSON.stringify(before ?? null)) continue;
      const after = presetSetting(to, step.kind, name) ?? rule.default;
      if (after === null || after === undefined) delete step[name]; else step[name] = copy(after);
    }
  }
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

/** A template's optional stage, as `GET …/agenda` offers it, made a new stage of the agenda. */
function optionalStage(offer) {
  return {
    uid: nextUid++, key: offer.key, custom: !level(offer.key), title: offer.title, prompt: offer.prompt,
    started: false, steps: offer.steps.map(({ kind, ...given }) => newStep(kind, given)),
  };
}

/** Steps a template's optional stage added to other stages (full-strategic-plan's SWOT gives
 * its goals stage a link step): they go again when the optional stage goes. */
const addedByOptional = new WeakSet();

/** An optional stage is in: the steps it adds to other stages (its `adds`) go into each target
 * stage that has not started and has no step of that kind, before the `before` step (else where
 * "Add step" would put it). */
function applyAdds(offer) {
  for (const add of offer.adds || []) {
    const target = session.stages.find((s) => s.key === add.stage);
    if (!target || target.started || target.steps.some((s) => s.kind === add.step.kind)) continue;
    const kinds = target.steps.map((s) => s.kind);
    let at = kinds.indexOf(add.before);
    if (at < 0) at = placeFor(kinds, add.step.kind) ?? kinds.length;
    const { kind, ...given } = add.step;
    const step = newStep(kind, given, target.custom ? "" : target.key);
    addedByOptional.add(step);
    target.steps.splice(at, 0, step);
  }
}

/** An optional stage is out again: the steps it added leave the stages that have not started. */
function withdrawAdds(offer) {
  for (const add of offer.adds || []) {
    const target = session.stages.find((s) => s.key === add.stage);
    if (target && !target.started) target.steps = target.steps.filter((s) => !addedByOptional.has(s));
  }
}

/** What switching an optional stage on also does, in words (" — adds a Link step to Strategic goals"). */
function addsWords(offer) {
  const words = (offer.adds || []).map((add) => {
    const target = session.stages.find((s) => s.key === add.stage);
    return target ? t("adds a %(step)s step to %(stage)s", { step: labelOf(add.step.kind), stage: target.title || add.stage }) : null;
  }).filter(Boolean);
  return words.length ? ` — ${words.join(", ")}` : "";
}

/** Where a template's optional stage goes: after the last stage of the agenda that comes before
 * it in the template, else first. */
function optionalPlace(offer) {
  let at = 0;
  session.stages.forEach((stage, index) => { if (offer.after.includes(stage.key)) at = index + 1; });
  return at;
}

/** The switch's words: "Start with a situation analysis (SWOT)" for a situation stage. */
function optionalWords(offer) {
  if (offer.key === "situation") return t("Start with a situation analysis (SWOT)");
  return t("Include the optional stage “%(stage)s”", { stage: offer.title });
}

/** What the PUT sends: ids of kept stages, everything else as edited. */
function payload() {
  return {
    stages: session.stages.map((s) => ({
      ...(s.id ? { id: s.id } : {}),
      key: s.key.trim(), title: s.title.trim(), prompt: s.prompt.trim(),
      steps: s.steps.map(sentStep),
    })),
  };
}

/** A step as sent: the texts of its categories and scales without surrounding spaces. */
function sentStep(step) {
  const sent = { ...step };
  const trim = (value) => (typeof value === "string" ? value.trim() : value);
  if (Array.isArray(step.categories)) {
    sent.categories = step.categories.map((c) => ({ ...c, label: trim(c.label), hint: trim(c.hint) }));
  }
  if (Array.isArray(step.scales)) {
    sent.scales = step.scales.map((scale) => ({ ...scale, label: trim(scale.label), low: trim(scale.low), high: trim(scale.high) }));
  }
  if (step.quadrants && typeof step.quadrants === "object") {
    sent.quadrants = Object.fromEntries(Object.entries(step.quadrants).map(([k, v]) => [k, trim(v)]));
  }
  return sent;
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
    throw { code: "offline", message: t("No connection to the server. Your changes are still here; try again.") };
  }
  const reply = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = reply.error || { code: `http_${response.status}`, message: t("The server answered %(status)s.", { status: response.status }) };
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
  session.optional = agenda.optional_stages || [];
  session.refusal = null;
  session.stages = agenda.stages.map((s) => ({
    uid: nextUid++, id: s.id, key: s.key, custom: !level(s.key), title: s.title, prompt: s.prompt || "",
    started: s.started, steps: s.steps.map((step) => ({ ...step })),
  }));
  // An optional stage saved in: the steps of its kind in the stages it adds to came with it (the
  // template's own stage has none), and go again with it.
  for (const offer of session.optional) {
    if (!session.stages.some((s) => s.key === offer.key)) continue;
    for (const add of offer.adds || []) {
      const target = session.stages.find((s) => s.key === add.stage);
      for (const step of target ? target.steps : []) if (step.kind === add.step.kind) addedByOptional.add(step);
    }
  }
  session.loaded = JSON.stringify(payload());
}

/** A template's prompt for this workshop: `{org}` and `{horizon}` filled in as the server fills
 * them when a workshop is created from a template (workshop/core/agenda.py, fill_prompt). */
function fillPrompt(prompt, { organization, horizonYears }) {
  const values = {
    "{org}": organization || t("our organisation"),
    "{horizon}": tn("%(n)s year", "%(n)s years", horizonYears),
  };
  return prompt.replace(/\{org\}|\{horizon\}/g, (found) => values[found]);
}

/** What a new stage starts with, from the built-in templates the server lists (in the
 * workshop's language; `{org}` and `{horizon}` are filled in the console's). */
async function loadPresets(workshop) {
  // In the room's language, like the stages the workshop was created with.
  const language = workshop && workshop.language ? `?language=${encodeURIComponent(workshop.language)}` : "";
  const { presets } = await request("GET", `/api/templates${language}`);
  LEVELS = presets.levels.map((l) => ({ ...l, prompt: fillPrompt(l.prompt, workshop) }));
  CUSTOM_STEPS = presets.custom.steps;
}

/** Open the editor for a workshop; it loads the agenda (and what new stages start with) from
 * the server each time. */
export async function openAgendaEditor({ workshopId, key, finished, organization = null, horizonYears = 3, language = null }) {
  session = { workshopId, key, finished, stages: [], activities: [], optional: [], loaded: "", refusal: null };
  showError("");
  resultBox.hidden = true;
  fill(body, el("p", { class: "muted" }, t("Loading the agenda…")));
  saveButton.hidden = finished;
  if (typeof dialog.showModal === "function") dialog.showModal(); else dialog.setAttribute("open", "");
  try {
    const [agenda] = await Promise.all([
      request("GET", `/api/workshops/${workshopId}/agenda`),
      loadPresets({ organization, horizonYears, language }),
    ]);
    load(agenda);
    render();
  } catch (error) {
    fill(body);
    const reason = error.message || t("no connection");
    showError(t("Could not load the agenda: %(reason)s", { reason }));
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
    session.finished ? el("p", { class: "notice info" }, t("The workshop has finished: the agenda can no longer change, but you can save it as a template.")) : null,
    session.finished ? null : optionalSwitches(),
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

/** A switch per optional stage of the workshop's template: on adds it at its place, off removes
 * it again (until it has started). */
function optionalSwitches() {
  if (!session.optional.length) return null;
  return el("div", { class: "optional-stages" }, session.optional.map((offer) => {
    const id = `ag-optional-${offer.key}`;
    const present = session.stages.find((s) => s.key === offer.key);
    const locked = Boolean(present && present.started);
    return el("p", { class: "row", style: { flexWrap: "nowrap", alignItems: "flex-start" } },
      el("input", { type: "checkbox", id, dataset: { focus: id }, checked: Boolean(present), disabled: locked,
        onchange: (event) => {
          if (event.target.checked) {
            if (!session.stages.some((s) => s.key === offer.key)) {
              session.stages.splice(optionalPlace(offer), 0, optionalStage(offer));
              applyAdds(offer);
            }
          } else {
            session.stages = session.stages.filter((s) => s.key !== offer.key || s.started);
            withdrawAdds(offer);
          }
          render(id);
        } }),
      el("label", { for: id, style: { margin: 0, minWidth: 0 } }, el("strong", {}, optionalWords(offer)),
        el("span", { class: "hint" }, addsWords(offer)),
        locked ? el("span", { class: "hint" }, ` ${t("(it has started: it stays)")}`) : null));
  }));
}

function updateButtons() {
  refreshError();
  const dirty = isDirty();
  saveButton.disabled = !dirty;
  saveButton.textContent = dirty ? t("Save agenda") : t("No changes to save");
  templateButton.textContent = dirty ? t("Save changes and save as template") : t("Save as template");
}

function input(attrs, onInput) {
  return el("input", { ...attrs, disabled: session.finished, oninput: (event) => { onInput(event.target.value); updateButtons(); } });
}

function stageEditor(stage, index) {
  const id = (name) => `ag-${stage.uid}-${name}`;
  const locked = stage.started || session.finished;
  const count = session.stages.length;
  const named = stage.title || t("stage");
  const tools = locked ? el("span", { class: "muted small" }, stage.started ? t("Started: only the title and prompt can change") : "")
    : el("span", { class: "row" },
      el("button", { type: "button", class: "small", disabled: index === 0, dataset: { focus: id("up") },
        "aria-label": t("Move %(stage)s up", { stage: named }), onclick: () => { move(session.stages, index, -1); render(id("up")); } }, "↑"),
      el("button", { type: "button", class: "small", disabled: index === count - 1, dataset: { focus: id("down") },
        "aria-label": t("Move %(stage)s down", { stage: named }), onclick: () => { move(session.stages, index, +1); render(id("down")); } }, "↓"),
      el("button", { type: "button", class: "small danger", disabled: count === 1, dataset: { focus: id("remove") },
        "aria-label": t("Remove %(stage)s", { stage: named }),
        onclick: () => {
          session.stages.splice(index, 1);
          const offer = session.optional.find((o) => o.key === stage.key);
          if (offer) withdrawAdds(offer);
          render();
        } }, t("Remove")));
  return el("li", { class: `card agenda-stage${stage.started ? " started" : ""}` },
    el("div", { class: "spread" },
      el("h3", {}, `${formatNumber(index + 1)}. `, el("bdi", {}, stage.title || t("New stage")), " ",
        el("span", { class: "badge" }, stage.key || t("custom")),
        stage.started ? el("span", { class: "badge good started-badge" }, t("started")) : null),
      tools),
    el("div", { class: "agenda-fields" },
      el("div", {},
        el("label", { for: id("title") }, t("Title")),
        input({ id: id("title"), dataset: { focus: id("title") }, value: stage.title, maxlength: 80, dir: "auto" }, (v) => { stage.title = v; }),
      ),
      locked ? null : keyPicker(stage, id),
      el("div", { class: "wide-field" },
        el("label", { for: id("prompt") }, `${t("Prompt")} `, el("span", { class: "hint" }, t("(what phones and the projector ask)"))),
        el("textarea", { id: id("prompt"), dataset: { focus: id("prompt") }, rows: 2, maxlength: 400, disabled: session.finished, dir: "auto",
          oninput: (event) => { stage.prompt = event.target.value; updateButtons(); } }, stage.prompt),
      ),
    ),
    stepsEditor(stage, id, locked),
  );
}

function keyPicker(stage, id) {
  const used = new Set(session.stages.filter((s) => s !== stage).map((s) => s.key));
  return el("div", {},
    el("label", { for: id("level") }, t("Level")),
    el("select", { id: id("level"), dataset: { focus: id("level") }, onchange: (event) => {
      const value = event.target.value;
      const from = stage.custom ? "" : stage.key;
      relevel(stage, from, value === "custom" ? "" : value);
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
    el("option", { value: "custom", selected: stage.custom }, t("Custom…"))),
    stage.custom ? el("div", { class: "custom-key" },
      el("label", { for: id("key") }, `${t("Key")} `, el("span", { class: "hint" }, t("(lower-case letters, digits, dashes)"))),
      input({ id: id("key"), dataset: { focus: id("key") }, value: stage.key, maxlength: 40, placeholder: t("e.g. partners"),
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

/** How a setting's value reads ("Yes", "Schulze method", 5, "Strengths, Weaknesses"). */
function settingValue(rule, value, name = "") {
  if (rule.type === "boolean") return value ? t("Yes") : t("No");
  if (name === "categories") return (value || []).map((c) => c.label).join(", ") || t("None");
  if (name === "scales") return (value || DEFAULT_SCALES).map((scale) => scale.label).join(" × ");
  if (name === "quadrants") return Object.values(value || {}).join(", ");
  if (structured(rule, name)) return JSON.stringify(value);
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
    const entries = Object.entries(spec.settings || {});
    const simple = locked ? entries : entries.filter(([name, rule]) => !structured(rule, name));
    const settings = simple.map(([name, rule]) => el("span", { class: "setting" },
      el("label", { for: sid(name) }, settingLabel(name, step.kind)),
      locked
        ? el("strong", { id: sid(name) }, settingValue(rule, step[name] ?? rule.default, name))
        : settingInput(rule, step, name, sid(name))));
    const blocks = locked ? [] : entries.filter(([name, rule]) => structured(rule, name))
      .map(([name, rule]) => structuredEditor(stage, step, name, rule, sid));
    const refused = session.refusal && session.refusal.stage === stage && session.refusal.kind === step.kind
      && !blocks.length ? el("p", { class: "error-text", role: "alert" }, session.refusal.message) : null;
    return el("li", { class: "step-edit" },
      el("span", { class: "step-name" }, el("strong", {}, spec.label), el("span", { class: "hint" }, spec.description || "")),
      settings.length ? el("span", { class: "settings" }, settings) : null,
      locked ? null : el("span", { class: "row step-tools" },
        el("button", { type: "button", class: "small", disabled: i === 0, dataset: { focus: sid("up") }, "aria-label": t("Move %(step)s earlier", { step: spec.label }),
          onclick: () => { move(stage.steps, i, -1); render(id(`step-${i - 1}-up`)); } }, "↑"),
        el("button", { type: "button", class: "small", disabled: i === stage.steps.length - 1, dataset: { focus: sid("down") },
          "aria-label": t("Move %(step)s later", { step: spec.label }), onclick: () => { move(stage.steps, i, +1); render(id(`step-${i + 1}-down`)); } }, "↓"),
        el("button", { type: "button", class: "small quiet", dataset: { focus: sid("remove") }, "aria-label": t("Remove step %(step)s", { step: spec.label }),
          onclick: () => { stage.steps.splice(i, 1); render(id("add-kind")); } }, t("Remove"))),
      blocks.length || refused ? el("div", { class: "setting-blocks", style: { gridColumn: "1 / -1", minWidth: 0 } }, blocks, refused) : null,
    );
  });
  const have = new Set(stage.steps.map((s) => s.kind));
  const kinds = stage.steps.map((s) => s.kind);
  const choices = session.activities.filter((a) => !have.has(a.kind) && allowedOn(a.kind, stage.key));
  const index = session.stages.indexOf(stage);
  const problem = orderProblem(kinds, stageName(stage, index));
  return el("div", { class: "steps-edit" },
    el("h4", {}, t("Steps")),
    el("ol", {}, rows),
    problem && !locked ? el("p", { class: "error-text step-problem" }, problem) : null,
    locked || !choices.length ? null : el("div", { class: "row" },
      el("label", { class: "visually-hidden", for: id("add-kind") }, t("Step to add to %(stage)s", { stage: stage.title })),
      el("select", { id: id("add-kind"), dataset: { focus: id("add-kind") } },
        choices.map((a) => el("option", { value: a.kind },
          placeFor(kinds, a.kind) === null ? t("%(step)s (needs a step to rank from)", { step: a.label }) : a.label))),
      el("button", { type: "button", class: "small", dataset: { focus: id("add-step") }, onclick: () => {
        const kind = document.getElementById(id("add-kind")).value;
        const at = placeFor(kinds, kind);
        if (at === null) {
          stage.added = t("Add a %(feeders)s step first: %(step)s ranks the top ideas of that step.", { feeders: feedersWords(), step: labelOf(kind) });
        } else {
          stage.steps.splice(at, 0, newStep(kind, {}, stage.custom ? "" : stage.key));
          stage.added = at < kinds.length
            ? t("%(step)s added before %(next)s.", { step: labelOf(kind), next: labelOf(kinds[at]) })
            : t("%(step)s added at the end.", { step: labelOf(kind) });
        }
        render(id("add-kind"));
        const status = document.getElementById("agenda-status");
        if (status) status.textContent = `${stage.added} ${stage.title}`.trim();
      } }, t("Add step"))),
    stage.added ? el("p", { class: "hint" }, stage.added) : null,
  );
}

function addStageRow() {
  const used = new Set(session.stages.map((s) => s.key));
  return el("div", { class: "row add-stage" },
    el("label", { for: "ag-new-level" }, t("Add a stage")),
    el("select", { id: "ag-new-level", dataset: { focus: "ag-new-level" } },
      LEVELS.filter((l) => !used.has(l.key)).map((l) => el("option", { value: l.key }, l.title)),
      el("option", { value: "custom" }, t("Custom stage"))),
    el("button", { type: "button", class: "primary small", dataset: { focus: "ag-add-stage" }, onclick: () => {
      const stage = newStage(document.getElementById("ag-new-level").value);
      // A template's optional stage is added as the template has it (the switch shows on).
      const offer = session.optional.find((o) => o.key === stage.key);
      if (offer) Object.assign(stage, optionalStage(offer), { uid: stage.uid });
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
      if (offer) applyAdds(offer);
      render(`ag-${stage.uid}-${stage.custom ? "key" : "title"}`);
    } }, t("Add stage")),
  );
}

// ------------------------------------------------------------------ saving

function checkLocally() {
  for (const [i, stage] of session.stages.entries()) {
    const number = formatNumber(i + 1);
    const name = stage.title.trim() || t("Stage %(n)s", { n: number });
    if (!stage.title.trim()) return t("Stage %(n)s needs a title.", { n: number });
    if (!KEY_PATTERN.test(stage.key.trim())) return t("%(stage)s: the key must be lower-case letters, digits and dashes, starting with a letter.", { stage: name });
    if (!stage.steps.length) return t("%(stage)s needs at least one step.", { stage: name });
    const order = orderProblem(stage.steps.map((step) => step.kind), stageName(stage, i));
    if (order) return order;
    for (const step of stage.steps) {
      for (const [setting, rule] of Object.entries(activity(step.kind).settings || {})) {
        const value = step[setting];
        if (rule.type === "boolean" || rule.enum) continue; // a checkbox or a list: always valid
        if (structured(rule, setting)) {
          const wrong = structuredProblem(setting, value);
          if (wrong) return `${name}: ${labelOf(step.kind)}, ${settingLabel(setting, step.kind).toLowerCase()}: ${wrong}`;
          continue;
        }
        if (!Number.isInteger(value)) return t("%(stage)s: %(setting)s must be a whole number.", { stage: name, setting: settingLabel(setting, step.kind) });
        if ((rule.minimum != null && value < rule.minimum) || (rule.maximum != null && value > rule.maximum)) {
          return t("%(stage)s: %(setting)s must be between %(min)s and %(max)s.", {
            stage: name, setting: settingLabel(setting, step.kind), min: formatNumber(rule.minimum), max: formatNumber(rule.maximum) });
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
    session.refusal = placeRefusal(String(error.message || ""));
    if (session.refusal) render();
    updateButtons();
    const reason = String(error.message || t("no connection to the server."));
    showError(t("Not saved: %(reason)s", { reason }));
    return false;
  }
}

saveButton.addEventListener("click", async () => {
  if (await saveAgenda()) {
    close();
    toast(t("Agenda saved. Phones and the projector have it now."));
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
    // The title in bold inside the sentence: the sentence is split where the title goes.
    const [before, after] = tn("Saved as the template “%(title)s” (%(n)s stage). ", "Saved as the template “%(title)s” (%(n)s stages). ",
      saved.stages.length, { title: "\u0000" }).split("\u0000");
    fill(resultBox, before, el("strong", { dir: "auto" }, saved.title), after ?? "",
      t("The start page of this browser offers it for new workshops; nobody else sees it. The console lists it under Saved templates."));
    resultBox.hidden = false;
  } catch (error) {
    const reason = error.message || t("no connection to the server.");
    showError(t("Template not saved: %(reason)s", { reason }));
  } finally {
    templateButton.disabled = false;
  }
});

function close() {
  if (dialog.open) dialog.close(); else dialog.removeAttribute("open");
}

closeButton.addEventListener("click", () => {
  if (isDirty() && !confirm(t("Close without saving your changes to the agenda?"))) return;
  close();
});
dialog.addEventListener("cancel", (event) => {
  if (isDirty() && !confirm(t("Close without saving your changes to the agenda?"))) event.preventDefault();
});

// Another language on the console: the editor is drawn again in it from what it holds (every
// field's text is kept in the session as it is typed, so nothing typed is lost).
onLanguageChange(() => {
  if (!session || !dialog.open) return;
  if (session.stages.length) render();
  else updateButtons();
});

// ------------------------------------------------------------------ list and object settings

/** A key from a label: lower-case letters, digits and dashes, starting with a letter. */
function keyFrom(label, taken) {
  let base = label.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-").replace(/^[^a-z]+/, "").replace(/-+$/, "").slice(0, 36) || "category";
  base = base.replace(/-+$/, "");
  let key = base;
  for (let n = 2; taken.has(key); n++) key = `${base}-${n}`;
  return key;
}

/** The keys of categories typed here follow their labels (unique within the list). */
function rekey(categories) {
  const taken = new Set(categories.filter((c) => !freshCategories.has(c)).map((c) => c.key));
  for (const category of categories) {
    if (!freshCategories.has(category)) continue;
    category.key = keyFrom(category.label.trim(), taken);
    taken.add(category.key);
  }
}

/** What is wrong with a list or object setting, in the editor's words, or null (the server
 * checks again; these are its rules). */
function structuredProblem(name, value) {
  if (name === "categories") {
    const list = value || [];
    if (list.length > MAX_CATEGORIES) return t("at most %(n)s categories.", { n: formatNumber(MAX_CATEGORIES) });
    const keys = new Set();
    for (const [i, category] of list.entries()) {
      const label = (category.label || "").trim();
      if (!label) return t("category %(n)s needs a label.", { n: formatNumber(i + 1) });
      if (label.length > 40) return t("the label “%(label)s…” is longer than 40 characters.", { label: label.slice(0, 20) });
      if ((category.hint || "").trim().length > 120) return t("the hint of “%(label)s” is longer than 120 characters.", { label });
      if (keys.has(category.key)) return t("two categories are called “%(label)s”.", { label });
      keys.add(category.key);
    }
  }
  if (name === "scales") {
    for (const [i, scale] of (value || DEFAULT_SCALES).entries()) {
      const label = (scale.label || "").trim();
      if (!label) return t("scale %(n)s needs a name.", { n: formatNumber(i + 1) });
      if (label.length > 30) return t("the name “%(name)s…” is longer than 30 characters.", { name: label.slice(0, 20) });
      if ((scale.low || "").length > 30 || (scale.high || "").length > 30) return t("the words at the ends of “%(label)s” are at most 30 characters.", { label });
    }
  }
  if (name === "quadrants") {
    for (const [key, words] of Object.entries(value || {})) {
      const text = String(words || "").trim();
      if (!text) return t("every quadrant needs a name (%(quadrant)s has none).", { quadrant: key.replace(/_/g, " ") });
      if (text.length > 30) return t("the name “%(name)s…” is longer than 30 characters.", { name: text.slice(0, 20) });
    }
  }
  return null;
}

/** A server refusal that names a step's setting ("Stage 1 (Situation): Ideas, categories 0
 * label: …"): where to show it, next to that step's settings. */
function placeRefusal(message) {
  const found = message.match(/^Stage (\d+)[^:]*: ([^,]+), /);
  const stage = found ? session.stages[Number(found[1]) - 1] : null;
  const step = stage ? stage.steps.find((s) => labelOf(s.kind) === found[2].trim()) : null;
  return step ? { stage, kind: step.kind, message } : null;
}

function textField(id, label, value, maxlength, onInput, extra = {}) {
  return el("span", { class: "setting-text", style: { display: "flex", flexDirection: "column", minWidth: "0", flex: extra.flex || "1 1 8rem" } },
    el("label", { for: id, style: { fontSize: ".8rem", fontWeight: 600, margin: "0 0 .1rem" } }, label),
    el("input", { id, dataset: { focus: id }, value: value ?? "", maxlength, placeholder: extra.placeholder,
      style: { width: "100%", minHeight: "40px" },
      oninput: (event) => { onInput(event.target.value); afterStructuredEdit(extra.problemId, extra.check); } }));
}

/** After typing in a list or object setting: its problem line and the buttons, without a
 * redraw (so the caret stays where it is). */
function afterStructuredEdit(problemId, check) {
  if (problemId && check) {
    const line = document.getElementById(problemId);
    if (line) {
      const problem = check();
      line.textContent = problem || "";
      line.hidden = !problem;
    }
  }
  session.refusal = null;
  updateButtons();
}

function structuredEditor(stage, step, name, rule, sid) {
  const problemId = sid(`${name}-problem`);
  const check = () => {
    const problem = structuredProblem(name, step[name]);
    return problem ? `${settingLabel(name, step.kind)}: ${problem}` : null;
  };
  const refusal = session.refusal && session.refusal.stage === stage && session.refusal.kind === step.kind
    ? session.refusal.message : null;
  const problem = check() || refusal;
  const line = el("p", { id: problemId, class: "error-text", role: "alert", hidden: !problem }, problem || "");
  const box = (...children) => el("fieldset", { class: "setting-block", style: { border: "1px solid var(--line)", borderRadius: "6px", padding: ".4rem .6rem", margin: ".3rem 0", minWidth: 0 } },
    el("legend", { style: { fontSize: ".85rem", fontWeight: 600, padding: "0 .3rem" } }, settingLabel(name, step.kind)), ...children, line);
  if (name === "categories") return box(...categoriesEditor(stage, step, sid, problemId, check));
  if (name === "scales") return box(...scalesEditor(step, sid, problemId, check));
  if (name === "quadrants") return box(...quadrantsEditor(step, rule, sid, problemId, check));
  return box(el("p", { class: "hint" }, settingValue(rule, step[name] ?? rule.default, name)));
}

function categoriesEditor(stage, step, sid, problemId, check) {
  // Drawing changes nothing (an agenda only looks edited once something is edited).
  const list = Array.isArray(step.categories) ? step.categories : [];
  const rows = list.map((category, i) => {
    const cid = (part) => sid(`cat-${i}-${part}`);
    return el("li", { class: "category-edit", style: { display: "flex", flexWrap: "wrap", gap: ".4rem", alignItems: "flex-end", padding: ".25rem 0" } },
      textField(cid("label"), t("Category %(n)s", { n: formatNumber(i + 1) }), category.label, 40, (v) => { category.label = v; rekey(list); },
        { problemId, check, flex: "1 1 9rem", placeholder: t("e.g. Strengths") }),
      textField(cid("hint"), t("Hint (optional)"), category.hint, 120, (v) => { category.hint = v; },
        { problemId, check, flex: "3 1 12rem", placeholder: t("What phones show under it") }),
      el("button", { type: "button", class: "small quiet", dataset: { focus: cid("remove") },
        "aria-label": t("Remove category %(category)s", { category: category.label || formatNumber(i + 1) }),
        onclick: () => { list.splice(i, 1); session.refusal = null; render(list.length ? sid(`cat-${Math.min(i, list.length - 1)}-label`) : sid("cat-add")); } }, t("Remove")));
  });
  return [
    list.length ? null : el("p", { class: "hint", style: { margin: ".2rem 0" } }, t("No categories: ideas are one list. Add categories to sort them (a SWOT has four).")),
    // The plan reads a SWOT by its keys (strengths … threats), which renaming keeps.
    stage.key === "situation" && list.length ? el("p", { class: "hint", style: { margin: ".2rem 0" } },
      t("Rename the categories freely (in your language, say), but keep the rows: the plan knows each one as a strength, weakness, opportunity or threat, and a new row is none of these.")) : null,
    el("ol", { style: { listStyle: "none", padding: 0, margin: 0 } }, rows),
    el("button", { type: "button", class: "small", dataset: { focus: sid("cat-add") }, disabled: list.length >= MAX_CATEGORIES,
      onclick: () => {
        const category = { key: "", label: "", hint: "" };
        freshCategories.add(category);
        list.push(category);
        step.categories = list;
        rekey(list);
        session.refusal = null;
        render(sid(`cat-${list.length - 1}-label`));
      } }, list.length >= MAX_CATEGORIES ? t("At most %(n)s categories", { n: formatNumber(MAX_CATEGORIES) }) : t("Add category")),
  ];
}

function scalesEditor(step, sid, problemId, check) {
  // A step stored before scales were settings has none: the defaults are shown, and kept once edited.
  const scales = Array.isArray(step.scales) ? step.scales : copy(DEFAULT_SCALES);
  const own = () => { step.scales = scales; };
  return scales.map((scale, i) => {
    const cid = (part) => sid(`scale-${i}-${part}`);
    const which = i === 0 ? t("First scale (up the chart)") : t("Second scale (across)");
    return el("div", { class: "scale-edit", style: { display: "flex", flexWrap: "wrap", gap: ".4rem", padding: ".2rem 0" } },
      textField(cid("label"), which, scale.label, 30, (v) => { scale.label = v; own(); }, { problemId, check, flex: "2 1 10rem" }),
      textField(cid("low"), t("1 means"), scale.low, 30, (v) => { scale.low = v; own(); }, { problemId, check }),
      textField(cid("high"), t("5 means"), scale.high, 30, (v) => { scale.high = v; own(); }, { problemId, check }));
  });
}

/** A quadrant's name field's words: which ends of the two scales it is ("High impact, low effort"). */
function quadrantWords(one, first, two, second) {
  const words = { first, second };
  if (one === "high") return two === "high" ? t("High %(first)s, high %(second)s", words) : t("High %(first)s, low %(second)s", words);
  return two === "high" ? t("Low %(first)s, high %(second)s", words) : t("Low %(first)s, low %(second)s", words);
}

function quadrantsEditor(step, rule, sid, problemId, check) {
  const names = step.quadrants && typeof step.quadrants === "object" ? step.quadrants : { ...(rule.default || {}) };
  const scales = Array.isArray(step.scales) ? step.scales : DEFAULT_SCALES;
  const [first, second] = scales.map((scale) => (scale.label || "").trim().toLowerCase() || "?");
  return [el("div", { style: { display: "flex", flexWrap: "wrap", gap: ".4rem" } },
    QUADRANTS.map(([key, one, two]) => textField(sid(`quadrant-${key}`), quadrantWords(one, first, two, second),
      names[key], 30, (v) => { names[key] = v; step.quadrants = names; }, { problemId, check, flex: "1 1 10rem" })))];
}
