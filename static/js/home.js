// The start page: join by code; this device's workshops (my-workshops.js); pick an agenda
// template, create a workshop through the API, open its console.

import { declarationOf, el, fill, store, toast } from "./common.js";
import {
  availableLanguages, language, languageSwitcher, onLanguageChange, t, tn,
} from "./i18n.js";
import { startMyWorkshops } from "./my-workshops.js";
import { forgetTemplate, rememberTemplate, savedTemplates } from "./saved-templates.js";

const form = document.getElementById("create-form");
const errorBox = document.getElementById("create-error");
const picker = document.getElementById("template");
const titleInput = document.getElementById("title");
const detail = document.getElementById("template-detail");
const DEFAULT_TEMPLATE = "strategic-plan";
/** A step as the agenda's summary names it: its kind's `noun` ("dot vote"). */
const stepNoun = (kind) => {
  const noun = declarationOf(kind) && declarationOf(kind).noun;
  return noun ? t(noun) : kind;
};
const workshopLanguage = document.getElementById("workshop-language");
const horizon = document.getElementById("horizon");

let templates = [];

const stageItem = (stage) => el("li", {},
  el("strong", {}, stage.title),
  el("span", { class: "hint" }, ` — ${stage.steps.map(stepNoun).join(" · ")}`),
);

/** The chosen template's stages as a new workshop gets them; its optional stages (left out of
 * the workshop: the agenda editor switches them on) apart, said to be optional. */
function showTemplate() {
  const chosen = templates.find((t) => t.id === picker.value);
  if (!chosen) return;
  const optional = chosen.stages.filter((stage) => stage.optional);
  fill(detail,
    chosen.description ? el("p", { class: "hint" }, chosen.description) : null,
    el("ol", { class: "template-stages", "aria-label": t("Stages of %(title)s", { title: chosen.title }) },
      chosen.stages.filter((stage) => !stage.optional).map(stageItem)),
    optional.length ? el("div", { class: "template-optional" },
      el("p", { class: "hint", style: { margin: ".6rem 0 0" } }, tn(
        "Optional, switch it on in the agenda editor:",
        "Optional, switch them on in the agenda editor:", optional.length)),
      el("ul", {
        class: "template-stages",
        "aria-label": t("Optional stages of %(title)s", { title: chosen.title }),
      }, optional.map(stageItem)),
    ) : null,
  );
}

/** A template saved from this device, read by its id (null when it is gone or unreachable). */
async function savedTemplate(entry) {
  try {
    const response = await fetch(`/api/templates/${encodeURIComponent(entry.id)}`);
    if (response.ok) return { ...(await response.json()), built_in: false };
    const body = await response.json().catch(() => ({}));
    // Deleted from its workshop: it leaves this device's list too.
    if (body.error && body.error.code === "template_not_found") forgetTemplate(entry.id);
  } catch {
    // offline: it is offered again next time
  }
  return null;
}

async function loadTemplates() {
  let builtIn = [];
  try {
    const response = await fetch("/api/templates");
    if (response.ok) builtIn = ((await response.json()).templates || []).filter((t) => t.built_in !== false);
  } catch {
    // the built-in default in the page still works
  }
  const saved = (await Promise.all(savedTemplates().map(savedTemplate))).filter(Boolean);
  templates = [...builtIn, ...saved];
  drawSaved(saved);
  if (!templates.length) return;
  const keep = picker.value || DEFAULT_TEMPLATE;
  const option = (t) => el("option", { value: t.id, selected: t.id === keep }, t.title);
  fill(
    picker,
    builtIn.length ? el("optgroup", { label: t("Built-in agendas") }, builtIn.map(option)) : null,
    saved.length ? el("optgroup", { label: t("Saved on this device") }, saved.map(option)) : null,
  );
  if (!templates.some((t) => t.id === keep)) picker.value = templates[0].id;
  showTemplate();
}

/** The agendas saved from this device, each with a way to drop it from this list. */
function drawSaved(saved) {
  const box = document.getElementById("saved-agendas");
  box.hidden = !saved.length;
  fill(document.getElementById("saved-agenda-list"), saved.map((template) => el("li", {},
    el("span", {}, template.title),
    // Named by its content, not aria-label, so the page's labels stay the form's own.
    el("button", {
      type: "button", class: "small quiet",
      onclick: () => { forgetTemplate(template.id); loadTemplates(); },
    }, ...removeLabel(template.title)),
  )));
}

