// Between workshops, on the console: "Start next year's workshop from this one…" (a new
// workshop with this agenda, the selected items of the stages ticked carried over; POST
// /api/workshops/<id>/duplicate) and "Delete this workshop…" (DELETE /api/workshops/<id>).
// Both sit in the header's "More" menu, out of the live run's way; the first also under the
// finished plan. The new workshop's key goes where the start page's list reads it
// (`sw:facilitator:<id>`); a deleted workshop's key leaves it, and the start page says once
// what was deleted (sessionStorage `sw:notice`).

import { el, fill, store } from "./common.js";
import { setRaw, setText } from "./console-text.js";
import { N_, t, tn } from "./i18n.js";

/** Where the start page reads a notice to show once (the console's delete leaves it there). */
export const NOTICE_KEY = "sw:notice";

/** The key the start page and the console keep for a workshop this browser facilitates. */
export const facilitatorStoreKey = (id) => `sw:facilitator:${id}`;

/**
 * The title the API gives a copy when none is sent: the last year in it (19xx or 20xx, a
 * number of its own) plus one ("Strategy day 2026" → "Strategy day 2027"), else the same title.
 */
export function nextYearTitle(title) {
  const years = [...String(title || "").matchAll(/(?<!\d)(?:19|20)\d\d(?!\d)/g)];
  if (!years.length) return title || "";
  const last = years[years.length - 1];
  return `${title.slice(0, last.index)}${Number(last[0]) + 1}${title.slice(last.index + last[0].length)}`;
}

/** Why a stage offers nothing to carry over, or null when it does. */
function nothingToCarry(stage) {
  if (!stage.decided) return t("not decided");
  if (!stage.selected.length) return t("nothing selected");
  return null;
}

/** The answer's error message, or a sentence for an answer without one. */
async function refusal(response) {
  try {
    const body = await response.json();
    if (body && body.error && body.error.message) return body.error.message;
  } catch { /* not JSON: a proxy's page */ }
  return t("The server refused (%(status)s).", { status: response.status });
}

/**
 * Wire the two dialogs. `key()` is the console's facilitator key now (it may be replaced),
 * `state()` its latest snapshot. Returns `render(state)` (shows the menu once a state is
 * there) and `leaving()` (true once this page is on its way to another: the console then
 * neither asks about unsaved edits nor shows its own "deleted" panel).
 */
