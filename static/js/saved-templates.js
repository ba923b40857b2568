// The agenda templates saved from this device. A saved template is private: the public list has
// the built-in ones only, and its unguessable id is what opens it. So the browser that saved it
// keeps its id here, and the start page offers it again (and can drop it from the list).

import { store } from "./common.js";
import { t } from "./i18n.js";

const KEY = "sw:templates";
const MOST = 50;

/** [{id, title, saved_at}] newest first. */
export function savedTemplates() {
  const list = store.get(KEY, []);
  return Array.isArray(list) ? list.filter((entry) => entry && typeof entry.id === "string") : [];
}

export function rememberTemplate({ id, title }) {
  const list = savedTemplates().filter((entry) => entry.id !== id);
  list.unshift({ id, title: String(title || t("Saved agenda")), saved_at: new Date().toISOString() });
  store.set(KEY, list.slice(0, MOST));
}

export function forgetTemplate(id) {
  store.set(KEY, savedTemplates().filter((entry) => entry.id !== id));
}
