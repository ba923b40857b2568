// Link: everyone proposes which selected items of earlier stages (goals, programs, projects)
// each item of this stage serves; the facilitator settles each item's links. This is where the
// plan's alignment comes from. On a goals stage the links go to the situation analysis (a goal
// builds on a strength, answers a threat, responds to a PESTLE factor); on a risks stage to what
// each risk threatens, with the projects that mitigate it (`mitigations`, `mitigated_by`).

import { el } from "../common.js";
import { N_, formatNumber, t, tn } from "../i18n.js";
import { byCategory, categoriesOf, isIndependent, itemCard, linksView, natureBadge, originMark, selectedIndex, stageItems, wording } from "../items.js";

/** What a link means, in the words a phone shows ("serves" is never shown: plain stages stay
 * as they were). */
const RELATION_WORDS = {
  builds_on: N_("builds on"),
  answers: N_("answers"),
  responds_to: N_("responds to"),
  threatens: N_("threatens"),
};

const itemCount = (n) => tn("%(n)s item", "%(n)s items", n);

/** The options `ids` (selected items of decided stages), grouped by their stage in agenda
 * order; on a stage with categories (a SWOT), each group has its items in sections by
 * category, each section saying what a link to it means ("Threats · answers"). */
function optionGroups(ctx, ids, relations = {}) {
  const index = selectedIndex(ctx.state);
  const groups = [];
  for (const id of ids || []) {
    const found = index.get(id);
    if (!found) continue;
    let group = groups.find((g) => g.stage.id === found.stage.id);
    if (!group) groups.push(group = { stage: found.stage, items: [] });
    group.items.push(found.item);
  }
  const said = (some) => (RELATION_WORDS[relations[String(some[0].id)]] ? t(RELATION_WORDS[relations[String(some[0].id)]]) : null);
  for (const group of groups) {
    // A stage without categories links one way (a risk threatens goals): its title says so.
    const categorised = categoriesOf(group.stage).length > 0;
    group.relation = categorised ? null : said(group.items);
    group.sections = categorised
      ? byCategory(group.stage, group.items, { skipEmpty: true })
        .map((section) => ({ label: t(section.label), relation: said(section.items), items: section.items }))
      : [{ label: null, relation: null, items: group.items }];
  }
  return groups;
}

/** The parents this stage's items may link to. */
function parentGroups(ctx) {
  return optionGroups(ctx, ctx.stage.parents, ctx.stage.parent_relations || {});
}

/** The projects that may mitigate this stage's items (a risks stage only). */
function mitigationGroups(ctx) {
  return optionGroups(ctx, ctx.stage.mitigation_options);
}

const mitigates = (ctx) => Array.isArray(ctx.stage.mitigation_options);

/** The heading of the step on a phone: what the room answers now. */
function headlineFor(stage) {
  if (stage.key === "goals" && stage.parent_relations) return t("What does each goal build on or answer?");
  if (Array.isArray(stage.mitigation_options)) return t("What does each risk threaten?");
  return t("What does each item serve?");
}

/** What the phone asks: "Tick what each item serves" on a plain stage. */
function ask(ctx) {
  if (ctx.stage.key === "goals" && ctx.stage.parent_relations) return t("Tick what each goal builds on or answers");
  if (mitigates(ctx)) return t("Tick what each risk threatens and what would reduce it");
  return t("Tick what each item serves");
}

function noParents() {
  return el("p", { class: "card muted" },
    t("No earlier stage has selected anything these items could serve yet."));
}

/** A group's heading and its sections' headings: the stage's title, then for each category
 * its label and what a link to it means; for a plain stage's options just the title. */
function sectionHeading(group, section, extra = null) {
  const words = [section.label, section.relation].filter(Boolean).join(" · ");
  return words ? el("p", { class: "link-category small muted" }, words) : extra;
}

/** A group's title: its stage's, with what a link to it means when that is the same for
 * every item of the group ("Goals · threatens"). */
const stageTitle = (group) => (group.relation ? `${group.stage.title} · ${group.relation}` : group.stage.title);

/** One list of checkboxes per group of options (by stage, then category). */
function optionLists(groups, { title = stageTitle, option }) {
  return groups.map((group) => el("div", { class: "link-group" },
    el("p", { class: "link-level" }, title(group)),
    group.sections.map((section) => [sectionHeading(group, section), section.items.map(option)]),
  ));
}

