// "My workshops on this device", on the start page: every workshop this browser created or
// opened as facilitator (its `sw:facilitator:<id>` entry in localStorage), read through that
// workshop's own summary with that workshop's own key only (never another's), with its console,
// room screen, plan downloads and saved agendas; an entry can be removed, added by pasting a
// facilitator link, and the whole list moved to another device as a file.

import { declarationOf, el, fill, store } from "./common.js";
import { formatDate, formatNumber, N_, onLanguageChange, t, tn } from "./i18n.js";
import { keyedButtons } from "./plan-files.js";

const PREFIX = "sw:facilitator:";
const NOTICE_KEY = "sw:notice";
const FILE_FORMAT = "strategy-workshop-links";
const FILE_VERSION = 1;
const FILE_MOST_BYTES = 1_000_000;
const FILE_MOST_WORKSHOPS = 500;
const FIND_FROM = 7; // a "Find a workshop" field once the list is longer than a screen
const FIRST_SHOWN = 6; // the newest ones; "Show all" for the rest (the forms stay near on a phone)
const WAIT_MS = 10_000; // a summary that takes longer counts as "could not be reached"
const WORKSHOP_ID = /^[0-9a-f]{8,32}$/;

const list = document.getElementById("mine-list");
const notices = document.getElementById("mine-notices");
const emptyHint = document.getElementById("mine-empty");
const count = document.getElementById("mine-count");
const find = document.getElementById("mine-find");
const filter = document.getElementById("mine-filter");
const noMatch = document.getElementById("mine-no-match");
const more = document.getElementById("mine-more");
const addForm = document.getElementById("mine-add-form");
const linkInput = document.getElementById("mine-link");
const addResult = document.getElementById("mine-add-result");
const exportButton = document.getElementById("mine-export");
const importButton = document.getElementById("mine-import-button");
const importInput = document.getElementById("mine-import");
const transferResult = document.getElementById("mine-transfer-result");

/** What each entry's summary answered: {state: "loading"|"ok"|"unauthorized"|"unreachable", summary?}. */
const answers = new Map();
let pickTemplate = null;
let showAll = false;
const opened = new Set(); // "<id> plan" / "<id> templates": the sections left open across redraws

/** A <details> of an entry that stays open (or closed) when the list is drawn again. */
function section(entry, name, className, ...children) {
  const mark = `${entry.id} ${name}`;
  return el("details", {
    class: `mine-more ${className}`, open: opened.has(mark),
    ontoggle: (event) => { if (event.target.open) opened.add(mark); else opened.delete(mark); },
  }, ...children);
}

// --------------------------------------------------------------------------- the stored list

/** Every facilitator entry this browser keeps: [{id, key, title?, opened_at?, ...}]. */
export function storedWorkshops() {
  const found = [];
  let keys = [];
  try {
    keys = Object.keys(localStorage);
  } catch {
    return found; // storage blocked: nothing to list
  }
  for (const name of keys) {
    if (!name.startsWith(PREFIX)) continue;
    const id = name.slice(PREFIX.length);
    const entry = store.get(name, null);
    if (!WORKSHOP_ID.test(id) || !entry || typeof entry.key !== "string" || !entry.key) continue;
    // A console the server's admin opened (`admin: true`) holds the admin's key, which the
    // admin's next "Open console" replaces: no workshop of this facilitator, never exported.
    if (entry.admin === true) continue;
    found.push({ ...entry, id });
  }
  return found;
}

function entryOf(id) {
  const entry = store.get(PREFIX + id, null);
  return entry && typeof entry.key === "string" ? { ...entry, id } : null;
}

/** Keep (or replace) a workshop's key, keeping what else the console wrote in its entry. */
function keep(id, key, title) {
  const before = store.get(PREFIX + id, null) || {};
  const changed = before.key !== key;
  const { admin: _admin, ...kept } = before; // a facilitator's own link, not the admin's
  store.set(PREFIX + id, {
    ...(changed ? kept : before),
    key,
    // A pasted or imported link is one the facilitator already holds: no need to show it once.
    shown: changed ? true : Boolean(before.shown),
    ...(title ? { title } : {}),
  });
}

function forget(id) {
  store.remove(PREFIX + id);
  answers.delete(id);
}

const OTHER_SERVER = N_("that link is for another server (%(origin)s)");
const NOT_CHECKED = N_("the server could not be reached to check it");
const MARK = "\u0000";

/**
 * A label whose middle (a workshop's or agenda's title, MARK in the message) is for screen
 * readers only: [words before, the hidden span, words after], as one message translated whole.
 */
