// appointments.js — the Appointments page: Calendly bookings from a day ago
// on, each with its invitee, its time (the viewer's and the invitee's),
// its state, and the WhatsApp messages GoHavi sends for it as a small
// timeline. It polls every 5 s while the page is visible; a booking's
// element is rebuilt only when something about it changed. In sandbox mode
// it books test appointments through the Calendly simulator. Data is
// inserted as text, never as HTML.

const search = new URL(import.meta.url).search;
const [ui, { request, many }] = await Promise.all([import("./numbers-ui.js" + search), import("./api.js" + search)]);
const { $, el } = ui;

const POLL_MS = 5000;
const SIM = "/sim/calendly/_sim";
const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const list = $("appointments-list");
const rows = new Map(); // booking id → {sig, node}
const convByContact = new Map(); // contact id → conversation id
let conn; // the Calendly connection, null when not connected, undefined before the first load

// ---- words ----

const MSG_STATUS = {
  scheduled: "Scheduled", skipped: "Skipped", canceled: "Canceled", queued: "Queued", sending: "Sending",
  sent: "Sent", delivered: "Delivered", read: "Read", failed: "Failed",
};
const BOOKING_STATUS = { active: "Active", confirmed: "Confirmed", canceled: "Canceled", rescheduled: "Rescheduled" };

// kindLabel names a message: reminder_24h → "Reminder, 24 h before".
function kindLabel(kind) {
  const m = /^reminder_(\d+)([hm])$/.exec(kind || "");
  if (m) return `Reminder, ${m[1]} ${m[2] === "h" ? "h" : "min"} before`;
  return { confirmation: "Confirmation", rescheduled: "New time note", cancellation: "Cancellation note" }[kind] || ui.human(kind);
}

const stamp = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };

