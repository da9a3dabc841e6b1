// inbox-controls.js — the open conversation's header controls: assign
// (members with presence, assign to me, unassign), status (resolve,
// reopen, pending, snooze until a preset or a chosen time), labels and
// the activity log. Every change comes back to everyone as
// conversation.updated; the API's answer is applied at once.

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { $, el, key, state, bus, toLogin, showError, initials, STATUS_TEXT, fmtWhen, debounce } = await import("./inbox-core.js" + v);
const { bindMenu, closeMenus } = await import("./inbox-menu.js" + v);
const { labelChip } = await import("./inbox-list.js" + v);

const path = (id, rest) => `/api/v1/conversations/${encodeURIComponent(id)}/${rest}`;
const open = () => state.convs.get(state.openId);
const canManage = () => !!state.me && (state.me.role === "owner" || state.me.role === "admin");

function fail(e) {
  if (!toLogin(e)) showError($("controls-error"), e);
}
function done(c) {
  $("controls-error").hidden = true;
  if (c && c.id != null) bus.emit("conversation", c);
}
async function act(method, rest, body) {
  const id = state.openId;
  if (!id) return;
  closeMenus();
  closeControls();
  try {
    done(api.one(await api.request(method, path(id, rest), body)));
  } catch (e) {
    if (state.openId === id) fail(e);
  }
}

// ---- assign ----

export const assign = (userId) => act("POST", "assign", { user_id: userId ? Number(userId) : null });
export function assignToMe() {
  if (state.me) assign(state.me.id);
}

function memberItem(m, current) {
  const b = el("button", "menu-item member");
  b.type = "button";
  b.setAttribute("role", "menuitem");
  b.dataset.userId = key(m.id);
  const dot = el("span", "online-dot");
  dot.dataset.online = String(!!m.online);
  dot.title = m.online ? "Online" : "Away";
  const av = el("span", "mini-avatar", initials(m.name || m.email));
  b.append(av, dot, el("span", "member-name", m.name || m.email));
  if (m.role) b.append(el("span", "member-role", m.role));
  if (key(m.id) === key(current)) { b.setAttribute("aria-checked", "true"); b.classList.add("current"); }
  b.addEventListener("click", () => assign(m.id));
  return b;
}

let drawn = ""; // what the assign menu shows, to redraw only on a change
const menuKey = () => key(open()?.assignee?.id) + "|" + state.members.map((m) => `${m.id}:${m.name}:${!!m.online}`).join(",");

function fillAssignMenu() {
  const c = open(), box = $("assign-menu"), cur = c && c.assignee ? c.assignee.id : null;
  drawn = menuKey();
  const items = [];
  if (state.me && key(state.me.id) !== key(cur)) {
    const me = el("button", "menu-item", "Assign to me");
    me.type = "button";
    me.setAttribute("role", "menuitem");
    me.dataset.userId = key(state.me.id);
    me.dataset.action = "assign-me";
    me.title = "Shortcut: a";
    me.append(el("kbd", null, "a"));
    me.addEventListener("click", assignToMe);
    items.push(me);
  }
  if (cur) {
    const un = el("button", "menu-item", "Unassign");
    un.type = "button";
    un.setAttribute("role", "menuitem");
    un.dataset.userId = "";
    un.dataset.action = "unassign";
    un.addEventListener("click", () => assign(null));
    items.push(un);
  }
  items.push(el("div", "menu-sep", "Members"));
  const members = [...state.members].sort((a, b) => Number(!!b.online) - Number(!!a.online) || key(a.name).localeCompare(key(b.name)));
  items.push(...members.map((m) => memberItem(m, cur)));
  if (!members.length) items.push(el("div", "menu-note", "Loading members…"));
  box.replaceChildren(...items);
}
bindMenu($("assign-btn"), $("assign-menu"), () => {
  fillAssignMenu();
  bus.emit("refresh-members");
});
// A fresher member list while the menu is open only moves the online
// dots: rebuilding the buttons under the pointer would swallow a click.
bus.on("members", () => {
  const box = $("assign-menu");
  if (box.hidden || menuKey() === drawn) return;
  const sameMembers = (k) => k.replace(/:(true|false)/g, "");
  if (sameMembers(menuKey()) !== sameMembers(drawn)) { fillAssignMenu(); return; }
  for (const m of state.members) {
    const dot = box.querySelector(`button.member[data-user-id="${key(m.id)}"] .online-dot`);
    if (!dot) continue;
    dot.dataset.online = String(!!m.online);
    dot.title = m.online ? "Online" : "Away";
  }
  drawn = menuKey();
});

// ---- status and snooze ----

export const setStatus = (status, until) => act("POST", "status", until ? { status, snooze_until: until } : { status });
const rfc3339 = (d) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

