// integrations-panels.js — what the Integrations page shows for a
// connected CRM besides its rules: the field mapping and options, and the
// sync log; and the small helpers the page's modules share. Data is
// inserted as text, never as HTML.

const search = new URL(import.meta.url).search;
const [ui, { request, many }] = await Promise.all([import("./numbers-ui.js" + search), import("./api.js" + search)]);
const { el, field, input } = ui;

export const base = "/api/v1/integrations";

// call is api.js's request for the CRM endpoints. A CRM refusing its
// credentials answers 401 too, like a lost session: only when
// /api/v1/me also says 401 is the session gone (and the page goes to the
// login); otherwise the error is the CRM's, shown like any other.
export async function call(method, path, body) {
  try {
    return await request(method, path, body);
  } catch (e) {
    if (e.status === 401 && !(await request("GET", "/api/v1/me").then(() => false, (x) => x.status === 401))) e.status = 502;
    throw e;
  }
}
// prov is the API path of provider p ({id, name}).
export const prov = (p) => `${base}/${encodeURIComponent(p.id)}`;

export function errorBox() {
  const b = el("div", "alert");
  b.setAttribute("role", "alert");
  b.hidden = true;
  return b;
}

export function statusLine() {
  const s = el("p", "panel-status");
  s.setAttribute("role", "status");
  s.setAttribute("aria-live", "polite");
  return s;
}

// sayIn returns a say(text, kind) writing to the status line s.
export const sayIn = (s) => (text, kind) => { s.textContent = text; s.dataset.kind = kind || ""; };

export function button(text, cls, onClick) {
  const b = el("button", "btn " + (cls || "btn-link"), text);
  b.type = "button";
  if (onClick) b.addEventListener("click", onClick);
  return b;
}

// actionsHead is the header of a table's column of buttons.
export function actionsHead() {
  const th = el("th");
  th.append(el("span", "visually-hidden", "Actions"));
  return th;
}

export function tag(cls, text, data) {
  const t = el("span", "tag " + cls, text);
  if (data) Object.assign(t.dataset, data);
  return t;
}

// ---- field mapping and options ----

export function settingsPanel(p, canManage) {
  const pre = `${p.id}-settings`;
  const sec = el("section", "crm-section crm-settings");
  sec.setAttribute("aria-labelledby", pre + "-title");
  const h = el("h3", null, "Field mapping and options");
  h.id = pre + "-title";
  const box = errorBox();
  const status = statusLine();
  const form = el("form", "crm-settings-form");
  form.noValidate = true;
  const fs = el("fieldset");
  fs.disabled = true;
  fs.append(el("legend", "visually-hidden", `${p.name} settings`));
  const check = (name, label) => {
    const cb = input("checkbox", name);
    cb.id = `${pre}-${name.replace(/_/g, "-")}`;
    const lab = el("label", "checkbox-label");
    lab.htmlFor = cb.id;
    lab.append(cb, " ", label);
    fs.append(lab);
    return cb;
  };
  const createLeads = check("create_leads", p.id === "zoho" ? "Create a CRM contact (or lead) for a customer Zoho CRM does not know, on their first message"
    : "Create a HubSpot contact for a customer HubSpot does not know, on their first message");
  const logMessages = check("log_messages", "Log every WhatsApp message on the contact's timeline");
  let module = null;
  if (p.id === "zoho") {
    module = el("select");
    module.name = "lead_module";
    for (const m of ["Contacts", "Leads"]) { const o = el("option", null, m); o.value = m; module.append(o); }
    fs.append(field(`${pre}-lead-module`, "New customers go to", module));
  }
  const table = el("table", "table crm-fields");
  table.append(el("caption", null, "Fields set on new contacts"));
  const hr = el("tr");
  for (const t of ["CRM field", "Value"]) hr.append(el("th", null, t));
  hr.append(actionsHead());
  const thead = el("thead");
  thead.append(hr);
  const tbody = el("tbody");
  table.append(thead, tbody);
  const fieldsErr = el("p", "field-error crm-fields-error");
  fieldsErr.id = `${pre}-fields-error`;
  fieldsErr.hidden = true;
  const addRow = (name, value) => {
    const tr = el("tr", "crm-field-row");
    const k = input("text", "field_name", { "aria-label": "CRM field name", placeholder: "e.g. lifecyclestage", maxlength: "100", "aria-describedby": fieldsErr.id });
    const v = input("text", "field_value", { "aria-label": "Value", placeholder: "e.g. {{contact.name}}", maxlength: "500", "aria-describedby": fieldsErr.id });
    k.value = name || "";
    v.value = value || "";
    const rm = button("Remove", "btn-link btn-danger-link crm-field-remove", () => { tr.remove(); });
    rm.setAttribute("aria-label", "Remove this field");
    const [a, b, c] = [el("td"), el("td"), el("td")];
    a.append(k);
    b.append(v);
    c.append(rm);
    tr.append(a, b, c);
    tbody.append(tr);
    return k;
  };
  const add = button("Add a field", "btn-link crm-field-add", () => addRow("", "").focus());
  fs.append(table, fieldsErr, el("p", "muted small",
    "Values may use {{contact.name}}, {{contact.phone}}, {{contact.opt_in}} and {{contact.first_message}}; the field names are the CRM's API names."));
  const save = el("button", "btn btn-primary crm-settings-save", "Save settings");
  save.type = "submit";
  const actions = el("div", "form-actions");
  actions.append(add, save);
  if (canManage) fs.append(actions);
  form.append(fs);
  sec.append(h, box, status, form);

  let numberID = 0;
  function fill(s) {
    createLeads.checked = !!s.create_leads;
    logMessages.checked = !!s.log_messages;
    if (module) module.value = s.lead_module === "Leads" ? "Leads" : "Contacts";
    tbody.replaceChildren();
    for (const [k, v] of Object.entries(s.fields || {})) addRow(k, v);
    numberID = s.number_id || 0;
    fieldsErr.hidden = true;
    ui.clearFieldErrors(form);
  }
  const rows = () => [...tbody.querySelectorAll("tr")].map((tr) => {
    const [k, v] = tr.querySelectorAll("input");
    return { k, v, name: k.value.trim(), value: v.value.trim() };
  }).filter((r) => r.name || r.value);
  const say2 = sayIn(status);

  ui.onSubmit(form, {
    box, say: say2, button: save, names: ["lead_module"], byName: { lead_module: module }, failed: "Not saved",
    check() {
      fieldsErr.hidden = true; // a row at fault may have been removed
      const errs = [], seen = new Set(), rs = rows();
      for (const r of rs) {
        if (!r.name) errs.push([r.k, "Name the CRM field, or remove the row."]);
        else if (seen.has(r.name)) errs.push([r.k, `“${r.name}” is mapped twice.`]);
        seen.add(r.name);
      }
      if (rs.length > 50) errs.push([rs[50].k, "At most 50 mapped fields."]);
      return errs.slice(0, 1); // one message under the table, on the first row at fault
    },
    async send() {
      const fields = {};
      for (const r of rows()) fields[r.name] = r.value;
      const body = { create_leads: createLeads.checked, log_messages: logMessages.checked, fields };
      if (module) body.lead_module = module.value;
      if (numberID) body.number_id = numberID;
      say2("Saving…");
      fill(await call("PUT", `${prov(p)}/settings`, body));
      say2(`Saved at ${new Date().toLocaleTimeString()}.`);
    },
  });

  (async () => {
    sec.setAttribute("aria-busy", "true");
    try {
      fill(await call("GET", `${prov(p)}/settings`));
      fs.disabled = !canManage;
      sec.dataset.loaded = "true";
    } catch (e) {
      ui.problem(box, e);
    } finally {
      sec.setAttribute("aria-busy", "false");
    }
  })();
  return sec;
}

