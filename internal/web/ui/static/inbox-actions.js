// inbox-actions.js — what an agent can do with a message: reply to it
// (the composer quotes it), react with an emoji (or take the reaction
// back), copy its text. On a laptop a "⋯" button shows on hover and focus;
// on a phone a tap or a long press on the bubble opens the same menu.
// The menu is keyboard driven: arrows move, Enter picks, Escape closes.

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { el, key, state, bus, toLogin } = await import("./inbox-core.js" + v);
const { plainText } = await import("./inbox-render.js" + v);
const { button, toast, errText, trackPopover, closePopovers } = await import("./inbox-util.js" + v);

export const QUICK = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

// ourReaction is the emoji the business has on m now, or "".
export let ourReaction = () => "";
export function setReactionLookup(fn) { ourReaction = fn; }

// actionsFor builds the "⋯" button of a message.
export function actionsFor(m) {
  const box = el("div", "msg-actions");
  const more = button("⋯", "msg-menu-btn", (e) => { e.stopPropagation(); openMenu(key(m.id), more); }, "Message actions");
  more.setAttribute("aria-haspopup", "menu");
  box.append(more);
  return box;
}

const msgOf = (id) => state.msgs.get(id);
let current = null;

function openMenu(id, anchor) {
  closePopovers();
  const m = msgOf(id);
  if (!m) return;
  const menu = el("div", "msg-menu");
  menu.setAttribute("role", "menu");
  menu.dataset.for = id;
  const items = [];
  const canReact = !!m.wamid && m.direction === "inbound" && m.type !== "system";
  if (canReact) {
    const row = el("div", "react-row");
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", "React");
    const mine = ourReaction(m);
    for (const emoji of QUICK) {
      const b = button(emoji, "react-btn" + (emoji === mine ? " chosen" : ""), () => { close(); react(id, emoji); }, `React ${emoji}`);
      b.dataset.emoji = emoji;
      row.append(b);
      items.push(b);
    }
    menu.append(row);
    if (mine) {
      const b = button("Remove reaction", "msg-menu-item react-remove", () => { close(); react(id, ""); });
      menu.append(b);
      items.push(b);
    }
  }
  if (m.wamid && m.type !== "reaction") {
    const b = button("↩ Reply", "msg-menu-item menu-reply", () => { close(); bus.emit("reply-to", m); });
    menu.append(b);
    items.push(b);
  }
  const text = plainText(m);
  if (text) {
    const b = button("⧉ Copy text", "msg-menu-item menu-copy", () => { close(); copy(text); });
    menu.append(b);
    items.push(b);
  }
  if (!items.length) return;
  for (const b of items) b.setAttribute("role", "menuitem");
  menu.addEventListener("keydown", (e) => {
    const i = items.indexOf(document.activeElement);
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    if (step) { e.preventDefault(); items[(i + step + items.length) % items.length].focus(); }
    if (e.key === "Tab") close();
  });
  const node = state.msgEls.get(id);
  document.body.append(menu);
  place(menu, anchor && anchor.isConnected && anchor.offsetParent ? anchor : node);
  node?.classList.add("menu-open");
  const close = trackPopover(menu, (byKey) => {
    menu.remove();
    node?.classList.remove("menu-open");
    current = null;
    if (byKey && anchor && anchor.isConnected) anchor.focus();
  }, anchor);
  current = close;
  items[0].focus();
}

// place puts the menu by what opened it, inside the window.
function place(menu, by) {
  const r = by ? by.getBoundingClientRect() : { left: 20, right: 20, top: 20, bottom: 20 };
  const w = menu.offsetWidth, h = menu.offsetHeight;
  const left = Math.max(8, Math.min(innerWidth - w - 8, r.right - w));
  const top = r.bottom + 4 + h < innerHeight - 8 ? r.bottom + 4 : Math.max(8, r.top - h - 4);
  menu.style.left = `${left}px`;
  menu.style.top = `${top}px`;
}

// Phones: a tap on a bubble (or a long press) opens its menu.
const touch = matchMedia("(hover: none)");
const thread = document.getElementById("thread");
let pressTimer = null;
thread.addEventListener("pointerdown", (e) => {
  if (e.pointerType !== "touch") return;
  const node = e.target.closest(".message[data-id]");
  if (!node || e.target.closest("a, button, video, audio, input, textarea")) return;
  clearTimeout(pressTimer);
  pressTimer = setTimeout(() => { pressTimer = null; openMenu(node.dataset.id, node.querySelector(".msg-menu-btn")); }, 450);
});
for (const t of ["pointerup", "pointercancel", "pointermove"]) {
  thread.addEventListener(t, (e) => {
    if (t === "pointermove" && Math.abs(e.movementX) + Math.abs(e.movementY) < 4) return;
    clearTimeout(pressTimer);
  });
}
thread.addEventListener("scroll", () => { if (current) current(); }, { passive: true });
thread.addEventListener("click", (e) => {
  if (!touch.matches || current) return;
  const node = e.target.closest(".message[data-id]");
  if (!node || e.target.closest("a, button, video, audio, input, textarea, .quote, .reaction-chip")) return;
  openMenu(node.dataset.id, node.querySelector(".msg-menu-btn"));
});

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const ta = el("textarea");
    ta.value = text;
    ta.className = "thread-offscreen";
    document.body.append(ta);
    ta.select();
    document.execCommand("copy");
    ta.remove();
  }
  toast("Copied");
}

// react sets (or with "" removes) the business's reaction on message id:
// through the reactions endpoint, or as a reaction message where the
// server predates it.
export async function react(id, emoji) {
  const m = msgOf(id), c = state.convs.get(key(m && m.conversation_id) || state.openId);
  if (!m) return;
  try {
    let r;
    try {
      r = await api.request("POST", `/api/v1/messages/${encodeURIComponent(id)}/reactions`, { emoji });
    } catch (e) {
      if (!(e.status === 404 && /no such endpoint/i.test(e.message)) || !c) throw e;
      r = await api.request("POST", "/api/v1/messages", {
        to: c.contact.wa_id, number_id: c.number_id, type: "reaction", reaction: { message_id: m.wamid, emoji },
      });
    }
    r = api.one(r);
    if (r && r.id != null) bus.emit("message", { conversation_id: m.conversation_id, ...r }, {});
  } catch (e) {
    if (!toLogin(e)) toast(`Reaction not sent: ${errText(e)}`);
  }
}