// ------------------------------------------------------------------ phone

/** The phone's proposals of one kind (`links` or `mitigations`) for today's items and
 * options. */
function proposalsFor(ctx, kind = "links") {
  const key = String(ctx.stage.id);
  const saved = ctx.outbox[kind].value(ctx.stage.id, (ctx.me[kind] || {})[key] || {});
  // Only today's items and parents: an item hidden or a goal re-decided since drops out, so a
  // stale id never makes the server refuse the whole proposal.
  const items = new Set(stageItems(ctx.stage).map((item) => String(item.id)));
  const parents = new Set((kind === "links" ? ctx.stage.parents : ctx.stage.mitigation_options) || []);
  const copy = {};
  for (const [itemId, chosen] of Object.entries(saved)) {
    const kept = chosen.filter((parentId) => parents.has(parentId));
    if (items.has(itemId) && kept.length) copy[itemId] = kept;
  }
  return copy;
}

function toggle(ctx, itemId, parentId, on, kind = "links") {
  const links = proposalsFor(ctx, kind);
  const key = String(itemId);
  const next = new Set(links[key] || []);
  if (on) next.add(parentId); else next.delete(parentId);
  if (next.size) links[key] = [...next].sort((a, b) => a - b); else delete links[key];
  ctx.outbox[kind].set(ctx.stage.id, links, 400);
}

/** The items with at least one proposal (a link or, on a risks stage, a mitigation). */
function linkedCount(ctx, items) {
  const links = proposalsFor(ctx);
  const mitigations = mitigates(ctx) ? proposalsFor(ctx, "mitigations") : {};
  return items.filter((item) => (links[String(item.id)] || []).length
    || (mitigations[String(item.id)] || []).length).length;
}

function phoneView(ctx) {
  const { stage, me } = ctx;
  const list = stageItems(stage);
  const groups = parentGroups(ctx);
  if (!groups.length) return noParents();
  if (!list.length) return el("p", { class: "card" }, t("This stage has no items to link."));
  const links = proposalsFor(ctx);
  const risky = mitigates(ctx);
  const mitigations = risky ? proposalsFor(ctx, "mitigations") : {};
  const reducers = risky ? mitigationGroups(ctx) : [];
  const pending = ctx.outbox.links.isPending(stage.id) || (risky && ctx.outbox.mitigations.isPending(stage.id));
  const savedAny = Object.keys((me.links || {})[String(stage.id)] || {}).length > 0
    || Object.keys((me.mitigations || {})[String(stage.id)] || {}).length > 0;
  const linked = linkedCount(ctx, list);
  const check = (item, chosen, kind, prefix) => (parent) => {
    const id = `${prefix}-${item.id}-${parent.id}`;
    return el("label", { class: "check", for: id },
      el("input", {
        type: "checkbox", id, checked: chosen.has(parent.id), dataset: { focus: id },
        onchange: (event) => toggle(ctx, item.id, parent.id, event.target.checked, kind),
      }),
      el("span", { dir: "auto" }, wording(parent)));
  };
  return el("div", {},
    el("p", { class: "small muted" }, t("%(ask)s. You can change it until the facilitator moves on.", { ask: ask(ctx) })),
    list.map((item) => {
      const mine = new Set(links[String(item.id)] || []);
      const reducing = new Set(mitigations[String(item.id)] || []);
      return el("div", { class: "card link-item" }, el("fieldset", {},
        el("legend", { dir: "auto" }, wording(item), originMark(item)),
        optionLists(groups, { option: check(item, mine, "links", "link") }),
        reducers.length ? optionLists(reducers, {
          title: () => t("Reduced by these projects"),
          option: check(item, reducing, "mitigations", "mitigate"),
        }) : null,
        item.links && item.links.length
          ? el("div", { class: "confirmed small" }, t("Confirmed by the facilitator."), " ", linksView(ctx.state, stage, item))
          : null,
      ));
    }),
    el("div", { class: "card spread" },
      el("span", { class: "save-state", role: "status" },
        pending ? t("Saving…")
          : savedAny ? t("✓ Your links are saved (%(linked)s of %(items)s).", { linked: formatNumber(linked), items: itemCount(list.length) })
            : t("Nothing proposed yet.")),
    ),
  );
}

