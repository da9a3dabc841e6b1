// inbox-core.js — what the inbox's modules share: the page state, DOM and
// formatting helpers, and a small event bus so modules talk without
// importing each other. Every module imports this with the same ?v= so
// they share one instance.

export const $ = (id) => document.getElementById(id);
export const key = (v) => (v == null ? "" : String(v));
export const ms = (s) => (s ? Date.parse(s) || 0 : 0);
export const visible = () => document.visibilityState === "visible";

export function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text != null) n.textContent = text;
  return n;
}

export const state = {
  convs: new Map(),   // id → conversation
  convEls: new Map(), // id → li
  listLoaded: false,
  openId: null,       // id of the open conversation
  openSeq: 0,         // bumps on every switch; stale responses are dropped
  msgs: new Map(),    // id → message of the open conversation
  msgEls: new Map(),  // id → div.message
  days: new Map(),    // day → separator element
  drafts: new Map(),  // conversation id → unsent text
  me: null,           // {id, name, role} of the signed-in member, once known
};

// bus carries the page's own events between modules: "message" (a message
// to show, with {scroll}), "conversation" (a fresher conversation),
// "opened" / "closed" (the open conversation changed).
const handlers = new Map();
export const bus = {
  on(type, fn) {
    if (!handlers.has(type)) handlers.set(type, []);
    handlers.get(type).push(fn);
  },
  emit(type, ...args) {
    for (const fn of handlers.get(type) || []) fn(...args);
  },
};

export function toLogin(e) {
  if (e && e.status === 401) { location.assign("/login"); return true; }
  return false;
}

export function showError(box, e, retry) {
  box.replaceChildren(el("strong", null, e.message));
  if (e.remedy) box.append(" ", el("span", "remedy", e.remedy));
  if (retry) {
    const b = el("button", "btn btn-link", "Retry");
    b.type = "button";
    b.addEventListener("click", retry);
    box.append(" ", b);
  }
  box.hidden = false;
}

// ---- formatting ----

export function displayName(c) {
  const ct = c.contact || {};
  return ct.name || ct.phone || (ct.wa_id ? "+" + ct.wa_id : "Unknown contact");
}
export function phoneOf(c) {
  const ct = c.contact || {};
  return ct.phone || (ct.wa_id ? "+" + ct.wa_id : "");
}
export function fillAvatar(node, c) {
  const name = (c.contact && c.contact.name) || "";
  const initials = name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => [...w][0]).join("").toUpperCase();
  node.textContent = initials || "#";
  let h = 0;
  for (const ch of key(c.contact && c.contact.wa_id) + key(c.id)) h = (h * 31 + ch.charCodeAt(0)) % 360;
  node.style.setProperty("--hue", h);
}
export const hhmm = (d) => d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
export function listTime(s) {
  if (!s) return "";
  const d = new Date(s), now = new Date();
  if (d.toDateString() === now.toDateString()) return hhmm(d);
  if (now - d < 6 * 864e5) return d.toLocaleDateString([], { weekday: "short" });
  return d.toLocaleDateString([], { day: "numeric", month: "short", year: d.getFullYear() === now.getFullYear() ? undefined : "numeric" });
}
export function dayLabel(d) {
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (d.toDateString() === today.toDateString()) return "Today";
  if (d.toDateString() === yesterday.toDateString()) return "Yesterday";
  return d.toLocaleDateString([], { weekday: "long", day: "numeric", month: "long", year: "numeric" });
}
export function windowInfo(c) {
  const exp = ms(c.window_expires_at);
  if (exp) return { open: exp > Date.now(), left: exp - Date.now() };
  return { open: !!c.window_open, left: null };
}
export function fmtLeft(left) {
  const mins = Math.floor(left / 6e4), h = Math.floor(mins / 60), m = mins % 60;
  if (h) return `${h}h ${m}m`;
  return m ? `${m}m` : "less than a minute";
}
