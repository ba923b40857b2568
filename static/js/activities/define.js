// Define: the facilitator captures each item's fields live with the room (a goal's success
// metrics; a program's manager, outcome, metrics, budget, start and end; a project's owner,
// sponsor, deliverables, start, completion date, approach and budget; an action's owner and
// date). Participants suggest values from
// their phones; suggestions arrive on the console, where one click adopts them.

import { announce, el, store, toast } from "../common.js";
import { N_, formatNumber, pt, t, tn } from "../i18n.js";
import { fieldLabel, fieldsView, itemCard, linksView, originMark, stageItems, wording } from "../items.js";

const APPROACHES = ["waterfall", "agile", "hybrid"];
/** An approach's name as a person reads it (translated where shown). */
const APPROACH_NAMES = { waterfall: N_("Waterfall"), agile: N_("Agile"), hybrid: N_("Hybrid") };
const approachName = (a) => t(APPROACH_NAMES[a]);
/** The label of one part of metric `n` (screen readers). */
const METRIC_PARTS = {
  metric: N_("Metric %(n)s metric"), baseline: N_("Metric %(n)s baseline"), target: N_("Metric %(n)s target"), due: N_("Metric %(n)s by"),
};
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const LIST_FIELDS = ["metrics", "deliverables"];
const DATE_FIELDS = ["due", "start", "end"];
/** The longest text each field takes (the server's `levels` limits). */
const MAX_LENGTH = { text: 280, owner: 120, sponsor: 120, budget: 80, outcome: 400 };

/** What a participant types for a field: dates as a date, the approach from its three values. */
function suggestionInput(field, value, attrs) {
  if (DATE_FIELDS.includes(field)) return el("input", { type: "date", value, ...attrs });
  if (field === "approach") {
    return el("select", attrs, el("option", { value: "" }, t("Choose…")),
      APPROACHES.map((a) => el("option", { value: a, selected: a === value }, approachName(a))));
  }
  return el("input", { type: "text", value, maxlength: MAX_LENGTH[field] || 280, autocomplete: "off", dir: "auto", ...attrs });
}

function suggestionHint(level, field) {
  if (field === "metrics") return t("A measure, e.g. “members: from 120 to 300 by 2028”.");
  if (field === "deliverables") return t("One thing the project delivers.");
  if (field === "text") return t("A clearer wording of this item.");
  if (field === "owner") return level === "programs" ? t("Who manages this program?") : t("Who is responsible?");
  if (field === "sponsor") return t("Who backs this project and answers for it to the board?");
  if (field === "budget") return level === "programs" ? t("The funding envelope, e.g. “EUR 2.5 million over 5 years”.") : t("An amount, e.g. “$40,000”.");
  if (field === "start") return t("When it starts.");
  if (field === "end") return t("When the program ends.");
  return "";
}

// ------------------------------------------------------------------ phone

const phoneDrafts = new Map(); // "<idea id>" -> {field, text}: what is being typed, across redraws

function sentKey(ctx) {
  return `sw:suggested:${ctx.state.workshop.code}`;
}

function submitSuggestion(ctx, item, event) {
  event.preventDefault();
  const draft = phoneDrafts.get(String(item.id));
  const text = (draft.text || "").trim();
  if (!text) {
    toast(t("Write a suggestion first."), "error");
    return;
  }
  ctx.outbox.suggestions.add({ stage_id: ctx.stage.id, idea_id: item.id, field: draft.field, text });
  draft.text = "";
  ctx.rerender();
}

