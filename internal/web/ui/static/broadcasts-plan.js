// broadcasts-plan.js — a draft's (or scheduled broadcast's) plan: who the
// audience reaches and who it skips and why, what fits in the messaging
// limit now and what waits, how long and what it costs; the first
// recipients' messages as chat bubbles; and the Launch button, which asks
// for confirmation with the numbers the plan gave.

const v = new URL(import.meta.url).search;
const [ui, { request, many }, words] = await Promise.all([
  import("./numbers-ui.js" + v), import("./api.js" + v), import("./broadcasts-words.js" + v),
]);
const { $, el } = ui;

let ctx = null;
let seq = 0;     // the latest load; older answers are dropped
let plan = null; // the plan of the shown broadcast, once loaded
let planFor = 0; // the broadcast the launch messages are about

export function setup(c) {
  ctx = c;
  $("plan-refresh").addEventListener("click", () => {
    const b = ctx.current();
    if (b) load(b);
  });
  const launch = $("broadcast-launch");
  if (launch) launch.addEventListener("click", onLaunch);
}

export function show(visible, b) {
  $("plan").hidden = !visible;
  $("preview").hidden = !visible;
  const launch = $("broadcast-launch");
  if (launch) launch.closest(".bc-launch-row").hidden = !(b && b.status === "draft");
  if (!visible) seq++;
}

function updateLaunch() {
  const launch = $("broadcast-launch");
  if (!launch) return;
  const b = ctx.current();
  launch.disabled = !(plan && b && b.status === "draft" && !plan.blocked && plan.eligible > 0);
  launch.textContent = b && b.schedule_at && new Date(b.schedule_at) > Date.now() ? "Schedule" : "Launch";
}

export async function load(b) {
  const my = ++seq;
  plan = null;
  updateLaunch();
  if (planFor !== b.id && $("launch-status")) {
    $("launch-status").textContent = "";
    $("launch-error").hidden = true;
  }
  planFor = b.id;
  const sec = $("plan");
  sec.setAttribute("aria-busy", "true");
  delete sec.dataset.loaded;
  const [p, pv] = await Promise.allSettled([
    request("GET", `/api/v1/broadcasts/${b.id}/plan`),
    request("GET", `/api/v1/broadcasts/${b.id}/preview?n=5`).then(many),
  ]);
  if (my !== seq) return;
  const blocked = $("plan-blocked");
  if (p.status === "fulfilled") {
    plan = p.value;
    $("plan-body").replaceChildren(planFacts(plan));
    if (plan.blocked) {
      blocked.dataset.code = plan.blocked.code || "";
      ui.problem(blocked, { message: `Cannot launch now: ${plan.blocked.message}`, remedy: plan.blocked.remedy });
    } else {
      blocked.hidden = true;
    }
  } else {
    $("plan-body").replaceChildren();
    delete blocked.dataset.code;
    ui.problem(blocked, p.reason);
  }
  if (pv.status === "fulfilled") renderPreview(pv.value);
  else {
    const box = el("li", "alert");
    $("preview-list").replaceChildren(box);
    ui.problem(box, pv.reason);
  }
  sec.setAttribute("aria-busy", "false");
  sec.dataset.loaded = "true";
  updateLaunch();
}

function tierText(t) {
  if (!t || !t.known) return "Not reported by Meta yet; sending waits if Meta's limit is reached.";
  if (t.unlimited) return "Unlimited";
  return `${words.count(t.used)} of ${words.count(t.limit)} new customers in the last 24 h used; this needs ${words.count(t.need_slots)}`;
}

