// integrations-calendly.js — the Calendly card of the Integrations page:
// connecting (a personal access token or OAuth) with the messages'
// settings; once connected, who is connected, whether Calendly still
// delivers bookings (its webhook subscription), what would stop messages
// going out, the settings to edit, and disconnecting. The card refreshes
// every 10 s while the page is visible. Data is inserted as text, never
// as HTML.

const search = new URL(import.meta.url).search;
const [ui, panels, cs] = await Promise.all([
  import("./numbers-ui.js" + search), import("./integrations-panels.js" + search), import("./calendly-settings.js" + search),
]);
const { $, el, field, input } = ui;
const { call, errorBox, statusLine, sayIn, button, tag } = panels;

const base = "/api/v1/integrations/calendly";
const canManage = ui.canManage();
const sandbox = document.body.dataset.sandbox === "true";
const card = $("calendly");
const PROBLEM_STATES = ["disabled", "missing"];
let shown = null; // {conn, identity}: what the card shows now
let generation = 0; // counts renders: a poll that started before one is stale

// run wraps a button's action: busy while it runs, errors shown in box.
async function run(btn, box, f) {
  btn.disabled = true;
  box.hidden = true;
  try {
    await f();
  } catch (e) {
    ui.problem(box, e);
  } finally {
    btn.disabled = false;
  }
}

// fail shows a refusal under the field it names, or in box.
function fail(e, box, say, fields, failed) {
  say(`${failed}.`, "error");
  const name = e.status && e.status < 500 ? ui.fieldNamed(e.message, fields.names) : null;
  if (name && fields.byName[name]) {
    ui.setFieldError(fields.byName[name], ui.sentence(e.message, e.remedy));
    fields.byName[name].focus();
  } else {
    ui.problem(box, e);
  }
}

// checked runs the local checks; false (with the fields marked) when
// something is missing.
function checked(form, box, say, errs, failed) {
  ui.clearFieldErrors(form);
  box.hidden = true;
  say("");
  if (!errs.length) return true;
  for (const [i, m] of errs) ui.setFieldError(i, m);
  errs[0][0].focus();
  say(`${failed}: check the marked fields.`, "error");
  return false;
}

// oauth asks GoHavi for Calendly's consent address (the settings travel in
// its state) and goes there; Calendly sends the browser back to this page.
async function oauth(body, say) {
  const r = await call("POST", `${base}/authorize`, body);
  if (!r || !/^https?:\/\//i.test(r.url || "")) throw new Error("GoHavi gave no address to sign in to Calendly at.");
  say("Opening Calendly…");
  location.assign(r.url);
}

function tokenFields(pre) {
  const token = input("password", "token", { autocomplete: "off", spellcheck: "false" });
  if (sandbox) token.placeholder = "any token works with the sandbox simulator";
  const scope = el("select");
  scope.name = "scope";
  for (const [v, label] of [["user", "My bookings (user scope)"], ["organization", "Everyone's bookings in the organization (needs a Calendly owner or admin)"]]) {
    const o = el("option", null, label);
    o.value = v;
    scope.append(o);
  }
  const wrap = el("div", "calendly-token-row");
  wrap.append(
    field(`${pre}-token`, "Personal access token", token, sandbox ? "Any token works with the sandbox simulator."
      : "In Calendly: Integrations › API & Webhooks › Personal access tokens. Webhooks need a paid Calendly plan (Standard or above)."),
    field(`${pre}-scope`, "Bookings to follow", scope));
  return { wrap, token, scope };
}

// connectForm connects with a token or through OAuth. With conn (a broken
// connection) it only asks for new credentials and keeps the settings.
function connectForm(choices, conn) {
  const pre = conn ? "calendly-reconnect" : "calendly-connect";
  const form = el("form", "connect-form calendly-connect-form");
  form.id = `${pre}-form`;
  form.noValidate = true;
  const { wrap, token, scope } = tokenFields(pre);
  if (conn) scope.value = conn.scope || "user";
  const settings = conn ? null : cs.settingsFields(pre, null, choices);
  const fields = { names: ["token", "scope", ...(settings ? settings.names : [])], byName: { token, scope, ...(settings ? settings.byName : {}) } };
  const status = statusLine();
  const say = sayIn(status);
  const box = errorBox();
  const submit = el("button", "btn btn-primary calendly-connect-submit", conn ? "Reconnect with the token" : "Connect with the token");
  submit.type = "submit";
  const withOAuth = button(conn ? "Reconnect with Calendly (OAuth)" : "Connect with Calendly (OAuth)", "btn-link calendly-oauth");
  const actions = el("div", "form-actions");
  actions.append(withOAuth, submit);
  form.append(wrap);
  if (settings) form.append(settings.node);
  form.append(status, box, actions);
  const body = () => ({ scope: scope.value, ...(settings ? settings.values() : conn.settings) });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const errs = settings ? settings.check() : [];
    if (!token.value.trim()) errs.unshift([token, "Paste a Calendly personal access token, or connect with OAuth."]);
    if (!checked(form, box, say, errs, "Not connected")) return;
    submit.disabled = true;
    try {
      say("Checking the token with Calendly and subscribing to its bookings…");
      const c = await call("POST", base, { token: token.value.trim(), ...body() });
      token.value = "";
      say("");
      render(c, choices, `Connected to Calendly as ${c.user && c.user.name ? c.user.name : "its user"}.`);
    } catch (e) {
      fail(e, box, say, fields, "Not connected");
    } finally {
      submit.disabled = false;
    }
  });
  withOAuth.addEventListener("click", async () => {
    if (!checked(form, box, say, settings ? settings.check() : [], "Not connected")) return;
    withOAuth.disabled = true;
    try {
      await oauth(body(), say);
    } catch (e) {
      fail(e, box, say, fields, "Not connected");
      withOAuth.disabled = false;
    }
  });
  return form;
}

