// inbox-thread.js — the open conversation's thread: messages of every
// type (bodies in inbox-render.js), internal notes (inbox-notes.js)
// interleaved, reactions as chips under their message, quotes that jump to
// what they quote, failures with Meta's reason and a Retry, all in time
// order under day separators, paged back with "Load earlier".

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { $, el, key, ms, state, bus, hhmm, dayLabel, toLogin, displayName } = await import("./inbox-core.js" + v);
const { renderBody, plainText } = await import("./inbox-render.js" + v);
const { actionsFor, setReactionLookup } = await import("./inbox-actions.js" + v);
const { fillNote } = await import("./inbox-notes.js" + v);
const { getMe, flash, button, errorNodes } = await import("./inbox-util.js" + v);

const thread = $("thread");
const RANK = { received: 0, queued: 10, sending: 20, held: 25, sent: 30, delivered: 40, failed: 50, read: 60 };
const TICKS = {
  queued: ["⏱", "Queued"], sending: ["⏱", "Sending"], sent: ["✓", "Sent"],
  held: ["⏳", "Accepted; Meta is holding it while it checks the template's quality (usually under an hour)"],
  delivered: ["✓✓", "Delivered"], read: ["✓✓", "Read"], failed: ["⚠", "Not delivered"],
};

const byWamid = new Map();    // wamid → message id
const reactMsgs = new Map();  // target wamid → Set of reaction message ids
const retriedBy = new Map();  // failed message id → the id of its retry
const retryErrors = new Map(); // message id → the refusal of its last retry
const notes = new Map(), noteEls = new Map();
let nextBefore = null, loadedFor = null, loading = null, holdUntil = 0;
getMe();

export const atBottom = () => thread.scrollHeight - thread.scrollTop - thread.clientHeight < 48;
// scrollToBottom is held off for a moment after a message was brought into
// view, so a load finishing later does not scroll it away.
export const scrollToBottom = () => { if (Date.now() >= holdUntil) thread.scrollTop = thread.scrollHeight; };
const when = (x) => ms(x.created_at || x.timestamp);

// clearThread empties the thread for another conversation.
export function clearThread() {
  state.msgs.clear(); state.msgEls.clear(); state.days.clear();
  for (const m of [byWamid, reactMsgs, retriedBy, retryErrors, notes, noteEls]) m.clear();
  nextBefore = loadedFor = loading = null;
  thread.replaceChildren();
}

// upsertMsg stores m (never moving a status backwards) and renders its
// element; it reports whether the message is new to the thread.
export function upsertMsg(m) {
  const id = key(m.id), old = state.msgs.get(id);
  const cur = old ? { ...old, ...m } : m;
  if (old && (RANK[old.status] ?? 0) > (RANK[m.status] ?? 0)) {
    cur.status = old.status;
    cur.error = old.error;
  }
  state.msgs.set(id, cur);
  if (cur.wamid) byWamid.set(cur.wamid, id);
  let node = state.msgEls.get(id);
  if (!node) state.msgEls.set(id, (node = el("div")));
  fillMsg(node, cur);
  if (cur.type === "reaction") {
    const target = cur.payload && cur.payload.message_id;
    if (target) {
      if (!reactMsgs.has(target)) reactMsgs.set(target, new Set());
      reactMsgs.get(target).add(id);
      refill(byWamid.get(target));
    }
  }
  if (cur.retry_of && !retriedBy.has(key(cur.retry_of))) {
    retriedBy.set(key(cur.retry_of), id);
    refill(key(cur.retry_of));
  }
  if (!old && cur.wamid) { // replies that quote it can now show it
    for (const [qid, q] of state.msgs) if (q.reply_to === cur.wamid && !(q.context && q.context.text)) refill(qid);
  }
  return !old;
}

function refill(id) {
  const m = id && state.msgs.get(key(id)), node = m && state.msgEls.get(key(id));
  if (node) fillMsg(node, m);
}

