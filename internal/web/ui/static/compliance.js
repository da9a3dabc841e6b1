// compliance.js — the workspace's standing with Meta's rules, from
// GET /api/v1/compliance: each number's tier use and quality, paused or
// disabled templates, and recent refused sends. Data is inserted as text.

const api = await import("./api.js" + new URL(import.meta.url).search);

const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text != null) n.textContent = text;
  return n;
}

const when = (s) => (s ? new Date(s).toLocaleString() : "");
const TIERS = { TIER_250: "250 customers / 24 h", TIER_1K: "1,000 customers / 24 h", TIER_10K: "10,000 customers / 24 h", TIER_100K: "100,000 customers / 24 h", TIER_UNLIMITED: "Unlimited" };

function timeCell(s) {
  const td = el("td");
  if (s) {
    const t = el("time", null, when(s));
    t.dateTime = s;
    td.append(t);
  }
  return td;
}

function row(cells) {
  const tr = el("tr");
  for (const c of cells) tr.append(c instanceof Node ? c : el("td", null, c == null ? "" : String(c)));
  return tr;
}

function numberCard(n) {
  const card = el("article", "card number-card");
  card.dataset.numberId = String(n.number_id);
  card.append(el("h3", null, n.display_phone_number || `Number ${n.number_id}`));
  const dl = el("dl", "facts");
  const fact = (k, v, cls) => {
    const dd = el("dd", cls, v);
    dl.append(el("dt", null, k), dd);
    return dd;
  };
  fact("Tier", n.tier ? TIERS[n.tier] || n.tier : "Not reported by Meta yet", "tier");
  const q = fact("Quality", n.quality_rating || "UNKNOWN", "quality");
  q.dataset.quality = String(n.quality_rating || "UNKNOWN").toUpperCase();
  if (n.unlimited) fact("Used", `${n.used} customers in 24 h (no limit)`, "used");
  else if (n.tier) fact("Used", `${n.used} of ${n.limit} · ${n.remaining} left`, "used");
  else fact("Used", `${n.used} customers in 24 h`, "used");
  if (n.next_slot_at) fact("Next free slot", when(n.next_slot_at), "next-slot");
  card.append(dl);
  if (n.tier && !n.unlimited && n.limit > 0) {
    const bar = el("div", "bar");
    bar.setAttribute("role", "meter");
    bar.setAttribute("aria-label", "Messaging limit used");
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", String(n.limit));
    bar.setAttribute("aria-valuenow", String(n.used));
    const fill = el("div", "bar-fill");
    const pct = Math.min(100, Math.round((n.used / n.limit) * 100));
    fill.style.setProperty("--pct", pct + "%");
    fill.dataset.level = pct >= 90 ? "high" : pct >= 70 ? "mid" : "low";
    bar.append(fill);
    card.append(bar);
  }
  if (n.portfolio) card.append(el("p", "muted small", `Portfolio ${n.portfolio}`));
  return card;
}

function render(r) {
  const nums = r.numbers || [];
  $("compliance-numbers").replaceChildren(...(nums.length ? nums.map(numberCard)
    : [el("p", "muted", "No WhatsApp number is connected yet.")]));

  const held = r.held_templates || [];
  $("compliance-held").querySelector("tbody").replaceChildren(...held.map((t) => {
    const tr = row([t.name, t.language, t.status, t.quality || "", timeCell(t.paused_until)]);
    tr.dataset.status = t.status;
    return tr;
  }));
  $("compliance-held").hidden = !held.length;
  $("compliance-held-empty").hidden = held.length > 0;

  const d = r.denials || {};
  $("compliance-since").textContent = d.since ? `since ${when(d.since)}` : "";
  const counts = Object.entries(d.by_code || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  $("compliance-codes").replaceChildren(...counts.map(([code, n]) => {
    const li = el("li", "denial-code");
    li.dataset.code = code;
    li.append(el("code", null, code), el("span", "count", String(n)));
    return li;
  }));
  const recent = d.recent || [];
  $("compliance-recent").querySelector("tbody").replaceChildren(...recent.map((x) => {
    const tr = row([timeCell(x.at), x.wa_id ? "+" + x.wa_id : "", x.template ? `${x.type} · ${x.template}` : x.type, el("td"), x.message]);
    tr.className = "denial";
    tr.dataset.code = x.code;
    tr.children[3].append(el("code", null, x.code));
    return tr;
  }));
  $("compliance-recent").hidden = !recent.length;
  $("compliance-denials-empty").hidden = recent.length > 0 || counts.length > 0;
}

async function load() {
  const main = document.querySelector("main.compliance");
  main.setAttribute("aria-busy", "true");
  try {
    render(await api.getCompliance());
    $("compliance-status").hidden = true;
    $("compliance-updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    if (e.status === 401) { location.assign("/login"); return; }
    const box = $("compliance-status");
    box.replaceChildren(el("strong", null, e.message), " ", el("span", "remedy", e.remedy));
    box.hidden = false;
  } finally {
    main.setAttribute("aria-busy", "false");
  }
}

$("compliance-refresh").addEventListener("click", load);
setInterval(() => { if (document.visibilityState === "visible") load(); }, 60000);
load();