// ---- a connected Calendly ----

function subscriptionProblem(c, box) {
  const sub = c.subscription || {};
  const wrap = el("div", "alert calendly-subscription-problem");
  wrap.dataset.state = sub.state;
  wrap.append(el("strong", null, sub.state === "missing" ? "Calendly's webhook subscription is missing: " : "Calendly disabled its webhook subscription: "),
    "new bookings, changes and cancellations do not reach GoHavi, so they get no WhatsApp messages.");
  if (sub.error) wrap.append(el("p", "calendly-subscription-error", sub.error));
  if (canManage) {
    const again = button("Re-create subscription", "btn-primary calendly-resubscribe");
    again.addEventListener("click", () => run(again, box, async () => {
      const v = await call("POST", `${base}/subscription`, {});
      render(v, null, "Re-created the webhook subscription: Calendly delivers bookings to GoHavi again.");
    }));
    const row = el("div", "form-actions");
    row.append(again);
    wrap.append(row);
  }
  return wrap;
}

function summary(c, box) {
  const wrap = el("div", "calendly-summary");
  const sub = c.subscription || {};
  if (c.status !== "active") {
    const broken = el("div", "alert calendly-broken");
    broken.append(el("strong", null, "The connection is broken: "), c.status_reason || "Calendly refuses GoHavi's access.",
      canManage ? " Connect again below; the settings are kept." : "");
    wrap.append(broken);
  }
  if (PROBLEM_STATES.includes(sub.state)) wrap.append(subscriptionProblem(c, box));

  const dl = el("dl", "facts");
  const fact = (k, v, cls, data) => {
    const dd = el("dd", cls);
    dd.append(...[v].flat());
    if (data) Object.assign(dd.dataset, data);
    dl.append(el("dt", null, k), dd);
    return dd;
  };
  const u = c.user || {};
  fact("Calendly user", u.name ? `${u.name}${u.email ? " (" + u.email + ")" : ""}` : u.email || u.uri || "—", "calendly-user");
  if (u.timezone) fact("Time zone", u.timezone.replace(/_/g, " "), "calendly-timezone");
  fact("Organization", c.organization || "—", "calendly-org");
  fact("Bookings followed", c.scope === "organization" ? "Everyone's in the organization" : "This user's", "calendly-scope");
  fact("Connected with", c.auth === "oauth" ? "OAuth" : "Personal access token", "calendly-auth");
  if (c.connected_at) fact("Connected", ui.timeEl(c.connected_at), "calendly-since");
  const subText = PROBLEM_STATES.includes(sub.state) ? ui.human(sub.state) : sub.state === "active" ? "Active" : ui.human(sub.state || "unknown");
  const checkedAt = sub.checked_at ? [" · checked ", ui.timeEl(sub.checked_at)] : [" · not checked yet"];
  fact("Webhook subscription", [subText, ...checkedAt], "calendly-subscription", { state: sub.state || "" });
  wrap.append(dl);
  if (sub.error && !PROBLEM_STATES.includes(sub.state)) wrap.append(el("p", "crm-backoff calendly-subscription-note", sub.error));

  // The broken status and the subscription already have their own box.
  const warnings = (c.warnings || []).filter((w) => w && w !== c.status_reason && w !== sub.error);
  if (warnings.length) {
    const w = el("div", "number-issues calendly-warnings");
    w.append(el("p", "issues-title", "What could stop appointment messages"));
    const ul = el("ul");
    for (const x of warnings) ul.append(el("li", "calendly-warning", x));
    w.append(ul);
    wrap.append(w);
  } else if (c.status === "active" && !PROBLEM_STATES.includes(sub.state)) {
    wrap.append(el("p", "calendly-ready", "Ready: every new booking gets its WhatsApp confirmation and reminders."));
  }
  const link = el("a", "calendly-appointments", "See the appointments and their messages →");
  link.href = "/appointments";
  const p = el("p", "calendly-links");
  p.append(link);
  wrap.append(p);
  return wrap;
}

