// What the console shows about the room beside the stage: who has not acted yet in the current
// step (#not-yet, names only, never their entries) and the item in focus on every screen
// (#focus-banner, with Stop focusing).

import { el } from "./common.js";
import { formatNumber, t, tn } from "./i18n.js";

const NAMES = 30; // a big room lists its first names, then "and N more"

/**
 * Who has not acted in the current step, from the stage's `not_yet` ({count, names, unnamed}
 * or null when the step asks nothing of participants): a wrapping list of names, "+ k without
 * a name", or just the count in an anonymous room. Null when there is nothing to say.
 */
export function notYetSection(stage, joined) {
  const notYet = stage && stage.not_yet;
  if (!notYet) return null;
  const count = Number(notYet.count) || 0;
  const names = Array.isArray(notYet.names) ? notYet.names : [];
  const unnamed = Number(notYet.unnamed) || 0;
  const section = (...children) => el("section", { id: "not-yet", class: "not-yet", "aria-labelledby": "not-yet-title" },
    el("h3", { id: "not-yet-title", class: "not-yet-title" }, `${t("Not taken part yet")} `,
      el("span", { class: "muted small" }, joined
        ? t("%(count)s of %(joined)s", { count: formatNumber(count), joined: formatNumber(joined) }) : formatNumber(count))),
    children);
  if (count === 0) {
    return el("section", { id: "not-yet", class: "not-yet is-done" },
      el("p", {}, el("span", { "aria-hidden": "true" }, "✓ "), t("Everyone has taken part in this step.")));
  }
  // An anonymous room (or nobody who has not acted gave a name): the count alone.
  if (!names.length) {
    return section(el("p", {}, tn("%(n)s person has not taken part in this step yet.",
      "%(n)s people have not taken part in this step yet.", count)));
  }
  const shown = names.slice(0, NAMES);
  const more = names.length - shown.length;
  return section(el("ul", { class: "not-yet-names", "aria-label": t("Names of who has not taken part yet") },
    shown.map((name) => el("li", { dir: "auto" }, name)),
    more > 0 ? el("li", { class: "more" }, tn("and %(n)s more", "and %(n)s more", more)) : null,
    unnamed > 0 ? el("li", { class: "more" }, tn("+ %(n)s without a name", "+ %(n)s without a name", unnamed)) : null));
}

/** The focus banner: the item on every screen now, and a button to stop. */
export function focusBanner({ act }) {
  const banner = document.getElementById("focus-banner");
  const text = document.getElementById("focus-text");
  const clear = document.getElementById("focus-clear");
  clear.addEventListener("click", async () => {
    clear.setAttribute("aria-disabled", "true");
    try {
      await act("focus:clear", {});
    } finally {
      clear.removeAttribute("aria-disabled");
    }
  });

  return {
    render(state) {
      const focus = state.focus;
      const shown = Boolean(focus) && state.workshop.status === "active";
      const hadFocus = document.activeElement === clear;
      banner.hidden = !shown;
      text.textContent = shown ? focus.text : "";
      text.dir = "auto";
      text.parentElement.title = shown ? focus.text : "";
      // The button hid under the keyboard: keep the keyboard in the step bar.
      if (!shown && hadFocus) document.getElementById("next-step").focus({ preventScroll: true });
    },
  };
}
