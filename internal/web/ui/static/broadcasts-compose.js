// broadcasts-compose.js — the compose form of a new broadcast or a draft:
// the number, an approved template with one expression per variable (the
// header's text or media link, the body's, the buttons'), the audience, an
// optional schedule in a chosen time zone and the failure threshold.
// Saving stores the draft; the page then shows its plan.

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

const MEDIA = ["IMAGE", "VIDEO", "DOCUMENT"];

// unsupported says why a broadcast cannot send t: every value it takes is
// an expression filled per recipient, and a location header (coordinates)
// is not one the server accepts for broadcasts.
function unsupported(t) {
  const format = picker.fieldsOf(t).headerFormat;
  if (format && format !== "TEXT" && !MEDIA.includes(format)) return `a ${format.toLowerCase()} header`;
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
  // A refusal naming one variable ("header image …", "button 1 …", "body
  // parameter {{city}} …") goes under that variable's input.
  const onVariable = (e) => {
    const input = e.status >= 400 && e.status < 500 && inputFor(e.message);
    if (!input) throw e;
    ui.setFieldError(input, ui.sentence(e.message, e.remedy));
    input.focus();
    say("Not saved: check the marked fields.", "error");
  };
  ui.onSubmit(f.form(), {
    box: $("compose-error"), say, button: $("compose-save"), failed: "Not saved",
    names: ["failure_threshold", "schedule_at", "timezone", "template", "consent", "number", "name"],
    byName: { failure_threshold: f.threshold(), schedule_at: f.schedule(), timezone: f.zone(), template: f.template(), consent: f.consent(), number: f.number(), name: f.name() },
    check,
    async send() {
      const body = payload();
      let b;
      try {
        b = st.draft
          ? await request("PUT", `/api/v1/broadcasts/${st.draft.id}`, body)
          : await request("POST", "/api/v1/broadcasts", body);
      } catch (e) {
        onVariable(e);
        return;
      }
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

// shapeOf lists what a send of t takes. Without t (a draft whose template
// is not approved now) it follows what b saved, so the draft keeps it all.
function shapeOf(t, b) {
  if (t) {
    const fl = picker.fieldsOf(t);
    const header = fl.headerVar ? { kind: "text", name: fl.headerVar } : MEDIA.includes(fl.headerFormat) ? { kind: "media", format: fl.headerFormat } : null;
    return { header, named: fl.named, body: fl.bodyVars, buttons: picker.buttonParamsOf(t) };
  }
  const tp = (b && b.template) || {}, h = tp.header || {};
  const named = Object.keys(tp.body_named || {});
  return {
    header: h.text ? { kind: "text", name: "1" } : h.link || h.media_id ? { kind: "media", format: h.filename ? "DOCUMENT" : "" } : null,
    named: named.length > 0,
    body: named.length ? named : (tp.parameters || []).map((_, i) => String(i + 1)),
    buttons: Object.keys(tp.buttons || {}).map((k) => ({ index: Number(k), type: "", text: "", url: "", example: "" })),
  };
}

// savedValues are b's expressions by input key.
function savedValues(b) {
  const tp = b.template || {}, h = tp.header || {}, out = {};
  (tp.parameters || []).forEach((x, i) => { out[`body:${i + 1}`] = x; });
  for (const [k, x] of Object.entries(tp.body_named || {})) out[`body:${k}`] = x;
  if (h.text) out["header:text"] = h.text;
  if (h.link || h.media_id) out["header:media"] = h.link || h.media_id;
  if (h.filename) out["header:filename"] = h.filename;
  for (const [k, xs] of Object.entries(tp.buttons || {})) out[`button:${k}`] = (xs || [])[0] || "";
  return out;
}

const rowInputs = () => [...$("bc-param-rows").querySelectorAll("input")];

function row(id, name, key, label, opts) {
  const input = ui.input("text", name, { autocomplete: "off", maxlength: String(opts.max || 1024), class: "bc-param" });
  input.dataset.key = key;
  input.placeholder = opts.placeholder || "";
  input.value = opts.value || "";
  if (opts.optional) input.dataset.optional = "true";
  return [ui.field(id, label, input, opts.help || ""), input];
}

function examplesOf(c, named) {
  const ex = (c && c.example) || {};
  if (named) {
    return Object.fromEntries([...(ex.body_text_named_params || []), ...(ex.header_text_named_params || [])].map((e) => [e.param_name, e.example]));
  }
  return Object.fromEntries((ex.body_text ? ex.body_text[0] || [] : ex.header_text || []).map((x, i) => [String(i + 1), x]));
}

const MEDIA_FILE = { IMAGE: "jpg", VIDEO: "mp4", DOCUMENT: "pdf" };
// The page's template holds the example link: this file names no address.
const linkExample = () => $("bc-param-rows").dataset.linkExample || "";

function headerRows(h, t, typed) {
  if (!h) return [];
  if (h.kind === "text") {
    const c = t && (t.components || []).find((x) => upper(x.type) === "HEADER");
    const ex = examplesOf(c, t && picker.fieldsOf(t).named)[h.name];
    const [wrap] = row("bc-header-text", "header_text", "header:text", `Header {{${h.name}}}`, {
      value: typed["header:text"], placeholder: ex ? `e.g. ${ex} or {{city}}` : "{{city}}", help: ex ? `Meta's example: ${ex}` : "",
    });
    return [wrap];
  }
  const kind = h.format ? h.format.toLowerCase() : "media";
  const [wrap] = row("bc-header-media", "header_link", "header:media", `Header ${kind} link`, {
    value: typed["header:media"], max: 2000, placeholder: `${linkExample()}.${MEDIA_FILE[h.format] || "jpg"}`,
    help: `An https link to the ${kind}, which may contain fields such as {{city|all}}; or the ID of a file uploaded to Meta.`,
  });
  const rows = [wrap];
  if (h.format === "DOCUMENT") {
    rows.push(row("bc-header-filename", "header_filename", "header:filename", "Document file name", {
      value: typed["header:filename"], max: 240, optional: true, placeholder: "Invoice {{order_id}}.pdf",
      help: "Optional: the name the customer sees. Fields work here too.",
    })[0]);
  }
  return rows;
}

function bodyRows(sh, body, typed) {
  const examples = examplesOf(body, sh.named);
  return sh.body.map((name, i) => {
    const [wrap, input] = row(`bc-param-${i + 1}`, `parameter_${i + 1}`, `body:${name}`, `{{${name}}}`, {
      value: typed[`body:${name}`],
      placeholder: i === 0 && !sh.named ? "{{first_name|there}}" : examples[name] ? `e.g. ${examples[name]} or {{${sh.named ? name : "city"}}}` : `{{${sh.named ? name : "city"}}}`,
      help: examples[name] ? `Meta's example: ${examples[name]}` : "",
    });
    input.dataset.index = String(i + 1);
    if (sh.named) input.dataset.name = name;
    return wrap;
  });
}

function buttonRows(buttons, typed) {
  return buttons.map((bt) => {
    const code = bt.type === "COPY_CODE";
    const label = bt.text || (code ? "Copy offer code" : `Button ${bt.index + 1}`);
    const what = code ? "coupon code" : bt.type === "URL" ? "link ending" : "value";
    const help = code ? "At most 20 characters, without spaces." : bt.url ? `Fills {{1}} in ${bt.url}; only URL-safe characters.` : "";
    const [wrap, input] = row(`bc-button-${bt.index}`, `button_${bt.index}`, `button:${bt.index}`, `Button “${label}”: ${what}`, {
      value: typed[`button:${bt.index}`], max: code ? 200 : 2000,
      placeholder: bt.example ? `e.g. ${bt.example} or {{${code ? "coupon" : "order_id"}}}` : code ? "{{coupon|WELCOME}}" : "{{order_id}}",
      help: [help, bt.example ? `Meta's example: ${bt.example}` : ""].filter(Boolean).join(" "),
    });
    input.dataset.button = bt.type || "";
    return wrap;
  });
}

// paramRows builds one input per variable of the chosen template, keeping
// what was typed (or b's expressions) for the variables it shares.
function paramRows(b) {
  const t = chosen();
  const box = $("bc-param-rows");
  const typed = b ? savedValues(b) : Object.fromEntries(rowInputs().map((i) => [i.dataset.key, i.value]));
  const bodyText = $("bc-template-body");
  const body = t && (t.components || []).find((c) => upper(c.type) === "BODY");
  bodyText.hidden = !body;
  bodyText.textContent = body ? body.text : "";
  const sh = t || b ? shapeOf(t, b) : { header: null, named: false, body: [], buttons: [] };
  box.replaceChildren(...headerRows(sh.header, t, typed), ...bodyRows(sh, body, typed), ...buttonRows(sh.buttons, typed));
  $("bc-params").hidden = !box.children.length;
}

// inputFor finds the input a server refusal is about.
function inputFor(message) {
  const m = String(message || ""), inputs = rowInputs();
  const by = (key) => inputs.find((i) => i.dataset.key === key);
  let r;
  if ((r = /\bbutton (\d+)\b/.exec(m))) return by(`button:${r[1]}`);
  if (/\bfilename\b/.test(m)) return by("header:filename") || by("header:media");
  if (/\bheader\b/.test(m)) return by("header:media") || by("header:text");
  if ((r = /\bparameter \{\{\s*(\w+)\s*\}\}|\btemplate parameter (\d+)\b/.exec(m))) return by(`body:${r[1] || r[2]}`);
  return null;
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
  for (const input of rowInputs()) {
    const x = input.value.trim();
    const media = input.dataset.key === "header:media";
    if (!x && !input.dataset.optional) {
      errs.push([input, media ? `Give an https link such as ${linkExample()}.jpg, or the ID of a file uploaded to Meta.`
        : input.dataset.button ? "Type the value, or a field such as {{order_id}}." : "Type a value or an expression such as {{first_name|there}}."]);
    } else if (media && x && !/^\d+$/.test(x) && !/^https?:\/\/\S/i.test(x) && !x.startsWith("{{")) {
      errs.push([input, `An https link such as ${linkExample()}.jpg, or the ID of a file uploaded to Meta.`]);
    }
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
    template: { name, language, ...templateValues() },
    audience: st.keep.follow_up ? { follow_up: st.keep.follow_up } : audience,
    schedule_at: f.schedule().value, timezone: f.schedule().value ? f.zone().value : "", failure_threshold: th ? Number(th) / 100 : 0,
  };
}

// templateValues are the inputs' expressions in the API's shapes. A bare
// number in the media input is the ID of a file uploaded to Meta.
function templateValues() {
  const out = { parameters: [] }, named = {}, buttons = {};
  let header = null;
  for (const input of rowInputs()) {
    const x = input.value.trim(), key = input.dataset.key;
    if (key.startsWith("body:")) {
      if (input.dataset.name) named[input.dataset.name] = x;
      else out.parameters.push(x);
    } else if (key === "header:text") header = { ...header, text: x };
    else if (key === "header:media") header = { ...header, [/^\d+$/.test(x) ? "media_id" : "link"]: x };
    else if (key === "header:filename" && x) header = { ...header, filename: x };
    else if (key.startsWith("button:")) buttons[key.slice(7)] = [x];
  }
  if (header) out.header = header;
  if (Object.keys(named).length) out.body_named = named;
  if (Object.keys(buttons).length) out.buttons = buttons;
  return out;
}
