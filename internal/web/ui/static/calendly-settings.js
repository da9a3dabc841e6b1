// calendly-settings.js — the Calendly settings form, used both to connect
// and to edit a connection: the sending number, the approved template of
// each message, the reminder times, the booking questions GoHavi reads and
// confirmation by reply. What the form does not show (template parameters,
// per-event-type reminders, the confirm words) is sent back as it came, so
// saving here never drops what was set through the API. Data is inserted
// as text, never as HTML.

const search = new URL(import.meta.url).search;
const [ui, { request, many }] = await Promise.all([import("./numbers-ui.js" + search), import("./api.js" + search)]);
const { el, field, input } = ui;

export const DEFAULT_REMINDERS = [24 * 60, 60];
const MIN_OFFSET = 5, MAX_OFFSET = 14 * 24 * 60, MAX_REMINDERS = 5;

// formatOffset writes minutes the way people type them back: 1440 → "24h".
export function formatOffset(m) {
  if (m % 60 === 0) return `${m / 60}h`;
  return `${m}m`;
}

// parseOffsets reads "24h, 1h, 30m" (or "2d", or bare minutes) into
// minutes; bad is the first part it could not read.
export function parseOffsets(text) {
  const minutes = [];
  for (const raw of String(text || "").split(/[,;\s]+/).filter(Boolean)) {
    const m = /^(\d+(?:\.\d+)?)\s*(d|h|m|min)?$/i.exec(raw);
    if (!m) return { minutes, bad: raw };
    const unit = (m[2] || "m").toLowerCase();
    minutes.push(Math.round(Number(m[1]) * (unit === "d" ? 1440 : unit === "h" ? 60 : 1)));
  }
  return { minutes: [...new Set(minutes)].sort((a, b) => b - a), bad: null };
}

// The approved templates (one entry per name and language, whichever
// WhatsApp account they belong to) and the connected numbers, asked for
// once per page unless forced.
let choices = null;
export function loadChoices(force) {
  if (force || !choices) {
    choices = Promise.all([request("GET", "/api/v1/templates").then(many), request("GET", "/api/v1/whatsapp/numbers").then(many)])
      .then(([ts, ns]) => {
        const seen = new Map();
        for (const t of ts) if (t.status === "APPROVED" && !seen.has(key(t))) seen.set(key(t), t);
        const templates = [...seen.values()].sort((a, b) => (a.category === "UTILITY" ? 0 : 1) - (b.category === "UTILITY" ? 0 : 1) ||
          a.name.localeCompare(b.name) || a.language.localeCompare(b.language));
        return { templates, numbers: ns.filter((n) => n.connected) };
      });
    choices.catch(() => { choices = null; }); // a failed load is tried again next time
  }
  return choices;
}

const key = (t) => `${t.name}|${t.language}`;

function option(value, label) {
  const o = el("option", null, label);
  o.value = value;
  return o;
}

const KINDS = [
  { name: "confirmation_template", id: "confirmation", label: "Confirmation template", required: true,
    help: "Sent as soon as someone books. Its parameters are filled in order with the invitee's first name, the start time, the meeting link or place, and the event's name." },
  { name: "reminder_template", id: "reminder", label: "Reminder template", required: true,
    help: "Sent before the meeting, at each reminder time below." },
  { name: "rescheduled_template", id: "rescheduled", label: "Rescheduled template (optional)", none: "Same as the confirmation",
    help: "Sent when the invitee picks a new time." },
  { name: "cancellation_template", id: "cancellation", label: "Cancellation template (optional)", none: "None: nothing is sent",
    help: "Sent when the booking is canceled before the meeting." },
];