/**
 * "Remove <title> from list": the title is read to screen readers only, the words around it
 * in the page's language (one message, split where the title goes).
 */
function removeLabel(title) {
  const marker = "\u0000";
  const [before, after = ""] = t("Remove %(title)s from list", { title: marker }).split(marker);
  const rest = after.trimStart();
  return [before.trimEnd(), el("span", { class: "visually-hidden" }, ` ${title}`), rest ? ` ${rest}` : ""];
}

/** The planning horizon's choices in the page's language ("3 years"). */
function labelHorizon() {
  for (const option of horizon.options) {
    option.textContent = tn("%(n)s year", "%(n)s years", Number(option.value));
  }
}

/**
 * The workshop's own language (the room's screen, the agenda's texts, the plan): the page's
 * language until the facilitator picks one, each language in its own name.
 */
let languageChosen = false;
function drawWorkshopLanguages() {
  const keep = languageChosen ? workshopLanguage.value : language();
  fill(workshopLanguage, availableLanguages().map((lang) => el("option", {
    value: lang.code, lang: lang.code, dir: lang.direction, selected: lang.code === keep,
  }, lang.name)));
  workshopLanguage.value = keep;
}
workshopLanguage.addEventListener("change", () => { languageChosen = true; });
drawWorkshopLanguages();
document.getElementById("home-language").append(languageSwitcher());

// Another language on the switcher: the page's own text is re-translated by i18n.js; what
// this module drew is drawn again (the agendas in the new language), nothing typed is lost.
onLanguageChange(() => {
  labelHorizon();
  drawWorkshopLanguages();
  const button = form.querySelector("button[type=submit]");
  if (!button.disabled) button.textContent = t("Create workshop");
  if (errorBox.hidden) errorBox.textContent = "";
  loadTemplates();
});
if (language() !== "en") labelHorizon();

picker.addEventListener("change", showTemplate);
const templatesLoaded = loadTemplates();

/**
 * A saved agenda of one of this device's workshops, put in the picker: kept on this device's
 * list of saved agendas, chosen, and the form brought into view.
 */
async function useTemplate(template) {
  rememberTemplate(template);
  await templatesLoaded;
  await loadTemplates();
  if (!templates.some((t) => t.id === template.id)) {
    toast(t("The agenda “%(title)s” could not be opened; it may have been deleted.", { title: template.title }), "error");
    return;
  }
  picker.value = template.id;
  showTemplate();
  picker.scrollIntoView({ block: "center", behavior: "smooth" });
  picker.focus({ preventScroll: true });
}

// The list is drawn at once; its summaries are asked once the agendas are in the picker.
startMyWorkshops({ onPickTemplate: useTemplate, after: templatesLoaded });

let errorField = null; // the field the error on show is about, if it is about one

function showError(message, field = null) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
  if (errorField && errorField !== field) {
    errorField.removeAttribute("aria-invalid");
    errorField.removeAttribute("aria-describedby");
  }
  errorField = message ? field : null;
  if (field && message) {
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", "create-error");
  }
}

// An error about the title goes as soon as there is a title.
titleInput.addEventListener("input", () => {
  if (errorField === titleInput && titleInput.value.trim()) showError("");
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  const data = new FormData(form);
  const title = String(data.get("title") || "").trim();
  if (!title) {
    showError(t("Give the workshop a title."), titleInput);
    titleInput.focus();
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  button.textContent = t("Creating…");
  try {
    const response = await fetch("/api/workshops", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        title,
        organization: String(data.get("organization") || "").trim() || null,
        facilitator_name: String(data.get("facilitator_name") || "").trim() || null,
        horizon_years: Number(data.get("horizon_years")),
        template: String(data.get("template") || DEFAULT_TEMPLATE),
        language: String(data.get("language") || language()),
      }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(body.error ? body.error.message : t("Error %(status)s", { status: response.status }));
    }
    // Keep the key in this browser, and mark it new so the console shows the link once.
    store.set(`sw:facilitator:${body.id}`, {
      key: body.facilitator_key, shown: false, title, opened_at: new Date().toISOString(),
    });
    location.assign(body.urls.facilitate);
  } catch (error) {
    showError(error.message === "Failed to fetch"
      ? t("Cannot reach the server. Check the connection and try again.")
      : error.message);
    button.disabled = false;
    button.textContent = t("Create workshop");
  }
});
