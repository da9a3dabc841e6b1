// integrations.js — the Integrations page: one card per CRM (HubSpot, Zoho
// CRM) with its connection and health, how to connect it (OAuth or by
// hand), its field mapping, its stage rules (integrations-rules.js) and
// its sync log. The cards refresh every 10 s while the page is visible.
// Data is inserted as text, never as HTML.

const search = new URL(import.meta.url).search;
const [ui, { many }, panels, rules] = await Promise.all([
  import("./numbers-ui.js" + search), import("./api.js" + search),
  import("./integrations-panels.js" + search), import("./integrations-rules.js" + search),
]);
const { $, el, field, input } = ui;
const { base, prov, call, errorBox, button, tag, statusLine, sayIn } = panels;
const canManage = ui.canManage();

const PROVIDERS = [{ id: "hubspot", name: "HubSpot" }, { id: "zoho", name: "Zoho CRM" }];
const NAMES = { hubspot: "HubSpot", zoho: "Zoho CRM", calendly: "Calendly" };
const cards = new Map(); // provider id → {conn, card, log}

function say(text, kind) {
  const s = $("integrations-status");
  s.textContent = text;
  s.dataset.kind = kind || "";
}

// ---- connecting ----

async function startOAuth(p, btn, box) {
  btn.disabled = true;
  box.hidden = true;
  try {
    const r = await call("GET", `${prov(p)}/authorize`);
    if (!r || !/^https?:\/\//i.test(r.url || "")) throw new Error(`GoHavi gave no address to sign in to ${p.name} at.`);
    say(`Opening ${p.name}…`);
    location.assign(r.url);
  } catch (e) {
    ui.problem(box, e);
    btn.disabled = false;
  }
}

function connected(c, how) {
  say(`Connected to ${NAMES[c.provider] || c.provider}${c.account_name ? " account " + c.account_name : ""}${how}.`);
  load();
}

function hubspotForm(p) {
  const form = el("form", "connect-form crm-manual-form");
  form.noValidate = true;
  const token = input("password", "access_token", { autocomplete: "off", spellcheck: "false" });
  const submit = el("button", "btn btn-primary crm-manual-submit", "Connect");
  submit.type = "submit";
  const status = statusLine();
  const box = errorBox();
  const actions = el("div", "form-actions");
  actions.append(submit);
  form.append(field(`${p.id}-token`, "Private app access token", token,
    "In HubSpot: Settings › Integrations › Private apps › Create. Give it the contacts (read, write), deals (read) and timeline scopes, then copy its token (pat-…)."),
  status, box, actions);
  ui.onSubmit(form, {
    box, button: submit, names: ["access_token"], byName: { access_token: token }, failed: "Not connected",
    say: sayIn(status),
    check: () => (token.value.trim() ? [] : [[token, "Paste the private app's access token."]]),
    async send() {
      status.textContent = "Checking the token with HubSpot…";
      const c = await call("POST", prov(p), { access_token: token.value.trim() });
      token.value = "";
      connected(c, " with a private app token");
    },
  });
  return form;
}

function zohoForm(p) {
  const form = el("form", "connect-form crm-manual-form");
  form.noValidate = true;
  const code = input("text", "code", { autocomplete: "off", spellcheck: "false" });
  const refresh = input("password", "refresh_token", { autocomplete: "off" });
  const server = input("url", "accounts_server", { placeholder: "https://accounts.zoho.com" });
  const submit = el("button", "btn btn-primary crm-manual-submit", "Connect");
  submit.type = "submit";
  const status = statusLine();
  const box = errorBox();
  const actions = el("div", "form-actions");
  actions.append(submit);
  form.append(
    field(`${p.id}-code`, "Grant code", code, "From Zoho's API console: Self Client › Generate code, with the scopes ZohoCRM.modules.ALL, ZohoCRM.settings.ALL and ZohoCRM.notifications.ALL. It works for a few minutes."),
    field(`${p.id}-refresh`, "Or a refresh token", refresh, "If you already have one for this client."),
    field(`${p.id}-accounts`, "Accounts server (optional)", server, "Your data centre's, like https://accounts.zoho.eu or https://accounts.zoho.in; empty for accounts.zoho.com."),
    status, box, actions);
  ui.onSubmit(form, {
    box, button: submit, names: ["code", "refresh_token", "accounts_server"],
    byName: { code, refresh_token: refresh, accounts_server: server }, failed: "Not connected",
    say: sayIn(status),
    check() {
      const errs = [];
      const c = code.value.trim(), r = refresh.value.trim(), s = server.value.trim();
      if (!c && !r) errs.push([code, "Give a grant code, or a refresh token below."]);
      if (c && r) errs.push([refresh, "Give a grant code or a refresh token, not both."]);
      if (s && !ui.isURL(s)) errs.push([server, "Write the whole address, starting with https://."]);
      return errs;
    },
    async send() {
      status.textContent = "Checking with Zoho…";
      const body = { accounts_server: server.value.trim() || undefined };
      if (code.value.trim()) body.code = code.value.trim();
      else body.refresh_token = refresh.value.trim();
      const c = await call("POST", prov(p), body);
      code.value = refresh.value = "";
      connected(c, "");
    },
  });
  return form;
}

// connectControls: the OAuth button and the manual form, for a CRM not
// connected yet or one whose connection broke.
function connectControls(p, box, again) {
  const wrap = el("div", "crm-connect");
  const oauth = button(again ? "Reconnect with OAuth" : "Connect with OAuth", "btn-primary crm-oauth");
  oauth.addEventListener("click", () => startOAuth(p, oauth, box));
  const manual = el("details", "panel crm-manual");
  manual.append(el("summary", null, p.id === "hubspot" ? "Or connect with a private app token" : "Or connect with a grant code or refresh token"));
  const body = el("div", "panel-body");
  body.append(p.id === "hubspot" ? hubspotForm(p) : zohoForm(p));
  manual.append(body);
  wrap.append(oauth, manual);
  return wrap;
}

// ---- a connected CRM ----

function copyField(id, label, value, help) {
  const i = input("text", id, { readonly: "" });
  i.value = value;
  const f = field(id, label, i, help);
  f.classList.add("copy-field");
  const b = button("Copy", "btn-link crm-copy");
  b.setAttribute("aria-label", `Copy the ${label.toLowerCase()}`);
  b.addEventListener("click", async () => {
    i.select();
    try { await navigator.clipboard.writeText(value); } catch { document.execCommand("copy"); }
    b.textContent = "Copied";
    setTimeout(() => { b.textContent = "Copy"; }, 2000);
  });
  const row = el("div", "copy-row");
  i.replaceWith(row);
  row.append(i, b);
  return f;
}

function summary(p, c) {
  const wrap = el("div", "crm-summary");
  const box = errorBox();
  if (c.status === "broken") {
    const broken = el("div", "alert crm-broken");
    broken.append(el("strong", null, "The connection is broken: "), c.status_reason || "the CRM refuses GoHavi's access.",
      " Work waits, and goes out once it is reconnected.");
    if (canManage) {
      const again = button("Reconnect", "btn-primary crm-reconnect");
      again.addEventListener("click", () => {
        if (c.auth !== "private_app") return startOAuth(p, again, box);
        const manual = $(`crm-${p.id}`).querySelector(".crm-manual"); // a new token, by hand
        manual.open = true;
        manual.querySelector("input").focus();
      });
      const row = el("div", "form-actions");
      row.append(again);
      broken.append(row);
    }
    wrap.append(broken, box);
  } else if (c.last_error) {
    const w = el("div", "crm-backoff");
    w.append(el("strong", null, c.retry_at ? "Retrying: " : "Last error: "), c.last_error);
    if (c.retry_at) w.append(" · next attempt ", ui.timeEl(c.retry_at), ". Nothing is lost.");
    wrap.append(w);
  }
  const dl = el("dl", "facts");
  const fact = (k, v, cls) => {
    const dd = el("dd", cls);
    dd.append(v);
    dl.append(el("dt", null, k), dd);
    return dd;
  };
  fact("Account", `${c.account_name || "—"}${c.account_id ? " (" + c.account_id + ")" : ""}`, "crm-account");
  fact("Connected with", c.auth === "private_app" ? "Private app token" : "OAuth", "crm-auth");
  if (c.connected_at) fact("Connected", ui.timeEl(c.connected_at), "crm-since");
  const q = c.queue || {};
  const n = (k) => String(q[k] || 0);
  fact("Webhook events waiting", n("events"), "queue-events");
  fact("Stage sends waiting", n("sends"), "queue-sends");
  fact("Timeline entries", `${n("timeline")} waiting · ${n("timeline_written")} written · ${n("timeline_failed")} failed`, "queue-timeline");
  if (p.id === "zoho") {
    const watch = fact("Deal notifications", c.notifications_until ? "Active until " : "Not set up yet; GoHavi sets them up within a minute", "crm-watch");
    if (c.notifications_until) watch.append(ui.timeEl(c.notifications_until));
  }
  wrap.append(dl);
  if (canManage) {
    if (p.id === "hubspot" && c.webhook_url) {
      wrap.append(copyField(`${p.id}-webhook-url`, "App webhook URL", c.webhook_url,
        "For a HubSpot public app: in its Webhooks settings, subscribe to deal property changes of dealstage and use this target URL."));
    }
    if (c.workflow_webhook_url) {
      wrap.append(copyField(`${p.id}-workflow-url`, "Workflow webhook URL", c.workflow_webhook_url,
        p.id === "hubspot" ? "In a HubSpot deal workflow, add the action “Send a webhook” (POST) with this URL. It carries this workspace's key: keep it private."
          : "In a Zoho CRM workflow rule on Deals, add a Webhook action (POST) with this URL. It carries this workspace's key: keep it private."));
    }
  }
  return wrap;
}

function titleRow(p, c) {
  const row = el("div", "crm-title");
  const h = el("h2", null, p.name);
  h.id = `crm-${p.id}-title`;
  row.append(h);
  if (!c) row.append(tag("tag-off crm-status", "Not connected", { status: "none" }));
  else if (c.status === "broken") row.append(tag("tag-broken crm-status", "Broken", { status: "broken" }));
  else row.append(tag("tag-live crm-status", c.status === "active" ? "Active" : ui.human(c.status), { status: c.status || "" }));
  return row;
}

async function disconnect(p, btn, box) {
  if (!confirm(`Disconnect ${p.name}? GoHavi stops syncing with it and forgets its field mapping, stage rules, sync log and anything still queued. What is already in ${p.name} stays there.`)) return;
  btn.disabled = true;
  try {
    await call("DELETE", prov(p));
    say(`Disconnected ${p.name}.`);
    await load();
  } catch (e) {
    ui.problem(box, e);
    btn.disabled = false;
  }
}

// ---- cards ----

function render(p, c) {
  const card = $(`crm-${p.id}`);
  const prev = cards.get(p.id);
  const same = prev && ((!prev.conn && !c) || (prev.conn && c && prev.conn.connected_at === c.connected_at &&
    prev.conn.account_id === c.account_id && prev.conn.status === c.status));
  if (same && !c) return; // keep what is being typed in the connect form
  if (same) { // refresh the health, keep the panels and their forms
    if (JSON.stringify(prev.conn) !== JSON.stringify(c)) { // untouched otherwise: focus and selection stay
      card.querySelector(".crm-title").replaceWith(titleRow(p, c));
      card.querySelector(".crm-summary").replaceWith(summary(p, c));
    }
    card.dataset.status = c.status || "";
    prev.conn = c;
    prev.log.load();
    return;
  }
  const box = errorBox();
  box.classList.add("card-error");
  const parts = [titleRow(p, c), box];
  let log = null;
  if (!c) {
    parts.push(el("p", "crm-intro", p.id === "hubspot"
      ? "Not connected. Connect with OAuth to install GoHavi's app in your HubSpot account, or use a private app's token."
      : "Not connected. Connect with OAuth to let GoHavi into your Zoho CRM, or use a grant code from Zoho's API console."));
    parts.push(canManage ? connectControls(p, box, false) : el("p", "muted", "Owners and admins can connect it."));
  } else {
    parts.push(summary(p, c));
    if (canManage) {
      const actions = el("div", "number-actions crm-actions");
      const dis = button("Disconnect…", "btn-link btn-danger-link crm-disconnect");
      dis.addEventListener("click", () => disconnect(p, dis, box));
      actions.append(dis);
      if (c.status === "broken") {
        const manual = connectControls(p, box, true).querySelector(".crm-manual");
        parts.push(manual);
      }
      parts.push(actions);
    }
    log = panels.logPanel(p, canManage, say);
    parts.push(panels.settingsPanel(p, canManage), rules.rulesPanel(p, canManage, say), log.node);
  }
  card.replaceChildren(...parts);
  card.dataset.connected = String(!!c);
  card.dataset.status = c ? c.status || "" : "";
  cards.set(p.id, { conn: c, card, log });
}

let loading = false, again = false;
async function load() {
  if (loading) { again = true; return; } // once more when this one ends: something changed meanwhile
  loading = true;
  const main = document.querySelector("main.integrations");
  main.setAttribute("aria-busy", "true");
  try {
    const list = await call("GET", base).then(many);
    for (const p of PROVIDERS) render(p, list.find((c) => c.provider === p.id) || null);
    $("integrations-error").hidden = true;
    $("integrations-updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    ui.problem($("integrations-error"), e);
  } finally {
    loading = false;
    main.setAttribute("aria-busy", "false");
  }
  if (again) {
    again = false;
    await load();
  }
}

// The OAuth callback comes back with ?connected=provider or ?error=…;
// shown once, then dropped from the address so a reload does not repeat it.
function urlNotice() {
  const q = new URLSearchParams(location.search);
  const ok = q.get("connected"), err = q.get("error");
  const box = $("integrations-notice");
  if (ok) {
    box.textContent = ok === "calendly" ? "Connected to Calendly. New bookings get their WhatsApp confirmation and reminders from now on."
      : `Connected to ${NAMES[ok] || ok}. New customers, messages and deal stages sync from now on.`;
    box.dataset.kind = "success";
    box.dataset.provider = ok;
    box.hidden = false;
  } else if (err) {
    box.setAttribute("role", "alert");
    box.replaceChildren(el("strong", null, "Not connected. "), el("span", "remedy", err));
    box.dataset.kind = "error";
    box.hidden = false;
  }
  if (ok || err) history.replaceState(null, "", location.pathname + location.hash);
}

const visible = () => document.visibilityState === "visible";
$("integrations-readonly").hidden = canManage;
$("integrations-reload").addEventListener("click", load);
urlNotice();
await load();
setInterval(() => { if (visible()) load(); }, 10000);
document.addEventListener("visibilitychange", () => { if (visible()) load(); });
