// inbox.js — the team inbox's shell: routing, the open conversation's
// header and live updates over Server-Sent Events. The list
// (inbox-list.js), its views (inbox-views.js), search (inbox-search.js),
// the header's controls (inbox-controls.js), the contact panel
// (inbox-panel.js), presence (inbox-presence.js) and shortcuts
// (inbox-keys.js) are modules of their own, as are the thread
// (inbox-thread.js) and the composer (inbox-compose.js). All data is
// inserted as text (textContent), never as HTML.

// Import every module with the same ?v= as this one so they are cached
// together and share inbox-core.js's state.
const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { $, el, key, ms, visible, state, bus, toLogin, showError, displayName, phoneOf, fillAvatar, windowInfo, fmtLeft,
  mergeConversation, convHref } = await import("./inbox-core.js" + v);
const thread = await import("./inbox-thread.js" + v);
const { setWindow, focusComposer } = await import("./inbox-compose.js" + v);
const { renderList, loadList, mergeConv, noteUnknown, fetchConversation, touch, mark } = await import("./inbox-list.js" + v);
const { syncFromHash, filterHash, loadCounts, refreshCounts, loadCatalogues, loadMembers } = await import("./inbox-views.js" + v);
await import("./inbox-search.js" + v);
const { renderControls, clearControlsError, closeControls } = await import("./inbox-controls.js" + v);
await import("./inbox-panel.js" + v);
const { onPresence, renderPresence } = await import("./inbox-presence.js" + v);
await import("./inbox-keys.js" + v);

// ---- open conversation ----