/** The phone's one line: what to do now. */
function status(ctx) {
  const list = stageItems(ctx.stage);
  if (!ctx.active || !list.length || !parentGroups(ctx).length) return t("Waiting for the facilitator");
  const linked = linkedCount(ctx, list);
  if (!linked) return ask(ctx);
  if (linked < list.length) return t("%(linked)s of %(items)s linked", { linked: formatNumber(linked), items: itemCount(list.length) });
  return tn("All %(n)s item linked", "All %(n)s items linked", list.length);
}

// ------------------------------------------------------------------ console

const sorted = (ids) => [...ids].sort((a, b) => a - b);

/** Settle an item's links (and, on a risks stage, its mitigating projects: `mitigatedBy`,
 * left out to keep them as they are). */
function confirm(ctx, item, parentIds, mitigatedBy = null) {
  const payload = { idea_id: item.id, parent_ids: sorted(parentIds) };
  if (mitigatedBy) payload.mitigated_by = sorted(mitigatedBy);
  return ctx.act("link:confirm", payload);
}

/** The ids at least half of those who linked proposed, from `{id: count}`. */
function mostOf(counts, linkers) {
  return Object.entries(counts).filter(([, n]) => linkers > 0 && n * 2 >= linkers).map(([id]) => Number(id));
}

const sameSet = (ids, set) => ids.length === set.size && ids.every((id) => set.has(id));

const opened = new Map(); // item id -> open or not, as the facilitator chose; kept across redraws
const FOLD_FROM = 3; // a list this short stays unfolded: it fits the screen anyway
const ALL = "all";

/** One item to settle, collapsible: its summary says what it serves (or that nothing does yet). */
function linkItem(ctx, item, groups, proposals, linkers, current) {
  const { stage, state } = ctx;
  const counts = proposals[String(item.id)] || {};
  const confirmed = new Set(item.links || []);
  const most = mostOf(counts, linkers);
  const risky = mitigates(ctx);
  const reducers = risky ? mitigationGroups(ctx) : [];
  const mitigationCounts = risky ? (stage.mitigation_proposals || {})[String(item.id)] || {} : {};
  const mitigating = new Set(item.mitigated_by || []);
  const mostMitigating = mostOf(mitigationCounts, linkers);
  const same = sameSet(most, confirmed) && (!risky || sameSet(mostMitigating, mitigating));
  const proposed = [...Object.values(counts), ...Object.values(mitigationCounts)].reduce((sum, n) => sum + n, 0);
  const option = (kind) => (parent) => {
    const links = kind === "links";
    const chosen = links ? confirmed : mitigating;
    const id = `${links ? "confirm" : "mitigated"}-${item.id}-${parent.id}`;
    const n = (links ? counts : mitigationCounts)[String(parent.id)] || 0;
    return el("label", { class: "check", for: id },
      el("input", {
        type: "checkbox", id, checked: chosen.has(parent.id), disabled: !ctx.active,
        dataset: { focus: id },
        onchange: (event) => {
          const next = new Set(chosen);
          if (event.target.checked) next.add(parent.id); else next.delete(parent.id);
          if (links) confirm(ctx, item, next, risky ? mitigating : null);
          else confirm(ctx, item, confirmed, next);
        },
      }),
      el("span", { class: "grow", dir: "auto" }, wording(parent)),
      el("span", { class: n ? "count-pill" : "count-pill zero" }, tn("%(n)s proposal", "%(n)s proposals", n)));
  };
  const open = opened.has(item.id) ? opened.get(item.id) : current === ALL || item.id === current;
  return el("li", { class: "card link-item" }, el("details", { class: "console-item", open },
    el("summary", { onclick: (event) => { opened.set(item.id, !event.currentTarget.parentElement.open); } },
      el("h3", { class: "summary-title", dir: "auto" }, wording(item), originMark(item)),
      el("span", { class: confirmed.size ? "summary-state good" : "summary-state muted" },
        confirmed.size || mitigating.size ? tn("✓ %(n)s link confirmed", "✓ %(n)s links confirmed", confirmed.size + mitigating.size)
          : proposed ? tn("%(n)s proposal, none confirmed", "%(n)s proposals, none confirmed", proposed) : t("No link yet"))),
    el("div", { class: "row item-tools" },
      el("button", {
        type: "button", class: "small", disabled: !ctx.active || (!most.length && !mostMitigating.length) || same,
        title: t("Confirm the parents at least half of those who linked proposed"),
        onclick: () => confirm(ctx, item, most, risky ? mostMitigating : null),
      }, t("Confirm what most proposed"))),
    optionLists(groups, {
      title: (group) => [stageTitle(group), " ", natureBadge(group.stage.key)],
      option: option("links"),
    }),
    reducers.length ? optionLists(reducers, { title: () => t("Mitigated by"), option: option("mitigations") }) : null,
    linksView(state, stage, item) || el("p", { class: "muted small" }, t("No link confirmed yet.")),
  ));
}