function planFacts(p) {
  const dl = el("dl", "facts bc-plan-facts");
  const fact = (k, val, key, cls) => {
    const dd = el("dd", cls);
    dd.append(...[].concat(val));
    dd.dataset.fact = key;
    dl.append(el("dt", null, k), dd);
    return dd;
  };
  fact("Audience", words.plural(p.audience, "contact", "contacts"), "audience");
  fact("Eligible", words.count(p.eligible), "eligible", "bc-big");
  const skipped = Object.entries(p.skipped || {}).sort((a, b) => b[1] - a[1]);
  const total = skipped.reduce((n, [, c]) => n + c, 0);
  const sk = fact("Skipped", total ? words.count(total) : "Nobody", "skipped");
  if (total) {
    const ul = el("ul", "bc-skips");
    for (const [reason, n] of skipped) {
      const li = el("li", null, `${words.skipLabel(reason)}: ${words.count(n)}`);
      li.dataset.reason = reason;
      li.dataset.count = String(n);
      ul.append(li);
    }
    sk.append(ul);
  }
  fact("Send now", words.count(p.send_now), "send_now");
  fact("Deferred", p.deferred ? `${words.count(p.deferred)}, waiting for the messaging limit to free slots` : "None", "deferred");
  if (p.next_slot_at) fact("Next free slot", words.when(p.next_slot_at), "next_slot_at");
  if (p.completes_by) fact("Completes by", words.when(p.completes_by), "completes_by");
  if (p.starts_at) fact("Starts at", words.when(p.starts_at), "starts_at");
  fact("Sending time", `${words.duration(p.estimated_duration_s)} at ${p.throughput_mps} messages per second`, "duration");
  fact("Messaging limit", tierText(p.tier), "tier");
  const c = p.estimated_cost || {};
  const cost = fact("Estimated cost", el("strong", "bc-cost", words.money(c.amount, c.currency)), "cost");
  if (c.category) cost.append(` for ${c.category.toLowerCase()} messages`);
  const table = el("p", "muted small bc-rate-table", `Rate table ${c.rate_table || "unknown"}${c.rate_table_date ? `, effective ${c.rate_table_date}` : ""}`);
  table.dataset.rateTable = c.rate_table || "";
  cost.append(table);
  const markets = Object.entries(c.by_market || {}).sort((a, b) => b[1].amount - a[1].amount);
  if (markets.length) {
    const ul = el("ul", "small bc-markets");
    for (const [m, x] of markets) ul.append(el("li", null, `${m}: ${words.plural(x.messages, "message", "messages")}, ${words.money(x.amount, c.currency)}`));
    cost.append(ul);
  }
  if (c.note) cost.append(el("p", "muted small", c.note));
  return dl;
}

// bubble draws a template message the way WhatsApp shows it.
export function bubble(m) {
  const b = el("div", "bc-bubble");
  if (m.header) b.append(el("p", "bc-bubble-header", m.header));
  else if (m.header_format) {
    // The preview carries the header's kind, not the file: a placeholder
    // of the media's shape stands in for it.
    const media = el("p", "bc-bubble-media muted", ui.human(m.header_format));
    media.dataset.format = m.header_format;
    b.append(media);
  }
  b.append(el("p", "bc-bubble-body", m.body || ""));
  if (m.footer) b.append(el("p", "bc-bubble-footer muted", m.footer));
  if ((m.buttons || []).length) {
    const row = el("div", "bc-bubble-buttons");
    for (const label of m.buttons) row.append(el("span", "bc-bubble-button", label));
    b.append(row);
  }
  return b;
}

function renderPreview(items) {
  const list = $("preview-list");
  if (!items.length) {
    list.replaceChildren(el("li", "muted", "The audience selects nobody yet."));
    return;
  }
  list.replaceChildren(...items.map((it) => {
    const li = el("li", "bc-preview-item");
    li.dataset.contact = String(it.contact_id);
    const who = el("p", "bc-preview-who");
    who.append(el("strong", null, it.name || it.phone), " ", el("span", "muted", it.phone));
    li.append(who);
    if (it.skip) {
      li.dataset.skip = it.skip;
      li.append(el("p", "bc-preview-skip", `Skipped: ${words.skipLabel(it.skip)}${it.detail ? ` (${it.detail})` : ""}`));
    }
    li.append(bubble(it.message || {}));
    return li;
  }));
}

async function onLaunch() {
  const b = ctx.current();
  if (!b || !plan) return;
  const status = $("launch-status"), box = $("launch-error"), btn = $("broadcast-launch");
  const c = plan.estimated_cost || {};
  const skipped = Object.values(plan.skipped || {}).reduce((n, x) => n + x, 0);
  const lines = [
    `${plan.starts_at ? "Schedule" : "Launch"} “${b.name}”?`, "",
    `${words.plural(plan.eligible, "recipient gets", "recipients get")} the message${skipped ? `; ${words.count(skipped)} skipped` : ""}.`,
    `Estimated cost: ${words.money(c.amount, c.currency)} (rate table ${c.rate_table}, ${c.rate_table_date}).`,
  ];
  if (plan.deferred) lines.push(`${words.count(plan.deferred)} wait for the messaging limit${plan.completes_by ? `; done by about ${words.when(plan.completes_by)}` : ""}.`);
  if (plan.starts_at) lines.push(`Sending starts ${words.when(plan.starts_at)}.`);
  if (!window.confirm(lines.join("\n"))) return;
  box.hidden = true;
  btn.disabled = true;
  status.textContent = "Launching…";
  try {
    const nb = await request("POST", `/api/v1/broadcasts/${b.id}/launch`, {});
    status.textContent = nb.status === "scheduled" ? `Scheduled for ${words.when(nb.schedule_at)}.` : "Launched.";
    ctx.changed(nb);
  } catch (e) {
    status.textContent = "Not launched.";
    ui.problem(box, e);
    updateLaunch();
  }
}
