// Suggested duplicates on the console (#duplicates): the groups of ideas the server finds
// likely the same in the stage shown (`stage.duplicates`, best first; empty from the stage's
// first scoring step on). Each group lists its ideas with "Merge" (the existing `idea:merge`
// into the idea marked "kept", which keeps its wording and shows the others as also said: the
// earliest unless the facilitator picks another, e.g. the one without a typo) and "Not the
// same" (`duplicate:dismiss`: never suggested again). The state that follows either action
// draws the new list.

import { el } from "./common.js";
import { formatNumber, t, tn } from "./i18n.js";

const SHOWN = 5; // groups shown before "Show all"
const IDEAS_SHOWN = 6; // ideas of one group shown before "Show all N"
let showAll = false;
const opened = new Set(); // big groups the facilitator unfolded
const pending = new Set(); // groups whose action is on its way: their buttons wait
const chosen = new Map(); // group key -> the idea the facilitator chose to keep

const groupKey = (group) => group.idea_ids.join("-");

/** How alike the server finds a group, in words a facilitator reads at a glance. */
function likeness(score) {
  const value = Number(score);
  if (!Number.isFinite(value)) return "";
  return value >= 0.95 ? t("almost the same words") : value >= 0.85 ? t("very alike") : t("alike");
}

/**
 * The section for `stage` (null when there is nothing to suggest). `act` is the console's
 * queue; `rerender` draws the panel again.
 */
export function duplicatesSection(stage, { act, rerender, active }) {
  const groups = (stage.duplicates || []).filter((group) => group.idea_ids && group.idea_ids.length > 1);
  if (!active || !groups.length) return null;
  const order = new Map(stage.ideas.map((idea, i) => [idea.id, i]));
  const byId = new Map(stage.ideas.map((idea) => [idea.id, idea]));
  const shown = showAll ? groups : groups.slice(0, SHOWN);

  async function run(group, event, payload) {
    const key = groupKey(group);
    if (pending.has(key)) return; // one action per group at a time
    pending.add(key);
    rerender();
    try {
      await act(event, payload);
    } finally {
      pending.delete(key);
      rerender();
      // The last group went with its buttons: keep the keyboard in the stage, not the page top.
      if (!document.activeElement || document.activeElement === document.body) {
        const heading = document.querySelector("#stage-panel h2");
        if (heading) {
          heading.tabIndex = -1;
          heading.focus({ preventScroll: true });
        }
      }
    }
  }

  const card = (group, n) => {
    // The earliest idea keeps its wording (the stage lists ideas earliest first), unless the
    // facilitator picked another of the group.
    const ids = [...group.idea_ids].sort((a, b) => (order.get(a) ?? a) - (order.get(b) ?? b));
    const key = groupKey(group);
    const into = ids.includes(chosen.get(key)) ? chosen.get(key) : ids[0];
    const text = (id) => (byId.get(id) ? byId.get(id).text : t("Idea %(id)s", { id }));
    const busy = pending.has(key);
    const open = opened.has(key) && ids.length > IDEAS_SHOWN;
    const listed = open ? ids : ids.slice(0, IDEAS_SHOWN);
    const hiddenCount = ids.length - listed.length;
    return el("li", { class: "duplicate-group", dataset: { ideaIds: ids.join(" ") } },
      el("ul", { class: "duplicate-ideas", "aria-label": tn("%(n)s idea that looks the same", "%(n)s ideas that look the same", ids.length) },
        listed.map((id) => el("li", { class: id === into ? "is-kept" : "" },
          // Each wording is a button: pressing it makes it the one Merge keeps.
          el("button", {
            type: "button", class: "duplicate-choice", "aria-pressed": String(id === into),
            title: id === into ? t("Merge keeps this wording") : t("Keep this wording instead"),
            onclick: () => { chosen.set(key, id); rerender(); },
          },
          el("span", { class: "duplicate-text", dir: "auto" }, text(id)),
          id === into ? el("span", { class: "kept-mark" }, t("kept")) : null))),
        hiddenCount > 0 || open ? el("li", { class: "more" }, el("button", {
          type: "button", class: "small quiet", "aria-expanded": String(open),
          onclick: () => { if (open) opened.delete(key); else opened.add(key); rerender(); },
        }, open ? t("Show fewer") : t("Show all %(n)s", { n: formatNumber(ids.length) }))) : null),
      el("div", { class: "duplicate-actions" },
        group.score !== undefined ? el("span", { class: "muted small duplicate-score" }, likeness(group.score)) : null,
        el("button", {
          type: "button", class: "small primary merge-duplicates", "aria-disabled": busy ? "true" : null,
          // By place, so after a merge the next group's button takes the focus.
          dataset: { focus: `merge-duplicates-${n}` },
          title: t("Merge into “%(idea)s”; the others are kept under it as also said.", { idea: text(into) }),
          onclick: () => run(group, "idea:merge", { idea_ids: ids, into }),
        }, t("Merge"), ids.length > 2 ? ` ${formatNumber(ids.length)}` : null,
        el("span", { class: "visually-hidden" }, `: ${ids.map(text).join(", ")}`)),
        el("button", {
          type: "button", class: "small dismiss-duplicates", "aria-disabled": busy ? "true" : null,
          dataset: { focus: `dismiss-duplicates-${n}` },
          onclick: () => run(group, "duplicate:dismiss", { stage_id: stage.id, idea_ids: ids }),
        }, t("Not the same"), el("span", { class: "visually-hidden" }, `: ${ids.map(text).join(", ")}`)),
      ));
  };

  return el("section", { id: "duplicates", class: "duplicates", "aria-labelledby": "duplicates-title" },
    el("h3", { id: "duplicates-title" }, `${t("Possible duplicates")} `,
      el("span", { class: "muted small" }, tn("%(n)s suggestion", "%(n)s suggestions", groups.length))),
    el("p", { class: "muted small duplicates-hint" },
      t("Merge keeps the wording marked “kept” (press another to keep it instead) and lists the others under it as also said.")),
    el("ol", { class: "duplicate-list" }, shown.map(card)),
    groups.length > SHOWN ? el("button", {
      type: "button", class: "small quiet", "aria-expanded": String(showAll),
      onclick: () => { showAll = !showAll; rerender(); },
    }, showAll ? t("Show fewer") : t("Show all %(n)s", { n: formatNumber(groups.length) })) : null,
  );
}
