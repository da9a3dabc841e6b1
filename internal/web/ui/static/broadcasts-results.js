// broadcasts-results.js — a launched broadcast: the live counters and the
// progress bar, pause, resume and cancel as its status allows, one-click
// follow-up drafts, and the recipients table with its filter, paging and
// CSV export. Failed rows carry Meta's error code with what it means and
// what to do.

const v = new URL(import.meta.url).search;
const [ui, { request, many }, words] = await Promise.all([
  import("./numbers-ui.js" + v), import("./api.js" + v), import("./broadcasts-words.js" + v),
]);
const { $, el } = ui;

const PAGE = 50;
const COUNTERS = [
  ["sent", "Sent"], ["delivered", "Delivered"], ["read", "Read"], ["replied", "Replied"],
  ["failed", "Failed"], ["skipped", "Skipped"], ["pending", "Pending"],
];

let ctx = null;
const rows = {
  id: 0,          // the broadcast the table shows
  group: "all",
  next: "",       // the next page's cursor, "" at the end
  pages: 0,       // pages shown; live refreshes redo the first one only
  seq: 0,
};

export function setup(c) {
  ctx = c;
  const sel = $("rcpt-state");
  sel.replaceChildren(...words.GROUPS.map(([k, label]) => {
    const o = el("option", null, label);
    o.value = k;
    return o;
  }));
  sel.addEventListener("change", () => {
    rows.group = sel.value;
    loadRows(false);
  });
  $("rcpt-more").addEventListener("click", () => loadRows(true));
  $("bc-counters").replaceChildren(...COUNTERS.map(([k, label]) => {
    const li = el("li", "bc-counter");
    li.dataset.count = k;
    const n = el("strong", "bc-counter-value", "0");
    n.id = `count-${k}`;
    li.append(n, el("span", "bc-counter-label", label));
    return li;
  }));
  if (!ctx.canManage) return;
  for (const [id, action] of [["broadcast-pause", "pause"], ["broadcast-resume", "resume"], ["broadcast-cancel", "cancel"]]) {
    $(id).addEventListener("click", () => steer(action));
  }
  for (const btn of document.querySelectorAll(".bc-followup")) btn.addEventListener("click", () => followUp(btn));
}

export function hide() {
  $("results").hidden = true;
  rows.seq++;
}

// show renders b's counts; fresh (just opened, or its status changed)
// resets the table to the first page of everyone.
export function show(b, fresh) {
  const sec = $("results");
  sec.hidden = false;
  sec.dataset.status = b.status;
  const c = b.counts || {};
  for (const [k] of COUNTERS) {
    const n = $(`count-${k}`);
    n.textContent = words.count(c[k]);
    n.parentElement.dataset.value = String(c[k] || 0);
  }
  const done = (c.total || 0) - (c.pending || 0);
  const bar = $("bc-progress");
  bar.max = Math.max(1, c.total || 0);
  bar.value = done;
  $("bc-progress-text").textContent = `${words.count(done)} of ${words.count(c.total)} done (${Math.round((done / Math.max(1, c.total)) * 100)}%)`;
  // Recipients are chosen when sending starts: before that there is
  // nothing to count or list.
  const note = $("results-note");
  note.hidden = !!c.total;
  note.textContent = b.status === "scheduled" || (b.status === "paused" && b.schedule_at)
    ? `Recipients are chosen when sending starts${b.schedule_at ? `, ${words.when(b.schedule_at)}` : ""}.` : "No recipients.";
  $("results-live").hidden = !c.total;
  $("recipients-box").hidden = !c.total;
  $("results-updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  if (ctx.canManage) {
    $("broadcast-pause").hidden = !["running", "scheduled"].includes(b.status);
    $("broadcast-resume").hidden = b.status !== "paused";
    $("broadcast-cancel").hidden = !["scheduled", "running", "paused"].includes(b.status);
    $("bc-followups").hidden = !b.launched_at || !c.total;
  }
  if (fresh || rows.id !== b.id) {
    if (rows.id !== b.id) {
      rows.group = "all";
      $("rcpt-state").value = "all";
      if (ctx.canManage) $("steer-status").textContent = "";
    }
    rows.id = b.id;
    loadRows(false);
  } else if (rows.pages <= 1) {
    loadRows(false, true);
  }
}

function csvHref() {
  return `/api/v1/broadcasts/${rows.id}/recipients.csv?state=${encodeURIComponent(rows.group)}`;
}