// snoozePresets are computed in the browser's time zone when the menu opens.
function snoozePresets(now = new Date()) {
  const at = (days, h) => new Date(now.getFullYear(), now.getMonth(), now.getDate() + days, h, 0, 0, 0);
  const toMonday = ((8 - now.getDay()) % 7) || 7;
  return [
    ["1h", "In 1 hour", new Date(now.getTime() + 3600e3)],
    ["tonight", "Tonight, 18:00", now.getHours() < 18 ? at(0, 18) : null],
    ["tomorrow", "Tomorrow, 09:00", at(1, 9)],
    ["monday", "Next Monday, 09:00", at(toMonday, 9)],
  ];
}

function statusItem(status, text, hint) {
  const b = el("button", "menu-item", text);
  b.type = "button";
  b.setAttribute("role", "menuitem");
  b.dataset.status = status;
  if (hint) { b.append(el("kbd", null, hint)); b.title = `Shortcut: ${hint}`; }
  b.addEventListener("click", () => setStatus(status));
  return b;
}

function fillStatusMenu() {
  const c = open(), st = c ? c.status || "open" : "open", items = [];
  if (st !== "resolved") items.push(statusItem("resolved", "Resolve", "e"));
  if (st !== "open") items.push(statusItem("open", "Reopen"));
  if (st !== "pending") items.push(statusItem("pending", "Mark as pending"));
  items.push(el("div", "menu-sep", "Snooze until…"));
  for (const [id, text, when] of snoozePresets()) {
    const b = el("button", "menu-item snooze-item");
    b.type = "button";
    b.setAttribute("role", "menuitem");
    b.dataset.snooze = id;
    b.append(el("span", null, text), el("span", "menu-hint", when ? fmtWhen(when.toISOString()) : "past 18:00"));
    b.disabled = !when;
    if (when) b.addEventListener("click", () => setStatus("snoozed", rfc3339(when)));
    items.push(b);
  }
  const form = el("form", "snooze-custom");
  const input = el("input");
  input.type = "datetime-local";
  input.id = "snooze-at";
  input.setAttribute("aria-label", "Snooze until a date and time");
  const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 6e4).toISOString().slice(0, 16);
  input.min = local(new Date());
  input.value = local(snoozePresets()[2][2]);
  const go = el("button", "btn btn-small", "Snooze");
  go.type = "submit";
  go.id = "snooze-custom-go";
  form.append(input, go);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const when = new Date(input.value);
    if (!input.value || isNaN(when) || when <= new Date()) {
      fail({ message: "Choose a time in the future.", remedy: "" });
      return;
    }
    setStatus("snoozed", rfc3339(when));
  });
  items.push(form);
  $("status-menu").replaceChildren(...items);
}
const statusMenu = bindMenu($("status-btn"), $("status-menu"), fillStatusMenu);
export const openSnoozeMenu = () => { if (state.openId) { openControls(); statusMenu.open(); } };

// resolveOrReopen is the main status button: resolve what is open or
// pending, reopen what is resolved or snoozed.
export function resolveOrReopen() {
  const c = open();
  if (!c) return;
  setStatus(c.status === "resolved" || c.status === "snoozed" ? "open" : "resolved");
}
$("status-main").addEventListener("click", resolveOrReopen);

// ---- labels ----

function removeLabel(name) {
  return act("DELETE", `labels/${encodeURIComponent(name)}`);
}
async function addLabel(name) {
  name = name.trim();
  if (!name) return;
  if (canManage() && !state.labels.some((l) => l.name === name.toLowerCase().replace(/\s+/g, " "))) {
    try {
      const l = api.one(await api.request("POST", "/api/v1/labels", { name }));
      state.labels = [...state.labels, l];
      bus.emit("catalogues");
      name = l.name;
    } catch (e) {
      if (e.status !== 409) { fail(e); return; }
    }
  }
  return act("POST", `labels/${encodeURIComponent(name)}`);
}

function fillLabelMenu() {
  const c = open(), have = new Set((c && c.labels) || []), box = $("label-menu");
  const input = el("input", "label-filter");
  input.type = "text";
  input.placeholder = canManage() ? "Find or create a label" : "Find a label";
  input.setAttribute("aria-label", input.placeholder);
  const listBox = el("div", "label-options");
  const draw = () => {
    const q = input.value.trim().toLowerCase();
    const opts = state.labels.filter((l) => !have.has(l.name) && (!q || l.name.includes(q)));
    const items = opts.map((l) => {
      const b = el("button", "menu-item label-option");
      b.type = "button";
      b.setAttribute("role", "menuitem");
      b.dataset.label = l.name;
      b.append(labelChip(l.name, "chip-dot"), el("span", null, l.name));
      b.addEventListener("click", () => addLabel(l.name));
      return b;
    });
    if (q && canManage() && !state.labels.some((l) => l.name === q)) {
      const b = el("button", "menu-item", `Create “${q}”`);
      b.type = "button";
      b.setAttribute("role", "menuitem");
      b.dataset.create = q;
      b.addEventListener("click", () => addLabel(q));
      items.push(b);
    }
    if (!items.length) items.push(el("div", "menu-note", state.labels.length ? "No other labels" : "No labels yet. Owners and admins create them."));
    listBox.replaceChildren(...items);
  };
  input.addEventListener("input", draw);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); listBox.querySelector("button")?.click(); }
  });
  draw();
  box.replaceChildren(input, listBox);
}
bindMenu($("label-add"), $("label-menu"), fillLabelMenu);