function readerOnly(message, hidden) {
  const [before, after = ""] = message.split(MARK);
  const rest = after.trimStart();
  return [before.trimEnd(), el("span", { class: "visually-hidden" }, hidden), rest ? ` ${rest}` : ""];
}

const nameOf = (entry, summary = null) =>
  (summary && summary.title) || (entry && entry.title) || t("A workshop");

// --------------------------------------------------------------------------- the server

/**
 * The workshop's summary asked with its own key: {state: "ok", summary} | {state: "gone"} (404)
 * | {state: "unauthorized"} (401) | {state: "unreachable", why}. Without a key it only asks
 * whether this server has the workshop (401 when it does, 404 when not).
 */
async function askSummary(id, key) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), WAIT_MS);
  try {
    const response = await fetch(`/api/workshops/${encodeURIComponent(id)}/summary`, {
      headers: key ? { Authorization: `Bearer ${key}` } : {},
      cache: "no-store",
      signal: controller.signal,
    });
    if (response.ok) return { state: "ok", summary: await response.json() };
    const body = await response.json().catch(() => ({}));
    const code = body && body.error ? body.error.code : "";
    if (response.status === 404 && code === "workshop_not_found") return { state: "gone" };
    if (response.status === 401) return { state: "unauthorized" };
    return {
      state: "unreachable", why: N_("the server answered %(status)s"), whyArgs: { status: response.status },
    };
  } catch {
    return { state: "unreachable", why: N_("no connection") };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A facilitator link taken apart: {id, key, url} or {error}. It must be this server's
 * `/w/<id>/facilitate#key=…`; a link naming another origin is checked against the server's own
 * public address once its summary answers (`sameServer`).
 */
export function parseLink(text) {
  const raw = String(text || "").trim();
  if (!raw) return { error: t("Paste the facilitator link first.") };
  let url;
  try {
    url = new URL(raw, location.origin);
  } catch {
    return { error: t("That is not a link.") };
  }
  const path = /^\/w\/([^/]+)\/facilitate\/?$/.exec(url.pathname);
  const key = new URLSearchParams(url.hash.slice(1)).get("key");
  if (!path || !WORKSHOP_ID.test(path[1])) {
    return { error: t("That is not a facilitator link: it ends in /w/…/facilitate#key=….") };
  }
  if (!key || key.length > 200 || /\s/.test(key)) {
    return { error: t("That link has no facilitator key (the part after #key=). Copy the whole link.") };
  }
  return { id: path[1], key, origin: url.origin };
}

/** Whether a parsed link's origin is this server's: this page's, or its public address. */
function sameServer(link, summary) {
  if (link.origin === location.origin) return true;
  try {
    return Boolean(summary && summary.urls && new URL(summary.urls.join).origin === link.origin);
  } catch {
    return false;
  }
}

/** The entry's link, as the export file carries it. */
function facilitatorUrl(entry) {
  return `${location.origin}/w/${entry.id}/facilitate#key=${entry.key}`;
}

/**
 * Check a parsed link against the server and keep it. Returns {outcome: "added"|"updated"|
 * "listed"|"refused", title?, why?}.
 */
async function addLink(link, fallbackTitle = "") {
  const before = entryOf(link.id);
  if (before && before.key === link.key) {
    return { outcome: "listed", title: nameOf(before, null) };
  }
  if (link.origin !== location.origin) {
    // A link naming another address: first ask, without its key, whether the workshop is on
    // this server at all, so another server's key never comes here.
    const probe = await askSummary(link.id, null);
    if (probe.state === "gone") return { outcome: "refused", why: OTHER_SERVER, whyArgs: { origin: link.origin } };
    if (probe.state === "unreachable") return { outcome: "refused", why: NOT_CHECKED };
  }
  const answer = await askSummary(link.id, link.key);
  if (answer.state === "gone") return { outcome: "refused", why: N_("no workshop on this server has that link") };
  if (answer.state === "unauthorized") {
    return { outcome: "refused", why: N_("that link no longer opens its workshop (the facilitator link was replaced)") };
  }
  if (answer.state === "unreachable") {
    if (link.origin !== location.origin) return { outcome: "refused", why: NOT_CHECKED };
  } else if (!sameServer(link, answer.summary)) {
    // This server's workshop, but under an address that is not this server's public one.
    return { outcome: "refused", why: OTHER_SERVER, whyArgs: { origin: link.origin } };
  }
  const title = answer.summary ? answer.summary.title : fallbackTitle;
  keep(link.id, link.key, title);
  answers.set(link.id, answer.state === "ok" ? answer : { state: "loading" });
  return { outcome: before ? "updated" : "added", title: title || t("A workshop"), checked: answer.state === "ok" };
}

// --------------------------------------------------------------------------- notices

function notice(text, kind = "info") {
  notices.append(el("p", { class: `notice ${kind}` }, text));
}

/** The console's delete leaves a notice for this page (sessionStorage `sw:notice`): shown once. */
function takeConsoleNotice() {
  let text = null;
  try {
    text = sessionStorage.getItem(NOTICE_KEY);
    sessionStorage.removeItem(NOTICE_KEY);
  } catch {
    return;
  }
  if (!text) return;
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed === "string") text = parsed;
    else if (parsed && typeof parsed.message === "string") text = parsed.message;
  } catch {
    // a plain string
  }
  notice(text, "good");
}