function phoneView(ctx) {
  const { stage } = ctx;
  const items = stageItems(stage);
  if (!items.length) return el("p", { class: "card" }, t("This stage has no items to define."));
  const fields = stage.item_fields || ["text"];
  const sent = store.get(sentKey(ctx), []);
  const queue = ctx.outbox.suggestions;
  return el("div", {},
    el("p", { class: "small muted" }, t("The facilitator fills these in with the room. Suggest a value and it goes to the facilitator's screen.")),
    items.map((item) => {
      const key = String(item.id);
      if (!phoneDrafts.has(key) || !fields.includes(phoneDrafts.get(key).field)) {
        phoneDrafts.set(key, { field: fields.find((f) => f !== "text") || fields[0], text: "", open: items.length <= 2 });
      }
      const draft = phoneDrafts.get(key);
      const fieldId = `suggest-field-${item.id}`;
      const textId = `suggest-text-${item.id}`;
      const mine = [
        ...sent.filter((s) => s.idea_id === item.id).map((s) => ({ ...s, state: "sent" })),
        ...queue.items.filter((s) => s.idea_id === item.id).map((s) => ({ ...s, state: s.error ? "failed" : "pending" })),
      ];
      return el("section", { class: "card define-item", "aria-label": wording(item) },
        el("h2", { dir: "auto" }, wording(item)),
        originMark(item, { tag: "p" }),
        fieldsView(stage, item) || el("p", { class: "muted small" }, t("Nothing filled in yet.")),
        linksView(ctx.state, stage, item),
        el("details", { class: "suggest", open: draft.open,
          ontoggle: (event) => { if (event.target.isConnected) draft.open = event.target.open; } },
        // Kept at the click itself: a redraw may come before the toggle event.
        el("summary", { onclick: (event) => { draft.open = !event.target.closest("details").open; } }, t("Suggest a value")),
        el("form", { class: "stack", "aria-label": t("Suggest for: %(item)s", { item: wording(item) }), onsubmit: (event) => submitSuggestion(ctx, item, event) },
          el("div", { class: "suggest-row" },
            el("div", {},
              el("label", { for: fieldId }, t("Suggest")),
              el("select", {
                id: fieldId, dataset: { focus: fieldId },
                onchange: (event) => { draft.field = event.target.value; draft.text = ""; ctx.rerender(); },
              }, fields.map((f) => el("option", { value: f, selected: f === draft.field }, fieldLabel(stage.key, f)))),
            ),
            el("div", { class: "grow" },
              el("label", { for: textId }, fieldLabel(stage.key, draft.field)),
              suggestionInput(draft.field, draft.text, {
                id: textId, dataset: { focus: textId }, "aria-describedby": `${textId}-hint`,
                oninput: (event) => { draft.text = event.target.value; },
                onchange: (event) => { draft.text = event.target.value; },
              }),
            ),
          ),
          el("p", { class: "hint", id: `${textId}-hint` }, suggestionHint(stage.key, draft.field)),
          el("button", { type: "submit", class: "primary", dataset: { focus: `suggest-send-${item.id}` } }, t("Send suggestion")),
        )),
        mine.length ? el("ul", { class: "suggested small", "aria-label": t("Your suggestions") }, mine.map((s) => el("li", { class: s.state },
          el("strong", {}, t("%(field)s:", { field: fieldLabel(stage.key, s.field) }), " "), el("bdi", {}, s.text), " ",
          s.state === "sent" ? el("span", { class: "muted" }, t("✓ sent"))
            : s.state === "pending" ? el("span", { class: "muted" }, t("Sending…"))
              : [el("span", { class: "error-text" }, s.error), " ",
                el("button", { type: "button", class: "quiet small", onclick: () => queue.drop(s.client_id) }, t("Remove"))],
        ))) : null,
      );
    }),
  );
}

// ------------------------------------------------------------------ console

const drafts = new Map(); // idea id -> the form's values, once the facilitator edits them

function formValues(item, fields) {
  const f = item.fields || {};
  const out = {};
  for (const name of fields) {
    if (name === "text") out.text = wording(item);
    else if (name === "metrics") out.metrics = (f.metrics || []).map((m) => ({ metric: m.metric || "", baseline: m.baseline || "", target: m.target || "", due: m.due || "" }));
    else if (name === "deliverables") out.deliverables = [...(f.deliverables || [])];
    else out[name] = f[name] || "";
  }
  return out;
}

function draftFor(item, fields) {
  if (!drafts.has(item.id)) drafts.set(item.id, formValues(item, fields));
  return drafts.get(item.id);
}

function isDirty(item, fields) {
  return drafts.has(item.id) && JSON.stringify(drafts.get(item.id)) !== JSON.stringify(formValues(item, fields));
}

