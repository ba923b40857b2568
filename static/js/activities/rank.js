// Rank: the top ideas by dots form a shortlist; everyone puts it in order, by dragging the
// handle or with the arrow buttons. Until the reveal, phones and the projector get the
// shortlist in writing order (no places, no dots).

import { el, ideaText, plural } from "../common.js";
import { wording } from "../items.js";
import { revealButton } from "./vote.js";

function orderFor(ctx) {
  const { stage } = ctx;
  const saved = ctx.outbox.rankings.value(stage.id, []);
  const order = saved.filter((id) => stage.shortlist.includes(id));
  for (const id of stage.shortlist) if (!order.includes(id)) order.push(id);
  return order;
}

function save(ctx, order) {
  ctx.outbox.rankings.set(ctx.stage.id, order);
}

function move(ctx, from, to) {
  const order = orderFor(ctx);
  const [id] = order.splice(from, 1);
  order.splice(to, 0, id);
  save(ctx, order); // the redraw keeps focus on this idea's arrow button
}

/** Pointer dragging by the handle (a finger or a mouse); the drop saves the new order. */
function enableDrag(list, ctx) {
  let dragging = null;
  list.addEventListener("pointerdown", (event) => {
    const grip = event.target.closest(".grip");
    if (!grip) return;
    dragging = grip.closest(".rank-item");
    dragging.classList.add("dragging");
    grip.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  list.addEventListener("pointermove", (event) => {
    if (!dragging) return;
    const prev = dragging.previousElementSibling;
    const next = dragging.nextElementSibling;
    if (prev) {
      const box = prev.getBoundingClientRect();
      if (event.clientY < box.top + box.height / 2) { list.insertBefore(dragging, prev); return; }
    }
    if (next) {
      const box = next.getBoundingClientRect();
      if (event.clientY > box.top + box.height / 2) list.insertBefore(next, dragging);
    }
  });
  const drop = () => {
    if (!dragging) return;
    dragging.classList.remove("dragging");
    dragging = null;
    save(ctx, [...list.querySelectorAll(".rank-item")].map((item) => Number(item.dataset.id)));
  };
  list.addEventListener("pointerup", drop);
  list.addEventListener("pointercancel", drop);
}

function phoneView(ctx) {
  const { stage, me } = ctx;
  const key = String(stage.id);
  const order = orderFor(ctx);
  const pending = ctx.outbox.rankings.isPending(stage.id);
  const saved = me.rankings[key];
  const isSaved = !pending && saved && saved.length === order.length && saved.every((id, i) => id === order[i]);
  const list = el("ol", { class: "rank-list", "aria-label": "Your order, best first" },
    order.map((id, index) => el("li", { class: "rank-item", dataset: { id } },
      el("span", { class: "place", "aria-hidden": "true" }, index + 1),
      el("span", { class: "rank-text" },
        el("span", { class: "visually-hidden" }, `Place ${index + 1}: `), ideaText(stage, id)),
      el("span", { class: "moves" },
        el("button", {
          type: "button", "aria-label": `Move up: ${ideaText(stage, id)}`, disabled: index === 0,
          dataset: { focus: `up-${id}` }, onclick: () => move(ctx, index, index - 1),
        }, "↑"),
        el("button", {
          type: "button", "aria-label": `Move down: ${ideaText(stage, id)}`, disabled: index === order.length - 1,
          dataset: { focus: `down-${id}` }, onclick: () => move(ctx, index, index + 1),
        }, "↓"),
        el("span", { class: "grip", "aria-hidden": "true", title: "Drag to reorder" }, "⠿"),
      ),
    )),
  );
  enableDrag(list, ctx);
  return el("div", {},
    el("p", { class: "small muted" }, "Drag the handle, or use the arrows. Best at the top."),
    stage.shortlist.length === 0 ? el("p", { class: "card" }, "The shortlist is empty.") : list,
    el("div", { class: "card spread" },
      el("span", { class: "save-state", role: "status" },
        isSaved ? "✓ Your ranking is saved." : pending ? "Saving…" : "Not submitted yet."),
      el("button", {
        type: "button", class: isSaved ? "" : "primary", onclick: () => save(ctx, orderFor(ctx)),
        dataset: { focus: "save-ranking" },
      }, isSaved ? "Save again" : "Submit my ranking"),
    ),
  );
}

function consoleView(ctx) {
  const { stage } = ctx;
  const ideas = stage.shortlist.map((id) => stage.ideas.find((idea) => idea.id === id)).filter(Boolean);
  return el("div", {},
    revealButton(ctx),
    el("h3", {}, "Shortlist being ranked"),
    el("ul", { class: "console-ideas" }, ideas.map((idea) => el("li", { class: "on-shortlist" },
      el("span", { class: "text" }, wording(idea)),
      el("span", { class: "total" }, plural(idea.votes || 0, "dot", "dots")),
      el("span"),
    ))),
  );
}

function projectorView(ctx) {
  const { stage, state } = ctx;
  const progress = stage.progress || {};
  return [
    el("div", { class: "big-stats" },
      el("div", {}, el("strong", {}, `${progress.rankers || 0}/${state.workshop.participant_count}`), el("span", { class: "muted" }, "have ranked")),
    ),
    el("h2", {}, "Shortlist"),
    el(stage.revealed ? "ol" : "ul", { class: "present-results" }, stage.shortlist.map((id, i) => {
      const idea = stage.ideas.find((item) => item.id === id);
      return el("li", {}, el("span", { class: "place" }, stage.revealed ? i + 1 : "•"), el("span", {}, idea ? wording(idea) : ""),
        el("span", { class: "figures" }, idea && idea.votes !== undefined ? plural(idea.votes, "dot", "dots") : ""));
    })),
  ];
}

export default {
  kind: "rank",
  label: "Rank",
  headline: "Put the shortlist in order",
  start: "start ranking",
  close: "Close ranking",
  outbox: {
    rankings: {
      type: "latest", event: "ranking:set", field: "order", meKey: "rankings",
      closedMessage: "Ranking has closed.",
    },
  },
  metrics: (ctx) => {
    const progress = ctx.stage.progress || {};
    const n = ctx.state.workshop.participant_count;
    return [[`${progress.voters || 0}/${n}`, "voted"], [`${progress.rankers || 0}/${n}`, "ranked"]];
  },
  phone: phoneView,
  console: consoleView,
  projector: projectorView,
};
