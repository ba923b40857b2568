// Link: everyone proposes which selected items of earlier stages (goals, programs, projects)
// each item of this stage serves; the facilitator settles each item's links. This is where the
// plan's alignment comes from.

import { el, plural } from "../common.js";
import { isIndependent, itemCard, linksView, natureBadge, originMark, selectedIndex, stageItems, wording } from "../items.js";

/** The parents this stage's items may serve, grouped by their stage, in agenda order. */
function parentGroups(ctx) {
  const index = selectedIndex(ctx.state);
  const groups = [];
  for (const id of ctx.stage.parents || []) {
    const found = index.get(id);
    if (!found) continue;
    let group = groups.find((g) => g.stage.id === found.stage.id);
    if (!group) groups.push(group = { stage: found.stage, items: [] });
    group.items.push(found.item);
  }
  return groups;
}

function noParents() {
  return el("p", { class: "card muted" },
    "No earlier stage has selected anything these items could serve yet.");
}

// ------------------------------------------------------------------ phone

function proposalsFor(ctx) {
  const key = String(ctx.stage.id);
  const saved = ctx.outbox.links.value(ctx.stage.id, (ctx.me.links || {})[key] || {});
  // Only today's items and parents: an item hidden or a goal re-decided since drops out, so a
  // stale id never makes the server refuse the whole proposal.
  const items = new Set(stageItems(ctx.stage).map((item) => String(item.id)));
  const parents = new Set(ctx.stage.parents || []);
  const copy = {};
  for (const [itemId, chosen] of Object.entries(saved)) {
    const kept = chosen.filter((parentId) => parents.has(parentId));
    if (items.has(itemId) && kept.length) copy[itemId] = kept;
  }
  return copy;
}

function toggle(ctx, itemId, parentId, on) {
  const links = proposalsFor(ctx);
  const key = String(itemId);
  const next = new Set(links[key] || []);
  if (on) next.add(parentId); else next.delete(parentId);
  if (next.size) links[key] = [...next].sort((a, b) => a - b); else delete links[key];
  ctx.outbox.links.set(ctx.stage.id, links, 400);
}

function phoneView(ctx) {
  const { stage, me } = ctx;
  const items = stageItems(stage);
  const groups = parentGroups(ctx);
  if (!groups.length) return noParents();
  if (!items.length) return el("p", { class: "card" }, "This stage has no items to link.");
  const links = proposalsFor(ctx);
  const pending = ctx.outbox.links.isPending(stage.id);
  const savedAny = Object.keys((me.links || {})[String(stage.id)] || {}).length > 0;
  const linked = items.filter((item) => (links[String(item.id)] || []).length).length;
  return el("div", {},
    el("p", { class: "small muted" }, "Tick what each item serves. You can change it until the facilitator moves on."),
    items.map((item) => {
      const mine = new Set(links[String(item.id)] || []);
      return el("div", { class: "card link-item" }, el("fieldset", {},
        el("legend", {}, wording(item), originMark(item)),
        groups.map((group) => el("div", { class: "link-group" },
          el("p", { class: "link-level" }, group.stage.title),
          group.items.map((parent) => {
            const id = `link-${item.id}-${parent.id}`;
            return el("label", { class: "check", for: id },
              el("input", {
                type: "checkbox", id, checked: mine.has(parent.id), dataset: { focus: id },
                onchange: (event) => toggle(ctx, item.id, parent.id, event.target.checked),
              }),
              el("span", {}, wording(parent)));
          }),
        )),
        item.links && item.links.length
          ? el("div", { class: "confirmed small" }, "Confirmed by the facilitator. ", linksView(ctx.state, stage, item))
          : null,
      ));
    }),
    el("div", { class: "card spread" },
      el("span", { class: "save-state", role: "status" },
        pending ? "Saving…"
          : savedAny ? `✓ Your links are saved (${linked} of ${plural(items.length, "item", "items")}).`
            : "Nothing proposed yet."),
    ),
  );
}

/** The phone's one line: what to do now. */
function status(ctx) {
  const items = stageItems(ctx.stage);
  if (!ctx.active || !items.length || !parentGroups(ctx).length) return "Waiting for the facilitator";
  const links = proposalsFor(ctx);
  const linked = items.filter((item) => (links[String(item.id)] || []).length).length;
  if (!linked) return "Tick what each item serves";
  if (linked < items.length) return `${linked} of ${plural(items.length, "item", "items")} linked`;
  return `All ${plural(items.length, "item", "items")} linked`;
}

// ------------------------------------------------------------------ console

function confirm(ctx, item, parentIds) {
  return ctx.act("link:confirm", { idea_id: item.id, parent_ids: [...parentIds].sort((a, b) => a - b) });
}

const opened = new Map(); // item id -> open or not, as the facilitator chose; kept across redraws
const FOLD_FROM = 3; // a list this short stays unfolded: it fits the screen anyway
const ALL = "all";

