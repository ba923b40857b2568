// The page's language: its message catalogue, plurals, numbers and dates, and the switcher.
//
// Every user-facing string of the ES modules goes through t()/tn() (extracted by
// `python tools/i18n.py extract`, like the server's); a constant that is translated later is
// marked with N_(). Placeholders are %(name)s, as on the server:
//     t("Join the workshop")
//     t("Over budget in %(category)s.", { category })
//     tn("%(n)s idea", "%(n)s ideas", count)      // n is the count, formatted
//     pt("verb", "Start")                          // one English word, two senses
// The catalogue of each language is a static JSON file (/static/i18n/<code>.json, made from
// the .po files; a phone's page loads <code>.phone.json, without what only the other screens
// say), so the content security policy stays strict. English is the source
// language and has no catalogue.
//
// The page is rendered by the server in a language (<html lang dir>); this module loads that
// language's catalogue before any module that imports it runs (top-level await). A phone or
// console whose reader chose another language on this device (the switcher: localStorage and
// the `lang` cookie) switches at once. setLanguage() swaps the catalogue, re-translates every
// element marked data-t / data-t-<attribute> by the templates, and dispatches
// "i18n:change" on document, after which each screen re-renders from the state it holds:
// nothing typed is lost, no reload.

const STORAGE_KEY = "sw-language";
const COOKIE = "lang";
const STATIC = "/static/i18n/";

let languages = [];
let current = "en";
let messages = {};
let pluralRules = new Intl.PluralRules("en");

/** The identity marker: the constant is translated where it is shown, with t(). */
export const N_ = (msgid) => msgid;

function interpolate(text, params) {
  if (!params) return text;
  return text.replace(/%\((\w+)\)s|%%/g, (match, name) => {
    if (match === "%%") return "%";
    const value = params[name];
    return value === undefined || value === null ? match : String(value);
  });
}

/** `msgid` in the page's language, its %(name)s placeholders filled from `params`. */
export function t(msgid, params) {
  const found = messages[msgid];
  const text = typeof found === "string" && found ? found : msgid;
  return params ? interpolate(text, params) : text.replace(/%%/g, "%");
}

/** `msgid` in the sense `context` names ("verb": the Start button, where "Start" alone is a
 * date's label). */
export function pt(context, msgid, params) {
  const found = messages[`${context}\u0004${msgid}`];
  const text = typeof found === "string" && found ? found : msgid;
  return params ? interpolate(text, params) : text.replace(/%%/g, "%");
}

/** The form of a counted message that fits `n`; %(n)s is `n` formatted for the language. */
export function tn(singular, plural, n, params = {}) {
  const found = messages[singular];
  const tag = pluralRules.select(Number(n));
  let text;
  if (found && typeof found === "object") {
    text = found[tag] || found.other || (tag === "one" ? singular : plural);
  } else {
    text = tag === "one" ? singular : plural;
  }
  return interpolate(text, { n: formatNumber(n), ...params });
}

/** The page's language code ("en", "fr", ...). */
export function language() {
  return current;
}

/** "rtl" or "ltr". */
export function direction() {
  const entry = languages.find((lang) => lang.code === current);
  return entry ? entry.direction : "ltr";
}

/** The shipped languages: [{code, name, direction}], as the server lists them. */
export function availableLanguages() {
  return languages.slice();
}

const numberFormats = new Map();

/** A number as the page's language writes it (one formatter per language and options: a
 * results list formats hundreds of numbers per draw). */
