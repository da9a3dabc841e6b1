// inbox.js — the team inbox's shell: conversation list, the open
// conversation's header, routing and live updates over Server-Sent Events.
// The thread (inbox-thread.js) and the composer (inbox-compose.js) are
// their own modules. All data is inserted as text (textContent), never as HTML.

// Import every module with the same ?v= as this one so they are cached
// together and share inbox-core.js's state.
const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { $, el, key, ms, visible, state, bus, toLogin, showError, displayName, phoneOf, fillAvatar, listTime, windowInfo, fmtLeft } =
  await import("./inbox-core.js" + v);
const { atBottom, scrollToBottom, clearThread, upsertMsg, layoutThread } = await import("./inbox-thread.js" + v);
const { setWindow, focusComposer } = await import("./inbox-compose.js" + v);

const BASE_TITLE = document.title;

// ---- conversation list ----

function unreadShown(c) {
  return key(c.id) === state.openId && visible() ? 0 : c.unread_count || 0;
}

function buildConvLi(id) {
  const li = el("li", "conversation");
  li.dataset.id = id;
  const a = el("a", "conv-link");
  a.href = "#c=" + encodeURIComponent(id);
  const main = el("span", "conv-main");
  const top = el("span", "conv-top");
  top.append(el("span", "conv-name"), el("time", "conv-time"));
  const bottom = el("span", "conv-bottom");
  bottom.append(el("span", "conv-preview"), el("span", "conv-unread"));
  main.append(top, bottom);
  a.append(el("span", "avatar"), main);
  li.append(a);
  return li;
}

function fillConvLi(li, c) {
  const q = (s) => li.querySelector(s);
  q(".conv-name").textContent = displayName(c);
  q(".conv-name").title = phoneOf(c);
  q(".conv-time").textContent = listTime(c.last_message_at);
  if (c.last_message_at) q(".conv-time").dateTime = c.last_message_at;
  q(".conv-preview").textContent = c.last_message_text || "No messages yet";
  const n = unreadShown(c);
  q(".conv-unread").textContent = n ? String(n) : "";
  q(".conv-unread").hidden = !n;
  q(".conv-unread").title = n ? `${n} unread` : "";
  fillAvatar(q(".avatar"), c);
  li.dataset.window = windowInfo(c).open ? "open" : "closed";
  li.classList.toggle("unread", n > 0);
  li.classList.toggle("active", key(c.id) === state.openId);
}

function renderList() {
  const list = $("conversation-list");
  const convs = [...state.convs.values()].sort((a, b) =>
    ms(b.last_message_at) - ms(a.last_message_at) || Number(b.id) - Number(a.id));
  let unread = 0;
  convs.forEach((c, i) => {
    const id = key(c.id);
    let li = state.convEls.get(id);
    if (!li) state.convEls.set(id, (li = buildConvLi(id)));
    fillConvLi(li, c);
    unread += unreadShown(c);
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
  });
  list.setAttribute("aria-busy", state.listLoaded ? "false" : "true");
  $("list-empty").hidden = !state.listLoaded || convs.length > 0;
  $("conversation-count").textContent = convs.length ? String(convs.length) : "";
  document.title = (unread ? `(${unread}) ` : "") + BASE_TITLE;
}

function mergeConv(c) {
  const prev = state.convs.get(key(c.id));
  if (prev && ms(prev.last_message_at) > ms(c.last_message_at)) return; // we already know newer
  state.convs.set(key(c.id), c);
}

async function loadList() {
  try {
    const convs = await api.listConversations();
    convs.forEach(mergeConv);
    state.listLoaded = true;
    $("list-status").hidden = true;
    renderList();
    const open = state.convs.get(state.openId);
    if (open) renderHeader(open);
  } catch (e) {
    if (!toLogin(e)) showError($("list-status"), e, loadList);
  }
}

// ---- open conversation ----

function renderHeader(c) {
  $("conv-title").textContent = displayName(c);
  $("conv-phone").textContent = (c.contact && c.contact.name) ? phoneOf(c) : "";
  fillAvatar($("conv-avatar"), c);
  renderWindow(c);
  renderCRM(c);
}

