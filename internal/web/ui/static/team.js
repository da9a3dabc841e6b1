// team.js — the Team page: the workspace's members with their role,
// presence and last seen, from GET /api/v1/members. Owners and admins
// (data-can-manage) also add members, change roles, set new passwords,
// and deactivate or reactivate members; only an owner (data-owner)
// changes an owner or makes one. Every refusal shows the server's message
// and remedy. Data is inserted as text.

const api = await import("./api.js" + new URL(import.meta.url).search);

const $ = (id) => document.getElementById(id);
const page = document.body.dataset;
const canManage = page.canManage === "true";
const isOwner = page.owner === "true";
const me = Number(page.userId);

const ROLES = { owner: "Owner", admin: "Admin", agent: "Agent" };
const REFRESH_MS = 30000;

let members = [];
let showAll = false;
let open = null; // the member id whose password or confirm pane is open

function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text != null) n.textContent = text;
  return n;
}

function button(cls, text, onClick, kind = "btn-link") {
  const b = el("button", `btn ${kind} ${cls}`, text);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

// showError puts an ApiError's message and remedy into box.
function showError(box, e) {
  const parts = [el("strong", "error-message", e.message || "Something went wrong.")];
  if (e.remedy) parts.push(" ", el("span", "remedy", e.remedy));
  box.replaceChildren(...parts);
  box.hidden = false;
}

function notice(text) {
  const n = $("team-notice");
  n.textContent = text;
  n.hidden = !text;
}

// call is api.request, except that an ended session (this member was
// deactivated, or their password reset elsewhere) goes to the login page.
async function call(method, path, body) {
  try {
    return await api.request(method, path, body);
  } catch (e) {
    if (e.status === 401) location.assign("/login");
    throw e;
  }
}

const manageable = (m) => canManage && (m.role !== "owner" || isOwner);

function seenCell(m) {
  const td = el("td", "member-seen");
  const dot = el("span", "dot");
  dot.dataset.online = String(!!m.online);
  dot.setAttribute("aria-hidden", "true");
  let text = "Never";
  if (m.deactivated_at) text = "Deactivated " + new Date(m.deactivated_at).toLocaleDateString();
  else if (m.online) text = "Online";
  else if (m.last_seen_at) text = "Last seen " + new Date(m.last_seen_at).toLocaleString();
  const t = el(m.last_seen_at && !m.online && !m.deactivated_at ? "time" : "span", "seen-text", text);
  if (t.tagName === "TIME") t.dateTime = m.last_seen_at;
  td.append(dot, t);
  return td;
}

function roleCell(m, rowError) {
  const td = el("td", "member-role-cell");
  if (!manageable(m) || m.deactivated_at) {
    td.append(el("span", "member-role", ROLES[m.role] || m.role));
    return td;
  }
  const sel = el("select", "member-role-select");
  sel.setAttribute("aria-label", `Role of ${m.name}`);
  for (const r of ["agent", "admin", "owner"]) {
    if (r === "owner" && !isOwner) continue;
    const o = el("option", null, ROLES[r]);
    o.value = r;
    o.selected = r === m.role;
    sel.append(o);
  }
  sel.addEventListener("change", async () => {
    const role = sel.value;
    sel.disabled = true;
    rowError.hidden = true;
    try {
      await call("PUT", `/api/v1/members/${m.id}`, { role });
      notice(`${m.name} is now ${ROLES[role].toLowerCase()}.`);
      await load();
    } catch (e) {
      sel.value = m.role;
      sel.disabled = false;
      showError(rowError, e);
    }
  });
  td.append(sel);
  return td;
}

// passwordPane sets a new password for m.
function passwordPane(m, rowError) {
  const form = el("form", "member-pane member-password-form");
  form.noValidate = true;
  const input = el("input", "member-password");
  input.type = "password";
  input.autocomplete = "new-password";
  input.maxLength = 200;
  input.placeholder = "New password, 10 to 200 characters";
  input.setAttribute("aria-label", `New password for ${m.name}`);
  const save = el("button", "btn btn-primary member-password-save", "Set password");
  save.type = "submit";
  form.append(input, save, button("member-pane-cancel", "Cancel", () => { open = null; render(); }));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    save.disabled = true;
    rowError.hidden = true;
    try {
      await call("PUT", `/api/v1/members/${m.id}`, { password: input.value });
      open = null;
      notice(m.id === me ? "Your password was changed; your other sessions were signed out."
        : `${m.name}'s password was changed; they were signed out everywhere.`);
      render();
    } catch (e) {
      save.disabled = false;
      showError(rowError, e);
      input.focus();
    }
  });
  queueMicrotask(() => input.focus());
  return form;
}

