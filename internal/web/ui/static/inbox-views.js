// inbox-views.js — the sidebar's views (All / Mine / Unassigned) and
// status tabs with their counts, and the label, number and agent filters.
// The choice lives in the URL hash (#c=12&view=mine&status=resolved) and
// in localStorage for the next visit.

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { $, el, key, state, bus, hashParams, toLogin } = await import("./inbox-core.js" + v);
const { reload, renderList } = await import("./inbox-list.js" + v);

const STORE = "gohavi.inbox.view";
const FIELDS = ["view", "status", "label", "number", "agent"];
const VIEWS = ["all", "mine", "unassigned"], STATUSES = ["", "open", "pending", "snoozed", "resolved", "all"];
const DEFAULTS = { view: "all", status: "", label: "", number: "", agent: "" };

function normalize(f) {
  const out = { ...DEFAULTS };
  for (const k of FIELDS) out[k] = key(f[k]).trim();
  if (!VIEWS.includes(out.view)) out.view = "all";
  if (!STATUSES.includes(out.status)) out.status = "";
  for (const k of ["number", "agent"]) if (!/^\d*$/.test(out[k])) out[k] = "";
  return out;
}
const same = (a, b) => FIELDS.every((k) => a[k] === b[k]);

function fromHash() {
  const p = hashParams();
  if (!FIELDS.some((k) => p.has(k))) return null;
  return normalize(Object.fromEntries(FIELDS.map((k) => [k, p.get(k) || ""])));
}
function fromStorage() {
  try { return normalize(JSON.parse(localStorage.getItem(STORE)) || {}); } catch { return null; }
}

// filterHash is the hash for conversation c (may be null) under the
// current filters.
export function filterHash(c) {
  const p = new URLSearchParams();
  if (c) p.set("c", c);
  for (const k of FIELDS) if (state.filter[k] !== DEFAULTS[k]) p.set(k, state.filter[k]);
  const s = p.toString();
  return s ? "#" + s : "";
}

// setFilter changes the view and reloads the list.
export function setFilter(partial) {
  const f = normalize({ ...state.filter, ...partial });
  if (same(f, state.filter)) return;
  state.filter = f;
  try { localStorage.setItem(STORE, JSON.stringify(f)); } catch { /* private mode */ }
  history.replaceState(history.state, "", location.pathname + location.search + filterHash(state.openId));
  renderControls();
  reload();
  bus.emit("filter");
}
bus.on("set-filter", setFilter);

// syncFromHash follows the hash after back/forward or an edited URL.
export function syncFromHash() {
  const f = fromHash();
  if (!f || same(f, state.filter)) return;
  state.filter = f;
  renderControls();
  reload();
}

function renderControls() {
  const f = state.filter;
  for (const b of document.querySelectorAll("#views [data-view]")) b.setAttribute("aria-pressed", String(b.dataset.view === f.view));
  for (const b of document.querySelectorAll("#status-tabs [data-status]")) b.setAttribute("aria-selected", String(b.dataset.status === f.status));
  $("filter-label").value = f.label;
  $("filter-number").value = f.number;
  $("filter-agent").value = f.agent;
  const n = ["label", "number", "agent"].filter((k) => f[k]).length;
  $("filters-count").textContent = n ? String(n) : "";
  if (n) $("filters").hidden = false;
  $("filters-toggle").setAttribute("aria-expanded", String(!$("filters").hidden));
}

for (const b of document.querySelectorAll("#views [data-view]")) b.addEventListener("click", () => setFilter({ view: b.dataset.view }));
for (const b of document.querySelectorAll("#status-tabs [data-status]")) b.addEventListener("click", () => setFilter({ status: b.dataset.status }));
$("filter-label").addEventListener("change", (e) => setFilter({ label: e.target.value }));
$("filter-number").addEventListener("change", (e) => setFilter({ number: e.target.value }));
$("filter-agent").addEventListener("change", (e) => setFilter({ agent: e.target.value }));
$("filters-clear").addEventListener("click", () => setFilter({ label: "", number: "", agent: "" }));
$("filters-toggle").addEventListener("click", () => {
  $("filters").hidden = !$("filters").hidden;
  $("filters-toggle").setAttribute("aria-expanded", String(!$("filters").hidden));
});