/** The `item:update` fields from a form's values; null or [] clears. Throws a message. */
function updateFields(item, values, level) {
  const out = {};
  for (const [name, value] of Object.entries(values)) {
    if (name === "text") {
      const text = value.trim();
      out.text = !text || text === item.text ? null : text;
    } else if (name === "deliverables") {
      out.deliverables = value.map((d) => d.trim()).filter(Boolean);
    } else if (name === "metrics") {
      const rows = value.map((m) => ({ metric: m.metric.trim(), baseline: m.baseline.trim() || null, target: m.target.trim() || null, due: m.due || null }))
        .filter((m) => m.metric || m.baseline || m.target || m.due);
      if (rows.some((m) => !m.metric)) throw new Error(t("Each success metric needs a name."));
      out.metrics = rows;
    } else {
      const text = String(value).trim();
      if (MAX_LENGTH[name] && text.length > MAX_LENGTH[name]) {
        throw new Error(t("%(field)s can be at most %(n)s characters.", { field: fieldLabel(level, name), n: formatNumber(MAX_LENGTH[name]) }));
      }
      out[name] = text || null;
    }
  }
  return out;
}

/**
 * The console's edits not yet saved, in every stage with a define step: one entry per item,
 * {stage, item, label, save(act), discard()}. save(act) sends the item's fields and resolves
 * true once the server took them (false, with a toast, when it did not).
 */
function unsaved(state) {
  const out = [];
  for (const stage of state.stages) {
    if (!(stage.steps || []).some((step) => step.kind === "define")) continue;
    const fields = stage.item_fields || ["text"];
    for (const item of stageItems(stage)) {
      if (!isDirty(item, fields)) continue;
      out.push({
        stage, item, label: wording(item),
        save: (act) => saveItem({ act, stage, rerender: () => {} }, item, drafts.get(item.id)),
        discard: () => drafts.delete(item.id),
      });
    }
  }
  return out;
}

async function saveItem(ctx, item, values) {
  let fields;
  try {
    fields = updateFields(item, values, ctx.stage.key);
  } catch (error) {
    toast(error.message, "error");
    return false;
  }
  const reply = await ctx.act("item:update", { idea_id: item.id, fields });
  if (!reply) return false;
  drafts.delete(item.id);
  announce(t("Saved: %(item)s.", { item: wording(item) }));
  ctx.rerender();
  return true;
}

const adoptedKey = (ctx) => `sw:adopted:${ctx.state.workshop.id}`;

async function adopt(ctx, item, fields, suggestion) {
  const values = draftFor(item, fields);
  const { field } = suggestion;
  let text = suggestion.text.trim();
  if (field === "metrics") values.metrics.push({ metric: text, baseline: "", target: "", due: "" });
  else if (field === "deliverables") values.deliverables.push(text);
  else if (DATE_FIELDS.includes(field)) {
    if (!DATE.test(text)) {
      toast(t("“%(text)s” is not a date written YYYY-MM-DD; type the date in the form.", { text }), "error");
      return;
    }
    values[field] = text;
  } else if (field === "approach") {
    text = text.toLowerCase();
    if (!APPROACHES.includes(text)) {
      toast(t("The approach is waterfall, agile or hybrid, not “%(text)s”.", { text: suggestion.text }), "error");
      return;
    }
    values.approach = text;
  } else values[field] = text;
  if (await saveItem(ctx, item, values)) {
    const adopted = store.get(adoptedKey(ctx), {});
    adopted[suggestion.id] = "adopted";
    store.set(adoptedKey(ctx), adopted);
    ctx.rerender();
  }
}

function dismiss(ctx, suggestion) {
  const adopted = store.get(adoptedKey(ctx), {});
  adopted[suggestion.id] = "dismissed";
  store.set(adoptedKey(ctx), adopted);
  ctx.rerender();
}

function textField(id, label, value, onInput, attrs = {}) {
  return el("div", { class: "define-field" },
    el("label", { for: id }, label),
    el(attrs.multiline ? "textarea" : "input", {
      id, dataset: { focus: id }, value: attrs.multiline ? undefined : value, type: attrs.type || (attrs.multiline ? undefined : "text"),
      rows: attrs.multiline ? 2 : undefined, maxlength: attrs.maxlength, placeholder: attrs.placeholder, dir: attrs.type === "date" ? undefined : "auto",
      oninput: (event) => onInput(event.target.value), onchange: (event) => onInput(event.target.value),
    }, attrs.multiline ? value : null),
  );
}

