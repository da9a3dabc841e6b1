// inbox.js — the team inbox: conversation list, open thread, composer and
// live updates over Server-Sent Events. All data is inserted as text
// (textContent), never as HTML.

// Import api.js with the same ?v= as this module so both are cached together.
const api = await import("./api.js" + new URL(import.meta.url).search);
const { createPicker } = await import("./picker.js" + new URL(import.meta.url).search);

const $ = (id) => document.getElementById(id);
const key = (v) => (v == null ? "" : String(v));
const ms = (s) => (s ? Date.parse(s) || 0 : 0);
const visible = () => document.visibilityState === "visible";

function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text != null) n.textContent = text;
  return n;
}

const thread = $("thread"), input = $("composer-input"), sendBtn = $("composer-send");
const BASE_TITLE = document.title;
const RANK = { received: 0, queued: 10, sending: 20, held: 25, sent: 30, delivered: 40, failed: 50, read: 60 };
const TICKS = {
  queued: ["⏱", "Queued"], sending: ["⏱", "Sending"], sent: ["✓", "Sent"],
  held: ["⏳", "Accepted; Meta is holding it while it checks the template's quality (usually under an hour)"],
  delivered: ["✓✓", "Delivered"], read: ["✓✓", "Read"], failed: ["⚠", "Not delivered"],
};

const state = {
  convs: new Map(),   // id → conversation
  convEls: new Map(), // id → li
  listLoaded: false,
  openId: null,       // id of the open conversation
  openSeq: 0,         // bumps on every switch; stale responses are dropped
  msgs: new Map(),    // id → message of the open conversation
  msgEls: new Map(),  // id → div.message
  days: new Map(),    // day → separator element
  drafts: new Map(),  // conversation id → unsent text
};

function toLogin(e) {
  if (e && e.status === 401) { location.assign("/login"); return true; }
  return false;
}

function showError(box, e, retry) {
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

function displayName(c) {
  const ct = c.contact || {};
  return ct.name || ct.phone || (ct.wa_id ? "+" + ct.wa_id : "Unknown contact");
}
function phoneOf(c) {
  const ct = c.contact || {};
  return ct.phone || (ct.wa_id ? "+" + ct.wa_id : "");
}
function fillAvatar(node, c) {
  const name = (c.contact && c.contact.name) || "";
  const initials = name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => [...w][0]).join("").toUpperCase();
  node.textContent = initials || "#";
  let h = 0;
  for (const ch of key(c.contact && c.contact.wa_id) + key(c.id)) h = (h * 31 + ch.charCodeAt(0)) % 360;
  node.style.setProperty("--hue", h);
}
const hhmm = (d) => d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
function listTime(s) {
  if (!s) return "";
  const d = new Date(s), now = new Date();
  if (d.toDateString() === now.toDateString()) return hhmm(d);
  if (now - d < 6 * 864e5) return d.toLocaleDateString([], { weekday: "short" });
  return d.toLocaleDateString([], { day: "numeric", month: "short", year: d.getFullYear() === now.getFullYear() ? undefined : "numeric" });
}
function dayLabel(d) {
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (d.toDateString() === today.toDateString()) return "Today";
  if (d.toDateString() === yesterday.toDateString()) return "Yesterday";
  return d.toLocaleDateString([], { weekday: "long", day: "numeric", month: "long", year: "numeric" });
}
function windowInfo(c) {
  const exp = ms(c.window_expires_at);
  if (exp) return { open: exp > Date.now(), left: exp - Date.now() };
  return { open: !!c.window_open, left: null };
}
function fmtLeft(left) {
  const mins = Math.floor(left / 6e4), h = Math.floor(mins / 60), m = mins % 60;
  if (h) return `${h}h ${m}m`;
  return m ? `${m}m` : "less than a minute";
}

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
  $("composer-hint").hidden = w.open;
  picker.setWindow(w.open);
}

