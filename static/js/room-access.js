// The console's "Participants and links" dialog: who is in the room (remove someone), whether
// new people may join (lock / unlock), and the two links that open the workshop: replace the
// facilitator link (the old one stops working everywhere) and make a new projector link.
// The console (console.js) owns the key and the connection; this module asks it through
// callbacks and draws from the state snapshot.

import { el, fill, toast } from "./common.js";
import { setRaw, setText } from "./console-text.js";
import { N_, t, tn } from "./i18n.js";
import { readerLocale } from "./items.js";

const dialog = document.getElementById("access-dialog");
const askDialog = document.getElementById("confirm-access");
const lockButton = document.getElementById("join-lock");
const lockState = document.getElementById("join-lock-state");
const summary = document.getElementById("people-summary");
const list = document.getElementById("people-list");
const finder = document.getElementById("people-find");
const filter = document.getElementById("people-filter");
const SHOWN = 100; // a big room lists its first hundred; the name filter finds the others

/** A key of the room's state: in `state.workshop`, or at the top of the state. */
export function roomValue(state, key) {
  if (!state) return undefined;
  return state.workshop && state.workshop[key] !== undefined ? state.workshop[key] : state[key];
}

/**
 * Ask a yes/no question in the page's own dialog (over the access dialog). Resolves true when
 * the facilitator confirmed.
 */
export function ask({ title, text, action }) {
  document.getElementById("ask-title").textContent = title;
  document.getElementById("ask-text").textContent = text;
  document.getElementById("ask-ok").textContent = action;
  askDialog.returnValue = "";
  if (typeof askDialog.showModal !== "function") return Promise.resolve(confirm(`${title}\n\n${text}`));
  askDialog.showModal();
  return new Promise((resolve) => {
    askDialog.addEventListener("close", () => resolve(askDialog.returnValue === "ok"), { once: true });
  });
}

/** The words for a participant: their name, or "Anonymous #<id>" (stable while others leave). */
function labels(people) {
  return people.map((person) => (person.name ? person.name : t("Anonymous #%(id)s", { id: person.id })));
}

function joinedAt(value) {
  if (!value) return "";
  const when = new Date(value);
  if (Number.isNaN(when.getTime())) return "";
  return t("joined %(time)s", { time: when.toLocaleTimeString(readerLocale(), { hour: "2-digit", minute: "2-digit" }) });
}

/**
 * Wire the dialog. `options`: workshopId; key() → the facilitator key now; act(event, payload)
 * → the ack or null (the console's queue, which shows refusals); keyReplaced(key, url) and
 * projectorLink(url) for what the console must change after a new link.
 */