export function formatNumber(value, options) {
  const number = Number(value);
  if (!Number.isFinite(number)) return String(value);
  const key = `${current}|${options ? JSON.stringify(options) : ""}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(current, options);
    numberFormats.set(key, format);
  }
  return format.format(number);
}

/** A date (Date, ISO string or epoch ms) as the page's language writes it. */
export function formatDate(value, options = { dateStyle: "long" }) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(current, options).format(date);
}

/** A time of day as the page's language writes it. */
export function formatTime(value, options = { timeStyle: "short" }) {
  return formatDate(value, options);
}

/** A calendar year in the language's digits, never grouped (2026, not 2,026). */
export function formatYear(year) {
  return formatNumber(year, { useGrouping: false });
}

/** A list ("A, B and C") as the page's language joins it. */
export function formatList(items, type = "conjunction") {
  return new Intl.ListFormat(current, { style: "long", type }).format(items.map(String));
}

function supported(tag) {
  if (!tag) return null;
  const primary = String(tag).trim().replace("_", "-").split("-")[0].toLowerCase();
  return languages.some((lang) => lang.code === primary) ? primary : null;
}

/** The language this device's reader chose with the switcher, or null. */
export function storedLanguage() {
  try {
    return supported(window.localStorage.getItem(STORAGE_KEY));
  } catch {
    return null;
  }
}

/** The first of the browser's languages that ships, else English. */
export function browserLanguage() {
  for (const tag of navigator.languages || [navigator.language]) {
    const code = supported(tag);
    if (code) return code;
  }
  return "en";
}

async function loadCatalogue(code) {
  if (code === "en") return {};
  // A phone loads the phone's catalogue (what the console, start and review pages say left
  // out): the page says which (<html data-catalogue="phone">).
  const kind = document.documentElement.dataset.catalogue;
  const name = kind ? `${code}.${kind}` : code;
  const response = await fetch(`${STATIC}${name}.json`, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`catalogue ${code}: ${response.status}`);
  const body = await response.json();
  return body.messages || {};
}

const ATTRIBUTES = ["placeholder", "title", "aria-label", "alt", "content", "value"];

/** Re-translate what the server rendered: elements marked data-t (text) and data-t-<attr>. */
export function translatePage(root = document) {
  for (const node of root.querySelectorAll("[data-t]")) {
    const context = node.dataset.tContext;
    node.textContent = context
      ? pt(context, node.dataset.t, argsOf(node))
      : t(node.dataset.t, argsOf(node));
  }
  for (const attr of ATTRIBUTES) {
    const key = `data-t-${attr}`;
    for (const node of root.querySelectorAll(`[${key}]`)) {
      node.setAttribute(attr, t(node.getAttribute(key), argsOf(node)));
    }
  }
  const title = document.querySelector("title[data-t]");
  if (title) document.title = title.textContent;
}

function argsOf(node) {
  if (!node.dataset.tArgs) return undefined;
  try {
    return JSON.parse(node.dataset.tArgs);
  } catch {
    return undefined;
  }
}

function apply(code, catalogue) {
  current = code;
  messages = catalogue;
  pluralRules = new Intl.PluralRules(code);
  document.documentElement.lang = code;
  document.documentElement.dir = direction();
}

/**
 * Switch the page to `code`: load its catalogue, re-translate the rendered text, and tell the
 * screens ("i18n:change" on document). `remember` keeps the choice on this device (the
 * switcher's; the projector follows its workshop and remembers nothing).
 */
export async function setLanguage(code, { remember = false } = {}) {
  const chosen = supported(code) || "en";
  if (remember) {
    try {
      window.localStorage.setItem(STORAGE_KEY, chosen);
    } catch {
      // Private mode: the cookie below still carries the choice to the next page load.
    }
    document.cookie = `${COOKIE}=${chosen}; path=/; max-age=31536000; samesite=lax`;
  }
  if (chosen === current) return chosen;
  const catalogue = await loadCatalogue(chosen);
  apply(chosen, catalogue);
  translatePage();
  document.dispatchEvent(new CustomEvent("i18n:change", { detail: { language: chosen } }));
  return chosen;
}

/** Call `render` again whenever the language changes (after the catalogue is in place). */
export function onLanguageChange(render) {
  document.addEventListener("i18n:change", () => render(current));
}

/**
 * A visible language switcher: a labelled <select> of the shipped languages in their own
 * names, set to the page's language. Choosing one switches the page (no reload) and remembers
 * the choice on this device. `onChange(code)` runs after the switch (to tell the server).
 */
export function languageSwitcher({ onChange, id = "language-switcher" } = {}) {
  const wrap = document.createElement("div");
  wrap.className = "language-switcher";
  const label = document.createElement("label");
  label.htmlFor = id;
  label.dataset.t = "Language";
  label.textContent = t("Language");
  const select = document.createElement("select");
  select.id = id;
  select.name = "language";
  for (const lang of languages) {
    const option = document.createElement("option");
    option.value = lang.code;
    option.lang = lang.code;
    option.dir = lang.direction;
    option.textContent = lang.name;
    select.append(option);
  }
  select.value = current;
  select.addEventListener("change", async () => {
    const chosen = await setLanguage(select.value, { remember: true });
    select.value = chosen;
    if (onChange) onChange(chosen);
  });
  document.addEventListener("i18n:change", () => { select.value = current; });
  wrap.append(label, select);
  return wrap;
}

// The page's own language, as the server rendered it, before any screen module runs.
async function boot() {
  const root = document.documentElement;
  try {
    languages = JSON.parse(root.dataset.languages || "[]");
  } catch {
    languages = [];
  }
  if (!languages.length) languages = [{ code: "en", name: "English", direction: "ltr" }];
  const rendered = supported(root.lang) || "en";
  try {
    apply(rendered, await loadCatalogue(rendered));
  } catch {
    apply("en", {});
  }
  // A device choice the cookie no longer carried (or a page rendered for the workshop's
  // language where the page says to follow the device): switch now.
  if (root.dataset.languageMode === "device") {
    const wanted = storedLanguage();
    if (wanted && wanted !== current) {
      try {
        await setLanguage(wanted, { remember: true });
      } catch {
        // Stay in the rendered language.
      }
    }
  }
}

await boot();
