// A bar chart drawn in the page, for results on every screen: one list row per item (its label as
// real text, a small inline SVG bar, the value at the end of the bar), so the projector's fit engine
// can cut rows from the end of the `.fit-list` and say "+ N more". Bars grow from 0 the first time a
// chart is drawn (not on every tally), never under prefers-reduced-motion (results.css). Screen
// readers get one summary (role="img") and a visually hidden table with every row.

import { el, words } from "./common.js";
import { formatNumber, t, tn } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
// When each chart was first drawn: a redraw during the growth carries on where it was (screens
// redraw on every tally), and later redraws do not animate again.
const drawn = new Map();
const GROWTH_MS = 1800;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  node.append(...children);
  return node;
}

/** A value as read aloud and shown, in the page's language: whole numbers as they are, others
 * with one decimal. */
export function formatValue(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Number.isInteger(value) ? formatNumber(value)
    : formatNumber(value, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/**
 * `unit` is a function (value) → the value with its unit, in the page's language
 * (`(n) => tn("%(n)s dot", "%(n)s dots", n)`), or (English only, as before) a plural word
 * ("dots") or [singular, plural] (["dot", "dots"]), or empty.
 */
function withUnit(value, unit) {
  if (typeof unit === "function") return unit(value);
  const text = formatValue(value);
  if (!unit) return text;
  const [one, many] = Array.isArray(unit) ? unit : [unit, unit];
  return `${text} ${value === 1 ? one : many}`;
}

/** The unit's name as a table's column header. */
function unitHeader(unit, unitName) {
  if (unitName) return unitName;
  if (Array.isArray(unit)) return unit[1];
  return typeof unit === "string" && unit ? unit : t("Value");
}

/** The words of a node as a screen reader hears them: what is aria-hidden (an icon) is left out. */
function spokenText(node) {
  if (node.nodeType === Node.TEXT_NODE) return node.textContent;
  if (node.nodeType !== Node.ELEMENT_NODE || node.getAttribute("aria-hidden") === "true") return "";
  return [...node.childNodes].map(spokenText).join(" ").replace(/\s+/g, " ").trim();
}

/** A note's words: a note is text or nodes (a consensus badge). */
function noteText(note) {
  if (!note) return "";
  const parts = Array.isArray(note) ? note.flat(Infinity) : [note];
  return parts.filter(Boolean).map((part) => (part instanceof Node ? spokenText(part) : String(part))).join(" ").trim();
}

/**
 * rows = [{id, label, value, selected, note, place}] → a <figure class="chart"> with one row per
 * item; a note is text or nodes shown after the label (a consensus badge, "▲ 1"); place, when
 * given, is shown before the label (the item's rank).
 * Options: unit ((value) → its text with the unit, or "dots" or ["dot", "dots"]), unitName (the
 * unit as a column header of the screen readers' table, for a unit given as a function),
 * format (value, row) → the value's text instead, max (the scale's end; the largest value by
 * default), title (what the chart shows, for screen readers; "Results" by default), key (names
 * the chart so a redraw does not animate again; the row ids by default). A row's label is the
 * participants' words: shown in their own direction.
 */
export function barChart(rows, { unit = "", unitName = "", format = null, max = null, title = "", key = null } = {}) {
  title = title || t("Results");
  const values = rows.map((row) => Number(row.value) || 0);
  const top = Math.max(max || 0, ...values, 0) || 1;
  const chartKey = key || `${title}:${rows.map((row) => row.id).join(",")}`;
  const now = performance.now();
  if (!drawn.has(chartKey)) drawn.set(chartKey, now);
  const elapsed = now - drawn.get(chartKey);
  const animate = elapsed < GROWTH_MS;

  const texts = rows.map((row, index) => (format ? format(values[index], row) : withUnit(values[index], unit)));
  // The longest bar leaves room for the longest value after it ("24 pts · 3 dots"), about
  // .62 em a character in the bold figures, so no value runs past the edge.
  const valueRoom = Math.max(4, 1 + 0.62 * Math.max(0, ...texts.map((text) => String(text).length)));
  const list = el("ol", { class: `chart-rows fit-list${animate ? " grow" : ""}`,
    style: { "--value-room": `${valueRoom.toFixed(1)}em`, "--t": animate ? `${-Math.round(elapsed)}ms` : null } },
    rows.map((row, index) => {
      // The SVG's box is the bar (its width is the share, in CSS), so the value follows its end.
      const share = Math.max(0, Math.min(1, values[index] / top));
      const bar = svg("svg", { class: "chart-bar", viewBox: "0 0 100 10", preserveAspectRatio: "none",
        "aria-hidden": "true", focusable: "false" },
        svg("rect", { class: "chart-fill", x: 0, y: 0, width: values[index] > 0 ? 100 : 0, height: 10 }));
      return el("li", { class: `chart-row${row.selected ? " selected" : ""}`, dataset: { id: row.id ?? "" },
        style: { "--share": share.toFixed(4), "--i": Math.min(index, 20) } },
        el("span", { class: "chart-label" },
          row.place !== undefined && row.place !== null ? el("span", { class: "chart-place" }, formatNumber(row.place)) : null,
          row.selected ? el("span", { class: "chart-check", "aria-hidden": "true" }, "✓") : null,
          words(row.label, "span", { class: "chart-text" }),
          row.note ? el("span", { class: "chart-note" }, row.note) : null),
        el("span", { class: "chart-track" }, bar,
          el("span", { class: "chart-value" }, texts[index])));
    }));

  const leader = rows.length ? rows[values.indexOf(Math.max(...values))] : null;
  const chosen = rows.filter((row) => row.selected).length;
  const summary = !rows.length ? t("%(title)s: nothing to show yet.", { title })
    : [
      tn("%(title)s, bar chart of %(n)s item.", "%(title)s, bar chart of %(n)s items.", rows.length, { title }),
      t("Highest: %(label)s, %(value)s.", {
        label: leader.label,
        value: format ? format(Math.max(...values), leader) : withUnit(Math.max(...values), unit),
      }),
      chosen ? tn("%(n)s selected.", "%(n)s selected.", chosen) : null,
    ].filter(Boolean).join(" ");

  // The class goes on a wrapper: a table ignores the width and height that hide it.
  const table = el("div", { class: "visually-hidden" }, el("table", {},
    el("caption", {}, title),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("Item")),
      el("th", { scope: "col" }, unitHeader(unit, unitName)),
      el("th", { scope: "col" }, t("Selected")))),
    el("tbody", {}, rows.map((row, index) => el("tr", {},
      el("th", { scope: "row" }, words(row.label), noteText(row.note) ? ` (${noteText(row.note)})` : ""),
      el("td", {}, format ? format(values[index], row) : formatValue(values[index])),
      el("td", {}, row.selected ? t("selected") : ""))))));

  return el("figure", { class: "chart" },
    el("div", { class: "chart-plot", role: "img", "aria-label": summary }, list),
    table);
}