export function roomAccess({ workshopId, key, act, keyReplaced, projectorLink, replacing }) {
  let state = null;

  async function post(path) {
    const response = await fetch(`/api/workshops/${encodeURIComponent(workshopId)}/${path}`, {
      method: "POST", headers: { Authorization: `Bearer ${key()}` },
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error ? body.error.message : t("the server answered %(status)s", { status: response.status }));
    return body;
  }

  function render(snapshot) {
    state = snapshot;
    if (!state) return;
    const locked = Boolean(roomValue(state, "join_locked"));
    document.getElementById("ws-locked").hidden = !locked;
    setText(lockButton, locked ? N_("Unlock joining") : N_("Lock joining"));
    lockButton.setAttribute("aria-pressed", String(locked));
    setText(lockState, locked ? N_("Joining is closed: nobody new can join.") : N_("Anyone with the code can join."));
    lockState.classList.toggle("is-locked", locked);
    if (dialog.open) renderPeople();
  }

  function renderPeople() {
    const people = (state && state.workshop.participants) || [];
    const removedCount = Number(roomValue(state, "removed_count") || 0);
    const count = state ? state.workshop.participant_count : 0;
    setRaw(summary, [tn("%(n)s participant", "%(n)s participants", count),
      removedCount ? tn("%(n)s participant removed", "%(n)s participants removed", removedCount) : null].filter(Boolean).join(" · "));
    finder.hidden = people.length <= 12;
    const words = labels(people);
    const wanted = filter.value.trim().toLowerCase();
    const matching = people.map((person, i) => [person, words[i]])
      .filter(([, label]) => !wanted || label.toLowerCase().includes(wanted));
    const shown = matching.slice(0, SHOWN);
    fill(list,
      !people.length ? el("li", { class: "muted" }, t("Nobody has joined yet.")) : null,
      people.length && !matching.length ? el("li", { class: "muted" }, t("Nobody by that name.")) : null,
      shown.map(([person, label]) => el("li", { dataset: { participant: person.id } },
        el("span", { class: "person" },
          el("strong", { class: "person-name", dir: "auto" }, label),
          el("span", { class: "muted small" },
            [joinedAt(person.joined_at), person.connected === false ? t("away") : null].filter(Boolean).join(" · "))),
        el("button", { type: "button", class: "small danger", onclick: () => remove(person, label) },
          t("Remove"), el("span", { class: "visually-hidden" }, ` ${label}`)),
      )),
      matching.length > shown.length ? el("li", { class: "muted" },
        tn("+ %(n)s more: type a name to find them", "+ %(n)s more: type a name to find them", matching.length - shown.length)) : null,
    );
  }

  async function remove(person, label) {
    const sure = await ask({
      title: t("Remove %(name)s?", { name: label }),
      text: t("Their phone is disconnected and cannot come back with the same link. Their dots, points, ratings, rankings, links and suggestions leave every result not yet decided; their ideas stay only where the list is already frozen."),
      action: t("Remove"),
    });
    if (!sure) return;
    const reply = await act("participant:remove", { participant_id: person.id });
    if (!reply) return;
    // The state that follows drops them; until then, take them off the list here.
    if (state && state.workshop.participants) {
      state.workshop.participants = state.workshop.participants.filter((p) => p.id !== person.id);
    }
    renderPeople();
    toast(t("%(name)s was removed.", { name: label }));
  }

  lockButton.addEventListener("click", async () => {
    const locked = Boolean(roomValue(state, "join_locked"));
    const reply = await act(locked ? "join:unlock" : "join:lock", {});
    if (!reply || !state) return;
    state.workshop.join_locked = Boolean(reply.join_locked);
    render(state);
    toast(reply.join_locked ? t("Joining is closed.") : t("Joining is open again."));
  });

  filter.addEventListener("input", renderPeople);

  document.getElementById("replace-key").addEventListener("click", async () => {
    const sure = await ask({
      title: t("Replace the facilitator link?"),
      text: t("The old link stops working at once, everywhere: any other console open with it is disconnected and needs the new link. This console switches to the new link and shows it to copy."),
      action: t("Replace link"),
    });
    if (!sure) return;
    replacing(true);
    try {
      const body = await post("key");
      dialog.close();
      keyReplaced(body.key, body.facilitator_url);
    } catch (error) {
      replacing(false);
      toast(t("The link was not replaced: %(reason)s", { reason: error.message }), "error");
    }
  });

  document.getElementById("new-projector").addEventListener("click", async () => {
    const sure = await ask({
      title: t("Make a new projector link?"),
      text: t("The room's screen open now stops showing the workshop. Open it again with “Open projector view”."),
      action: t("New projector link"),
    });
    if (!sure) return;
    try {
      const body = await post("projector-token");
      projectorLink(body.projector_url);
      toast(t("New projector link ready: open the room's screen again with “Open projector view”."));
    } catch (error) {
      toast(t("No new projector link: %(reason)s", { reason: error.message }), "error");
    }
  });

  document.getElementById("open-access").addEventListener("click", () => {
    filter.value = "";
    renderPeople();
    dialog.showModal();
  });
  document.getElementById("access-close").addEventListener("click", () => dialog.close());

  return { render };
}
