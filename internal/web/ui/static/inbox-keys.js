// inbox-keys.js — keyboard shortcuts (listed in the ? overlay and in
// tooltips). They are ignored while typing in a field, except Esc, which
// closes what is open (the help, a menu, the panel overlay, the search) or
// else leaves the field.

const v = new URL(import.meta.url).search;
const { $, key, state, bus, convHref } = await import("./inbox-core.js" + v);
const { order, newer } = await import("./inbox-list.js" + v);
const { clearSearch, focusSearch, openHit } = await import("./inbox-search.js" + v);
const { assignToMe, resolveOrReopen, openSnoozeMenu, closeControls } = await import("./inbox-controls.js" + v);
const { togglePanel, panelOpen, setPanel } = await import("./inbox-panel.js" + v);
const { closeMenus } = await import("./inbox-menu.js" + v);

const help = $("help");

function typingIn(t) {
  return !!t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
}

export function showHelp(on) {
  help.hidden = !on;
  if (on) $("help-close").focus();
}
$("help-open").addEventListener("click", () => showHelp(true));
$("help-close").addEventListener("click", () => showHelp(false));
help.addEventListener("click", (e) => { if (e.target === help) showHelp(false); });

// step opens the next (+1) or previous (-1) conversation of the list, or
// of the search results while searching.
function step(dir) {
  if (state.searching) {
    const hits = [...document.querySelectorAll("#search-results .search-hit")];
    if (!hits.length) return;
    const i = hits.findIndex((h) => h.classList.contains("active"));
    const next = hits[i < 0 ? (dir > 0 ? 0 : hits.length - 1) : Math.min(hits.length - 1, Math.max(0, i + dir))];
    openHit({ conversation_id: next.dataset.conversationId, message_id: next.dataset.messageId ?? null });
    next.scrollIntoView({ block: "nearest" });
    return;
  }
  const convs = order(), ids = convs.map((c) => key(c.id));
  if (!ids.length) return;
  let i = ids.indexOf(state.openId), id;
  const open = state.convs.get(state.openId);
  if (i < 0 && open) {
    // The open one left the list (resolved, say): move on from where it was.
    const at = convs.findIndex((c) => newer(open, c) < 0);
    i = at < 0 ? ids.length : at;
    id = ids[dir > 0 ? Math.min(i, ids.length - 1) : Math.max(i - 1, 0)];
  } else {
    id = ids[i < 0 ? (dir > 0 ? 0 : ids.length - 1) : Math.min(ids.length - 1, Math.max(0, i + dir))];
  }
  if (id === state.openId) return;
  bus.emit("keyboard-open"); // the keys stay with the list: no focus in the composer
  location.hash = convHref(id);
  state.convEls.get(id)?.scrollIntoView({ block: "nearest" });
}

function escape(target) {
  if (!help.hidden) { showHelp(false); return true; }
  if (closeMenus() || closeControls()) return true;
  if (panelOpen() && !matchMedia("(min-width: 1101px)").matches) { setPanel(false); return true; }
  if (clearSearch()) return true;
  if (typingIn(target)) { target.blur(); return true; } // leave the field: the shortcuts work again
  return false;
}

const ACTIONS = {
  j: () => step(1),
  k: () => step(-1),
  "/": () => focusSearch(),
  a: () => state.openId && assignToMe(),
  e: () => state.openId && resolveOrReopen(),
  s: () => openSnoozeMenu(),
  p: () => state.openId && togglePanel(),
  r: () => state.openId && bus.emit("focus-reply"),
  n: () => state.openId && bus.emit("focus-note"),
  "?": () => showHelp(help.hidden),
};

document.addEventListener("keydown", (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
  if (e.key === "Escape") {
    if (escape(e.target)) e.preventDefault();
    return;
  }
  if (typingIn(e.target)) return;
  const fn = ACTIONS[e.key];
  if (!fn) return;
  if (!help.hidden && e.key !== "?") showHelp(false);
  e.preventDefault();
  fn();
});