// reactionsOf folds the reactions the server attached to m with the
// reaction messages in the thread: one current emoji per reactor.
function reactionsOf(m) {
  const by = new Map();
  for (const r of Array.isArray(m.reactions) ? m.reactions : []) {
    by.set(r.direction || r.from, { emoji: r.emoji, at: ms(r.at), direction: r.direction, who: r.by && r.by.name });
  }
  const ids = m.wamid ? reactMsgs.get(m.wamid) : null;
  const rms = ids ? [...ids].map((i) => state.msgs.get(i)).filter(Boolean).sort((a, b) => when(a) - when(b)) : [];
  for (const r of rms) {
    const k = r.direction, at = ms(r.timestamp || r.created_at), cur = by.get(k);
    if (!cur || at >= cur.at) by.set(k, { emoji: (r.payload && r.payload.emoji) || "", at, direction: k, who: cur && cur.who });
  }
  return [...by.values()].filter((r) => r.emoji);
}

setReactionLookup((m) => (reactionsOf(m).find((r) => r.direction === "outbound") || {}).emoji || "");

function reactionChips(m) {
  const rs = reactionsOf(m);
  if (!rs.length) return null;
  const conv = state.convs.get(key(m.conversation_id));
  const groups = new Map();
  for (const r of rs) {
    const who = r.direction === "inbound" ? (conv ? displayName(conv) : "The customer") : r.who ? `${r.who} (your team)` : "Your team";
    if (!groups.has(r.emoji)) groups.set(r.emoji, []);
    groups.get(r.emoji).push(who);
  }
  const box = el("div", "reactions");
  for (const [emoji, who] of groups) {
    const chip = el("span", "reaction-chip", emoji);
    chip.dataset.emoji = emoji;
    if (who.length > 1) chip.append(el("span", "reaction-count", String(who.length)));
    chip.title = `${who.join(", ")} reacted ${emoji}`;
    chip.setAttribute("aria-label", chip.title);
    chip.tabIndex = 0;
    box.append(chip);
  }
  return box;
}

// quoteOf shows the message m replies to; clicking it brings that message
// into view.
function quoteOf(m) {
  const ctx = m.context || {}, wamid = ctx.message_id || m.reply_to;
  if (!wamid) return null;
  const qid = ctx.id ? key(ctx.id) : byWamid.get(wamid);
  const quoted = qid && state.msgs.get(qid);
  const q = el("div", "quote");
  q.dataset.wamid = wamid;
  if (quoted) q.append(el("span", "quote-who", quoted.direction === "outbound" ? "You" : displayName(state.convs.get(key(m.conversation_id)) || {})));
  q.append(el("span", "quote-text", ctx.text || (quoted && (plainText(quoted) || quoted.text)) || "Reply to an earlier message"));
  if (qid) {
    q.tabIndex = 0;
    q.setAttribute("role", "button");
    q.title = "Show the quoted message";
    const go = () => focusMessage(qid);
    q.addEventListener("click", go);
    q.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
  }
  return q;
}

function errorSummary(m) {
  const e = m.error || {};
  const title = e.title || "WhatsApp did not deliver this message";
  return { title, detail: e.detail || "", remedy: e.remedy || "", code: e.code };
}

// failureBox shows why a message failed, with a Retry that sends a new
// attempt (or a link to the attempt already made).
function failureBox(m) {
  const es = errorSummary(m), id = key(m.id);
  const box = el("div", "error");
  box.title = [es.title, es.detail, es.remedy].filter(Boolean).join("\n");
  box.append(el("strong", "error-title", `⚠ ${es.title}${es.code ? ` (${es.code})` : ""}`));
  if (es.detail && es.detail !== es.title) box.append(el("span", "error-detail", es.detail));
  if (es.remedy) box.append(el("span", "remedy", es.remedy));
  if (m.direction !== "outbound") return box;
  const again = retriedBy.get(id) || (m.retried_by ? key(m.retried_by) : "");
  if (again) {
    box.append(button("↻ Retried — show the new attempt", "btn btn-link retried-link", () => focusMessage(again)));
  } else {
    const b = button("↻ Retry", "btn btn-link retry-btn", () => retry(m, b));
    box.append(b);
    const err = retryErrors.get(id);
    if (err) {
      const r = el("div", "retry-error");
      r.append(...errorNodes(err));
      box.append(r);
    }
  }
  return box;
}

