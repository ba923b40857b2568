// The plan's formats, as every screen offers them: phones link straight to the files with
// their participant token; the console, projector and review page fetch them with the
// facilitator key (never put in a URL) and hand the file to the browser.

import { el, toast } from "./common.js";
import { N_, t } from "./i18n.js";

/** Every format, in the order the screens list them (the names match `plan.urls`). Labels and
 * hints are marked N_: translate them with t() where they are shown. */
export const FORMATS = [
  { name: "pdf", label: N_("PDF"), hint: N_("to read, print or send") },
  { name: "docx", label: N_("Word"), hint: N_("DOCX, to edit") },
  { name: "html", label: N_("Web page"), hint: N_("opens in the browser, prints well") },
  { name: "md", label: N_("Markdown"), hint: N_("plain text") },
  { name: "json", label: N_("JSON"), hint: N_("data, for other tools") },
  { name: "csv", label: N_("Ideas (CSV)"), hint: N_("every idea, for spreadsheets") },
  { name: "register", label: N_("Register (CSV)"), hint: N_("every program, project and action: who does what by when, to track in a spreadsheet") },
  { name: "roadmap", label: N_("Calendar (ICS)"), hint: N_("the roadmap's milestones and completion dates, for a calendar app") },
];

const FILES = {
  pdf: "plan.pdf", docx: "plan.docx", html: "plan.html", md: "plan.md", json: "plan.json", csv: "ideas.csv",
  register: "register.csv", roadmap: "roadmap.ics",
};

/** The same-origin path of a format's file for this workshop (`version` optional). */
export function planPath(workshopId, format, version = null) {
  const path = `/api/workshops/${encodeURIComponent(workshopId)}/${FILES[format]}`;
  return version ? `${path}?version=${version}` : path;
}

function filenameOf(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (encoded) {
    try { return decodeURIComponent(encoded[1]); } catch { /* fall through */ }
  }
  const plain = /filename="([^"]+)"/i.exec(header);
  return plain ? plain[1] : fallback;
}

/** Fetch a plan file with the facilitator key and open (HTML) or save it. */
export async function fetchPlanFile(url, key, format) {
  // Open the tab now, while the click still counts as the user's: pop-up blockers allow it.
  const tab = format === "html" ? window.open("", "_blank") : null;
  try {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${key}` } });
    if (!response.ok) {
      let message = t("the server answered %(status)s", { status: response.status });
      try { message = (await response.json()).error.message; } catch { /* not JSON */ }
      throw new Error(message);
    }
    const blob = await response.blob();
    const objectUrl = URL.createObjectURL(blob);
    if (tab) {
      tab.location.href = objectUrl;
    } else {
      const link = el("a", { href: objectUrl, download: filenameOf(response, url.split("/").pop()) });
      document.body.append(link);
      link.click();
      link.remove();
    }
    setTimeout(() => URL.revokeObjectURL(objectUrl), 60000);
  } catch (error) {
    if (tab) tab.close();
    toast(t("Download failed: %(reason)s", { reason: error.message }), "error");
  }
}

/** Buttons for every format, fetched with the facilitator key. */
export function keyedButtons(workshopId, key, { version = null, primary = "pdf", draft = false } = {}) {
  return el("div", { class: "format-buttons" }, FORMATS.map((format) => el("button", {
    type: "button",
    class: format.name === primary ? "primary" : "",
    title: t(format.hint),
    onclick: () => fetchPlanFile(planPath(workshopId, format.name, version), key, format.name),
  }, draft ? t("%(format)s (draft)", { format: t(format.label) }) : t(format.label))));
}

/** Links for every format with a participant token (phones). */
export function tokenLinks(urls, token) {
  const withToken = (url) => `${new URL(url).pathname}?token=${encodeURIComponent(token)}`;
  return el("div", { class: "stack" }, FORMATS.filter((f) => urls[f.name]).map((format) => el("a", {
    class: format.name === "pdf" ? "button primary wide plan-format" : "button wide plan-format",
    href: withToken(urls[format.name]),
    ...(format.name === "html" ? { target: "_blank", rel: "noopener" } : { download: "" }),
  }, el("span", { class: "plan-format-name" }, t(format.label)), el("span", { class: "plan-hint" }, t(format.hint)))));
}