// --------------------------------------------------------------------------- drawing

function day(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : formatDate(date, { day: "numeric", month: "short", year: "numeric" });
}

/** The step's name as the agenda names it ("Dot vote"). */
function stepName(kind) {
  const declared = declarationOf(kind);
  const declaredName = declared && (declared.label || declared.noun);
  const name = declaredName ? t(declaredName) : kind || "";
  return name ? name.charAt(0).toUpperCase() + name.slice(1) : "";
}

/** [badge text, badge class, detail] of a summary's status. */
function statusOf(summary) {
  if (summary.status === "finished") {
    const when = day(summary.finished_at);
    return [t("Finished"), "is-finished", when ? t("Finished %(date)s", { date: when }) : t("Finished")];
  }
  const current = summary.current;
  if (!current || current.lobby) return [t("Lobby"), "is-lobby", t("In the lobby: not started")];
  const step = stepName(current.step_kind);
  return [t("Running"), "is-running", [current.stage_title, step].filter(Boolean).join(" · ")];
}

/** When the entry was last worked on: the summary's last activity, else when it was opened. */
function lastUsed(entry) {
  const answer = answers.get(entry.id);
  const summary = answer && answer.summary;
  return (summary && (summary.last_activity_at || summary.created_at)) || entry.opened_at || "";
}

/** Newest activity first; then the newest created; then by title, so the order never jumps. */
function newestFirst(a, b) {
  const created = (entry) => ((answers.get(entry.id) || {}).summary || {}).created_at || entry.opened_at || "";
  return lastUsed(b).localeCompare(lastUsed(a)) || created(b).localeCompare(created(a))
    || nameOf(a).localeCompare(nameOf(b)) || a.id.localeCompare(b.id);
}

function removeButton(entry, summary) {
  const title = nameOf(entry, summary);
  return el("button", {
    type: "button", class: "small quiet danger mine-remove",
    onclick: () => {
      const sure = window.confirm(t(
        "Remove “%(title)s” from this list?\n\nYou will need its facilitator link to open it again. The workshop itself stays on the server.",
        { title },
      ));
      if (!sure) return;
      forget(entry.id);
      notice(t("Removed “%(title)s” from this list.", { title }));
      draw();
    },
  }, el("span", {}, ...readerOnly(t("Remove %(title)s from list", { title: MARK }), ` ${title}`)));
}

function consoleLink(entry, title) {
  // The console reads the key from this browser's storage: the address carries none.
  return el("a", { class: "button primary small", href: `/w/${encodeURIComponent(entry.id)}/facilitate` },
    el("span", {}, t("Open console"), el("span", { class: "visually-hidden" }, ` ${t("of %(title)s", { title })}`)));
}