/** One item to settle, collapsible: its summary says what it serves (or that nothing does yet). */
function linkItem(ctx, item, groups, proposals, linkers, current) {
  const { stage, state } = ctx;
  const counts = proposals[String(item.id)] || {};
  const confirmed = new Set(item.links || []);
  const most = Object.entries(counts)
    .filter(([, n]) => linkers > 0 && n * 2 >= linkers).map(([id]) => Number(id));
  const same = most.length === confirmed.size && most.every((id) => confirmed.has(id));
  const proposed = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const open = opened.has(item.id) ? opened.get(item.id) : current === ALL || item.id === current;
  return el("li", { class: "card link-item" }, el("details", { class: "console-item", open },
    el("summary", { onclick: (event) => { opened.set(item.id, !event.currentTarget.parentElement.open); } },
      el("h3", { class: "summary-title" }, wording(item), originMark(item)),
      el("span", { class: confirmed.size ? "summary-state good" : "summary-state muted" },
        confirmed.size ? `✓ ${plural(confirmed.size, "link", "links")} confirmed`
          : proposed ? `${plural(proposed, "proposal", "proposals")}, none confirmed` : "No link yet")),
    el("div", { class: "row item-tools" },
      el("button", {
        type: "button", class: "small", disabled: !ctx.active || !most.length || same,
        title: "Confirm the parents at least half of those who linked proposed",
        onclick: () => confirm(ctx, item, most),
      }, "Confirm what most proposed")),
    groups.map((group) => el("div", { class: "link-group" },
      el("p", { class: "link-level" }, group.stage.title, " ", natureBadge(group.stage.key)),
      group.items.map((parent) => {
        const id = `confirm-${item.id}-${parent.id}`;
        const n = counts[String(parent.id)] || 0;
        return el("label", { class: "check", for: id },
          el("input", {
            type: "checkbox", id, checked: confirmed.has(parent.id), disabled: !ctx.active,
            dataset: { focus: id },
            onchange: (event) => {
              const next = new Set(confirmed);
              if (event.target.checked) next.add(parent.id); else next.delete(parent.id);
              confirm(ctx, item, next);
            },
          }),
          el("span", { class: "grow" }, wording(parent)),
          el("span", { class: n ? "count-pill" : "count-pill zero" }, plural(n, "proposal", "proposals")));
      }),
    )),
    linksView(state, stage, item) || el("p", { class: "muted small" }, "No link confirmed yet."),
  ));
}

function consoleView(ctx) {
  const { stage } = ctx;
  const items = stageItems(stage);
  const groups = parentGroups(ctx);
  if (!groups.length) return noParents();
  if (!items.length) return el("p", { class: "muted" }, "This stage has no items to link.");
  const proposals = stage.link_proposals || {};
  const linkers = (stage.progress || {}).linkers || 0;
  // The item to settle now: the first with no confirmed link. It opens by itself; the others
  // stay folded to one line each, so a long list and the Next button stay in view.
  const current = items.length <= FOLD_FROM ? ALL : (items.find((item) => !(item.links || []).length) || {}).id;
  const done = items.filter((item) => (item.links || []).length).length;
  return el("div", {},
    el("p", { class: "muted small" },
      "Tick to confirm what each item serves; the numbers are the room's proposals. Confirmed links go into the plan. ",
      `${done} of ${plural(items.length, "item", "items")} settled.`),
    el("ul", { class: "link-board" }, items.map((item) => linkItem(ctx, item, groups, proposals, linkers, current))),
  );
}

// ------------------------------------------------------------------ projector

function projectorView(ctx) {
  const { stage, state } = ctx;
  const items = stageItems(stage);
  const progress = stage.progress || {};
  const confirmed = items.filter((item) => (item.links || []).length).length;
  return [
    el("div", { class: "big-stats" },
      el("div", {}, el("strong", {}, `${progress.linkers || 0}/${state.workshop.participant_count}`), el("span", { class: "muted" }, "have proposed links")),
      el("div", {}, el("strong", {}, `${confirmed}/${items.length}`), el("span", { class: "muted" }, "items linked")),
    ),
    el("ul", { class: "present-items fit-list" }, items.map((item) => itemCard(state, stage, item, {
      extra: !(item.links || []).length && !isIndependent(state, stage, item)
        ? el("p", { class: "serves muted" }, "Not linked yet") : null,
    }))),
  ];
}

export default {
  kind: "link",
  // The console's tally of a stage with this step carries the proposals made so far.
  applyTally: (stage, tally) => {
    if (tally.link_proposals) stage.link_proposals = tally.link_proposals;
  },
  label: "Link",
  headline: "What does each item serve?",
  start: "start linking",
  close: "Close linking",
  outbox: {
    links: {
      type: "latest", event: "link:set", field: "links", meKey: "links",
      closedMessage: "Linking closed before your last change reached the room; your last saved links count.",
    },
  },
  metrics: (ctx) => [[`${(ctx.stage.progress || {}).linkers || 0}/${ctx.state.workshop.participant_count}`, "proposed links"]],
  status,
  phone: phoneView,
  console: consoleView,
  projector: projectorView,
};