let labelsDrawn = null;
function renderLabels(c) {
  const k = key(c.id) + "|" + (c.labels || []).join(",") + "|" + state.labels.map((l) => l.name + l.color).join(",");
  if (k === labelsDrawn) return; // unchanged: keep the chips (and a pointer on one)
  labelsDrawn = k;
  $("conv-labels").replaceChildren(...(c.labels || []).map((name) => {
    const chip = labelChip(name);
    const x = el("button", "chip-remove", "×");
    x.type = "button";
    x.title = `Remove the label “${name}”`;
    x.setAttribute("aria-label", x.title);
    x.addEventListener("click", () => removeLabel(name));
    chip.append(x);
    return chip;
  }));
}

// ---- activity ----

const ACTOR = { system: "GoHavi", customer: "The customer", api_key: "An API key" };
function activityText(a) {
  const who = (a.actor && (a.actor.name || ACTOR[a.actor.kind])) || "Someone";
  switch (a.kind) {
    case "assigned": return `${who} assigned it to ${a.assignee ? a.assignee.name : "someone"}`;
    case "unassigned": return `${who} unassigned ${a.assignee ? a.assignee.name : "it"}`;
    case "status_changed":
      if (a.status === "snoozed") return `${who} snoozed it until ${fmtWhen(a.snooze_until)}`;
      if (a.status === "open") return `${who} reopened it`;
      return `${who} marked it ${(STATUS_TEXT[a.status] || a.status || "").toLowerCase()}`;
  }
  return `${who}: ${a.kind}`;
}
async function fillActivity() {
  const box = $("activity-pop"), id = state.openId;
  box.replaceChildren(el("div", "menu-note", "Loading…"));
  try {
    const as = api.many(await api.request("GET", path(id, "activity")));
    if (state.openId !== id) return;
    const ol = el("ol", "activity-list");
    ol.append(...as.map((a) => {
      const li = el("li", "activity-item");
      li.dataset.kind = a.kind;
      const t = el("time", "muted", fmtWhen(a.at));
      if (a.at) { t.dateTime = a.at; t.title = new Date(a.at).toLocaleString(); }
      li.append(el("span", null, activityText(a)), t);
      return li;
    }));
    box.replaceChildren(el("div", "menu-sep", "Activity"), as.length ? ol : el("div", "menu-note", "No assignments or status changes yet."));
  } catch (e) {
    if (!toLogin(e)) box.replaceChildren(el("div", "menu-note error", e.message));
  }
}
const activity = bindMenu($("activity-btn"), $("activity-pop"), fillActivity);
const refreshActivity = debounce(() => { if (activity.isOpen()) fillActivity(); }, 300);

// ---- the header, drawn from the conversation ----

export function renderControls(c) {
  const st = c.status || "open", who = c.assignee;
  $("conversation").dataset.status = st;
  const badge = $("conv-status");
  badge.dataset.status = st;
  badge.textContent = st === "snoozed" && c.snooze_until ? `Snoozed until ${fmtWhen(c.snooze_until)}` : STATUS_TEXT[st] || st;
  badge.title = st === "snoozed" ? "Reopens by itself then, or as soon as the customer writes" : "";
  const btn = $("assign-btn");
  btn.dataset.assigneeId = who ? key(who.id) : "";
  $("assign-label").textContent = who ? who.name : "Unassigned";
  $("assign-avatar").textContent = who ? initials(who.name) : "";
  btn.title = (who ? `Assigned to ${who.name}` : "Nobody has this conversation") + " · a assigns it to you";
  const main = $("status-main");
  const reopen = st === "resolved" || st === "snoozed";
  main.textContent = reopen ? "Reopen" : "Resolve";
  main.dataset.action = reopen ? "open" : "resolved";
  main.title = reopen ? "Reopen (e)" : "Resolve (e)";
  renderLabels(c);
  refreshActivity();
}

export function clearControlsError() {
  $("controls-error").hidden = true;
}

// ---- narrow screens: the controls fold into a menu ----

function openControls() {
  $("conv-controls").classList.add("open");
  $("controls-toggle").setAttribute("aria-expanded", "true");
}
export function closeControls() {
  if (!$("conv-controls").classList.contains("open")) return false;
  $("conv-controls").classList.remove("open");
  $("controls-toggle").setAttribute("aria-expanded", "false");
  return true;
}
$("controls-toggle").addEventListener("click", (e) => {
  e.stopPropagation();
  if ($("conv-controls").classList.contains("open")) closeControls();
  else openControls();
});
document.addEventListener("click", (e) => {
  if (!$("conv-controls").contains(e.target) && e.target !== $("controls-toggle")) closeControls();
});
$("panel-toggle").addEventListener("click", () => closeControls());