// renderCRM links the contact's records in the connected CRMs, fetched
// once per opened conversation; nothing shows when there are none.
const CRM_NAMES = { hubspot: "HubSpot", zoho: "Zoho CRM" };
let crmFor = null;
function renderCRM(c) {
  const id = c.contact && c.contact.id;
  let box = $("conv-crm");
  if (!box) {
    box = el("div", "conv-crm");
    box.id = "conv-crm";
    $("conv-phone").after(box);
  }
  if (id === crmFor) return;
  crmFor = id;
  box.replaceChildren();
  if (!id) return;
  api.request("GET", `/api/v1/contacts/${encodeURIComponent(id)}/crm`).then(api.many).then((recs) => {
    if (crmFor !== id) return;
    box.replaceChildren(...recs.filter((r) => /^https?:/i.test(r.url || "")).map((r) => {
      const a = el("a", "crm-link", `Open in ${CRM_NAMES[r.provider] || r.provider}`);
      a.href = r.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.dataset.provider = r.provider;
      return a;
    }));
  }).catch(() => {}); // the links are extra: without them the conversation works as before
}

function renderWindow(c) {
  const w = windowInfo(c), box = $("window-state");
  box.dataset.open = String(w.open);
  box.textContent = !w.open ? "Window closed — only approved templates can be sent"
    : w.left == null ? "Window open" : `Window open · closes in ${fmtLeft(w.left)}`;
  box.title = c.window_expires_at ? `Service window ${w.open ? "closes" : "closed"} at ${new Date(c.window_expires_at).toLocaleString()}` : "The customer has not written yet";
  setWindow(w.open);
}