// inZone formats t in zone tz, or "" when the browser does not know tz.
function inZone(t, tz, opts = stamp) {
  try {
    return new Intl.DateTimeFormat(undefined, { ...opts, timeZone: tz }).format(t);
  } catch {
    return "";
  }
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
function relative(t) {
  const s = (t - Date.now()) / 1000, a = Math.abs(s);
  if (a < 60) return rtf.format(Math.round(s), "second");
  if (a < 3600) return rtf.format(Math.round(s / 60), "minute");
  if (a < 48 * 3600) return rtf.format(Math.round(s / 3600), "hour");
  return rtf.format(Math.round(s / 86400), "day");
}

function timeEl(iso, text) {
  const t = el("time", null, text);
  t.dateTime = iso;
  t.title = new Date(iso).toLocaleString();
  return t;
}

// ---- one booking ----

function bookingStatus(b) {
  return b.status === "active" && b.confirmed_at ? "confirmed" : b.status;
}

function when(b) {
  const wrap = el("div", "appt-when");
  if (!b.start_time) return wrap;
  const start = new Date(b.start_time);
  const end = b.end_time ? new Date(b.end_time) : null;
  const local = el("p", "appt-local");
  local.append(timeEl(b.start_time, inZone(start, undefined)));
  if (end) local.append("–", inZone(end, undefined, { hour: "2-digit", minute: "2-digit" }));
  local.append(el("span", "muted appt-relative", ` · ${relative(start)}`));
  wrap.append(local);
  const tz = b.invitee && b.invitee.timezone;
  if (tz) {
    const theirs = inZone(start, tz);
    const p = el("p", "muted small appt-zone");
    p.dataset.timezone = tz;
    if (tz === viewerZone) p.textContent = `Same time zone as the invitee (${tz.replace(/_/g, " ")})`;
    else p.textContent = theirs ? `${theirs} for the invitee (${tz.replace(/_/g, " ")})` : `The invitee's time zone: ${tz}`;
    wrap.append(p);
  }
  return wrap;
}

function messageItem(m) {
  const li = el("li", "appt-message");
  li.dataset.kind = m.kind;
  li.dataset.status = m.status;
  const head = el("div", "appt-message-head");
  const st = el("span", "tag appt-message-status", MSG_STATUS[m.status] || ui.human(m.status));
  st.dataset.status = m.status;
  head.append(el("span", "appt-message-kind", kindLabel(m.kind)), " ", st);
  li.append(head);
  if (m.status === "scheduled" && m.due_at) {
    const d = new Date(m.due_at);
    const p = el("p", "small appt-message-due");
    p.append("Due ", timeEl(m.due_at, inZone(d, undefined)), ` (${relative(d)})`);
    li.append(p);
  }
  if (m.reason && ["skipped", "canceled", "scheduled"].includes(m.status)) li.append(el("p", "small appt-message-reason", m.reason));
  if (m.error) li.append(el("p", "small appt-message-error", m.error));
  return li;
}

function locationEl(loc) {
  if (/^https?:\/\//i.test(loc)) {
    const a = el("a", "appt-location", loc.replace(/^https?:\/\//i, ""));
    a.href = loc;
    a.target = "_blank";
    a.rel = "noopener";
    return a;
  }
  return el("span", "appt-location", loc);
}

function bookingItem(b) {
  const inv = b.invitee || {}, ev = b.event || {};
  const li = el("li", "card appointment");
  li.dataset.id = String(b.id);
  li.dataset.status = b.status;
  li.dataset.confirmed = String(!!b.confirmed_at);
  if (b.start_time && new Date(b.start_time) < Date.now()) li.dataset.past = "true";

  const head = el("div", "appt-head");
  const who = el("h2", "appt-name", inv.name || inv.email || "Invitee");
  const st = el("span", "tag appt-status", BOOKING_STATUS[bookingStatus(b)] || ui.human(b.status));
  st.dataset.status = bookingStatus(b);
  head.append(who, st);
  if (ev.name) head.append(el("span", "muted appt-event", ev.name));
  li.append(head, when(b));

  const dl = el("dl", "facts appt-facts");
  const fact = (k, v, cls) => {
    const dd = el("dd", cls);
    dd.append(v);
    dl.append(el("dt", null, k), dd);
  };
  if (inv.phone) fact("WhatsApp", inv.phone, "appt-phone");
  else fact("WhatsApp", b.phone_problem || "No phone number", "appt-phone-problem");
  if (inv.email) fact("Email", inv.email, "appt-email");
  if (b.location) fact("Where", locationEl(b.location), "appt-where");
  if (b.confirmed_at) fact("Confirmed", timeEl(b.confirmed_at, new Date(b.confirmed_at).toLocaleString()), "appt-confirmed");
  if (b.status === "canceled") {
    fact("Canceled", [b.canceled_by ? `by ${b.canceled_by}` : "in Calendly", b.cancel_reason ? `: ${b.cancel_reason}` : ""].join(""), "appt-cancel");
  }
  if (b.rescheduled_to) fact("Moved", "to a new time; the new booking has its own messages", "appt-moved");
  if (b.rescheduled_from) fact("Moved", "from an earlier time", "appt-moved-from");
  li.append(dl);

  const msgs = el("ol", "appt-messages");
  msgs.setAttribute("aria-label", "WhatsApp messages");
  for (const m of b.messages || []) msgs.append(messageItem(m));
  if (!(b.messages || []).length) msgs.append(el("li", "muted small", "No message planned."));
  li.append(msgs);

  if (b.contact_id) {
    const conv = convByContact.get(b.contact_id);
    const a = el("a", "appt-conversation", conv ? "Open the conversation" : "Open the inbox");
    a.href = conv ? `/#c=${encodeURIComponent(conv)}` : "/";
    const p = el("p", "appt-links");
    p.append(a);
    li.append(p);
  }
  return li;
}

// ---- the list ----

function renderList(bookings) {
  bookings.sort((a, b) => String(a.start_time).localeCompare(String(b.start_time)) || a.id - b.id);
  const keep = new Set();
  let prev = null;
  for (const b of bookings) {
    keep.add(b.id);
    // The relative times change with the clock: the minute is part of it.
    const sig = JSON.stringify(b) + "|" + (convByContact.get(b.contact_id) || "") + "|" + Math.floor(Date.now() / 60000);
    let r = rows.get(b.id);
    if (!r || r.sig !== sig) {
      const node = bookingItem(b);
      if (r) r.node.replaceWith(node);
      r = { sig, node };
      rows.set(b.id, r);
    }
    const want = prev ? prev.nextSibling : list.firstChild;
    if (want !== r.node) list.insertBefore(r.node, want);
    prev = r.node;
  }
  for (const [id, r] of rows) {
    if (!keep.has(id)) { r.node.remove(); rows.delete(id); }
  }
  $("appointments-empty").hidden = bookings.length > 0 || !conn;
}

// conversations learns the inbox conversations of the bookings' contacts.
async function conversations(bookings) {
  if (!bookings.some((b) => b.contact_id && !convByContact.has(b.contact_id))) return;
  const cs = await request("GET", "/api/v1/conversations?limit=200").then(many).catch(() => []);
  for (const c of cs) if (c.contact && c.contact.id) convByContact.set(c.contact.id, c.id);
}

function problems(c) {
  const box = $("appointments-problems");
  const items = [];
  const sub = (c && c.subscription) || {};
  if (c && c.status !== "active") items.push(`The Calendly connection is broken: ${c.status_reason || "Calendly refuses GoHavi's access."}`);
  if (["disabled", "missing"].includes(sub.state)) items.push(sub.error || `Calendly's webhook subscription is ${sub.state}: new bookings do not reach GoHavi.`);
  box.hidden = !items.length;
  if (!items.length) return box.replaceChildren();
  const a = el("a", null, "Fix it on the Integrations page");
  a.href = "/integrations#calendly";
  const ul = el("ul");
  for (const x of items) ul.append(el("li", null, x));
  box.replaceChildren(ul, a);
}

let loading = false;
async function load() {
  if (loading) return;
  loading = true;
  const main = document.querySelector("main.appointments");
  main.setAttribute("aria-busy", "true");
  try {
    const [bookings, c] = await Promise.all([
      request("GET", "/api/v1/appointments?limit=200").then(many),
      request("GET", "/api/v1/integrations/calendly").catch((e) => {
        if (e.status === 404 && e.code === "not_found") return null;
        if (e.status === 401) throw e;
        return conn || null; // Calendly unavailable here: the list still shows
      }),
    ]);
    conn = c;
    await conversations(bookings);
    $("appointments-connect").hidden = !!conn;
    problems(conn);
    renderList(bookings);
    sandboxForm();
    $("appointments-error").hidden = true;
    $("appointments-updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
    main.dataset.loaded = "true";
  } catch (e) {
    ui.problem($("appointments-error"), e);
  } finally {
    loading = false;
    main.setAttribute("aria-busy", "false");
  }
}

// ---- sandbox: booking as an invitee would ----

let simReady = null; // whether the Calendly simulator answers here
function sandboxForm() {
  const sec = $("sandbox-book");
  if (!sec) return;
  if (simReady === null) {
    simReady = request("GET", `${SIM}/event_types`).then(() => true, () => false);
  }
  simReady.then((ok) => { sec.hidden = !(ok && conn); });
}

function setupBooking() {
  const form = $("book-form");
  if (!form) return;
  const status = $("book-status"), box = $("book-error"), submit = $("book-submit");
  const tz = $("book-timezone");
  if (!tz.value) tz.value = viewerZone || "UTC";
  const say = (text, kind) => { status.textContent = text; status.dataset.kind = kind || ""; };
  const byName = { name: $("book-name"), email: $("book-email"), hours: $("book-hours") };
  ui.onSubmit(form, {
    box, say, button: submit, names: ["start_time", "name", "email"], byName: { start_time: byName.hours, ...byName }, failed: "Not booked",
    check() {
      const errs = [];
      if (!byName.name.value.trim()) errs.push([byName.name, "The invitee's name."]);
      if (!ui.isEmail(byName.email.value.trim())) errs.push([byName.email, "An email address, like ada@example.com."]);
      const h = Number(byName.hours.value);
      if (!(h > 0 && h <= 336)) errs.push([byName.hours, "Between 0.1 and 336 hours from now."]);
      return errs;
    },
    async send() {
      const start = new Date(Math.ceil((Date.now() + Number(byName.hours.value) * 3600e3) / 60000) * 60000);
      const settings = (conn && conn.settings) || {};
      // The rules read the opt-in from a yes/no question; the settings
      // may name which one.
      const question = settings.opt_in_question || "Can we send your confirmation and reminders on WhatsApp?";
      const body = {
        start_time: start.toISOString(), name: byName.name.value.trim(), email: byName.email.value.trim(),
        timezone: tz.value.trim(), text_reminder_number: $("book-phone").value.trim(),
        questions_and_answers: [{ question, answer: $("book-optin").checked ? "Yes" : "No", position: 0 }],
        location: { type: "google_conference" },
      };
      say("Booking in the Calendly simulator…");
      const inv = await request("POST", `${SIM}/book`, body);
      say(`Booked ${inv.name || body.name} for ${start.toLocaleString()}. Calendly tells GoHavi at once; the confirmation follows in a few seconds.`);
      await load();
    },
  });
}

$("appointments-refresh").addEventListener("click", load);
setupBooking();
const visible = () => document.visibilityState === "visible";
await load();
setInterval(() => { if (visible()) load(); }, POLL_MS);
document.addEventListener("visibilitychange", () => { if (visible()) load(); });
