// The console's join panel: the link phones open (#join-link, with a copy button), its QR code
// and the join code, at all times. Large in the lobby, beside who has joined; once the day runs
// it moves to the top of the side column, compact. When the join link names this computer's
// loopback address (`workshop.join_reachable` false) it says plainly that phones cannot open
// it, and how to fix that.

import { toast } from "./common.js";
import { setText } from "./console-text.js";
import { N_, t } from "./i18n.js";

const panel = document.getElementById("join-panel");
const link = document.getElementById("join-link");
const qr = document.getElementById("join-qr");
const warning = document.getElementById("join-warning");
const codeNode = document.getElementById("join-code");
const lobbySlot = document.getElementById("join-lobby");
const sideSlot = document.getElementById("join-side");

// True of every unreachable case: a loopback HOST, HOST=0.0.0.0 on a machine with no network
// but loopback, a PUBLIC_URL naming localhost.
const UNREACHABLE = N_("Phones cannot open this link: it names this computer itself. Restart the server with HOST=0.0.0.0 on the room's network (or set PUBLIC_URL to the address phones use), then reload this page.");

/** Copy `text`: the clipboard API where the page may use it (https or localhost), else select
 * the link on the page and ask the browser to copy the selection (plain http on a LAN). */
async function copy(text, node) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Refused (no permission, no focus): fall back to the selection.
    }
  }
  const range = document.createRange();
  range.selectNodeContents(node);
  const selection = getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  try {
    // Deprecated, but the only copy a page served over plain http may make.
    return document.execCommand("copy");
  } catch {
    return false;
  }
}

document.getElementById("copy-join").addEventListener("click", async () => {
  const url = link.getAttribute("href");
  if (!url || url === "#") return;
  if (await copy(url, link)) toast(t("Link copied"));
  else toast(t("The link is selected: press Ctrl+C (⌘C on a Mac) to copy it."));
});

let qrCode = null;

/** Draw the panel from a state: its link, QR, code and warning, large in the lobby. */
export function renderJoin(state) {
  const workshop = state.workshop;
  panel.hidden = false;
  const url = workshop.join_url || "";
  if (link.getAttribute("href") !== url) {
    link.setAttribute("href", url);
    // A narrow column breaks the link before its code, not inside the address.
    const cut = url.lastIndexOf("/") + 1;
    link.replaceChildren(url.slice(0, cut), document.createElement("wbr"), url.slice(cut));
  }
  if (qrCode !== workshop.code) {
    qrCode = workshop.code;
    qr.src = `/j/${encodeURIComponent(workshop.code)}/qr.svg`;
  }
  codeNode.textContent = workshop.code;
  const unreachable = workshop.join_reachable === false;
  warning.hidden = !unreachable;
  if (unreachable) setText(warning, UNREACHABLE);
  else warning.textContent = "";
  const lobby = Boolean(workshop.lobby) && workshop.status === "active";
  const slot = lobby ? lobbySlot : sideSlot;
  if (panel.parentElement !== slot) {
    const hadFocus = panel.contains(document.activeElement) ? document.activeElement : null;
    slot.append(panel);
    if (hadFocus) hadFocus.focus({ preventScroll: true });
  }
  panel.classList.toggle("is-compact", !lobby);
  // Once finished nobody new joins; the link still brings the room's phones back to the plan.
  setText(document.getElementById("join-title"),
    workshop.status === "finished" ? N_("Link for phones") : N_("Join on a phone"));
}