function drawOk(entry, summary) {
  const [badge, badgeClass, detail] = statusOf(summary);
  const title = summary.title;
  // The organisation may be long and wraps; the date and the count stay whole.
  const facts = [
    summary.organization ? el("span", { class: "mine-org", dir: "auto" }, summary.organization) : null,
    el("span", { class: "mine-fact" }, t("Created %(date)s", { date: day(summary.created_at) })),
    el("span", { class: "mine-fact" }, tn("%(n)s participant", "%(n)s participants", Number(summary.participant_count) || 0)),
  ].filter(Boolean);
  const templates = Array.isArray(summary.templates) ? summary.templates : [];
  const versions = Number(summary.plan_versions) || 0;
  return [
    el("div", { class: "mine-title-row" },
      el("h3", { class: "mine-title", dir: "auto" }, title),
      el("span", { class: `badge mine-badge ${badgeClass}` }, badge)),
    el("p", { class: "mine-meta" }, facts.map((fact, i) => [i ? " · " : "", fact])),
    el("p", { class: "mine-status" }, detail),
    el("div", { class: "mine-actions" },
      consoleLink(entry, title),
      summary.urls && summary.urls.present
        ? el("a", { class: "button small", href: summary.urls.present, target: "_blank", rel: "noopener" },
          el("span", {}, t("Room screen"), el("span", { class: "visually-hidden" }, ` ${t("of %(title)s", { title })}`)))
        : null,
      removeButton(entry, summary)),
    summary.status === "finished" && versions > 0
      ? section(entry, "plan", "mine-plan",
        el("summary", {}, t("Plan downloads"),
          el("span", { class: "hint" }, versions > 1 ? ` ${t("(version %(n)s)", { n: formatNumber(versions) })}` : "")),
        keyedButtons(entry.id, entry.key))
      : null,
    templates.length
      ? section(entry, "templates", "mine-templates",
        el("summary", {}, t("Saved agendas (%(n)s)", { n: formatNumber(templates.length) })),
        el("ul", { class: "mine-template-list" }, templates.map((template) => el("li", {},
          el("span", { dir: "auto" }, template.title),
          el("button", {
            type: "button", class: "small",
            onclick: () => pickTemplate && pickTemplate(template),
          }, el("span", {}, ...readerOnly(
            t("Use %(title)s for a new workshop", { title: MARK }), ` “${template.title}”`))),
        ))))
      : null,
  ];
}

/** For an entry whose title this browser never learnt: its id, to tell two such apart. */
const idLine = (entry) => (entry.title ? null : el("p", { class: "mine-meta" }, t("Workshop id %(id)s", { id: entry.id })));

function drawUnauthorized(entry) {
  const title = nameOf(entry);
  const input = el("input", {
    type: "url", autocomplete: "off", spellcheck: "false", id: `relink-${entry.id}`,
    placeholder: "…/w/…/facilitate#key=…",
  });
  const result = el("p", { class: "mine-result", role: "status", hidden: true });
  const form = el("form", {
    class: "mine-relink", novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      const link = parseLink(input.value);
      if (link.error || link.id !== entry.id || link.key === entry.key) {
        say(result, link.error || (link.id !== entry.id
          ? t("That link is for another workshop. Paste this one's new link, or add that one below.")
          : t("That is the link that no longer opens it. Paste the new one.")), "error");
        return;
      }
      const done = await addLink(link, title);
      if (done.outcome === "refused") say(result, t("Not saved: %(why)s.", { why: t(done.why, done.whyArgs) }), "error");
      else draw();
    },
  },
  el("label", { for: input.id }, t("Paste its new facilitator link")),
  el("div", { class: "mine-add-row" }, input, el("button", { type: "submit" }, t("Save"))),
  result);
  return [
    el("div", { class: "mine-title-row" }, el("h3", { class: "mine-title", dir: "auto" }, title),
      el("span", { class: "badge mine-badge is-problem" }, t("No access"))),
    idLine(entry),
    el("p", { class: "notice warn mine-problem" },
      t("This link no longer opens it (the facilitator link was replaced).")),
    el("div", { class: "mine-actions" }, removeButton(entry, null)),
    form,
  ];
}

function drawUnreachable(entry, why, whyArgs) {
  const title = nameOf(entry);
  return [
    el("div", { class: "mine-title-row" }, el("h3", { class: "mine-title", dir: "auto" }, title),
      el("span", { class: "badge mine-badge is-problem" }, t("Not reached"))),
    idLine(entry),
    el("p", { class: "notice warn mine-problem" },
      t("It could not be reached just now (%(why)s); it stays on this list.", { why: t(why, whyArgs) })),
    el("div", { class: "mine-actions" },
      consoleLink(entry, title),
      el("button", { type: "button", class: "small", onclick: () => refresh([entry.id]) }, t("Try again")),
      removeButton(entry, null)),
  ];
}

function drawLoading(entry) {
  return [
    el("div", { class: "mine-title-row" }, el("h3", { class: "mine-title", dir: "auto" }, nameOf(entry))),
    el("p", { class: "mine-status hint" }, t("Checking…")),
  ];
}

function matches(entry, words) {
  if (!words) return true;
  const answer = answers.get(entry.id);
  const summary = (answer && answer.summary) || {};
  const text = [summary.title, entry.title, summary.organization, summary.code, entry.id].filter(Boolean).join(" ").toLowerCase();
  return words.split(/\s+/).every((word) => text.includes(word));
}

