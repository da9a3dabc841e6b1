// broadcasts.js — the Broadcasts page. "#" is the list (and the contact
// import), "#new" an empty compose form, "#b=ID" one broadcast: a draft
// with its form, plan and preview, or a launched one with its live
// results. The realtime stream says when a broadcast moved; the page then
// refetches, at most about once a second however fast the events come.
// Owners and admins get the controls (the server leaves them out of the
// page for agents). Data is inserted as text, never as HTML.

const v = new URL(import.meta.url).search;
const canManage = document.body.dataset.canManage === "true";
const [ui, { request, many }, words, planMod, resultsMod, composeMod, importMod] = await Promise.all([
  import("./numbers-ui.js" + v), import("./api.js" + v), import("./broadcasts-words.js" + v),
  import("./broadcasts-plan.js" + v), import("./broadcasts-results.js" + v),
  canManage ? import("./broadcasts-compose.js" + v) : null, canManage ? import("./broadcasts-import.js" + v) : null,
]);
const { $, el } = ui;
const main = document.querySelector("main.broadcasts");

const st = {
  view: "list", // list | new | detail
  id: 0,        // the broadcast shown in the detail view
  current: null, // its last known state
  numbers: null,
};

// throttled runs fn at most once per gap ms: calls in between fold into
// one run at the end of the gap, and a call during a run into one more run.
function throttled(fn, gap) {
  let last = 0, timer = null, running = false, again = false;
  const run = async () => {
    timer = null;
    if (running) { again = true; return; }
    running = true;
    last = Date.now();
    try { await fn(); } finally {
      running = false;
      if (again) { again = false; kick(); }
    }
  };
  const kick = () => {
    if (!timer) timer = setTimeout(run, Math.max(0, last + gap - Date.now()));
  };
  return kick;
}

// numbers loads the workspace's numbers once; the summary and the compose
// form both name them.
async function numbers() {
  if (!st.numbers) st.numbers = await request("GET", "/api/v1/whatsapp/numbers").then(many);
  return st.numbers;
}
const numberLabel = (id) => {
  const n = (st.numbers || []).find((x) => x.id === id);
  return n ? `${ui.phoneLabel(n)}${n.verified_name ? ` (${n.verified_name})` : ""}` : `Number ${id}`;
};

// ---- the list ----

function countsLine(b) {
  const c = b.counts || {};
  if (!c.total) return b.status === "scheduled" ? "" : "No recipients yet";
  const parts = [`${words.count(c.sent)} of ${words.count(c.total - c.skipped)} sent`, `${words.count(c.delivered)} delivered`, `${words.count(c.read)} read`];
  if (c.replied) parts.push(`${words.count(c.replied)} replied`);
  if (c.failed) parts.push(`${words.count(c.failed)} failed`);
  if (c.skipped) parts.push(`${words.count(c.skipped)} skipped`);
  return parts.join(" · ");
}

function statusTag(node, b) {
  node.textContent = words.STATUS[b.status] || ui.human(b.status);
  node.dataset.status = b.status;
  node.hidden = false;
  return node;
}

function listItem(b) {
  const li = el("li", "card bc-item");
  li.dataset.id = String(b.id);
  li.dataset.status = b.status;
  const head = el("div", "bc-item-head");
  const a = el("a", "bc-item-name", b.name);
  a.href = `#b=${b.id}`;
  head.append(a, statusTag(el("span", "tag bc-status"), b));
  const tpl = b.template || {};
  const meta = el("p", "muted small bc-item-meta", `${tpl.name} (${tpl.language})`);
  if (b.follow_up) meta.append(` · follow-up: ${words.groupLabel(b.follow_up)}`);
  if (b.status === "scheduled" && b.schedule_at) meta.append(` · starts ${words.when(b.schedule_at)}`);
  else if (b.launched_at) meta.append(` · launched ${words.when(b.launched_at)}`);
  else if (b.created_at) meta.append(` · created ${words.when(b.created_at)}`);
  li.append(head, meta);
  if (b.status !== "draft") {
    const line = countsLine(b);
    if (line) li.append(el("p", "small bc-item-counts", line));
  }
  return li;
}