function settingsSection(c, choices) {
  const sec = el("section", "crm-section calendly-settings");
  sec.setAttribute("aria-labelledby", "calendly-settings-title");
  const h = el("h3", null, "Messages and settings");
  h.id = "calendly-settings-title";
  const form = el("form", "calendly-settings-form");
  form.id = "calendly-settings-form";
  form.noValidate = true;
  const fields = cs.settingsFields("calendly-settings", c.settings || {}, choices);
  fields.node.disabled = !canManage;
  const status = statusLine();
  const say = sayIn(status);
  const box = errorBox();
  form.append(fields.node, status, box);
  if (canManage) {
    const save = el("button", "btn btn-primary calendly-settings-save", "Save settings");
    save.type = "submit";
    const actions = el("div", "form-actions");
    actions.append(save);
    form.append(actions);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (!checked(form, box, say, fields.check(), "Not saved")) return;
      save.disabled = true;
      try {
        say("Saving…");
        const v = await call("PUT", `${base}/settings`, fields.values());
        render(v, choices, `Saved at ${new Date().toLocaleTimeString()}.`);
      } catch (e) {
        fail(e, box, say, fields, "Not saved");
      } finally {
        save.disabled = false;
      }
    });
  }
  sec.append(h, form);
  return sec;
}

function disconnect(btn, box) {
  if (!confirm("Disconnect Calendly? GoHavi deletes its webhook subscription and forgets the bookings and their scheduled reminders; nothing more is sent for them. Calendly itself is not changed.")) return;
  return run(btn, box, async () => {
    await call("DELETE", base);
    await render(null, null, "Disconnected Calendly.");
  });
}

// ---- the card ----

function titleRow(c) {
  const row = el("div", "crm-title");
  const h = el("h2", null, "Calendly");
  h.id = "calendly-title";
  row.append(h);
  if (!c) row.append(tag("tag-off calendly-status", "Not connected", { status: "none" }));
  else if (c.status !== "active") row.append(tag("tag-broken calendly-status", "Broken", { status: c.status }));
  else row.append(tag("tag-live calendly-status", "Active", { status: "active" }));
  return row;
}

// identity is what a full re-render follows; anything else only
// refreshes the summary, so what is being typed in a form stays.
const identity = (c) => (c ? [c.connected_at, c.status, c.auth, c.scope, (c.subscription || {}).uri].join("|") : "");

async function render(c, choices, notice) {
  const box = errorBox();
  const status = statusLine();
  try {
    choices = choices || (await cs.loadChoices(!!notice));
  } catch (e) {
    if (e.status === 401) return ui.problem(box, e);
    choices = { templates: [], numbers: [] };
    ui.problem(box, { message: "The templates and numbers could not be read.", remedy: `${e.message} ${e.remedy || ""}`.trim() });
  }
  const parts = [titleRow(c), status, box];
  if (!c) {
    parts.push(el("p", "crm-intro", "Not connected. Connect Calendly and every booking gets a WhatsApp confirmation from an approved template, reminders before the meeting, and a note when it is moved or canceled."));
    parts.push(canManage ? connectForm(choices, null) : el("p", "muted", "Owners and admins can connect it."));
  } else {
    parts.push(summary(c, box), settingsSection(c, choices));
    if (canManage && c.status !== "active") {
      const again = el("details", "panel calendly-reconnect");
      again.open = true;
      again.append(el("summary", null, "Connect again"));
      const body = el("div", "panel-body");
      body.append(connectForm(choices, c));
      again.append(body);
      parts.push(again);
    }
    if (canManage) {
      const actions = el("div", "number-actions crm-actions");
      const dis = button("Disconnect…", "btn-link btn-danger-link calendly-disconnect");
      dis.addEventListener("click", () => disconnect(dis, box));
      actions.append(dis);
      parts.push(actions);
    }
  }
  card.replaceChildren(...parts);
  card.dataset.connected = String(!!c);
  card.dataset.status = c ? c.status || "" : "";
  card.dataset.subscription = c ? (c.subscription || {}).state || "" : "";
  shown = { conn: c, identity: identity(c) };
  generation++;
  if (notice) sayIn(status)(notice);
}

// refresh re-reads the connection; only a change of identity re-renders
// the whole card.
function refresh(c) {
  if (shown && shown.identity === identity(c)) {
    if (c && JSON.stringify(shown.conn) !== JSON.stringify(c)) {
      const box = card.querySelector(":scope > .alert");
      card.querySelector(".crm-title").replaceWith(titleRow(c));
      card.querySelector(".calendly-summary").replaceWith(summary(c, box));
      card.dataset.subscription = (c.subscription || {}).state || "";
      shown.conn = c;
    }
    return;
  }
  return render(c, null, "");
}

let loading = false;
async function load() {
  if (loading) return;
  loading = true;
  card.setAttribute("aria-busy", "true");
  const gen = generation;
  try {
    const c = await call("GET", base).catch((e) => {
      if (e.status === 404 && e.code === "not_found") return null;
      throw e;
    });
    if (gen === generation) await refresh(c);
  } catch (e) {
    const box = errorBox();
    ui.problem(box, e);
    card.replaceChildren(titleRow(null), box);
    card.dataset.connected = "unavailable";
    shown = null;
  } finally {
    loading = false;
    card.setAttribute("aria-busy", "false");
  }
}

const visible = () => document.visibilityState === "visible";
await load();
setInterval(() => { if (visible()) load(); }, 10000);
document.addEventListener("visibilitychange", () => { if (visible()) load(); });