function consoleView(ctx) {
  const { stage } = ctx;
  const list = stageItems(stage);
  const groups = parentGroups(ctx);
  if (!groups.length) return noParents();
  if (!list.length) return el("p", { class: "muted" }, t("This stage has no items to link."));
  const proposals = stage.link_proposals || {};
  const linkers = (stage.progress || {}).linkers || 0;
  // The item to settle now: the first with no confirmed link. It opens by itself; the others
  // stay folded to one line each, so a long list and the Next button stay in view.
  const current = list.length <= FOLD_FROM ? ALL : (list.find((item) => !(item.links || []).length) || {}).id;
  const done = list.filter((item) => (item.links || []).length || (item.mitigated_by || []).length).length;
  return el("div", {},
    el("p", { class: "muted small" },
      t("Tick to confirm what each item serves; the numbers are the room's proposals. Confirmed links go into the plan."), " ",
      t("%(done)s of %(items)s settled.", { done: formatNumber(done), items: itemCount(list.length) })),
    el("ul", { class: "link-board" }, list.map((item) => linkItem(ctx, item, groups, proposals, linkers, current))),
  );
}

// ------------------------------------------------------------------ projector

function projectorView(ctx) {
  const { stage, state } = ctx;
  const list = stageItems(stage);
  const progress = stage.progress || {};
  const confirmed = list.filter((item) => (item.links || []).length).length;
  return [
    el("div", { class: "big-stats" },
      el("div", {}, el("strong", {}, `${formatNumber(progress.linkers || 0)}/${formatNumber(state.workshop.participant_count)}`), el("span", { class: "muted" }, t("have proposed links"))),
      el("div", {}, el("strong", {}, `${formatNumber(confirmed)}/${formatNumber(list.length)}`), el("span", { class: "muted" }, t("items linked"))),
    ),
    el("ul", { class: "present-items fit-list" }, list.map((item) => itemCard(state, stage, item, {
      extra: !(item.links || []).length && !isIndependent(state, stage, item)
        ? el("p", { class: "serves muted" }, t("Not linked yet")) : null,
    }))),
  ];
}

export default {
  kind: "link",
  // The console's tally of a stage with this step carries the proposals made so far.
  applyTally: (stage, tally) => {
    if (tally.link_proposals) stage.link_proposals = tally.link_proposals;
    if (tally.mitigation_proposals) stage.mitigation_proposals = tally.mitigation_proposals;
  },
  // The words are getters: each read is in the page's language of the moment.
  get label() { return t("Link"); },
  get headline() { return t("What does each item serve?"); },
  // The headline for one stage (goals link to the SWOT, risks to what they threaten).
  headlineFor,
  get start() { return t("start linking"); },
  get close() { return t("Close linking"); },
  outbox: {
    links: {
      type: "latest", event: "link:set", field: "links", meKey: "links",
      get closedMessage() { return t("Linking closed before your last change reached the room; your last saved links count."); },
    },
    // A risks stage: the projects each risk is mitigated by, sent apart from the links (the
    // server keeps the links as they are when only `mitigations` comes).
    mitigations: {
      type: "latest", event: "link:set", field: "mitigations", meKey: "mitigations",
      get closedMessage() { return t("Linking closed before your last change reached the room; your last saved choices count."); },
    },
  },
  metrics: (ctx) => [[`${formatNumber((ctx.stage.progress || {}).linkers || 0)}/${formatNumber(ctx.state.workshop.participant_count)}`, t("proposed links")]],

  status,
  phone: phoneView,
  console: consoleView,
  projector: projectorView,
};
