// The facilitator's review of a finished plan: correct the wording of selected items, fill in
// owners, dates and metrics, and publish the next version. Only what changed is sent; the
// server checks it with the same rules as the define step and keeps every earlier version.

import { el, facilitatorKey, fill, toast } from "./common.js";
import { keyedButtons, planPath } from "./plan-files.js";

const app = document.getElementById("app");
const WORKSHOP_ID = app.dataset.workshopId;
const saved = facilitatorKey(`sw:facilitator:${WORKSHOP_ID}`);
const status = document.getElementById("review-status");
const form = document.getElementById("review-form");
const errorBox = document.getElementById("review-error");

/** The fields a review can set per level (the server's `levels.FIELDS_BY_LEVEL`). */
const LEVEL_FIELDS = {
  goals: ["metrics"],
  programs: ["owner", "outcome", "metrics"],
  projects: ["owner", "deliverables", "due", "approach"],
  actions: ["owner", "due"],
};
const LABELS = {
  owner: "Owner", outcome: "Outcome", due: "Due date", approach: "Approach",
  deliverables: "Deliverables (one per line)", metrics: "Success metrics",
};
const APPROACHES = ["waterfall", "agile", "hybrid"];
const METRIC_KEYS = ["metric", "baseline", "target", "due"];
const ONE_OF = { vision: "Vision", mission: "Mission", values: "Value", goals: "Goal", programs: "Program", projects: "Project", actions: "Action" };

let plan = null;
let counter = 0;
const uid = (name) => `${name}-${++counter}`;

function say(message, kind = "info") {
  status.className = `notice ${kind}`;
  status.textContent = message;
  status.hidden = !message;
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: `Bearer ${saved.key}`, "Content-Type": "application/json" },
  });
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(body && body.error ? body.error.message : `The server answered ${response.status}.`);
    error.code = body && body.error ? body.error.code : "";
    throw error;
  }
  return body;
}

// ------------------------------------------------------------------ the form

function labelled(label, control, hint = null) {
  return el("div", { class: "field" }, el("label", { for: control.id }, label), control,
    hint ? el("p", { class: "muted small" }, hint) : null);
}

function metricRow(metric = {}) {
  const cell = (name, placeholder, type = "text") => el("input", {
    type, "aria-label": placeholder, placeholder, value: metric[name] || "", dataset: { metric: name },
    maxlength: name === "metric" ? 200 : 100,
  });
  const row = el("div", { class: "metric-row" },
    cell("metric", "Metric"), cell("baseline", "Baseline"), cell("target", "Target"),
    cell("due", "By when", "date"),
    el("button", { type: "button", class: "small quiet", "aria-label": "Remove this metric", onclick: () => row.remove() }, "Remove"));
  return row;
}

function fieldControl(name, item) {
  const value = item.fields[name];
  if (name === "metrics") {
    const rows = el("div", { class: "metric-rows", dataset: { field: "metrics" } },
      (value || []).map((metric) => metricRow(metric)));
    return el("fieldset", { class: "metrics" }, el("legend", {}, LABELS.metrics), rows,
      el("button", { type: "button", class: "small", onclick: () => rows.append(metricRow()) }, "Add a metric"));
  }
  if (name === "approach") {
    const select = el("select", { id: uid("approach"), dataset: { field: "approach" } },
      el("option", { value: "" }, "Not chosen"),
      APPROACHES.map((a) => el("option", { value: a, selected: value === a }, a)));
    return labelled(LABELS.approach, select);
  }
  if (name === "deliverables") {
    const area = el("textarea", { id: uid("deliverables"), rows: 3, dataset: { field: "deliverables" } });
    area.value = (value || []).join("\n");
    return labelled(LABELS.deliverables, area);
  }
  const input = el("input", {
    id: uid(name), type: name === "due" ? "date" : "text", value: value || "",
    maxlength: name === "outcome" ? 400 : 120, dataset: { field: name },
  });
  const label = name === "owner" && item.level === "programs" ? "Program manager"
    : name === "due" && item.level === "projects" ? "Completion date" : LABELS[name];
  return labelled(label, input);
}

function itemEditor(stage, item, n) {
  const wording = el("textarea", { id: uid("wording"), rows: 2, maxlength: 280, dataset: { field: "text" } });
  wording.value = item.fields.text || item.text;
  const fields = (LEVEL_FIELDS[stage.key] || []).map((name) => fieldControl(name, { ...item, level: stage.key }));
  return el("fieldset", { class: "review-item", dataset: { id: item.id } },
    el("legend", {}, `${ONE_OF[stage.key] || stage.title} ${n}`),
    labelled("Wording in the plan", wording, `As voted: ${item.text}`),
    fields);
}

function renderForm() {
  document.getElementById("review-base").textContent = plan.version;
  document.getElementById("facilitator-name").value = plan.facilitator || "";
  document.getElementById("review-note").value = "";
  errorBox.hidden = true;
  const sections = plan.stages.filter((stage) => stage.items.some((item) => item.selected));
  fill(document.getElementById("review-items"), sections.length
    ? sections.map((stage) => el("section", { class: "review-stage" },
      el("h3", {}, stage.title),
      stage.items.filter((item) => item.selected).map((item, i) => itemEditor(stage, item, i + 1))))
    : el("p", { class: "muted" }, "No stage selected any items, so there is nothing to correct."));
}