// ---- counts ----

function setCount(node, n, unread, capped) {
  const c = node.querySelector(".count"), u = node.querySelector(".count-unread");
  if (c) c.textContent = n == null ? "" : String(n) + (capped ? "+" : "");
  if (u) {
    u.textContent = unread ? String(unread) : "";
    u.hidden = !unread;
    u.title = unread ? `${unread} with unread messages` : "";
  }
}

function renderCounts() {
  const c = state.counts;
  if (!c) return;
  const views = { all: [c.all, c.unread], mine: [c.mine, c.unread_mine], unassigned: [c.unassigned, c.unread_unassigned] };
  for (const b of document.querySelectorAll("#views [data-view]")) setCount(b, ...views[b.dataset.view]);
  const st = { "": c.open + c.pending, open: c.open, pending: c.pending, snoozed: c.snoozed, resolved: c.resolved };
  for (const b of document.querySelectorAll("#status-tabs [data-status]")) {
    setCount(b, st[b.dataset.status], 0, b.dataset.status === "resolved" && c.resolved_capped);
  }
}

let countSeq = 0;
export async function loadCounts() {
  const seq = ++countSeq;
  try {
    const c = await api.request("GET", "/api/v1/conversations/counts");
    if (seq !== countSeq) return;
    state.counts = api.one(c);
    renderCounts();
    renderList();
  } catch (e) {
    toLogin(e);
  }
}
// refreshCounts reloads the counts once events pause for a moment, and
// at least every 2 s while they keep coming.
let countTimer = null, firstAsk = 0;
export function refreshCounts() {
  const now = Date.now();
  if (!countTimer) firstAsk = now;
  clearTimeout(countTimer);
  countTimer = setTimeout(() => { countTimer = null; loadCounts(); }, now - firstAsk > 2000 ? 0 : 250);
}

// ---- catalogues: labels, numbers, members ----

function fillSelect(sel, anyText, items) {
  const want = state.filter[sel.dataset.field];
  sel.replaceChildren(el("option", null, anyText), ...items.map(([value, text]) => {
    const o = el("option", null, text);
    o.value = value;
    return o;
  }));
  sel.firstChild.value = "";
  if (want && !items.some(([value]) => value === want)) { // keep a filter whose item is gone
    const o = el("option", null, want);
    o.value = want;
    sel.append(o);
  }
  sel.value = want;
}

export function renderCatalogues() {
  fillSelect($("filter-label"), "Any label", state.labels.map((l) => [l.name, l.name]));
  fillSelect($("filter-number"), "Any number", state.numbers.map((n) =>
    [key(n.id), [n.verified_name, n.display_phone_number].filter(Boolean).join(" · ") || `Number ${n.id}`]));
  fillSelect($("filter-agent"), "Any agent", state.members.map((m) => [key(m.id), m.name || m.email]));
  $("filter-number").closest(".filter").hidden = state.numbers.length < 2 && !state.filter.number;
}

const soft = (p) => p.catch((e) => { toLogin(e); return null; });
export async function loadMembers() {
  const ms = await soft(api.request("GET", "/api/v1/members").then(api.many));
  if (ms) { state.members = ms; renderCatalogues(); bus.emit("members"); }
}
export async function loadCatalogues() {
  const [labels, numbers, settings] = await Promise.all([
    soft(api.request("GET", "/api/v1/labels").then(api.many)),
    soft(api.request("GET", "/api/v1/whatsapp/numbers").then(api.many)),
    soft(api.request("GET", "/api/v1/settings").then(api.one)),
    loadMembers(),
  ]);
  if (labels) state.labels = labels;
  if (numbers) state.numbers = numbers;
  if (settings) state.settings = settings;
  renderCatalogues();
  renderList();
  bus.emit("catalogues");
}
setInterval(() => { if (document.visibilityState === "visible") loadMembers(); }, 45000);

state.filter = fromHash() || fromStorage() || { ...DEFAULTS };
renderControls();
