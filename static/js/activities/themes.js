// Themes: on the console the facilitator clusters a stage's ideas into named themes by dragging
// ideas onto a theme (or with the "Add an idea" list, from the keyboard). Every change sends
// the whole set with `group:set`. A later step set to vote "on the themes" puts each theme to
// the vote as one item. The projector shows the brainstorm's wall by theme as they form.

import { el, ideaText } from "../common.js";
import { formatNumber, t } from "../i18n.js";
import { note } from "./ideas.js";

function groupsOf(stage) {
  return (stage.groups || []).map((g) => ({ title: g.title, idea_ids: [...g.idea_ids] }));
}

function send(ctx, groups) {
  return ctx.act("group:set", { stage_id: ctx.stage.id, groups });
}

/** Move an idea into theme `index` (-1: out of every theme). */
function place(ctx, ideaId, index) {
  const groups = groupsOf(ctx.stage);
  for (const group of groups) group.idea_ids = group.idea_ids.filter((id) => id !== ideaId);
  if (index >= 0) groups[index].idea_ids.push(ideaId);
  return send(ctx, groups);
}

function dropZone(ctx, index, node) {
  node.addEventListener("dragover", (event) => { event.preventDefault(); node.classList.add("drop-here"); });
  node.addEventListener("dragleave", () => node.classList.remove("drop-here"));
  node.addEventListener("drop", (event) => {
    event.preventDefault();
    node.classList.remove("drop-here");
    const id = Number(event.dataTransfer.getData("text/plain"));
    if (id) place(ctx, id, index);
  });
  return node;
}

/** The panel: one box per theme (a drop target), a field to add a theme. */
export function themesPanel(ctx) {
  const { stage } = ctx;
  const groups = groupsOf(stage);
  const grouped = new Set(groups.flatMap((g) => g.idea_ids));
  const loose = stage.ideas.filter((idea) => !idea.hidden && !grouped.has(idea.id));
  const voteOnThemes = stage.steps.some((s) => s.settings && s.settings.on === "groups");
  const title = el("input", { type: "text", id: `theme-title-${stage.id}`, maxlength: 80,
    placeholder: t("A theme, e.g. “Customers”"), dir: "auto", dataset: { focus: `theme-title-${stage.id}` } });
  const add = (event) => {
    event.preventDefault();
    const text = title.value.trim();
    if (!text) { title.focus(); return; }
    send(ctx, [...groups, { title: text, idea_ids: [] }]);
  };
  return el("section", { class: "themes", "aria-label": t("Themes") },
    el("h3", {}, t("Themes")),
    el("p", { class: "muted small" }, voteOnThemes
      ? t("Drag ideas onto a theme. The vote will be on the themes, each as one item; ideas in no theme stay on their own.")
      : t("Drag ideas onto a theme to cluster them for the room. The vote stays on the ideas.")),
    el("ul", { class: "theme-list" }, groups.map((group, index) => dropZone(ctx, index, el("li", { class: "theme" },
      el("div", { class: "spread" }, el("strong", { dir: "auto" }, group.title),
        el("button", { type: "button", class: "quiet small", "aria-label": t("Remove the theme %(theme)s", { theme: group.title }),
          onclick: () => send(ctx, groups.filter((_, i) => i !== index)) }, t("Remove"))),
      el("ul", { class: "theme-ideas" }, group.idea_ids.map((id) => el("li", {}, el("span", { dir: "auto" }, ideaText(stage, id)),
        el("button", { type: "button", class: "quiet small",
          "aria-label": t("Take out of %(theme)s: %(idea)s", { theme: group.title, idea: ideaText(stage, id) }),
          onclick: () => place(ctx, id, -1) }, "×")))),
      loose.length ? el("select", { "aria-label": t("Add an idea to %(theme)s", { theme: group.title }),
        onchange: (event) => { if (event.target.value) place(ctx, Number(event.target.value), index); } },
      el("option", { value: "" }, t("Add an idea…")),
      loose.map((idea) => el("option", { value: idea.id }, idea.text))) : null,
    )))),
    el("form", { class: "row", onsubmit: add },
      el("label", { class: "visually-hidden", for: `theme-title-${stage.id}` }, t("New theme")),
      title, el("button", { type: "submit" }, t("Add theme"))),
  );
}

/**
 * The projector's wall by theme: one column per theme with its notes, then the ideas in no
 * theme yet; null while there are no themes with ideas. The columns are one `fit-group`: when
 * the screen is full the fit engine shortens them all alike ("+ N more" under each).
 */
export function themeWall(stage) {
  const groups = (stage.groups || []).filter((group) => group.idea_ids.length);
  if (!groups.length) return null;
  const byId = new Map(stage.ideas.map((idea) => [idea.id, idea]));
  const grouped = new Set(groups.flatMap((group) => group.idea_ids));
  const loose = stage.ideas.filter((idea) => !grouped.has(idea.id));
  const columns = groups.map((group) => ({ title: group.title, ideas: group.idea_ids.map((id) => byId.get(id)).filter(Boolean) }));
  if (loose.length) columns.push({ title: t("Not in a theme yet"), ideas: loose, loose: true });
  // Up to six themes side by side in one row; more wrap.
  return el("div", { class: "theme-wall fit-group", style: { "--themes": Math.min(columns.length, 6) } }, columns.map((column) => el("section", { class: column.loose ? "theme-column loose" : "theme-column" },
    el("h2", { dir: column.loose ? null : "auto" }, column.title, " ", el("span", { class: "theme-count" }, formatNumber(column.ideas.length))),

    el("ul", { class: "theme-notes fit-list", "aria-label": column.title }, column.ideas.map(note)))));
}
