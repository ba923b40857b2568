// Text the console sets after the page is rendered, kept translatable: a node given a message
// with setText() carries it (data-t, data-t-args), so the language switcher re-translates it in
// place (i18n.js translatePage) like the text the template rendered. A node given words that
// are no catalogue's (a server's message, a title someone typed) with setRaw() loses the mark.

import { t } from "./i18n.js";

/** `node` reads `msgid` (marked N_ by the caller) in the page's language, now and after a switch. */
export function setText(node, msgid, params) {
  node.dataset.t = msgid;
  if (params) node.dataset.tArgs = JSON.stringify(params);
  else delete node.dataset.tArgs;
  node.textContent = t(msgid, params);
}

/** `node` reads `text` as it is (never re-translated). */
export function setRaw(node, text) {
  delete node.dataset.t;
  delete node.dataset.tArgs;
  node.textContent = text;
}