export function workshopHome({ workshopId, key, state }) {
  const menu = document.getElementById("workshop-menu");
  let leaving = false;

  const closeMenu = () => { menu.open = false; };
  document.addEventListener("click", (event) => {
    if (menu.open && !menu.contains(event.target)) closeMenu();
  });
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      closeMenu();
      menu.querySelector("summary").focus();
    }
  });

  // ---------------------------------------------------------------- start next year's

  const dupDialog = document.getElementById("duplicate-dialog");
  const dupForm = document.getElementById("duplicate-form");
  const dupTitle = document.getElementById("duplicate-name");
  const dupError = document.getElementById("duplicate-error");
  const dupCreate = document.getElementById("duplicate-create");

  function showDupError(message) {
    dupError.textContent = message;
    dupError.hidden = !message;
  }

  function openDuplicate() {
    const now = state();
    if (!now) return;
    closeMenu();
    showDupError("");
    dupTitle.value = nextYearTitle(now.workshop.title);
    fill(document.getElementById("duplicate-stages"), now.stages.map((stage) => {
      const why = nothingToCarry(stage);
      const id = `carry-${stage.id}`;
      return el("li", { class: why ? "is-empty" : "" },
        el("label", { class: "check", for: id },
          el("input", { type: "checkbox", id, name: "carry", value: stage.key, checked: !why, disabled: Boolean(why) }),
          el("span", {}, el("strong", { dir: "auto" }, stage.title), " — ",
            why ? el("span", { class: "muted" }, why) : tn("%(n)s selected", "%(n)s selected", stage.selected.length))));
    }));
    setText(document.getElementById("carry-hint"), now.stages.some((stage) => !nothingToCarry(stage))
      ? N_("Each item comes in marked with where it came from.")
      : N_("Nothing was selected here yet: the new workshop starts with this agenda alone."));
    dupCreate.disabled = false;
    setText(dupCreate, N_("Create the new workshop"));
    dupDialog.showModal();
    dupTitle.focus();
  }

  async function createCopy(event) {
    event.preventDefault();
    if (dupCreate.disabled) return;
    const title = dupTitle.value.trim();
    if (!title) {
      showDupError(t("Give the new workshop a title."));
      dupTitle.focus();
      return;
    }
    const carry = [...dupForm.querySelectorAll("input[name=carry]:checked:not(:disabled)")].map((box) => box.value);
    showDupError("");
    dupCreate.disabled = true;
    setText(dupCreate, N_("Creating…"));
    let response;
    try {
      response = await fetch(`/api/workshops/${encodeURIComponent(workshopId)}/duplicate`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${key()}` },
        body: JSON.stringify({ title, carry_over: carry }),
      });
    } catch {
      response = null;
    }
    if (!response || response.status !== 201) {
      // Refused or not sent: the dialog stays open with what was typed and ticked.
      showDupError(response ? await refusal(response) : t("Not sent: the server cannot be reached. Try again in a moment."));
      dupCreate.disabled = false;
      setText(dupCreate, N_("Create the new workshop"));
      dupTitle.focus();
      return;
    }
    const made = await response.json();
    // Like the create form: the new console finds its key here and shows the link once.
    store.set(facilitatorStoreKey(made.id), { key: made.facilitator_key, shown: false, title });
    leaving = true;
    location.assign(`/w/${encodeURIComponent(made.id)}/facilitate`);
  }

  dupForm.addEventListener("submit", createCopy);
  document.getElementById("duplicate-cancel").addEventListener("click", () => dupDialog.close());
  document.getElementById("open-duplicate").addEventListener("click", openDuplicate);
  document.getElementById("duplicate-after").addEventListener("click", openDuplicate);

  // ---------------------------------------------------------------- delete

  const delDialog = document.getElementById("delete-dialog");
  const delError = document.getElementById("delete-error");
  const delConfirm = document.getElementById("delete-confirm");
  let deletingTitle = "";

  function openDelete() {
    const now = state();
    if (!now) return;
    closeMenu();
    deletingTitle = now.workshop.title;
    setText(document.getElementById("delete-title"), N_("Delete “%(title)s”?"), { title: deletingTitle });
    const people = now.workshop.participant_count;
    setText(document.getElementById("delete-text"), people
      ? N_("Everything of it goes from the server: its ideas, votes, rankings and links, the plan and its files, share links and the agendas saved from it. The %(phones)s in it and the room’s screen are told it was closed.")
      : N_("Everything of it goes from the server: its ideas, votes, rankings and links, the plan and its files, share links and the agendas saved from it. Phones and the room’s screen still open are told it was closed."),
    people ? { phones: tn("%(n)s phone", "%(n)s phones", people) } : undefined);
    delError.hidden = true;
    delConfirm.disabled = false;
    setText(delConfirm, N_("Delete"));
    delDialog.showModal();
    document.getElementById("delete-cancel").focus();
  }

  async function deleteNow() {
    if (delConfirm.disabled) return;
    delConfirm.disabled = true;
    setText(delConfirm, N_("Deleting…"));
    delError.hidden = true;
    leaving = true; // its own `workshop:closed` arrives meanwhile: this page goes to the start page
    let response;
    try {
      response = await fetch(`/api/workshops/${encodeURIComponent(workshopId)}`, {
        method: "DELETE", headers: { Authorization: `Bearer ${key()}` },
      });
    } catch {
      response = null;
    }
    // 404: it is gone already (deleted from another tab, or by the server's retention).
    if (response && (response.status === 204 || response.status === 404)) {
      store.remove(facilitatorStoreKey(workshopId));
      try { sessionStorage.setItem(NOTICE_KEY, t("Deleted “%(title)s”.", { title: deletingTitle })); } catch { /* blocked */ }
      location.assign("/");
      return;
    }
    leaving = false;
    setRaw(delError, response ? t("Not deleted: %(reason)s", { reason: await refusal(response) })
      : t("Not deleted: the server cannot be reached. Try again in a moment."));
    delError.hidden = false;
    delConfirm.disabled = false;
    setText(delConfirm, N_("Delete"));
  }

  document.getElementById("open-delete").addEventListener("click", openDelete);
  document.getElementById("delete-cancel").addEventListener("click", () => delDialog.close());
  delConfirm.addEventListener("click", deleteNow);

  return {
    render(now) {
      menu.hidden = !now;
    },
    /** Close both dialogs and the menu, and hide the menu (the console lost its workshop). */
    hide() {
      for (const dialog of [dupDialog, delDialog]) if (dialog.open) dialog.close();
      closeMenu();
      menu.hidden = true;
    },
    leaving: () => leaving,
  };
}