function route() {
  const m = /(?:^#|&)c=([^&]+)/.exec(location.hash);
  if (m) openConversation(decodeURIComponent(m[1]));
  else closeConversation();
}

function saveDraft() {
  if (state.openId) state.drafts.set(state.openId, input.value);
}

function closeConversation() {
  saveDraft();
  state.openId = null;
  state.openSeq++;
  $("conversation").hidden = true;
  $("no-selection").hidden = false;
  document.body.classList.remove("has-open");
  renderList();
}

async function openConversation(id) {
  if (state.openId === id) return;
  saveDraft();
  state.openId = id;
  crmFor = null;
  $("conv-crm")?.replaceChildren();
  const seq = ++state.openSeq;
  state.msgs.clear(); state.msgEls.clear(); state.days.clear();
  thread.replaceChildren();
  $("thread-status").hidden = true;
  $("composer-error").hidden = true;
  picker.reset();
  $("no-selection").hidden = true;
  $("conversation").hidden = false;
  input.value = state.drafts.get(id) || "";
  autosize();
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
  if (matchMedia("(min-width: 761px)").matches && !input.disabled) input.focus();
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

// ---- thread ----

const atBottom = () => thread.scrollHeight - thread.scrollTop - thread.clientHeight < 48;
const scrollToBottom = () => { thread.scrollTop = thread.scrollHeight; };
const cmpMsg = (a, b) => ms(a.created_at || a.timestamp) - ms(b.created_at || b.timestamp) ||
  (Number(a.id) - Number(b.id) || key(a.id).localeCompare(key(b.id)));

// upsertMsg stores m (never moving a status backwards) and renders its
// element; it reports whether the message is new to the thread.
function upsertMsg(m) {
  const id = key(m.id), old = state.msgs.get(id);
  const cur = old ? { ...old, ...m } : m;
  if (old && (RANK[old.status] ?? 0) > (RANK[m.status] ?? 0)) {
    cur.status = old.status;
    cur.error = old.error;
  }
  state.msgs.set(id, cur);
  let node = state.msgEls.get(id);
  if (!node) state.msgEls.set(id, (node = el("div")));
  fillMsg(node, cur);
  return !old;
}

function errorSummary(m) {
  const e = m.error || {};
  const title = e.title || "WhatsApp did not deliver this message";
  return { title, detail: e.detail || "", remedy: e.remedy || "", code: e.code };
}

function fillMsg(node, m) {
  const dir = m.direction === "outbound" ? "outbound" : "inbound";
  node.className = `message ${dir}` + (m.type === "system" ? " system" : "");
  node.dataset.id = key(m.id);
  node.dataset.direction = dir;
  node.dataset.status = m.status || "";
  node.dataset.type = m.type || "text";
  const bubble = el("div", "bubble");
  if (m.reply_to) {
    const quoted = [...state.msgs.values()].find((x) => x.wamid && x.wamid === m.reply_to);
    bubble.append(el("div", "quote", quoted ? quoted.text : "Reply to an earlier message"));
  }
  if (m.type && m.type !== "text") {
    bubble.append(el("span", "type-badge", m.type.replace(/_/g, " ")));
  }
  bubble.append(el("div", "text", m.text || `[${m.type || "message"}]`));
  const meta = el("div", "meta");
  const when = m.created_at || m.timestamp;
  if (when) {
    const t = el("time", null, hhmm(new Date(when)));
    t.dateTime = when;
    t.title = new Date(when).toLocaleString();
    meta.append(t);
  }
  if (dir === "outbound") {
    const [sym, label] = TICKS[m.status] || ["", m.status || ""];
    const ticks = el("span", `ticks ticks-${m.status}`, sym);
    const es = errorSummary(m);
    ticks.title = m.status === "failed" ? [es.title, es.remedy].filter(Boolean).join(" — ") : label;
    ticks.setAttribute("aria-label", ticks.title);
    meta.append(ticks);
  }
  bubble.append(meta);
  if (m.status === "failed") {
    const es = errorSummary(m);
    const box = el("div", "error");
    box.title = [es.title, es.detail, es.remedy].filter(Boolean).join("\n");
    box.append(el("strong", null, `⚠ ${es.title}${es.code ? ` (${es.code})` : ""}`));
    if (es.remedy) box.append(el("span", "remedy", es.remedy));
    bubble.append(box);
  }
  const why = decisionBox(m.policy);
  if (why) bubble.append(why);
  node.replaceChildren(bubble);
}

// decisionBox shows the rules decision recorded with an outbound message:
// why it was allowed, and any warning it went out with.
function decisionBox(p) {
  if (!p || !p.allowed) return null;
  const reasons = p.reasons || [];
  const warnings = p.warnings || [];
  if (!reasons.length && !warnings.length) return null;
  const box = el("details", "decision" + (warnings.length ? " warned" : ""));
  const label = warnings.length ? "⚠ Sent with a warning" : p.business_initiated ? "Why sent (business-initiated)" : "Why sent";
  box.append(el("summary", null, label));
  const list = el("ul");
  for (const w of warnings) list.append(el("li", "warning", w));
  for (const r of reasons) list.append(el("li", null, r));
  box.append(list);
  return box;
}

const emptyThread = el("div", "thread-empty", "No messages in this conversation yet.");

// layoutThread puts messages in time order under day separators, moving only
// the nodes that are out of place.
function layoutThread() {
  const want = [];
  let lastDay = null;
  for (const m of [...state.msgs.values()].sort(cmpMsg)) {
    const d = new Date(m.created_at || m.timestamp || Date.now());
    const day = d.toDateString();
    if (day !== lastDay) {
      lastDay = day;
      if (!state.days.has(day)) state.days.set(day, el("div", "day-sep"));
      const sep = state.days.get(day);
      sep.replaceChildren(el("span", null, dayLabel(d)));
      want.push(sep);
    }
    want.push(state.msgEls.get(key(m.id)));
  }
  if (!want.length) want.push(emptyThread);
  want.forEach((n, i) => { if (thread.children[i] !== n) thread.insertBefore(n, thread.children[i] || null); });
  while (thread.children.length > want.length) thread.lastElementChild.remove();
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

// ---- composer ----

function autosize() {
  input.style.height = "auto";
  const border = input.offsetHeight - input.clientHeight;
  input.style.height = input.offsetHeight ? Math.min(input.scrollHeight + border, 160) + "px" : "";
}
input.addEventListener("input", autosize);
input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
});
$("composer").addEventListener("submit", (e) => { e.preventDefault(); send(); });

let sending = false;
async function send() {
  const id = state.openId, c = state.convs.get(id), text = input.value.trim();
  if (sending || !c || !text || input.disabled) return;
  sending = true;
  sendBtn.disabled = true;
  sendBtn.textContent = "Sending…";
  $("composer-error").hidden = true;
  try {
    const m = await api.sendText(c, text);
    if (input.value.trim() === text) { input.value = ""; autosize(); }
    state.drafts.delete(id);
    showSent(id, m);
  } catch (e) {
    showSendError(id, e);
  } finally {
    sending = false;
    sendBtn.disabled = input.disabled;
    sendBtn.textContent = "Send";
    if (state.openId === id && !input.disabled) input.focus();
  }
}

// showSent puts a message just accepted by the API into the thread.
function showSent(id, m) {
  if (!m || m.id == null) return;
  if (key(m.conversation_id ?? id) === state.openId) {
    upsertMsg({ conversation_id: id, ...m });
    layoutThread();
    scrollToBottom();
  }
  applyToConversation({ conversation_id: id, ...m });
}

// showSendError shows a refusal (message and remedy) under the composer.
function showSendError(id, e) {
  if (!toLogin(e) && state.openId === id) showError($("composer-error"), e);
  if (e.status === 422) {
    api.getConversation(id).then((fresh) => onConversation(fresh)).catch(() => {});
  }
}

const picker = createPicker({
  api,
  toLogin,
  getConv: () => state.convs.get(state.openId),
  onSent: (c, m) => showSent(key(c.id), m),
  onError: (c, e) => showSendError(key(c.id), e),
  clearError: () => { $("composer-error").hidden = true; },
});

$("back").addEventListener("click", () => {
  history.pushState(null, "", location.pathname + location.search);
  route();
});

// ---- live updates ----

function onMessage(m) {
  const cid = key(m.conversation_id);
  if (cid && cid === state.openId) {
    const bottom = atBottom();
    const isNew = upsertMsg(m);
    layoutThread();
    if (isNew && bottom) scrollToBottom();
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
