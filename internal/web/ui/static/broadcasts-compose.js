// broadcasts-compose.js — the compose form of a new broadcast or a draft:
// the number, an approved template with one expression per body variable,
// the audience, an optional schedule in a chosen time zone and the failure
// threshold. Saving stores the draft; the page then shows its plan.

const v = new URL(import.meta.url).search;
const [ui, { request, many }, picker] = await Promise.all([
  import("./numbers-ui.js" + v), import("./api.js" + v), import("./picker.js" + v),
]);
const { $, el } = ui;

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const upper = (s) => String(s || "").toUpperCase();

let ctx = null;
const st = {
  draft: null,      // the draft being edited; null for a new one
  templates: null,  // every template of the workspace
  numbers: null,
  loadedAt: 0,
  keep: {},         // audience parts the form does not edit (follow-up, number)
  seq: 0,
};

const f = {
  form: () => $("compose-form"), name: () => $("bc-name"), number: () => $("bc-number"), template: () => $("bc-template"),
  tags: () => $("bc-tags"), exclude: () => $("bc-exclude-tags"), consent: () => $("bc-consent"), labels: () => $("bc-labels"),
  within: () => $("bc-inbound-within"), silent: () => $("bc-no-inbound-for"), attrs: () => $("bc-attributes"),
  schedule: () => $("bc-schedule"), zone: () => $("bc-timezone"), threshold: () => $("bc-threshold"),
};

async function templates(force) {
  if (force || !st.templates || Date.now() - st.loadedAt > 30000) {
    st.templates = await request("GET", "/api/v1/templates").then(many);
    st.loadedAt = Date.now();
  }
  return st.templates;
}

// unsupported says why a broadcast cannot send t: it fills body variables
// by position only, so anything else the template asks for is missing.
function unsupported(t) {
  const fl = picker.fieldsOf(t);
  if (fl.named) return "named variables";
  if (fl.headerVar) return "a header variable";
  if (fl.headerFormat && fl.headerFormat !== "TEXT") return `a ${fl.headerFormat.toLowerCase()} header`;
  if (fl.buttonVars) return "a button variable";
  return "";
}

const keyOf = (t) => `${t.name}|${t.language}`;

function zones() {
  let list = [];
  try { list = Intl.supportedValuesOf("timeZone"); } catch { /* older browsers: the short list below */ }
  if (!list.length) list = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Sao_Paulo", "Asia/Kolkata", "Asia/Singapore", "Australia/Sydney"];
  // Browsers list some zones by their old names (Asia/Calcutta); people
  // look for the current ones, and the server knows both.
  return [...new Set(["UTC", browserZone, "Asia/Kolkata", "Europe/Kyiv", "Asia/Ho_Chi_Minh", "Asia/Kathmandu", "America/Nuuk", ...list])].sort();
}

function option(value, label, disabled) {
  const o = el("option", null, label);
  o.value = value;
  o.disabled = !!disabled;
  return o;
}

// wallTime is iso as a datetime-local value in zone.
function wallTime(iso, zone) {
  if (!iso) return "";
  try {
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone || "UTC", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(new Date(iso));
    const g = (t) => (parts.find((p) => p.type === t) || {}).value;
    return `${g("year")}-${g("month")}-${g("day")}T${g("hour")}:${g("minute")}`;
  } catch {
    return iso.slice(0, 16);
  }
}

export function setup(c) {
  ctx = c;
  f.zone().replaceChildren(...zones().map((z) => option(z, z.replace(/_/g, " "))));
  f.zone().value = browserZone;
  f.number().addEventListener("change", () => fillTemplates(null));
  f.template().addEventListener("change", () => paramRows(null));
  const status = $("compose-status");
  const say = (text, kind) => { status.textContent = text; status.dataset.kind = kind || ""; };
  ui.onSubmit(f.form(), {
    box: $("compose-error"), say, button: $("compose-save"), failed: "Not saved",
    names: ["failure_threshold", "schedule_at", "timezone", "template", "consent", "number", "name"],
    byName: { failure_threshold: f.threshold(), schedule_at: f.schedule(), timezone: f.zone(), template: f.template(), consent: f.consent(), number: f.number(), name: f.name() },
    check,
    async send() {
      const body = payload();
      const b = st.draft
        ? await request("PUT", `/api/v1/broadcasts/${st.draft.id}`, body)
        : await request("POST", "/api/v1/broadcasts", body);
      const created = !st.draft;
      st.draft = b;
      say(created ? "Draft saved. Check the plan and the preview below before launching." : "Draft saved; the plan below is up to date.");
      ctx.saved(b, created);
    },
  });
}