// ------------------------------------------------------------------ what changed

function readItem(box, item) {
  const out = {};
  for (const control of box.querySelectorAll("[data-field]")) {
    const name = control.dataset.field;
    if (name === "metrics") {
      out.metrics = [...control.querySelectorAll(".metric-row")].map((row) => {
        const metric = {};
        for (const input of row.querySelectorAll("[data-metric]")) metric[input.dataset.metric] = input.value.trim() || null;
        return metric;
      }).filter((metric) => Object.values(metric).some((v) => v));
    } else if (name === "deliverables") {
      out.deliverables = control.value.split("\n").map((line) => line.trim()).filter(Boolean);
    } else {
      out[name] = control.value.trim() || null;
    }
  }
  const changed = {};
  // Metrics compare by their four values in a fixed order (plan.json sorts its keys).
  const comparable = (name, value) => (name === "metrics" && Array.isArray(value)
    ? value.map((m) => METRIC_KEYS.map((k) => m[k] ?? null)) : value ?? null);
  for (const [name, value] of Object.entries(out)) {
    const before = name === "text" ? (item.fields.text || item.text) : item.fields[name];
    const same = JSON.stringify(comparable(name, value)) === JSON.stringify(comparable(name, before))
      || (Array.isArray(value) && value.length === 0 && !before);
    if (!same) changed[name] = Array.isArray(value) && value.length === 0 ? null : value;
  }
  return changed;
}

function collect() {
  const items = [];
  for (const box of document.querySelectorAll(".review-item")) {
    const id = Number(box.dataset.id);
    const item = plan.stages.flatMap((s) => s.items).find((i) => i.id === id);
    const fields = readItem(box, item);
    if (Object.keys(fields).length) items.push({ id, fields });
  }
  const body = { based_on: plan.version, items };
  const name = document.getElementById("facilitator-name").value.trim() || null;
  if (name !== (plan.facilitator || null)) body.facilitator = name;
  const note = document.getElementById("review-note").value.trim();
  if (note) body.note = note;
  return body;
}

const NOTHING_CHANGED = "Nothing has changed yet: correct a wording or fill in a field first.";
const hasChanges = (body) => body.items.length > 0 || "facilitator" in body;

// "Nothing has changed yet" goes as soon as something has.
form.addEventListener("input", () => {
  if (!errorBox.hidden && errorBox.textContent === NOTHING_CHANGED && plan && hasChanges(collect())) errorBox.hidden = true;
});

// Leaving the page with corrections not yet published asks first.
window.addEventListener("beforeunload", (event) => {
  if (!plan || !document.querySelector(".review-item") || !hasChanges(collect())) return;
  event.preventDefault();
  event.returnValue = "";
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = collect();
  if (!hasChanges(body)) {
    errorBox.textContent = NOTHING_CHANGED;
    errorBox.hidden = false;
    return;
  }
  const button = document.getElementById("publish");
  button.disabled = true;
  try {
    const published = await api(`/api/workshops/${WORKSHOP_ID}/plan/versions`, {
      method: "POST", body: JSON.stringify(body),
    });
    toast(`Version ${published.version} is published.`);
    await load();
  } catch (error) {
    errorBox.textContent = error.code === "stale_version"
      ? `${error.message} Your changes are still in the form; reload to see the new version.`
      : error.message;
    errorBox.hidden = false;
  } finally {
    button.disabled = false;
  }
});
document.getElementById("reset-review").addEventListener("click", () => renderForm());

// ------------------------------------------------------------------ versions

function renderVersions(versions) {
  fill(document.getElementById("version-list"), [...versions].reverse().map((v) => el("li", {},
    el("p", {}, el("strong", {}, `Version ${v.version}`), v.latest ? " (latest)" : "",
      el("span", { class: "muted small" }, ` · ${new Date(v.created_at).toLocaleString()}`)),
    v.note ? el("p", { class: "muted small" }, v.note) : null,
    keyedButtons(WORKSHOP_ID, saved.key, { version: v.version, primary: v.latest ? "pdf" : "" }),
  )));
}

async function load() {
  try {
    const { versions } = await api(`/api/workshops/${WORKSHOP_ID}/plan/versions`);
    if (!versions.length) {
      say("The workshop is still running. Finish it in the console, then review the plan here.", "warn");
      document.getElementById("review-grid").hidden = true;
      return;
    }
    const latest = versions[versions.length - 1];
    plan = await api(planPath(WORKSHOP_ID, "json", latest.version));
    renderForm();
    renderVersions(versions);
    say("");
    document.getElementById("review-grid").hidden = false;
  } catch (error) {
    say(`Could not load the plan: ${error.message}`, "error");
  }
}

if (!saved) {
  say("This page needs the facilitator link (it ends in #key=…). Open it from the console.", "error");
} else {
  document.getElementById("back-to-console").href = `/w/${WORKSHOP_ID}/facilitate#key=${saved.key}`;
  load();
}