/** The list as this browser holds it now, newest activity first. */
function draw() {
  const entries = storedWorkshops().sort(newestFirst);
  const words = filter.value.trim().toLowerCase();
  const found = entries.filter((entry) => matches(entry, words));
  const shown = showAll || words ? found : found.slice(0, FIRST_SHOWN);
  fill(list, shown.map((entry) => {
    const answer = answers.get(entry.id) || { state: "loading" };
    const body = answer.state === "ok" ? drawOk(entry, answer.summary)
      : answer.state === "unauthorized" ? drawUnauthorized(entry)
        : answer.state === "unreachable" ? drawUnreachable(entry, answer.why, answer.whyArgs)
          : drawLoading(entry);
    return el("li", { class: `mine-item is-${answer.state}`, dataset: { workshopId: entry.id } }, body);
  }));
  const empty = entries.length === 0;
  document.getElementById("home").classList.toggle("is-empty", empty);
  emptyHint.hidden = !empty;
  list.hidden = empty;
  count.hidden = empty;
  count.textContent = tn("%(n)s workshop", "%(n)s workshops", entries.length);
  find.hidden = entries.length < FIND_FROM;
  noMatch.hidden = empty || found.length > 0;
  const rest = found.length - shown.length;
  more.hidden = rest <= 0;
  fill(more, tn("Show all %(n)s workshop", "Show all %(n)s workshops", found.length),
    el("span", { class: "hint" }, ` ${tn("(%(n)s more)", "(%(n)s more)", rest)}`));
}

/** Ask the summaries of `ids` (all by default), then draw them all at once (no entry moves
 * under the pointer as each answers; each waits at most WAIT_MS). */
async function refresh(ids = null) {
  const entries = storedWorkshops().filter((entry) => !ids || ids.includes(entry.id));
  for (const entry of entries) answers.set(entry.id, { state: "loading" });
  draw();
  await Promise.all(entries.map(async (entry) => {
    const answer = await askSummary(entry.id, entry.key);
    const now = entryOf(entry.id);
    if (!now || now.key !== entry.key) return; // removed or replaced meanwhile
    if (answer.state === "gone") {
      forget(entry.id);
      notice(t("“%(title)s” was deleted from the server; it is no longer listed.", { title: nameOf(entry) }), "warn");
      return;
    }
    answers.set(entry.id, answer);
    // The title as the server has it now, for this list when the server cannot be reached.
    if (answer.state === "ok" && answer.summary.title && answer.summary.title !== now.title) {
      store.set(PREFIX + entry.id, { ...store.get(PREFIX + entry.id, {}), title: answer.summary.title });
    }
  }));
  draw();
}

// --------------------------------------------------------------------------- add, export, import

function say(node, text, kind = "info") {
  node.hidden = !text;
  node.className = `mine-result notice ${kind}`;
  fill(node, text);
}

addForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const link = parseLink(linkInput.value);
  if (link.error) {
    say(addResult, link.error, "error");
    linkInput.setAttribute("aria-invalid", "true");
    return;
  }
  linkInput.removeAttribute("aria-invalid");
  const button = addForm.querySelector("button[type=submit]");
  button.disabled = true;
  const done = await addLink(link);
  button.disabled = false;
  if (done.outcome === "refused") {
    say(addResult, t("Not added: %(why)s.", { why: t(done.why, done.whyArgs) }), "error");
    linkInput.setAttribute("aria-invalid", "true");
    return;
  }
  linkInput.value = "";
  say(addResult, {
    listed: t("“%(title)s” is already on this list.", { title: done.title }),
    updated: t("“%(title)s”: its new link is kept.", { title: done.title }),
    added: t("Added “%(title)s”.", { title: done.title }),
  }[done.outcome], "good");
  draw();
  if (!done.checked) refresh([link.id]);
});

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

exportButton.addEventListener("click", () => {
  const entries = storedWorkshops().sort(newestFirst);
  if (!entries.length) {
    say(transferResult, t("The list is empty: nothing to export."), "info");
    return;
  }
  const now = new Date();
  const file = {
    format: FILE_FORMAT,
    version: FILE_VERSION,
    exported_at: now.toISOString(),
    workshops: entries.map((entry) => ({ id: entry.id, title: nameOf(entry, (answers.get(entry.id) || {}).summary), facilitator_url: facilitatorUrl(entry) })),
  };
  download(`my-workshops-${now.toISOString().slice(0, 10)}.json`, `${JSON.stringify(file, null, 2)}\n`);
  say(transferResult, tn(
    "Exported %(n)s workshop. Anyone holding the file can run them: keep it private.",
    "Exported %(n)s workshops. Anyone holding the file can run them: keep it private.", entries.length,
  ), "warn");
});

