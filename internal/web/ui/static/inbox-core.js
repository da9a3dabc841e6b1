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
  // The list's view and filters (inbox-views.js keeps them in the URL hash):
  // view all|mine|unassigned; status "" (open and pending), one status or
  // "all"; label, number and agent ("" for any).
  filter: { view: "all", status: "", label: "", number: "", agent: "" },
  next: null,         // cursor of the list's next page; null when all is loaded
  searching: false,   // search results replace the list
  members: [],        // [{id, name, email, role, online}]
  labels: [],         // the label catalogue [{name, color}]
  numbers: [],        // the workspace's numbers
  counts: null,       // GET /api/v1/conversations/counts
  settings: null,     // the workspace's settings (agents_see), when readable
  presence: new Map(), // conversation id → Map(user id → {user, state, until})
};

// bus carries the page's own events between modules: "message" (a message
// to show, with {scroll}), "conversation" (a fresher conversation),
// "leaving" / "opened" (id) / "closed" (the open conversation changes),
// "conversation-updated" (after a conversation was applied), "list" (the
// list was drawn), "filter" (the view or filters changed), "typing" (the
// composer is typed into), "focus-reply" / "focus-note" (keyboard asks
// the composer), "focus-message" (message id: scroll the thread to it),
// "presence" (someone's presence changed), "event" (type, object: a live
// note.* or scheduled.* event).
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

// ---- shared by the shell's modules ----

export function debounce(fn, wait) {
  let t = null;
  const d = (...args) => { clearTimeout(t); t = setTimeout(() => { t = null; fn(...args); }, wait); };
  d.cancel = () => clearTimeout(t);
  return d;
}

export function initials(name) {
  return key(name).split(/\s+/).filter(Boolean).slice(0, 2).map((w) => [...w][0]).join("").toUpperCase() || "?";
}

export const STATUS_TEXT = { open: "Open", pending: "Pending", snoozed: "Snoozed", resolved: "Resolved" };

// mergeConversation folds a fresher copy into what we hold: events leave
// labels out, and a label change carries only {id, labels}.
export function mergeConversation(prev, c) {
  return prev ? { ...prev, ...c } : c;
}

// hashParams reads the URL hash (#c=12&view=mine&…) as URLSearchParams.
export const hashParams = () => new URLSearchParams(location.hash.replace(/^#/, ""));

// convHref links a conversation, keeping the view in the hash.
export function convHref(id) {
  const p = hashParams();
  p.delete("c");
  const rest = p.toString();
  return "#c=" + encodeURIComponent(id) + (rest ? "&" + rest : "");
}

// restricted: agents who see only their own and unassigned conversations
// (the event stream still carries the whole workspace's).
export function restricted() {
  return !!(state.me && state.me.role === "agent" && state.settings && state.settings.agents_see === "own_and_unassigned");
}

// matchesFilter says whether c belongs in the list under filter f.
export function matchesFilter(c, f = state.filter) {
  if (!c || !c.contact) return false;
  const who = c.assignee ? Number(c.assignee.id) : 0, me = state.me ? Number(state.me.id) : -1;
  if (f.view === "mine" && who !== me) return false;
  if (f.view === "unassigned" && who) return false;
  if (f.agent && who !== Number(f.agent)) return false;
  if (restricted() && who && who !== me) return false;
  const st = c.status || "open";
  if (!f.status ? st !== "open" && st !== "pending" : f.status !== "all" && st !== f.status) return false;
  if (f.number && key(c.number_id) !== key(f.number)) return false;
  if (f.label && !(c.labels || []).includes(f.label)) return false;
  return true;
}

export function fmtWhen(s) {
  if (!s) return "";
  const d = new Date(s), now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  const opts = sameDay ? { hour: "2-digit", minute: "2-digit" } : { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  return d.toLocaleString([], opts);
}

// othersHere lists the other members viewing or typing in conversation
// cid (presence that has not lapsed), typers first.
export function othersHere(cid) {
  const here = state.presence.get(key(cid));
  if (!here) return [];
  const now = Date.now(), me = state.me ? key(state.me.id) : "";
  return [...here.values()]
    .filter((p) => key(p.user.id) !== me && ms(p.until) > now && (p.state === "viewing" || p.state === "typing"))
    .sort((a, b) => (a.state === "typing" ? 0 : 1) - (b.state === "typing" ? 0 : 1) || key(a.user.name).localeCompare(key(b.user.name)));
}
