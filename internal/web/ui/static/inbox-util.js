// inbox-util.js — small helpers the thread and the composer modules share
// (the shell's inbox-core.js has the page state): who is signed in, the
// members and settings (each fetched once), the multipart upload
// api.js does not do, a flash, a toast, and closing popovers.

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { el, state, bus } = await import("./inbox-core.js" + v);

let meP = null, membersP = null, settingsP = null;

// getMe resolves to {id, name, role} of the signed-in member (null for
// none), from state.me when the shell filled it, else from /api/v1/me.
export function getMe() {
  if (state.me) return Promise.resolve(state.me);
  if (!meP) {
    meP = api.request("GET", "/api/v1/me").then((r) => {
      const u = r && r.user;
      if (u && !state.me) state.me = { id: u.id, name: u.name, role: u.role };
      return state.me;
    }).catch(() => { meP = null; return null; });
  }
  return meP;
}

// getMembers resolves to the workspace's members (for @mentions); fresh
// reads them again (someone may have joined since the page loaded).
let membersAt = 0;
export function getMembers(fresh) {
  if (!fresh && state.members && state.members.length) return Promise.resolve(state.members);
  if (!membersP || (fresh && Date.now() - membersAt > 5000)) {
    membersAt = Date.now();
    membersP = api.request("GET", "/api/v1/members").then(api.many).catch(() => { membersP = null; return []; });
  }
  return membersP;
}

// getSettings resolves to the workspace settings, re-read at most once a
// minute (or when fresh is set) so a change by an admin reaches open inboxes.
let settingsAt = 0;
export function getSettings(fresh) {
  if (!settingsP || fresh || Date.now() - settingsAt > 60000) {
    settingsAt = Date.now();
    settingsP = api.request("GET", "/api/v1/settings").then(api.one).catch(() => { settingsP = null; return {}; });
  }
  return settingsP;
}

export const isManager = (me) => !!me && (me.role === "owner" || me.role === "admin");

// upload posts form data (multipart; the browser sets the boundary) and
// fails like api.request does.
export async function upload(path, form) {
  let res;
  try {
    res = await fetch(path, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" }, body: form });
  } catch {
    throw new api.ApiError(0, "network", "Can't reach the GoHavi server.", "Check your connection and try again.");
  }
  let json = null;
  try { json = JSON.parse(await res.text()); } catch { /* not JSON */ }
  if (!res.ok) {
    const e = (json && json.error) || {};
    throw new api.ApiError(res.status, e.code || `http_${res.status}`,
      e.message || `The upload failed (${res.status}).`, e.remedy || "Try again; check the file's type and size.");
  }
  return api.one(json);
}

// flash draws the eye to node for a moment.
export function flash(node) {
  if (!node) return;
  node.classList.remove("flash");
  void node.offsetWidth; // restart the animation
  node.classList.add("flash");
  node.addEventListener("animationend", () => node.classList.remove("flash"), { once: true });
}

let toastBox = null, toastTimer = null;
export function toast(text) {
  if (!toastBox) {
    toastBox = el("div", "inbox-toast");
    toastBox.setAttribute("role", "status");
    document.body.append(toastBox);
  }
  toastBox.textContent = text;
  toastBox.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toastBox.hidden = true; }, 2500);
}

export function errText(e) {
  return [e.message, e.remedy].filter(Boolean).join(" ");
}

// errorNodes shows a refusal: the message in bold, the remedy after it.
export function errorNodes(e) {
  const out = [el("strong", null, e.message || "Something went wrong")];
  if (e.remedy) out.push(" ", el("span", "remedy", e.remedy));
  return out;
}

export function button(text, cls, onClick, title) {
  const b = el("button", cls || "btn btn-link", text);
  b.type = "button";
  if (title) { b.title = title; b.setAttribute("aria-label", title); }
  if (onClick) b.addEventListener("click", onClick);
  return b;
}

// Popovers (the message menu, pickers) close on Escape and on a click
// outside them; onClose runs once.
const open = new Set();
export function trackPopover(node, onClose, anchor) {
  const entry = { node, onClose, anchor };
  open.add(entry);
  return () => { if (open.delete(entry)) onClose(); };
}
function closeWhere(pred) {
  for (const e of [...open]) if (pred(e)) { open.delete(e); e.onClose(); }
}
document.addEventListener("pointerdown", (ev) => {
  closeWhere((e) => !e.node.contains(ev.target) && !(e.anchor && e.anchor.contains(ev.target)));
}, true);
document.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape" && open.size) {
    const last = [...open].pop();
    open.delete(last);
    last.onClose(true);
    ev.preventDefault();
    ev.stopPropagation();
  }
}, true);
export const closePopovers = () => closeWhere(() => true);
bus.on("overlay", closePopovers);
bus.on("leaving", closePopovers);