importButton.addEventListener("click", () => importInput.click());

/** The workshops of an export file, or a message saying why it is not one. */
function readListFile(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return { error: t("That file is not a list of workshops (it is not JSON).") };
  }
  if (!data || data.format !== FILE_FORMAT || !Array.isArray(data.workshops)) {
    return { error: t("That file is not a list of workshops exported from this page.") };
  }
  if (data.version !== FILE_VERSION) {
    return {
      error: t("That list is version %(version)s; this page reads version %(ours)s.", {
        version: data.version, ours: FILE_VERSION,
      }),
    };
  }
  if (data.workshops.length > FILE_MOST_WORKSHOPS) {
    return { error: t("That list holds more than %(n)s workshops.", { n: formatNumber(FILE_MOST_WORKSHOPS) }) };
  }
  return { workshops: data.workshops };
}

importInput.addEventListener("change", async () => {
  const file = importInput.files && importInput.files[0];
  importInput.value = "";
  if (!file) return;
  if (file.size > FILE_MOST_BYTES) {
    say(transferResult, t("That file is too large to be a list of workshops."), "error");
    return;
  }
  const read = readListFile(await file.text());
  if (read.error) {
    say(transferResult, read.error, "error");
    return;
  }
  say(transferResult, t("Checking the workshops…"), "info");
  const results = await Promise.all(read.workshops.map(async (item) => {
    const title = item && typeof item.title === "string" ? item.title.slice(0, 200) : "";
    const link = parseLink(item && typeof item.facilitator_url === "string" ? item.facilitator_url : "");
    if (link.error || (item.id !== undefined && item.id !== link.id)) {
      return { outcome: "refused", title, why: N_("not a facilitator link") };
    }
    return { ...(await addLink(link, title)), title: title || t("A workshop") };
  }));
  const tally = (outcome) => results.filter((r) => r.outcome === outcome);
  const added = [...tally("added"), ...tally("updated")];
  const listed = tally("listed");
  const refused = tally("refused");
  const kind = refused.length && !added.length ? "error" : added.length ? "good" : "info";
  say(transferResult, "", kind);
  transferResult.hidden = false;
  // Element.append writes a null as the word "null": only the parts there are.
  transferResult.append(...[
    el("p", {}, t("Added %(added)s · already listed %(listed)s · not recognised %(refused)s.", {
      added: formatNumber(added.length), listed: formatNumber(listed.length), refused: formatNumber(refused.length),
    })),
    refused.length ? el("ul", { class: "mine-refused" }, refused.map((r) => el("li", {}, r.title
      ? t("“%(title)s”: %(why)s", { title: r.title, why: t(r.why, r.whyArgs) })
      : t("An entry: %(why)s", { why: t(r.why, r.whyArgs) })))) : null,
    el("p", { class: "hint" }, t("Anyone holding that file can run those workshops: delete it now that it is imported.")),
  ].filter(Boolean));
  draw();
  const unchecked = results.filter((r) => r.outcome !== "refused" && r.outcome !== "listed" && !r.checked);
  if (unchecked.length) refresh();
});

filter.addEventListener("input", draw);
// Back online: ask again whatever could not be reached.
window.addEventListener("online", () => {
  const waiting = [...answers].filter(([, answer]) => answer.state === "unreachable").map(([id]) => id);
  if (waiting.length) refresh(waiting);
});
more.addEventListener("click", () => {
  const next = list.children.length; // the first of the rest gets the focus
  showAll = true;
  draw();
  const link = list.children[next] && list.children[next].querySelector("a, button");
  if (link) link.focus();
});

// --------------------------------------------------------------------------- start

/**
 * Draw the list at once, and ask every summary when `after` has settled (the page's own first
 * request, so the list never delays it). `onPickTemplate(template)` puts a saved agenda of a
 * listed workshop in the new workshop's agenda picker.
 */
export function startMyWorkshops({ onPickTemplate = null, after = Promise.resolve() } = {}) {
  pickTemplate = onPickTemplate;
  takeConsoleNotice();
  draw();
  onLanguageChange(() => draw());
  return Promise.resolve(after).catch(() => {}).then(() => refresh());
}