const opened = new Map(); // item id -> open or not, as the facilitator chose; kept across redraws
const FOLD_FROM = 3; // a list this short stays unfolded: it fits the screen anyway
const ALL = "all";

function itemForm(ctx, item, current) {
  const { stage } = ctx;
  const fields = stage.item_fields || ["text"];
  const values = drafts.get(item.id) || formValues(item, fields);
  const edit = () => draftFor(item, fields);
  const id = (name) => `def-${item.id}-${name}`;
  const touched = () => {
    for (const marker of [document.getElementById(`dirty-${item.id}`), document.getElementById(`dirty-mark-${item.id}`)]) {
      if (marker) marker.textContent = isDirty(item, fields) ? t("Unsaved changes") : "";
    }
  };
  const set = (name) => (value) => { edit()[name] = value; touched(); };
  const parts = [];
  // Short fields first, then the lists (metrics, deliverables), which take the whole width.
  const ordered = [...fields.filter((f) => !LIST_FIELDS.includes(f)), ...fields.filter((f) => LIST_FIELDS.includes(f))];
  for (const name of ordered) {
    const label = fieldLabel(stage.key, name);
    if (name === "text") {
      parts.push(textField(id("text"), t("Wording"), values.text, set("text"), { maxlength: 280, placeholder: item.text }));
    } else if (name === "owner" || name === "sponsor") {
      parts.push(textField(id(name), label, values[name], set(name), { maxlength: MAX_LENGTH[name] }));
    } else if (name === "budget") {
      parts.push(textField(id("budget"), label, values.budget, set("budget"), { maxlength: MAX_LENGTH.budget,
        placeholder: stage.key === "programs" ? t("e.g. EUR 2.5 million over 5 years") : t("e.g. $40,000") }));
    } else if (name === "outcome") {
      parts.push(textField(id("outcome"), label, values.outcome, set("outcome"), { maxlength: 400, multiline: true,
        placeholder: t("The change this program should bring about") }));
    } else if (DATE_FIELDS.includes(name)) {
      parts.push(textField(id(name), label, values[name], set(name), { type: "date" }));
    } else if (name === "approach") {
      parts.push(el("div", { class: "define-field" },
        el("label", { for: id("approach") }, label),
        el("select", { id: id("approach"), dataset: { focus: id("approach") }, onchange: (event) => set("approach")(event.target.value) },
          el("option", { value: "" }, t("Not chosen")),
          APPROACHES.map((a) => el("option", { value: a, selected: values.approach === a }, approachName(a)))),
      ));
    } else if (name === "deliverables") {
      parts.push(el("fieldset", { class: "define-list" },
        el("legend", {}, label),
        values.deliverables.map((d, i) => el("div", { class: "row" },
          el("label", { class: "visually-hidden", for: id(`deliverable-${i}`) }, t("Deliverable %(n)s", { n: formatNumber(i + 1) })),
          el("input", { type: "text", id: id(`deliverable-${i}`), dataset: { focus: id(`deliverable-${i}`) }, value: d, maxlength: 200, dir: "auto",
            class: "grow", oninput: (event) => { edit().deliverables[i] = event.target.value; touched(); } }),
          el("button", { type: "button", class: "quiet small", "aria-label": t("Remove deliverable %(n)s", { n: formatNumber(i + 1) }),
            onclick: () => { edit().deliverables.splice(i, 1); ctx.rerender(); } }, t("Remove")),
        )),
        el("button", { type: "button", class: "small", dataset: { focus: id("add-deliverable") },
          onclick: () => { edit().deliverables.push(""); ctx.rerender(); } }, t("Add deliverable")),
      ));
    } else if (name === "metrics") {
      parts.push(el("fieldset", { class: "define-list" },
        el("legend", {}, label),
        values.metrics.length ? el("div", { class: "metric-head", "aria-hidden": "true" },
          el("span", {}, t("Metric")), el("span", {}, t("Baseline")), el("span", {}, t("Target")), el("span", {}, t("By")), el("span")) : null,
        values.metrics.map((m, i) => el("div", { class: "metric-row", role: "group", "aria-label": t("Metric %(n)s", { n: formatNumber(i + 1) }) },
          ["metric", "baseline", "target", "due"].map((part) => {
            const fid = id(`metric-${i}-${part}`);
            return el("span", {},
              el("label", { class: "visually-hidden", for: fid }, t(METRIC_PARTS[part], { n: formatNumber(i + 1) })),
              el("input", { type: part === "due" ? "date" : "text", id: fid, dataset: { focus: fid }, value: m[part], dir: part === "due" ? undefined : "auto",
                maxlength: part === "metric" ? 200 : 100,
                oninput: (event) => { edit().metrics[i][part] = event.target.value; touched(); },
                onchange: (event) => { edit().metrics[i][part] = event.target.value; touched(); } }));
          }),
          el("button", { type: "button", class: "quiet small", "aria-label": t("Remove metric %(n)s", { n: formatNumber(i + 1) }),
            onclick: () => { edit().metrics.splice(i, 1); ctx.rerender(); } }, t("Remove")),
        )),
        el("button", { type: "button", class: "small", dataset: { focus: id("add-metric") },
          onclick: () => { edit().metrics.push({ metric: "", baseline: "", target: "", due: "" }); ctx.rerender(); } }, t("Add metric")),
      ));
    }
  }
  const suggestions = (stage.suggestions || []).filter((s) => s.idea_id === item.id);
  const marks = store.get(adoptedKey(ctx), {});
  const open = suggestions.filter((s) => marks[s.id] !== "dismissed");
  const dirty = isDirty(item, fields);
  const unfolded = dirty || (opened.has(item.id) ? opened.get(item.id) : current === ALL || item.id === current);
  const filled = Object.entries(item.fields || {}).filter(([name]) => name !== "text").map(([name]) => fieldLabel(stage.key, name));
  return el("li", { class: "card define-item" }, el("details", { class: "console-item", open: unfolded },
    el("summary", { onclick: (event) => { opened.set(item.id, !event.currentTarget.parentElement.open); } },
      el("h3", { class: "summary-title", dir: "auto" }, wording(item), originMark(item)),
      el("span", { class: "summary-state" },
        el("span", { class: "warn-text", id: `dirty-mark-${item.id}` }, dirty ? t("Unsaved changes") : ""),
        el("span", { class: filled.length ? "good" : "muted" }, filled.length ? `✓ ${filled.join(", ")}` : t("Not filled in yet")))),
    linksView(ctx.state, stage, item),
    el("form", {
      class: "define-form", "aria-label": t("Fields of: %(item)s", { item: wording(item) }),
      onsubmit: (event) => { event.preventDefault(); saveItem(ctx, item, drafts.get(item.id) || values); },
    },
    el("div", { class: "define-grid" }, parts),
    el("div", { class: "row" },
      el("button", { type: "submit", class: "primary", disabled: !ctx.active, dataset: { focus: id("save") } }, t("Save")),
      el("span", { class: "muted small", id: `dirty-${item.id}`, role: "status" }, dirty ? t("Unsaved changes") : ""),
    )),
    open.length ? el("section", { class: "suggestions", "aria-label": t("Suggestions from the room") },
      el("h4", {}, t("Suggestions from the room (%(n)s)", { n: formatNumber(open.length) })),
      el("ul", {}, open.map((s) => el("li", { class: marks[s.id] === "adopted" ? "adopted" : "" },
        el("span", { class: "grow" }, el("strong", {}, t("%(field)s:", { field: fieldLabel(stage.key, s.field) }), " "), el("bdi", {}, s.text)),
        marks[s.id] === "adopted" ? el("span", { class: "muted small" }, t("✓ adopted")) : null,
        el("button", { type: "button", class: "small", disabled: !ctx.active, dataset: { focus: `adopt-${s.id}` },
          "aria-label": t("Adopt %(field)s: %(text)s", { field: fieldLabel(stage.key, s.field), text: s.text }),
          onclick: () => adopt(ctx, item, fields, s) }, LIST_FIELDS.includes(s.field) ? t("Adopt (add)") : t("Adopt")),
        el("button", { type: "button", class: "quiet small", "aria-label": t("Dismiss: %(text)s", { text: s.text }),
          onclick: () => dismiss(ctx, s) }, pt("suggestion", "Dismiss")),
      ))),
    ) : null,
  ));
}