function renderHeader(c) {
  $("conv-title").textContent = displayName(c);
  $("conv-phone").textContent = (c.contact && c.contact.name) ? phoneOf(c) : "";
  fillAvatar($("conv-avatar"), c);
  renderWindow(c);
  renderCRM(c);
  renderControls(c);
  renderPresence();
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
  syncFromHash();
  const m = /(?:^#|&)c=([^&]+)/.exec(location.hash);
  if (m) openConversation(decodeURIComponent(m[1]));
  else closeConversation();
}

function closeConversation() {
  const was = state.openId;
  bus.emit("leaving");
  state.openId = null;
  state.openSeq++;
  $("conversation").hidden = true;
  $("no-selection").hidden = false;
  document.body.classList.remove("has-open");
  if (was) bus.emit("closed");
  renderList();
}

let pendingFocus = null; // [conversation id, message id] to show once loaded
let keyboardOpen = false; // opened with j/k: the focus stays out of the composer
bus.on("keyboard-open", () => { keyboardOpen = true; });

async function openConversation(id) {
  if (state.openId === id) return;
  bus.emit("leaving");
  state.openId = id;
  crmFor = null;
  $("conv-crm")?.replaceChildren();
  clearControlsError();
  closeControls();
  const seq = ++state.openSeq;
  thread.clearThread();
  $("thread-status").hidden = true;
  $("no-selection").hidden = true;
  $("conversation").hidden = false;
  bus.emit("opened", id);
  document.body.classList.add("has-open");
  renderList();
  let c = state.convs.get(id);
  if (c && c.labels === undefined) fetchConversation(id); // labels come with a read
  if (c) renderHeader(c);
  else {
    $("conv-title").textContent = "Loading…";
    $("conv-phone").textContent = $("window-state").textContent = "";
    const since = mark();
    try {
      c = await api.getConversation(id);
      if (seq !== state.openSeq) return;
      mergeConv(c, since);
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
  if (!keyboardOpen) focusComposer();
  keyboardOpen = false;
  await loadThread(true);
  if (seq !== state.openSeq) return;
  markOpenRead();
  if (pendingFocus && pendingFocus[0] === id) {
    const mid = pendingFocus[1];
    pendingFocus = null;
    bus.emit("focus-message", mid);
  }
}

async function loadThread(forceBottom) {
  const id = state.openId, seq = state.openSeq;
  if (!id) return;
  try {
    if (thread.loadTimeline) { // messages and notes, paged
      await thread.loadTimeline(id);
      if (seq === state.openSeq) $("thread-status").hidden = true;
      return;
    }
    const msgs = await api.listMessages(id);
    if (seq !== state.openSeq) return;
    $("thread-status").hidden = true;
    const bottom = thread.atBottom();
    msgs.forEach(thread.upsertMsg);
    thread.layoutThread();
    if (forceBottom || bottom) thread.scrollToBottom();
  } catch (e) {
    if (seq === state.openSeq && !toLogin(e)) showError($("thread-status"), e, () => loadThread(true));
  }
}

// A search hit opens its conversation, at the message when it is one.
bus.on("open-conversation", (id, messageId) => {
  id = key(id);
  if (state.openId === id) {
    if (messageId) bus.emit("focus-message", messageId);
    return;
  }
  pendingFocus = messageId ? [id, key(messageId)] : null;
  history.pushState(null, "", location.pathname + location.search + convHref(id));
  route();
});

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
  history.pushState(null, "", location.pathname + location.search + filterHash(null));
  route();
});

// ---- live updates ----

function onMessage(m, opts) {
  const cid = key(m.conversation_id);
  if (cid && cid === state.openId) {
    const bottom = thread.atBottom();
    const isNew = thread.upsertMsg(m);
    thread.layoutThread();
    if ((isNew && bottom) || (opts && opts.scroll)) thread.scrollToBottom();
    if (isNew && m.direction === "inbound") markOpenRead();
  }
  applyToConversation(m);
  if (cid && state.listLoaded && !state.convs.has(cid)) noteUnknown(cid);
}

// onConversation applies a fresher conversation: from an event (labels
// left out, or only {id, labels}), or from an answer of the API.
function onConversation(c) {
  const id = key(c.id), prev = state.convs.get(id);
  if (!prev && !c.contact) { // a label change on one we do not hold
    if (state.filter.label) fetchConversation(id);
    return;
  }
  const next = mergeConversation(prev, c);
  state.convs.set(id, next);
  touch(id);
  if (!prev && next.labels === undefined && state.filter.label) fetchConversation(id);
  if (id === state.openId) {
    renderHeader(next);
    if ((next.unread_count || 0) > (prev ? prev.unread_count || 0 : 0)) markOpenRead();
  }
  renderList();
  refreshCounts();
  bus.emit("conversation-updated", next);
}

bus.on("message", onMessage);
bus.on("conversation", onConversation);
bus.on("searching", renderList);
bus.on("refresh-members", loadMembers);
bus.on("catalogues", () => { const c = state.convs.get(state.openId); if (c) renderControls(c); });

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
  // has says which objects an event type carries: most have an id;
  // presence names its conversation instead.
  const on = (type, fn, has = "id") => source.addEventListener(type, (e) => {
    const id = Number(e.lastEventId) || 0; // ids only grow: a lower one was applied already
    if (id && id <= lastId) return;
    if (id) lastId = id;
    let obj;
    try { obj = JSON.parse(e.data); } catch { return; }
    if (obj && obj[has] == null && obj.data && typeof obj.data === "object") obj = obj.data;
    if (obj && obj[has] != null) fn(obj);
  });
  on("message.created", onMessage);
  on("message.updated", onMessage);
  on("conversation.updated", onConversation);
  on("presence.updated", onPresence, "conversation_id");
  for (const type of ["note.created", "note.updated", "note.deleted", "scheduled.created", "scheduled.updated"]) {
    on(type, (obj) => {
      if (type.startsWith("note.") && thread.onNoteEvent) thread.onNoteEvent(type, obj);
      bus.emit("event", type, obj);
    });
  }
}

let started = false, pendingResync = false;
async function resync() {
  if (!started) { pendingResync = true; return; } // run once the initial load is done
  loadCounts();
  await loadList();
  const open = state.convs.get(state.openId);
  if (open) renderHeader(open);
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

async function loadMe() {
  try {
    const r = await api.request("GET", "/api/v1/me");
    const u = r && r.user;
    if (u) state.me = { id: u.id, name: u.name, role: u.role };
  } catch (e) {
    toLogin(e);
  }
}

connect();
loadCounts();
loadMe().then(() => { loadCatalogues(); return loadList(); }).finally(() => {
  started = true;
  route();
  if (pendingResync) resync();
});