// settingsFields builds the fields for settings s (null: a new
// connection) with ids starting with pre. It answers the fieldset, the
// local check, the body to send, and the inputs by their JSON names (for
// refusals the server pins on a field).
export function settingsFields(pre, s, { templates, numbers }) {
  const fs = el("fieldset", "calendly-fields");
  fs.append(el("legend", "visually-hidden", "Calendly settings"));
  const fresh = !s;
  s = s || {};

  const number = el("select");
  number.name = "number_id";
  const first = numbers[0];
  number.append(option("", first ? `The first connected number (${ui.phoneLabel(first)})` : "The first connected number"));
  for (const n of numbers) number.append(option(String(n.id), `${ui.phoneLabel(n)}${n.verified_name ? " · " + n.verified_name : ""}`));
  if (s.number_id && ![...number.options].some((o) => o.value === String(s.number_id))) {
    number.append(option(String(s.number_id), `Number ${s.number_id} (not connected)`));
  }
  number.value = s.number_id ? String(s.number_id) : "";
  fs.append(field(`${pre}-number`, "Sending number", number, numbers.length ? "" : "No WhatsApp number is connected yet: bookings are recorded, but no message can go out."));

  const byName = { number_id: number };
  const selects = {};
  const grid = el("div", "calendly-templates");
  for (const k of KINDS) {
    const sel = el("select");
    sel.name = k.name;
    sel.dataset.kind = k.id;
    sel.append(option("", k.required ? (templates.length ? "Choose an approved template…" : "No approved templates yet") : k.none));
    for (const t of templates) sel.append(option(key(t), `${t.name} (${t.language}, ${t.category})`));
    const cur = s[k.name];
    if (cur && cur.name) {
      const v = key(cur);
      // Kept visible, so saving does not silently drop it.
      if (![...sel.options].some((o) => o.value === v)) sel.append(option(v, `${cur.name} (${cur.language}, not approved)`));
      sel.value = v;
    }
    selects[k.name] = sel;
    byName[k.name] = sel;
    grid.append(field(`${pre}-${k.id}`, k.label, sel, k.help));
  }
  fs.append(grid);
  if (!templates.length) {
    fs.append(el("p", "warn small calendly-no-templates",
      "There is no approved template yet. Create UTILITY templates for the confirmation and the reminder (POST /api/v1/templates), then sync them once Meta approves them (POST /api/v1/templates/sync)."));
  }

  const reminders = input("text", "reminders_minutes", { autocomplete: "off", spellcheck: "false", placeholder: "24h, 1h" });
  reminders.value = (s.reminders_minutes || DEFAULT_REMINDERS).map(formatOffset).join(", ");
  byName.reminders_minutes = reminders;
  const et = Object.keys(s.event_types || {}).length;
  fs.append(field(`${pre}-reminders`, "Reminders before the start", reminders,
    `Up to ${MAX_REMINDERS}, each between 5 minutes and 14 days, like “24h, 1h” or “2d, 30m”. Empty: 24 h and 1 h.` +
    (et ? ` ${et} event type${et === 1 ? " has" : "s have"} reminders of ${et === 1 ? "its" : "their"} own, set through the API; they are kept.` : "")));

  const phoneQ = input("text", "phone_question", { autocomplete: "off", maxlength: "200", placeholder: "WhatsApp number" });
  phoneQ.value = s.phone_question || "";
  const optQ = input("text", "opt_in_question", { autocomplete: "off", maxlength: "200", placeholder: "Can we send you reminders on WhatsApp?" });
  optQ.value = s.opt_in_question || "";
  const country = input("text", "default_country", { autocomplete: "off", maxlength: "2", size: "3", placeholder: "GB", pattern: "[A-Za-z]{2}" });
  country.value = s.default_country || "";
  Object.assign(byName, { phone_question: phoneQ, opt_in_question: optQ, default_country: country });
  const questions = el("div", "calendly-questions");
  questions.append(
    field(`${pre}-phone-question`, "Phone question (optional)", phoneQ,
      "Part of the booking question that asks for the WhatsApp number. Empty: Calendly's text-reminder number, the number it calls, or a question mentioning phone or WhatsApp."),
    field(`${pre}-optin-question`, "Opt-in question (optional)", optQ,
      "Part of the yes/no booking question whose “Yes” is the customer's consent to WhatsApp messages. Empty: a question that mentions WhatsApp. Without consent WhatsApp's rules stop the messages."),
    field(`${pre}-country`, "Default country (optional)", country,
      "Two letters, like GB or BR: for numbers typed without a country code when the invitee's time zone does not tell."));
  fs.append(questions);

  const confirm = input("checkbox", "confirm_on_reply");
  confirm.id = `${pre}-confirm-on-reply`;
  confirm.checked = fresh ? true : !!s.confirm_on_reply;
  const lab = el("label", "checkbox-label");
  lab.htmlFor = confirm.id;
  lab.append(confirm, " Mark the booking confirmed when the customer replies 1, yes or 👍");
  fs.append(lab);

  function check() {
    const errs = [];
    for (const k of KINDS) if (k.required && !selects[k.name].value) errs.push([selects[k.name], `Choose the ${k.id} template.`]);
    const { minutes, bad } = parseOffsets(reminders.value);
    if (bad) errs.push([reminders, `“${bad}” is not a time; write it like 24h, 90m or 2d.`]);
    else if (minutes.length > MAX_REMINDERS) errs.push([reminders, `At most ${MAX_REMINDERS} reminders.`]);
    else if (minutes.some((m) => m < MIN_OFFSET || m > MAX_OFFSET)) errs.push([reminders, "Each reminder goes between 5 minutes and 14 days before the start."]);
    const c = country.value.trim();
    if (c && !/^[A-Za-z]{2}$/.test(c)) errs.push([country, "Two letters, like GB or BR."]);
    return errs;
  }

  // ref keeps the stored parameters while the template stays the same.
  function ref(k) {
    const v = selects[k.name].value;
    if (!v) return undefined;
    const [name, language] = v.split("|");
    const cur = s[k.name];
    const out = { name, language };
    if (cur && cur.name === name && cur.language === language && (cur.parameters || []).length) out.parameters = cur.parameters;
    return out;
  }

  function values() {
    const out = {};
    if (s.event_types) out.event_types = s.event_types;
    if ((s.confirm_words || []).length) out.confirm_words = s.confirm_words;
    if (number.value) out.number_id = Number(number.value);
    for (const k of KINDS) {
      const r = ref(k);
      if (r) out[k.name] = r;
    }
    const { minutes } = parseOffsets(reminders.value);
    if (minutes.length) out.reminders_minutes = minutes;
    for (const [k, i] of [["phone_question", phoneQ], ["opt_in_question", optQ]]) if (i.value.trim()) out[k] = i.value.trim();
    if (country.value.trim()) out.default_country = country.value.trim().toUpperCase();
    out.confirm_on_reply = confirm.checked;
    return out;
  }

  return { node: fs, check, values, byName, names: Object.keys(byName) };
}