// ---- sync log ----

export function logPanel(p, canManage, say) {
  const sec = el("section", "crm-section crm-log");
  sec.setAttribute("aria-labelledby", `${p.id}-log-title`);
  const head = el("div", "crm-section-head");
  const h = el("h3", null, "Sync log");
  h.id = `${p.id}-log-title`;
  const updated = el("span", "muted small crm-log-updated");
  const refresh = button("Refresh", "btn-link crm-log-refresh");
  head.append(h, updated, refresh);
  const box = errorBox();
  const table = el("table", "table crm-log-table");
  const hr = el("tr");
  for (const t of ["When", "What", "Status", "Subject", "Detail", "Error"]) hr.append(el("th", null, t));
  hr.append(actionsHead());
  const thead = el("thead");
  thead.append(hr);
  const tbody = el("tbody");
  table.append(thead, tbody);
  const empty = el("p", "muted", "Nothing has happened yet.");
  empty.hidden = true;
  sec.append(head, box, table, empty);

  let busy = false;
  async function load() {
    if (busy) return;
    busy = true;
    sec.setAttribute("aria-busy", "true");
    try {
      const items = await call("GET", `${prov(p)}/log`).then(many);
      tbody.replaceChildren(...items.map(row));
      table.hidden = !items.length;
      empty.hidden = items.length > 0;
      box.hidden = true;
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      sec.dataset.loaded = "true";
    } catch (e) {
      ui.problem(box, e);
    } finally {
      busy = false;
      sec.setAttribute("aria-busy", "false");
    }
  }
  function row(x) {
    const tr = el("tr", "crm-log-row");
    tr.dataset.id = String(x.id);
    tr.dataset.kind = x.kind || "";
    tr.dataset.status = x.status || "";
    const at = el("td");
    at.append(ui.timeEl(x.at));
    const st = el("td");
    st.append(tag("log-status", ui.human(x.status), { status: x.status || "" }));
    const act = el("td");
    if (x.retryable && canManage) {
      const b = button("Retry", "btn-link crm-log-retry");
      b.addEventListener("click", async () => {
        b.disabled = true;
        try {
          await call("POST", `${prov(p)}/log/${encodeURIComponent(x.id)}/retry`, {});
          say(`Retry requested for ${x.kind}${x.subject ? " " + x.subject : ""}.`);
          await load();
        } catch (e) {
          ui.problem(box, e);
          b.disabled = false;
        }
      });
      act.append(b);
    }
    tr.append(at, el("td", "crm-log-kind", ui.human(x.kind)), st, el("td", null, x.subject || ""),
      el("td", null, x.detail || ""), el("td", "crm-log-error", x.error || ""), act);
    return tr;
  }
  refresh.addEventListener("click", load);
  load();
  return { node: sec, load };
}