export function show(visible) {
  f.form().hidden = !visible;
}

// fill loads b (null: a new broadcast) into the form.
export async function fill(b) {
  const my = ++st.seq;
  // The draft just saved comes back here with its own URL: what the save
  // said stays.
  const resaved = b && st.draft && st.draft.id === b.id;
  st.draft = b;
  const a = (b && b.audience) || {};
  st.keep = { follow_up: a.follow_up, number_id: a.number_id };
  ui.clearFieldErrors(f.form());
  $("compose-error").hidden = true;
  if (!resaved) $("compose-status").textContent = "";
  f.name().value = b ? b.name : "";
  f.tags().value = (a.tags || []).join(", ");
  f.exclude().value = (a.exclude_tags || []).join(", ");
  f.labels().value = (a.labels || []).join(", ");
  f.consent().value = b ? a.consent || "" : "opted_in";
  f.within().value = a.inbound_within_days || "";
  f.silent().value = a.no_inbound_for_days || "";
  f.attrs().value = Object.entries(a.attributes || {}).map(([k, x]) => `${k}=${x}`).join("\n");
  const zone = (b && b.timezone) || browserZone;
  if (![...f.zone().options].some((o) => o.value === zone)) f.zone().append(option(zone, zone));
  f.zone().value = zone;
  f.schedule().value = b && b.schedule_at ? wallTime(b.schedule_at, zone) : "";
  f.threshold().value = b && b.failure_threshold ? String(Math.round(b.failure_threshold * 100)) : "";
  const followUp = $("bc-followup-note");
  followUp.hidden = !a.follow_up;
  $("bc-audience-fields").hidden = !!a.follow_up;
  if (a.follow_up) {
    followUp.textContent = `This follow-up goes to the recipients of broadcast #${a.follow_up.broadcast_id} in the group “${a.follow_up.group.replace(/_/g, " ")}”, as they are when it launches.`;
  }
  try {
    const [ns] = await Promise.all([ctx.numbers(), templates(!b)]);
    if (my !== st.seq) return;
    const connected = ns.filter((n) => n.connected || (b && n.id === b.number_id));
    f.number().replaceChildren(...connected.map((n) => option(String(n.id), `${ui.phoneLabel(n)}${n.verified_name ? ` · ${n.verified_name}` : ""}`)));
    if (!connected.length) f.number().append(option("", "No connected number"));
    if (b) f.number().value = String(b.number_id);
    fillTemplates(b);
  } catch (e) {
    if (my === st.seq) ui.problem($("compose-error"), e);
  }
}

const selectedNumber = () => (st.numbers || []).find((n) => String(n.id) === f.number().value);

async function fillTemplates(b) {
  st.numbers = await ctx.numbers();
  const num = selectedNumber();
  const sel = f.template();
  const keep = b ? `${b.template.name}|${b.template.language}` : sel.value;
  const approved = (st.templates || []).filter((t) => upper(t.status) === "APPROVED" && (!num || t.waba_id === num.waba_id))
    .sort((x, y) => x.name.localeCompare(y.name) || x.language.localeCompare(y.language));
  const opts = [option("", approved.length ? "Choose an approved template…" : "No approved template for this number")];
  for (const t of approved) {
    const why = unsupported(t);
    const o = option(keyOf(t), `${picker.templateLabel(t)}${why ? ` — has ${why}, not for broadcasts` : ""}`, why);
    opts.push(o);
  }
  if (b && keep && !approved.some((t) => keyOf(t) === keep)) {
    const [name, language] = keep.split("|");
    opts.push(option(keep, `${name} (${language}) — not approved now`));
  }
  sel.replaceChildren(...opts);
  sel.value = keep || "";
  paramRows(b);
}