// confirmPane asks before deactivating m.
function confirmPane(m, rowError) {
  const pane = el("div", "member-pane member-confirm");
  pane.setAttribute("role", "group");
  pane.setAttribute("aria-label", `Deactivate ${m.name}`);
  const yes = button("member-confirm-yes", "Deactivate", async () => {
    yes.disabled = true;
    rowError.hidden = true;
    try {
      await call("DELETE", `/api/v1/members/${m.id}`);
      open = null;
      notice(`${m.name} was deactivated and signed out; their conversations are unassigned.`);
      await load();
    } catch (e) {
      yes.disabled = false;
      showError(rowError, e);
    }
  }, "btn-danger");
  pane.append(el("span", "member-confirm-text", `Deactivate ${m.name}? They are signed out at once and their conversations become unassigned; their notes and messages stay.`),
    yes, button("member-confirm-no", "Cancel", () => { open = null; render(); }));
  queueMicrotask(() => yes.focus());
  return pane;
}

function actionsCell(m) {
  const td = el("td", "member-actions");
  const rowError = el("div", "alert member-error");
  rowError.setAttribute("role", "alert");
  rowError.hidden = true;
  if (manageable(m)) {
    const bar = el("div", "member-buttons");
    if (m.deactivated_at) {
      const re = button("member-reactivate", "Reactivate", async () => {
        re.disabled = true;
        rowError.hidden = true;
        try {
          await call("PUT", `/api/v1/members/${m.id}`, { active: true });
          notice(`${m.name} was reactivated; they can log in again.`);
          await load();
        } catch (e) {
          re.disabled = false;
          showError(rowError, e);
        }
      });
      bar.append(re);
    } else {
      bar.append(button("member-reset", "Set password", () => { open = { id: m.id, pane: "password" }; render(); }));
      if (m.id !== me) bar.append(button("member-deactivate", "Deactivate", () => { open = { id: m.id, pane: "confirm" }; render(); }, "btn-link btn-danger-link"));
    }
    td.append(bar);
    if (open && open.id === m.id) td.append(open.pane === "password" ? passwordPane(m, rowError) : confirmPane(m, rowError));
  }
  td.append(rowError);
  return { td, rowError };
}

function row(m) {
  const tr = el("tr", "member");
  tr.dataset.userId = String(m.id);
  tr.dataset.role = m.role;
  if (m.deactivated_at) tr.dataset.deactivated = "true";
  const who = el("td", "member-who");
  const id = el("div", "member-id");
  id.append(el("span", "member-name", m.name));
  if (m.id === me) id.append(" ", el("span", "tag tag-you", "You"));
  if (m.deactivated_at) id.append(" ", el("span", "tag tag-off", "Deactivated"));
  id.append(el("span", "member-email", m.email));
  who.append(id);
  // Only managers get controls, and with them the actions column where a
  // refusal shows.
  const actions = canManage ? actionsCell(m) : null;
  tr.append(who, roleCell(m, actions ? actions.rowError : el("div")), seenCell(m));
  if (actions) tr.append(actions.td);
  return tr;
}

function render() {
  const tbody = $("team-members").querySelector("tbody");
  const rows = members.map(row);
  if (!rows.length) {
    const tr = el("tr");
    const td = el("td", "muted", "No members to show.");
    td.colSpan = canManage ? 4 : 3;
    tr.append(td);
    rows.push(tr);
  }
  tbody.replaceChildren(...rows);
}

async function load() {
  const main = document.querySelector("main.team");
  try {
    members = api.many(await call("GET", "/api/v1/members" + (showAll ? "?all=1" : "")));
    $("team-error").hidden = true;
    $("team-updated").textContent = "Updated " + new Date().toLocaleTimeString();
    render();
  } catch (e) {
    if (e.status !== 401) showError($("team-error"), e);
  } finally {
    main.setAttribute("aria-busy", "false");
  }
}

function setupAdd() {
  const form = $("member-add-form");
  if (!form) return;
  const err = $("member-add-error");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const submit = $("member-add-submit");
    const body = { email: $("member-email").value.trim(), name: $("member-name").value.trim(), role: $("member-role").value, password: $("member-password").value };
    submit.disabled = true;
    err.hidden = true;
    try {
      const m = api.one(await call("POST", "/api/v1/members", body));
      form.reset();
      notice(`${m.name} was added as ${ROLES[m.role].toLowerCase()}. They log in with ${m.email} and the password you chose.`);
      await load();
    } catch (e) {
      showError(err, e);
    } finally {
      submit.disabled = false;
    }
  });
}

$("team-refresh").addEventListener("click", () => { notice(""); load(); });
const all = $("team-show-all");
if (all) all.addEventListener("change", () => { showAll = all.checked; load(); });
setupAdd();
await load();
// Presence moves on by itself; an open pane is left alone.
setInterval(() => { if (!open && !document.hidden) load(); }, REFRESH_MS);