function consoleView(ctx) {
  const items = stageItems(ctx.stage);
  if (!items.length) return el("p", { class: "muted" }, t("This stage has no items to define."));
  // The item to fill in now: the first with nothing filled in. It opens by itself (and so does
  // any item with unsaved changes); the others fold to one line, so the Next button and the
  // item at hand stay in view however long the list.
  const current = items.length <= FOLD_FROM ? ALL
    : (items.find((item) => !Object.keys(item.fields || {}).some((name) => name !== "text")) || {}).id;
  const counted = tn("%(n)s item", "%(n)s items", items.length);
  return el("div", {},
    el("p", { class: "muted small" }, t("Fill in each item with the room. Suggestions from phones appear under their item."), " ",
      t("%(done)s of %(items)s filled in.", { done: formatNumber(definedCount(items)), items: counted })),

    el("ul", { class: "define-board" }, items.map((item) => itemForm(ctx, item, current))),
  );
}

// ------------------------------------------------------------------ projector

function definedCount(items) {
  return items.filter((item) => Object.keys(item.fields || {}).some((name) => name !== "text")).length;
}

function projectorView(ctx) {
  const { stage, state } = ctx;
  const items = stageItems(stage);
  return [
    el("div", { class: "big-stats" },
      el("div", {}, el("strong", {}, `${formatNumber(definedCount(items))}/${formatNumber(items.length)}`), el("span", { class: "muted" }, t("items filled in"))),
    ),
    el("ul", { class: "present-items fit-list" }, items.map((item) => itemCard(state, stage, item, {
      extra: fieldsView(stage, item) ? null : el("p", { class: "muted" }, t("To be filled in")),
    }))),
  ];
}