function route() {
  const m = /(?:^#|&)c=([^&]+)/.exec(location.hash);
  if (m) openConversation(decodeURIComponent(m[1]));
  else closeConversation();
}

function closeConversation() {
  bus.emit("leaving");
  state.openId = null;
  state.openSeq++;
  $("conversation").hidden = true;
  $("no-selection").hidden = false;
  document.body.classList.remove("has-open");
  renderList();
}

async function openConversation(id) {
  if (state.openId === id) return;
  bus.emit("leaving");
  state.openId = id;
  crmFor = null;
  $("conv-crm")?.replaceChildren();
  const seq = ++state.openSeq;
  clearThread();
  $("thread-status").hidden = true;
  $("no-selection").hidden = true;
  $("conversation").hidden = false;
  bus.emit("opened", id);
  document.body.classList.add("has-open");
  renderList();
  let c = state.convs.get(id);
  if (c) renderHeader(c);
  else {
    $("conv-title").textContent = "Loading…";
    $("conv-phone").textContent = $("window-state").textContent = "";
    try {
      c = await api.getConversation(id);
      if (seq !== state.openSeq) return;
      mergeConv(c);
      renderList();
      renderHeader(state.convs.get(id));
    } catch (e) {
      if (seq === state.openSeq && !toLogin(e)) {
        $("conv-title").textContent = "Conversation unavailable";
        showError($("thread-status"), e);
      }
      return;
    }
  }
  focusComposer();
  await loadThread(true);
  markOpenRead();
}

async function loadThread(forceBottom) {
  const id = state.openId, seq = state.openSeq;
  if (!id) return;
  try {
    const msgs = await api.listMessages(id);
    if (seq !== state.openSeq) return;
    $("thread-status").hidden = true;
    const bottom = atBottom();
    msgs.forEach(upsertMsg);
    layoutThread();
    if (forceBottom || bottom) scrollToBottom();
  } catch (e) {
    if (seq === state.openSeq && !toLogin(e)) showError($("thread-status"), e, () => loadThread(true));
  }
}

let readTimer = null;
// markOpenRead marks the open conversation read (coalescing bursts of events).
function markOpenRead() {
  if (!state.openId || !visible() || readTimer) return;
  readTimer = setTimeout(() => {
    readTimer = null;
    const id = state.openId;
    if (!id || !visible()) return;
    const c = state.convs.get(id);
    if (c) { c.unread_count = 0; renderList(); }
    api.markRead(id).catch((e) => toLogin(e) || console.warn("mark read:", e.message));
  }, 150);
}

// applyToConversation keeps the list preview current before the server's
// conversation.updated arrives.
function applyToConversation(m) {
  const c = state.convs.get(key(m.conversation_id));
  if (!c || ms(m.created_at) < ms(c.last_message_at)) return;
  c.last_message_at = m.created_at || c.last_message_at;
  c.last_message_text = m.text;
  renderList();
}

$("back").addEventListener("click", () => {
  history.pushState(null, "", location.pathname + location.search);
  route();
});

// ---- live updates ----

function onMessage(m, opts) {
  const cid = key(m.conversation_id);
  if (cid && cid === state.openId) {
    const bottom = atBottom();
    const isNew = upsertMsg(m);
    layoutThread();
    if ((isNew && bottom) || (opts && opts.scroll)) scrollToBottom();
    if (isNew && m.direction === "inbound") markOpenRead();
  }
  applyToConversation(m);
  if (cid && state.listLoaded && !state.convs.has(cid)) loadList();
}

function onConversation(c) {
  const id = key(c.id), prev = state.convs.get(id);
  state.convs.set(id, c);
  if (id === state.openId) {
    renderHeader(c);
    if ((c.unread_count || 0) > (prev ? prev.unread_count || 0 : 0)) markOpenRead();
  }
  renderList();
}

bus.on("message", onMessage);
bus.on("conversation", onConversation);

function setLive(s) {
  const box = $("live-status");
  box.dataset.state = s;
  box.textContent = { live: "Live", connecting: "Connecting…", offline: "Offline · reconnecting…" }[s];
  box.title = s === "live" ? "Receiving updates in real time" : "Updates paused; the inbox resyncs when the connection is back";
}

// lastId is the newest event id applied. The server replays what came after
// it: EventSource resends it by itself when it reconnects, but a new
// EventSource (made below when the browser gives up) has to name it in the URL.
let source = null, retryDelay = 1000, lastId = 0;
function connect() {
  setLive("connecting");
  const resume = lastId;
  source = new EventSource("/api/v1/events" + (resume ? `?last_event_id=${resume}` : ""));
  let opened = false;
  source.addEventListener("open", () => {
    setLive("live");
    retryDelay = 1000;
    // A stream that resumes is replayed what it missed, or sent "resync";
    // only one that starts from nothing must reload what it may have missed.
    if (!resume && !opened) resync();
    opened = true;
  });
  source.addEventListener("resync", (e) => { // the server no longer has all we missed
    lastId = Math.max(lastId, Number(e.lastEventId) || 0);
    resync();
  });
  source.addEventListener("error", () => {
    setLive("offline");
    if (source.readyState === EventSource.CLOSED) { // the browser gave up; retry ourselves
      source.close();
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
      loadList(); // redirects to the login page if the session ended
    }
  });
  const on = (type, fn) => source.addEventListener(type, (e) => {
    const id = Number(e.lastEventId) || 0; // ids only grow: a lower one was applied already
    if (id && id <= lastId) return;
    if (id) lastId = id;
    let obj;
    try { obj = JSON.parse(e.data); } catch { return; }
    if (obj && obj.id == null && obj.data && typeof obj.data === "object") obj = obj.data;
    if (obj && obj.id != null) fn(obj);
  });
  on("message.created", onMessage);
  on("message.updated", onMessage);
  on("conversation.updated", onConversation);
}

let started = false, pendingResync = false;
async function resync() {
  if (!started) { pendingResync = true; return; } // run once the initial load is done
  await loadList();
  if (state.openId) loadThread(false);
}

document.addEventListener("visibilitychange", () => {
  renderList();
  const c = state.convs.get(state.openId);
  if (visible() && c && c.unread_count > 0) markOpenRead();
});
window.addEventListener("hashchange", route);
setInterval(() => {
  const c = state.convs.get(state.openId);
  if (c) renderWindow(c);
  renderList();
}, 30000);

connect();
loadList().finally(() => {
  started = true;
  route();
  if (pendingResync) resync();
});
