// inbox-list.js — the conversation list: pages of the current view (with
// infinite scroll), each item's name, preview, time, unread badge,
// assignee, status, labels and who is typing, and conversations entering
// or leaving the list as they change.

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { $, el, key, ms, visible, state, bus, toLogin, showError, displayName, phoneOf, fillAvatar, listTime, windowInfo,
  initials, STATUS_TEXT, matchesFilter, convHref, mergeConversation, othersHere } = await import("./inbox-core.js" + v);

const list = $("conversation-list");
const BASE_TITLE = document.title;
let boundary = null; // the oldest conversation the loaded pages reach
let listSeq = 0, loadingMore = false;

// newer orders the list: newest first (negative when a comes before b).
export const newer = (a, b) => ms(b.last_message_at) - ms(a.last_message_at) || Number(b.id) - Number(a.id);

export function unreadShown(c) {
  return key(c.id) === state.openId && visible() ? 0 : c.unread_count || 0;
}

// inList: c matches the view and is within the pages loaded so far (an
// older one comes with its page as the list scrolls).
export function inList(c) {
  return matchesFilter(c) && (!state.next || !boundary || newer(c, boundary) <= 0);
}

function buildConvLi(id) {
  const li = el("li", "conversation");
  li.dataset.id = id;
  const a = el("a", "conv-link");
  const main = el("span", "conv-main");
  const top = el("span", "conv-top");
  top.append(el("span", "conv-name"), el("time", "conv-time"));
  const bottom = el("span", "conv-bottom");
  bottom.append(el("span", "conv-preview"), el("span", "conv-typing"), el("span", "conv-unread"));
  const meta = el("span", "conv-meta");
  meta.append(el("span", "conv-status"), el("span", "conv-labels"), el("span", "conv-assignee"));
  main.append(top, bottom, meta);
  a.append(el("span", "avatar"), main);
  li.append(a);
  return li;
}