export default {
  kind: "define",
  // The words are getters: each read is in the page's language of the moment.
  get label() { return t("Define"); },
  get headline() { return t("Fill in the details"); },
  get start() { return t("start defining"); },
  get close() { return t("Close defining"); },
  closes: false, // the console's Next names the next step rather than closing this one
  outbox: {
    suggestions: {
      type: "queue",
      event: "suggestion:submit",
      payload: (item) => ({ idea_id: item.idea_id, field: item.field, text: item.text, client_id: item.client_id }),
      onAck(ctx, item) {
        const sent = store.get(sentKey(ctx), []);
        sent.push({ idea_id: item.idea_id, field: item.field, text: item.text, client_id: item.client_id });
        store.set(sentKey(ctx), sent.slice(-100));
        announce(t("Suggestion sent."));
      },
      refused: (error) => (error.code === "wrong_phase"
        ? t("Suggestions closed before your suggestion reached the room")
        : t("Not sent: %(reason)s", { reason: error.message })),
    },
  },
  consoleEvents: {
    "suggestion:added": (state, { suggestion }) => {
      const stage = state.stages.find((s) => s.id === suggestion.stage_id);
      if (!stage) return false;
      stage.suggestions = stage.suggestions || [];
      if (stage.suggestions.some((s) => s.id === suggestion.id)) return false;
      stage.suggestions.push(suggestion);
      return true;
    },
  },
  metrics: (ctx) => {
    const items = stageItems(ctx.stage);
    const suggestions = (ctx.stage.suggestions || []).length;
    return [[`${formatNumber(definedCount(items))}/${formatNumber(items.length)}`, t("filled in")],
      [formatNumber(suggestions), tn("suggestion", "suggestions", suggestions)]];
  },
  status: (ctx) => (ctx.active && stageItems(ctx.stage).length
    ? t("Suggest a value for any item") : t("Waiting for the facilitator")),

  phone: phoneView,
  console: consoleView,
  projector: projectorView,
  unsaved,
};