// loadRows loads the first page (more: the next one). quiet refreshes keep
// the table as it is until the answer is in.
async function loadRows(more, quiet) {
  const my = ++rows.seq;
  const tbody = document.querySelector("#recipients tbody");
  const table = $("recipients");
  $("rcpt-csv").href = csvHref();
  table.dataset.group = rows.group;
  if (!more && !quiet) table.setAttribute("aria-busy", "true");
  const q = new URLSearchParams({ state: rows.group, limit: String(PAGE) });
  if (more && rows.next) q.set("after", rows.next);
  try {
    const res = await request("GET", `/api/v1/broadcasts/${rows.id}/recipients?${q}`);
    if (my !== rows.seq) return;
    const data = many(res);
    const trs = data.map(row);
    if (more) tbody.append(...trs);
    else tbody.replaceChildren(...trs);
    rows.pages = more ? rows.pages + 1 : 1;
    rows.next = res.next_after || "";
    $("rcpt-more").hidden = !rows.next;
    $("rcpt-empty").hidden = tbody.children.length > 0;
    $("results-error").hidden = true;
    table.dataset.loaded = "true";
  } catch (e) {
    if (my === rows.seq) ui.problem($("results-error"), e);
  } finally {
    if (my === rows.seq) table.setAttribute("aria-busy", "false");
  }
}

function errorBlock(err) {
  const box = el("div", "bc-error");
  box.dataset.code = String(err.code);
  box.append(el("p", "bc-error-title", `Meta error ${err.code}: ${err.title || "no title given"}`));
  if (err.meaning && err.meaning !== err.title) box.append(el("p", "bc-error-meaning", err.meaning));
  if (err.remedy) {
    const p = el("p", "bc-error-remedy");
    p.append(el("strong", null, "What to do: "), err.remedy);
    box.append(p);
  }
  return box;
}

function row(r) {
  const tr = el("tr", "bc-rcpt");
  tr.dataset.id = String(r.id);
  tr.dataset.outcome = r.outcome;
  const cell = (label, ...content) => {
    const td = el("td");
    td.dataset.label = label;
    td.append(...content);
    tr.append(td);
    return td;
  };
  const who = el("span", "bc-rcpt-name", r.name || r.phone);
  cell("Recipient", who, el("br"), el("span", "muted small-inline bc-rcpt-phone", r.phone));
  const tag = el("span", "tag bc-outcome", words.OUTCOME[r.outcome] || ui.human(r.outcome));
  tag.dataset.outcome = r.outcome;
  cell("Outcome", tag);
  const details = cell("Details");
  details.className = "bc-rcpt-details";
  if (r.outcome === "skipped" && r.reason) details.append(el("p", "bc-rcpt-reason", words.skipLabel(r.reason)));
  else if (r.reason) details.append(el("p", "bc-rcpt-reason", r.reason));
  if (r.detail) details.append(el("p", "muted bc-rcpt-detail", r.detail));
  if (r.error) details.append(errorBlock(r.error));
  if (r.attempts > 1) details.append(el("p", "muted", `${r.attempts} attempts`));
  const t = el("time", "small-inline", words.when(r.updated_at));
  if (r.updated_at) t.dateTime = r.updated_at;
  cell("Updated", t);
  return tr;
}

async function steer(action) {
  const b = ctx.current();
  if (!b) return;
  const status = $("steer-status"), box = $("results-error");
  if (action === "cancel" && !window.confirm(`Cancel “${b.name}”? Recipients not sent to yet are skipped. This cannot be undone.`)) return;
  const btns = document.querySelectorAll("#bc-steer button");
  for (const x of btns) x.disabled = true;
  box.hidden = true;
  status.textContent = { pause: "Pausing…", resume: "Resuming…", cancel: "Canceling…" }[action];
  try {
    const nb = await request("POST", `/api/v1/broadcasts/${b.id}/${action}`, {});
    status.textContent = { pause: "Paused.", resume: "Resumed.", cancel: "Canceled." }[action];
    ctx.changed(nb);
  } catch (e) {
    status.textContent = "";
    ui.problem(box, e);
  } finally {
    for (const x of btns) x.disabled = false;
  }
}

async function followUp(btn) {
  const b = ctx.current();
  if (!b) return;
  const status = $("steer-status"), box = $("results-error");
  box.hidden = true;
  btn.disabled = true;
  status.textContent = "Creating the follow-up draft…";
  try {
    const nb = await request("POST", `/api/v1/broadcasts/${b.id}/follow-up`, { group: btn.dataset.group });
    status.textContent = "";
    ctx.open(nb.id);
  } catch (e) {
    status.textContent = "";
    ui.problem(box, e);
  } finally {
    btn.disabled = false;
  }
}