async function loadList() {
  try {
    const items = await request("GET", "/api/v1/broadcasts").then(many);
    $("broadcast-list").replaceChildren(...items.map(listItem));
    $("broadcasts-empty").hidden = items.length > 0;
    $("broadcasts-updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
    $("broadcasts-error").hidden = true;
    main.dataset.loaded = "true";
  } catch (e) {
    ui.problem($("broadcasts-error"), e);
  }
}
const refreshList = throttled(loadList, 1000);

// ---- one broadcast ----

function describeAudience(a) {
  a = a || {};
  if (a.follow_up) return `Recipients of broadcast #${a.follow_up.broadcast_id}: ${words.groupLabel(a.follow_up.group).toLowerCase()}`;
  const parts = [];
  if ((a.tags || []).length) parts.push(`tagged ${a.tags.join(" or ")}`);
  if ((a.exclude_tags || []).length) parts.push(`not tagged ${a.exclude_tags.join(" or ")}`);
  if (a.consent) parts.push(words.CONSENT[a.consent] || a.consent);
  if ((a.labels || []).length) parts.push(`in conversations labelled ${a.labels.join(" or ")}`);
  for (const [k, val] of Object.entries(a.attributes || {})) parts.push(`${k} = ${val}`);
  if (a.inbound_within_days) parts.push(`wrote in the last ${a.inbound_within_days} days`);
  if (a.no_inbound_for_days) parts.push(`silent for ${a.no_inbound_for_days}+ days`);
  if (a.number_id) parts.push(`talked to ${numberLabel(a.number_id)}`);
  return parts.length ? `Contacts ${parts.join(", ")}` : "Every contact";
}

// scheduleText says when b starts in the zone it was planned in, and in
// the viewer's when that differs.
function scheduleText(b) {
  const local = words.when(b.schedule_at);
  const tz = b.timezone;
  if (!tz || tz === Intl.DateTimeFormat().resolvedOptions().timeZone) return local;
  try {
    const there = new Date(b.schedule_at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short", timeZone: tz });
    return `${there} in ${tz.replace(/_/g, " ")} (${local} your time)`;
  } catch {
    return local;
  }
}

function renderSummary(b) {
  const dl = $("detail-summary");
  const rows = [];
  const fact = (k, val, key) => {
    const dd = el("dd", null, val);
    dd.dataset.fact = key;
    rows.push(el("dt", null, k), dd);
  };
  const tpl = b.template || {};
  fact("Template", `${tpl.name} (${tpl.language})`, "template");
  const vars = (tpl.parameters || []).map((p, i) => `{{${i + 1}}} = ${p}`);
  for (const [k, v] of Object.entries(tpl.body_named || {})) vars.push(`{{${k}}} = ${v}`);
  if (vars.length) fact("Variables", vars.join(" · "), "parameters");
  const h = tpl.header;
  if (h) fact("Header", (h.text || h.link || `media ${h.media_id}`) + (h.filename ? ` (${h.filename})` : ""), "header");
  for (const [i, vals] of Object.entries(tpl.buttons || {})) fact(`Button ${Number(i) + 1}`, vals.join(" · "), `button-${i}`);
  fact("From", numberLabel(b.number_id), "number");
  fact("Audience", describeAudience(b.audience), "audience");
  if (b.schedule_at) fact("Send at", scheduleText(b), "schedule");
  fact("Pauses above", `${Math.round((b.failure_threshold || 0.2) * 100)}% failed`, "threshold");
  if (b.launched_at) fact(b.status === "scheduled" ? "Scheduled on" : "Launched", words.when(b.launched_at), "launched");
  if (b.finished_at) fact("Finished", words.when(b.finished_at), "finished");
  dl.replaceChildren(...rows);
  // A draft being composed shows its form instead.
  dl.hidden = b.status === "draft" && canManage;
}

function renderReason(b) {
  const box = $("detail-reason");
  const parts = [];
  if (b.status_reason) {
    box.dataset.code = b.status_reason.code || "";
    parts.push(el("strong", null, b.status_reason.message));
    if (b.status_reason.remedy) parts.push(" ", el("span", "remedy", b.status_reason.remedy));
  }
  if (b.waiting) {
    const p = el("p", "bc-waiting");
    p.append(`Waiting${b.waiting.until ? ` until ${words.when(b.waiting.until)}` : ""}${b.waiting.reason ? `: ${b.waiting.reason}` : "."}`);
    parts.push(p);
  }
  box.replaceChildren(...parts);
  box.dataset.status = b.status;
  box.hidden = !parts.length;
}

function renderHead(b) {
  $("detail-name").textContent = b ? b.name : "New broadcast";
  document.title = `${b ? b.name : "New broadcast"} · Broadcasts · GoHavi`;
  const tag = $("detail-status");
  if (b) statusTag(tag, b);
  else tag.hidden = true;
  const parent = $("detail-parent");
  parent.hidden = !(b && b.parent_id);
  if (b && b.parent_id) {
    const a = el("a", null, `broadcast #${b.parent_id}`);
    a.href = `#b=${b.parent_id}`;
    parent.replaceChildren(`Follow-up of `, a, ` to those who: ${words.groupLabel(b.follow_up).toLowerCase()}.`);
  }
}

// render shows b; opened is true when it was just opened (or its draft
// saved), when the form may be refilled and the plan recomputed.
function render(b, opened) {
  const prev = st.current;
  st.current = b;
  renderHead(b);
  renderReason(b);
  renderSummary(b);
  const draft = b.status === "draft";
  if (composeMod) {
    if (draft && opened) composeMod.fill(b);
    composeMod.show(draft);
  }
  const planned = draft || b.status === "scheduled";
  if (planned && (opened || !prev || prev.status !== b.status)) planMod.load(b);
  planMod.show(planned, b);
  if (draft) resultsMod.hide();
  else resultsMod.show(b, opened || !prev || prev.status !== b.status);
}

async function loadDetail(opened) {
  const id = st.id;
  try {
    const b = await request("GET", `/api/v1/broadcasts/${id}`);
    if (st.view !== "detail" || st.id !== id) return;
    $("detail-error").hidden = true;
    render(b, opened);
    main.dataset.loaded = "true";
  } catch (e) {
    ui.problem($("detail-error"), e);
  }
}
const refreshDetail = throttled(() => loadDetail(false), 1000);

// ---- routes ----

async function route() {
  const m = /^#b=(\d+)$/.exec(location.hash);
  const view = m ? "detail" : location.hash === "#new" && canManage ? "new" : "list";
  st.view = view;
  st.id = m ? Number(m[1]) : 0;
  st.current = null;
  $("list-view").hidden = view !== "list";
  $("detail-view").hidden = view === "list";
  $("detail-error").hidden = true;
  main.setAttribute("aria-busy", "true");
  try {
    await numbers().catch((e) => ui.problem($("broadcasts-error"), e));
    if (view === "list") {
      document.title = "Broadcasts · GoHavi";
      await loadList();
    } else if (view === "new") {
      renderHead(null);
      $("detail-reason").hidden = true;
      $("detail-summary").hidden = true;
      planMod.show(false);
      resultsMod.hide();
      composeMod.fill(null);
      composeMod.show(true);
      main.dataset.loaded = "true";
    } else {
      // Nothing of the broadcast shown before stays while this one loads.
      $("detail-name").textContent = "Loading…";
      for (const id of ["detail-status", "detail-parent", "detail-reason", "detail-summary"]) $(id).hidden = true;
      planMod.show(false);
      resultsMod.hide();
      if (composeMod) composeMod.show(false);
      await loadDetail(true);
    }
  } finally {
    main.setAttribute("aria-busy", "false");
    window.scrollTo(0, 0);
  }
}

// ---- realtime ----

function setLive(state) {
  const s = $("live-status");
  s.dataset.state = state;
  s.textContent = { live: "Live", connecting: "Connecting…", offline: "Offline, reconnecting…" }[state];
}

let source = null, retryDelay = 1000;
function connect() {
  setLive("connecting");
  source = new EventSource("/api/v1/events");
  source.addEventListener("open", () => {
    setLive("live");
    retryDelay = 1000;
    resync(); // catch up on whatever moved while the stream was down
  });
  source.addEventListener("error", () => {
    setLive("offline");
    if (source.readyState === EventSource.CLOSED) { // the browser gave up: retry ourselves
      source.close();
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    }
  });
  source.addEventListener("broadcast.updated", (e) => {
    let d;
    try { d = JSON.parse(e.data); } catch { return; }
    if (d && d.id == null && d.data) d = d.data;
    if (st.view === "list") refreshList();
    else if (st.view === "detail" && d && Number(d.id) === st.id) refreshDetail();
  });
  // Deliveries, reads and replies arrive as message updates, not as
  // broadcast events: a launched broadcast's counts follow them too.
  const follow = () => {
    const b = st.current;
    if (st.view === "detail" && b && b.status !== "draft") refreshDetail();
  };
  source.addEventListener("message.updated", follow);
  source.addEventListener("message.created", follow);
}

function resync() {
  if (st.view === "list") refreshList();
  else if (st.view === "detail") refreshDetail();
}

// ---- the pieces' shared context ----

const ctx = {
  canManage,
  numbers,
  current: () => st.current,
  // saved is told of a draft the form stored: a new one gets its own URL.
  saved(b, created) {
    if (created) { location.hash = `#b=${b.id}`; return; }
    render(b, true);
  },
  // changed is told of a broadcast a button moved (launch, pause, …).
  changed(b) {
    if (st.view === "detail" && st.id === b.id) render(b, false);
  },
  open(id) { location.hash = `#b=${id}`; },
};
planMod.setup(ctx);
resultsMod.setup(ctx);
if (composeMod) composeMod.setup(ctx);
if (importMod) importMod.setup(ctx);

window.addEventListener("hashchange", route);
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") resync(); });
connect();
route();
