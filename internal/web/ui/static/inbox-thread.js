// inbox-thread.js — the open conversation's messages: rendering each
// message and keeping them in time order under day separators.

const v = new URL(import.meta.url).search;
const { $, el, key, ms, state, hhmm, dayLabel } = await import("./inbox-core.js" + v);

const thread = $("thread");
const RANK = { received: 0, queued: 10, sending: 20, held: 25, sent: 30, delivered: 40, failed: 50, read: 60 };
const TICKS = {
  queued: ["⏱", "Queued"], sending: ["⏱", "Sending"], sent: ["✓", "Sent"],
  held: ["⏳", "Accepted; Meta is holding it while it checks the template's quality (usually under an hour)"],
  delivered: ["✓✓", "Delivered"], read: ["✓✓", "Read"], failed: ["⚠", "Not delivered"],
};

export const atBottom = () => thread.scrollHeight - thread.scrollTop - thread.clientHeight < 48;
export const scrollToBottom = () => { thread.scrollTop = thread.scrollHeight; };
const cmpMsg = (a, b) => ms(a.created_at || a.timestamp) - ms(b.created_at || b.timestamp) ||
  (Number(a.id) - Number(b.id) || key(a.id).localeCompare(key(b.id)));

// clearThread empties the thread for another conversation.
export function clearThread() {
  state.msgs.clear(); state.msgEls.clear(); state.days.clear();
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
export function layoutThread() {
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