async function retry(m, b) {
  const id = key(m.id);
  b.disabled = true;
  b.textContent = "Retrying…";
  retryErrors.delete(id);
  try {
    const r = api.one(await api.request("POST", `/api/v1/messages/${encodeURIComponent(id)}/retry`, {}));
    if (r && r.id != null) {
      retriedBy.set(id, key(r.id));
      bus.emit("message", { conversation_id: m.conversation_id, retry_of: m.id, ...r }, { scroll: true });
    }
  } catch (e) {
    if (toLogin(e)) return;
    retryErrors.set(id, e);
  }
  refill(id);
}

function fillMsg(node, m) {
  const dir = m.direction === "outbound" ? "outbound" : "inbound";
  const notice = m.type === "system";
  node.className = `message ${dir}` + (notice ? " system" : "");
  node.dataset.id = key(m.id);
  node.dataset.direction = dir;
  node.dataset.status = m.status || "";
  node.dataset.type = m.type || "text";
  if (m.wamid) node.dataset.wamid = m.wamid;
  const bubble = el("div", "bubble");
  if (m.context && m.context.forwarded) bubble.append(el("div", "forwarded muted", "↪ Forwarded"));
  if (m.retry_of) {
    const orig = key(m.retry_of);
    bubble.append(button("↻ New attempt of a failed message", "btn btn-link retry-of", () => focusMessage(orig)));
  }
  const quote = quoteOf(m);
  if (quote) bubble.append(quote);
  bubble.append(...renderBody(m));
  const meta = el("div", "meta");
  const at = m.created_at || m.timestamp;
  if (at) {
    const t = el("time", null, hhmm(new Date(at)));
    t.dateTime = at;
    t.title = new Date(at).toLocaleString();
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
  if (m.status === "failed") bubble.append(failureBox(m));
  const why = decisionBox(m.policy);
  if (why) bubble.append(why);
  const col = el("div", "msg-col");
  col.append(bubble);
  const chips = reactionChips(m);
  if (chips) col.append(chips);
  node.replaceChildren(col);
  if (!notice) node.append(actionsFor(m));
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

// ---- notes ----

const noteHooks = () => ({
  me: state.me,
  saved: (n) => { upsertNote(n, true); layoutThread(); },
  deleted: (id) => { removeNote(id); layoutThread(); },
});

// upsertNote stores and draws note n; one being edited or deleted here
// is redrawn only when that is done (force).
function upsertNote(n, force) {
  const id = key(n.id), old = notes.get(id);
  // A page read before an edit (a resync, say) must not undo it.
  if (old && !force && ms(old.updated_at) > ms(n.updated_at)) return;
  const cur = { ...(old || {}), ...n };
  notes.set(id, cur);
  let node = noteEls.get(id);
  if (!node) noteEls.set(id, (node = el("div")));
  if (force || !node.dataset.busy) fillNote(node, cur, noteHooks());
}
function removeNote(id) { notes.delete(key(id)); noteEls.delete(key(id)); }

// showNote puts a note just written in the composer into the thread.
export function showNote(n) {
  if (!n || key(n.conversation_id) !== state.openId) return;
  upsertNote(n, true);
  layoutThread();
  scrollToBottom();
}

// onNoteEvent applies a live note.created / note.updated / note.deleted.
export function onNoteEvent(type, n) {
  if (!n || n.id == null || key(n.conversation_id) !== state.openId) return;
  const bottom = atBottom();
  if (type === "note.deleted") removeNote(n.id);
  else upsertNote(n);
  layoutThread();
  if (bottom && type === "note.created") scrollToBottom();
}

// ---- layout ----

const emptyThread = el("div", "thread-empty", "No messages in this conversation yet.");
const moreBtn = button("Load earlier messages", "btn btn-link load-earlier", () => loadEarlier().catch(() => {}));
moreBtn.id = "thread-more";
const moreBox = el("div", "load-earlier-row");
moreBox.append(moreBtn);

// layoutThread puts messages and notes in time order under day
// separators, moving only the nodes that are out of place.
export function layoutThread() {
  const items = [];
  for (const m of state.msgs.values()) if (m.type !== "reaction") items.push({ t: when(m), k: 0, id: Number(m.id) || 0, node: state.msgEls.get(key(m.id)), at: m.created_at || m.timestamp });
  for (const n of notes.values()) items.push({ t: ms(n.created_at), k: 1, id: Number(n.id) || 0, node: noteEls.get(key(n.id)), at: n.created_at });
  items.sort((a, b) => a.t - b.t || a.k - b.k || a.id - b.id);
  const want = nextBefore ? [moreBox] : [];
  let lastDay = null;
  for (const it of items) {
    const d = new Date(it.at || Date.now());
    const day = d.toDateString();
    if (day !== lastDay) {
      lastDay = day;
      if (!state.days.has(day)) state.days.set(day, el("div", "day-sep"));
      const sep = state.days.get(day);
      sep.replaceChildren(el("span", null, dayLabel(d)));
      want.push(sep);
    }
    want.push(it.node);
  }
  if (!items.length) want.push(emptyThread);
  want.forEach((n, i) => { if (thread.children[i] !== n) thread.insertBefore(n, thread.children[i] || null); });
  while (thread.children.length > want.length) thread.lastElementChild.remove();
}

// loadTimeline loads a page of the thread (messages and notes) of
// conversationId: the newest, or the one before the cursor before. It
// resolves to whether earlier items remain.
export function loadTimeline(conversationId, { before } = {}) {
  const cid = key(conversationId), seq = state.openSeq;
  const q = new URLSearchParams({ limit: "100" });
  if (before) q.set("before", before);
  const p = (async () => {
    const r = await api.request("GET", `/api/v1/conversations/${encodeURIComponent(cid)}/timeline?${q}`);
    if (seq !== state.openSeq || state.openId !== cid) return false;
    const first = loadedFor !== cid, bottom = first || atBottom();
    const h = thread.scrollHeight, top = thread.scrollTop;
    for (const it of (r && r.data) || []) {
      if (it.kind === "note") upsertNote(it.note || it);
      else upsertMsg(it.message || it);
    }
    if (first || before) nextBefore = r.next_before || null;
    loadedFor = cid;
    layoutThread();
    if (before) thread.scrollTop = top + (thread.scrollHeight - h);
    else if (bottom) scrollToBottom();
    return !!nextBefore;
  })();
  if (!before) {
    const l = p.catch(() => false).finally(() => { if (loading === l) loading = null; });
    loading = l;
  }
  return p;
}

async function loadEarlier() {
  if (!nextBefore || !state.openId) return false;
  moreBtn.disabled = true;
  moreBtn.textContent = "Loading…";
  try {
    return await loadTimeline(state.openId, { before: nextBefore });
  } catch (e) {
    if (!toLogin(e)) moreBox.replaceChildren(moreBtn, el("span", "load-error", ` ${e.message}`));
    throw e;
  } finally {
    moreBtn.disabled = false;
    moreBtn.textContent = "Load earlier messages";
  }
}

// focusMessage scrolls to message id and flashes it, paging back through
// the thread when it is not loaded yet.
export async function focusMessage(id) {
  id = key(id);
  const cid = state.openId, seq = state.openSeq;
  if (!cid || !id) return;
  const shown = () => state.msgEls.get(id)?.isConnected;
  holdUntil = Date.now() + 2000;
  if (!shown() && loadedFor !== cid) await (loading || loadTimeline(cid)).catch(() => {});
  for (let i = 0; i < 50 && !shown() && nextBefore && seq === state.openSeq; i++) {
    if (!(await loadEarlier().catch(() => null)) && !shown()) break;
  }
  const node = state.msgEls.get(id);
  if (seq !== state.openSeq || !node || !node.isConnected) return;
  holdUntil = Date.now() + 2000;
  node.scrollIntoView({ block: "center", behavior: "smooth" });
  flash(node);
}

bus.on("focus-message", (id) => { focusMessage(id); });
