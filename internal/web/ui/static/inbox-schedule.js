// inbox-schedule.js — "Send later": the send button's menu offers a time
// picked in the browser's time zone; the open conversation's pending
// scheduled messages show above the composer with their time and a
// Cancel, failed ones with the rule that refused them.

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { $, el, key, state, bus, toLogin } = await import("./inbox-core.js" + v);
const { button, errorNodes, trackPopover, closePopovers, toast } = await import("./inbox-util.js" + v);

const list = $("scheduled-list");
const items = new Map(); // id → scheduled message of the open conversation
const warnings = new Map(); // id → what the server warned when it was scheduled
export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

const pad = (n) => String(n).padStart(2, "0");
const localInput = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;

// wallTime shows "2026-11-25T09:00:00-05:00" as it reads on that clock.
function wallTime(local) {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(local || "");
  if (!m) return "";
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  return d.toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

function render() {
  const shown = [...items.values()].filter((s) => key(s.conversation_id) === state.openId && ["pending", "sending", "failed"].includes(s.status))
    .sort((a, b) => Date.parse(a.send_at || 0) - Date.parse(b.send_at || 0));
  list.replaceChildren(...shown.map(itemNode));
  list.hidden = !shown.length;
}

function itemNode(s) {
  const row = el("div", "scheduled-item");
  row.dataset.id = key(s.id);
  row.dataset.status = s.status;
  const head = el("div", "scheduled-head");
  const zone = s.time_zone || browserZone();
  const at = wallTime(s.local) || (s.send_at ? new Date(s.send_at).toLocaleString() : "");
  head.append(el("span", "scheduled-when", `${s.status === "failed" ? "⚠ Not sent" : s.status === "sending" ? "⏳ Sending" : "⏰ Scheduled"} · ${at} (${zone})`));
  if (zone !== browserZone() && s.send_at) head.append(el("span", "muted", ` · ${new Date(s.send_at).toLocaleString([], { hour: "2-digit", minute: "2-digit", weekday: "short" })} your time`));
  if (s.created_by && s.created_by.name) head.append(el("span", "muted scheduled-by", ` · by ${s.created_by.name}`));
  row.append(head, el("div", "scheduled-text", s.text || ""));
  if (s.status === "failed" && s.error) {
    const err = el("div", "scheduled-error");
    err.append(...errorNodes(s.error));
    row.append(err);
  }
  for (const w of warnings.get(key(s.id)) || []) row.append(el("div", "scheduled-warning", w));
  const tools = el("div", "scheduled-tools");
  if (s.status === "pending") tools.append(button("Cancel", "btn btn-link scheduled-cancel", () => cancel(s)));
  if (s.status === "failed") tools.append(button("Dismiss", "btn btn-link scheduled-dismiss", () => { items.delete(key(s.id)); render(); }));
  row.append(tools);
  return row;
}

async function cancel(s) {
  try {
    const r = await api.request("DELETE", `/api/v1/scheduled/${encodeURIComponent(s.id)}`);
    const out = api.one(r);
    if (out && out.id != null) items.set(key(out.id), { ...s, ...out });
    else items.delete(key(s.id));
    render();
  } catch (e) {
    if (!toLogin(e)) toast(`Not canceled: ${[e.message, e.remedy].filter(Boolean).join(" ")}`);
  }
}

// onScheduledEvent applies a live scheduled.created / scheduled.updated.
export function onScheduledEvent(s) {
  if (!s || s.id == null) return;
  items.set(key(s.id), s);
  if (key(s.conversation_id) === state.openId) render();
}

async function load(id) {
  items.clear();
  warnings.clear();
  render();
  try {
    const r = api.many(await api.request("GET", `/api/v1/conversations/${encodeURIComponent(id)}/scheduled`));
    if (state.openId !== id) return;
    for (const s of r) items.set(key(s.id), s);
    render();
  } catch (e) {
    toLogin(e); // an older server without scheduling: nothing to show
  }
}
bus.on("opened", load);
// The shell passes on the stream's scheduled.* events.
bus.on("event", (type, obj) => { if (String(type).startsWith("scheduled.")) onScheduledEvent(obj); });

// openScheduler shows the time picker under anchor. getDraft() returns
// {text, reply_to} or null; done() runs once it is scheduled.
export function openScheduler(anchor, getDraft, done) {
  closePopovers();
  const box = el("div", "schedule-box");
  box.id = "schedule-box";
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-label", "Send later");
  const label = el("label", "schedule-label");
  label.append(el("span", null, "Send at"));
  const input = el("input", "schedule-at");
  input.id = "schedule-at";
  input.type = "datetime-local";
  const soon = new Date(Date.now() + 3600e3);
  soon.setMinutes(0, 0, 0);
  input.value = localInput(soon);
  input.min = localInput(new Date(Date.now() + 60e3));
  label.append(input);
  const zone = el("div", "muted schedule-zone", `Time zone: ${browserZone()}`);
  const err = el("div", "schedule-error composer-error");
  err.hidden = true;
  const go = button("Schedule", "btn btn-primary schedule-confirm", submit);
  const actions = el("div", "schedule-actions");
  actions.append(button("Cancel", "btn btn-link", () => close()), go);
  box.append(el("strong", null, "Send later"), label, zone, err, actions);
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); submit(); } });
  anchor.closest("form").append(box);
  const close = trackPopover(box, () => box.remove(), anchor);
  input.focus();

  async function submit() {
    const d = getDraft(), id = state.openId;
    err.hidden = true;
    if (!d || !d.text) {
      err.replaceChildren(...errorNodes({ message: "Write the message first.", remedy: "Only text can be scheduled from here." }));
      err.hidden = false;
      return;
    }
    if (!input.value) { input.focus(); return; }
    go.disabled = true;
    try {
      const body = { type: "text", text: { body: d.text }, send_at_local: input.value, time_zone: browserZone() };
      if (d.reply_to) body.context = { message_id: d.reply_to };
      const r = api.one(await api.request("POST", `/api/v1/conversations/${encodeURIComponent(id)}/scheduled`, body));
      const s = [r && r.scheduled, r && r.message, r].find((x) => x && typeof x === "object" && x.id != null);
      if (s && s.id != null) {
        const w = [...((r && r.warnings) || [])];
        if (w.length) warnings.set(key(s.id), w);
        items.set(key(s.id), { conversation_id: id, ...s });
        render();
      }
      close();
      done();
    } catch (e) {
      if (toLogin(e)) return;
      err.replaceChildren(...errorNodes(e));
      err.hidden = false;
    } finally {
      go.disabled = false;
    }
  }
}