export function labelChip(name, cls = "chip") {
  const chip = el("span", cls, name);
  chip.dataset.label = name;
  const l = state.labels.find((x) => x.name === name);
  if (l && /^#[0-9a-f]{6}$/i.test(l.color || "")) chip.style.setProperty("--chip", l.color);
  return chip;
}

function fillConvLi(li, c) {
  const q = (s) => li.querySelector(s);
  q(".conv-link").href = convHref(c.id);
  q(".conv-name").textContent = displayName(c);
  q(".conv-name").title = phoneOf(c);
  q(".conv-time").textContent = listTime(c.last_message_at);
  if (c.last_message_at) q(".conv-time").dateTime = c.last_message_at;
  q(".conv-preview").textContent = c.last_message_text || "No messages yet";
  const typers = othersHere(c.id).filter((p) => p.state === "typing");
  q(".conv-typing").textContent = typers.length ? `${typers[0].user.name || "Someone"} is typing…` : "";
  q(".conv-typing").hidden = !typers.length;
  q(".conv-preview").hidden = !!typers.length;
  const n = unreadShown(c);
  q(".conv-unread").textContent = n ? String(n) : "";
  q(".conv-unread").hidden = !n;
  q(".conv-unread").title = n ? `${n} unread` : "";
  const st = c.status || "open";
  li.dataset.status = st;
  q(".conv-status").textContent = st === "open" ? "" : STATUS_TEXT[st] || st;
  q(".conv-status").dataset.status = st;
  q(".conv-status").hidden = st === "open";
  const labels = c.labels || [];
  q(".conv-labels").replaceChildren(...labels.slice(0, 3).map((l) => labelChip(l)));
  if (labels.length > 3) q(".conv-labels").append(el("span", "chip chip-more", `+${labels.length - 3}`));
  const who = c.assignee;
  li.dataset.assignee = who ? key(who.id) : "";
  const as = q(".conv-assignee");
  as.textContent = who ? initials(who.name) : "";
  as.title = who ? `Assigned to ${who.name}` : "";
  as.hidden = !who;
  q(".conv-meta").hidden = st === "open" && !labels.length && !who;
  fillAvatar(q(".avatar"), c);
  li.dataset.window = windowInfo(c).open ? "open" : "closed";
  li.classList.toggle("unread", n > 0);
  li.classList.toggle("active", key(c.id) === state.openId);
}

// order is the list as shown, newest first.
export const order = () => [...state.convs.values()].filter(inList).sort(newer);

export function renderList() {
  const convs = order();
  let unread = 0;
  convs.forEach((c, i) => {
    const id = key(c.id);
    let li = state.convEls.get(id);
    if (!li) state.convEls.set(id, (li = buildConvLi(id)));
    fillConvLi(li, c);
    unread += unreadShown(c);
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
  });
  while (list.children.length > convs.length) list.lastElementChild.remove();
  list.setAttribute("aria-busy", state.listLoaded ? "false" : "true");
  // "No conversations yet" only when there are none at all; else the view
  // is empty and offers a wider one.
  const f = state.filter, plain = f.view === "all" && !f.status && !f.label && !f.number && !f.agent;
  const k = state.counts, nothing = plain && (!k || k.open + k.pending + k.snoozed + k.resolved === 0);
  const none = state.listLoaded && !convs.length && !state.searching;
  $("list-empty").hidden = !none || !nothing;
  $("list-none").hidden = !none || nothing;
  $("list-show-all").textContent = plain ? "Show snoozed and resolved too" : "Show all active conversations";
  $("list-show-all").dataset.target = plain ? "everything" : "active";
  $("list-more").hidden = !state.next || state.searching;
  $("conversation-count").textContent = convs.length ? String(convs.length) + (state.next ? "+" : "") : "";
  document.title = (unread ? `(${unread}) ` : "") + BASE_TITLE;
  bus.emit("list");
}

// An answer to a request made before an event about the same
// conversation is older than what the event brought: touched remembers,
// per conversation, the last change applied (a counter), and a read
// started before it does not overwrite it.
let changes = 0;
const touched = new Map();
export function touch(id) { touched.set(key(id), ++changes); }
export const mark = () => changes; // take before a read, pass to mergeConv
const stale = (id, since) => (touched.get(key(id)) || 0) > since;

export function mergeConv(c, since = Infinity) {
  const id = key(c.id), prev = state.convs.get(id);
  if (prev && stale(id, since)) {
    if (prev.labels === undefined) prev.labels = c.labels;
    return;
  }
  if (prev && ms(prev.last_message_at) > ms(c.last_message_at)) { // we already know newer
    if (prev.labels === undefined) prev.labels = c.labels;
    return;
  }
  state.convs.set(id, mergeConversation(prev, c));
}

function query(before) {
  const f = state.filter, q = new URLSearchParams();
  if (f.view !== "all") q.set("view", f.view);
  if (f.status) q.set("status", f.status);
  if (f.label) q.set("label", f.label);
  if (f.number) q.set("number_id", f.number);
  if (f.agent) q.set("assignee_id", f.agent);
  if (before) q.set("before", before);
  const s = q.toString();
  return "/api/v1/conversations" + (s ? "?" + s : "");
}

// loadList (re)loads the first page of the current view. What it does
// not return within that page no longer belongs there.
export async function loadList() {
  const seq = ++listSeq, since = changes;
  try {
    const page = await api.request("GET", query());
    if (seq !== listSeq) return;
    const convs = api.many(page), got = new Set(convs.map((c) => key(c.id)));
    state.next = page && page.next ? page.next : null;
    boundary = convs.length ? convs[convs.length - 1] : null;
    for (const [id, c] of state.convs) {
      if (!got.has(id) && id !== state.openId && inList(c) && !stale(id, since)) state.convs.delete(id);
    }
    convs.forEach((c) => mergeConv(c, since));
    state.listLoaded = true;
    $("list-status").hidden = true;
    renderList();
    fillScreen();
  } catch (e) {
    if (seq === listSeq && !toLogin(e)) showError($("list-status"), e, loadList);
  }
}

// reload starts the list over for a new view.
export function reload() {
  state.next = null;
  boundary = null;
  state.listLoaded = false;
  list.replaceChildren();
  list.scrollTop = 0;
  renderList();
  return loadList();
}

async function loadMore() {
  if (!state.next || loadingMore || state.searching) return;
  loadingMore = true;
  const seq = listSeq, since = changes;
  try {
    const page = await api.request("GET", query(state.next));
    if (seq !== listSeq) return;
    const convs = api.many(page);
    state.next = page && page.next ? page.next : null;
    if (convs.length) boundary = convs[convs.length - 1];
    convs.forEach((c) => mergeConv(c, since));
    renderList();
  } catch (e) {
    if (!toLogin(e)) showError($("list-status"), e, loadMore);
  } finally {
    loadingMore = false;
  }
  fillScreen();
}

// fillScreen loads another page while the list does not fill its box.
function fillScreen() {
  if (state.next && !state.searching && list.scrollHeight - list.scrollTop - list.clientHeight < 240) loadMore();
}
list.addEventListener("scroll", fillScreen, { passive: true });

// fetchConversation reads one conversation (with its labels) we do not hold.
const fetching = new Set();
export async function fetchConversation(id) {
  id = key(id);
  if (fetching.has(id)) return;
  fetching.add(id);
  const since = changes;
  try {
    const c = await api.getConversation(id);
    mergeConv(c, since);
    renderList();
    bus.emit("conversation-fresh", state.convs.get(id));
  } catch (e) {
    if (e.status === 404 && id !== state.openId) { state.convs.delete(id); renderList(); }
  } finally {
    fetching.delete(id);
  }
}

// A whole new conversation comes with its conversation.updated event; a
// message for one we still do not hold a moment later is looked up.
export function noteUnknown(cid) {
  setTimeout(() => { if (!state.convs.has(key(cid))) fetchConversation(cid); }, 600);
}

$("list-show-all").addEventListener("click", (e) => bus.emit("set-filter",
  { view: "all", status: e.currentTarget.dataset.target === "everything" ? "all" : "", label: "", number: "", agent: "" }));
bus.on("presence", renderList);