function chosen() {
  const num = selectedNumber();
  const all = (st.templates || []).filter((t) => keyOf(t) === f.template().value);
  return all.find((t) => !num || t.waba_id === num.waba_id) || all[0];
}

// paramRows builds one input per body variable, keeping what was typed
// (or b's expressions).
function paramRows(b) {
  const t = chosen();
  const box = $("bc-param-rows");
  const typed = b ? b.template.parameters || [] : [...box.querySelectorAll("input")].map((i) => i.value);
  const bodyText = $("bc-template-body");
  const body = t && (t.components || []).find((c) => upper(c.type) === "BODY");
  bodyText.hidden = !body;
  bodyText.textContent = body ? body.text : "";
  const vars = t ? picker.fieldsOf(t).bodyVars : b ? b.template.parameters.map((_, i) => String(i + 1)) : [];
  const examples = (body && body.example && body.example.body_text && body.example.body_text[0]) || [];
  box.replaceChildren(...vars.map((name, i) => {
    const id = `bc-param-${i + 1}`;
    const input = ui.input("text", `parameter_${i + 1}`, { autocomplete: "off", maxlength: "1024", class: "bc-param" });
    input.dataset.index = String(i + 1);
    input.placeholder = i === 0 ? "{{first_name|there}}" : examples[i] ? `e.g. ${examples[i]} or {{city}}` : "{{city}}";
    input.value = typed[i] || "";
    return ui.field(id, `{{${name}}}`, input, examples[i] ? `Meta's example: ${examples[i]}` : "");
  }));
  $("bc-params").hidden = !vars.length;
}

function list(s) {
  return String(s || "").split(",").map((x) => x.trim()).filter(Boolean);
}

function days(input) {
  const s = input.value.trim();
  return s === "" ? 0 : Number(s);
}

function attributes() {
  const out = {};
  for (const line of f.attrs().value.split("\n")) {
    if (!line.trim()) continue;
    const i = line.indexOf("=");
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

function check() {
  const errs = [];
  if (!f.number().value) errs.push([f.number(), "Connect a WhatsApp number first, on the Numbers page."]);
  if (!f.template().value) errs.push([f.template(), "Choose the approved template to send."]);
  for (const input of $("bc-param-rows").querySelectorAll("input")) {
    if (!input.value.trim()) errs.push([input, "Type a value or an expression such as {{first_name|there}}."]);
  }
  for (const input of [f.within(), f.silent()]) {
    const n = days(input);
    if (!Number.isInteger(n) || n < 0) errs.push([input, "A whole number of days, or empty."]);
  }
  const bad = f.attrs().value.split("\n").find((l) => l.trim() && !/^\s*[^=\s][^=]*=/.test(l));
  if (bad) errs.push([f.attrs(), `“${bad.trim()}” is not key=value.`]);
  const th = f.threshold().value.trim();
  if (th && !(Number(th) >= 1 && Number(th) <= 100)) errs.push([f.threshold(), "A percentage from 1 to 100, or empty for 20%."]);
  return errs;
}

function payload() {
  const [name, language] = f.template().value.split("|");
  const audience = {
    tags: list(f.tags().value), exclude_tags: list(f.exclude().value), labels: list(f.labels().value),
    consent: f.consent().value, inbound_within_days: days(f.within()), no_inbound_for_days: days(f.silent()),
    attributes: attributes(), ...Object.fromEntries(Object.entries(st.keep).filter(([, x]) => x)),
  };
  const th = f.threshold().value.trim();
  return {
    name: f.name().value.trim(), number_id: Number(f.number().value),
    template: { name, language, parameters: [...$("bc-param-rows").querySelectorAll("input")].map((i) => i.value.trim()) },
    audience: st.keep.follow_up ? { follow_up: st.keep.follow_up } : audience,
    schedule_at: f.schedule().value, timezone: f.schedule().value ? f.zone().value : "", failure_threshold: th ? Number(th) / 100 : 0,
  };
}
