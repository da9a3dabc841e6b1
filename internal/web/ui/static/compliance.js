// compliance.js — the workspace's standing with Meta's rules, from
// GET /api/v1/compliance: each number's tier use and quality, paused or
// disabled templates, and recent refused sends; and the opt-out keywords
// with their confirmations, from /api/v1/settings/keywords, which owners
// and admins edit here. Data is inserted as text.

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

// ---- opt-out keywords ----

const canManage = ["owner", "admin"].includes(document.body.dataset.role);
const ACTIONS = [["opt_out", "Opts out"], ["opt_in", "Opts back in"]];
const REPLY_LABELS = { opt_out: "Confirmation after opting out", opt_in: "Confirmation after opting back in" };
let languageNames = null;
try { languageNames = new Intl.DisplayNames([navigator.language || "en", "en"], { type: "language" }); } catch { /* old browser: codes only */ }

function languageLabel(code) {
  let name = "";
  try { name = languageNames ? languageNames.of(code) : ""; } catch { /* not a code Intl knows */ }
  return name && name !== code ? `${name} (${code})` : code;
}

function keywordProblem(e) {
  if (e.status === 401) { location.assign("/login"); return; }
  const box = $("keywords-status");
  box.replaceChildren(el("strong", null, e.message), " ", el("span", "remedy", e.remedy));
  box.hidden = false;
  $("keywords-note").textContent = "";
}

// change runs one edit, then shows the lists as the server now has them.
async function change(what, fn) {
  const section = $("keywords");
  section.setAttribute("aria-busy", "true");
  try {
    await fn();
    $("keywords-status").hidden = true;
    await loadKeywords();
    $("keywords-note").textContent = what;
  } catch (e) {
    keywordProblem(e);
  } finally {
    section.setAttribute("aria-busy", "false");
  }
}

function keywordChip(k) {
  const li = el("li", "keyword");
  li.dataset.word = k.word;
  li.dataset.action = k.action;
  li.dataset.builtin = String(k.builtin);
  li.dataset.enabled = String(k.enabled);
  li.append(el("span", "word", k.word));
  if (k.builtin) li.title = k.enabled ? "Built in" : "Built in, switched off";
  if (!canManage) return li;
  const btn = el("button", "btn btn-link");
  btn.type = "button";
  if (!k.builtin) {
    btn.textContent = "Remove";
    btn.className += " keyword-remove";
    btn.addEventListener("click", () => change(`Removed “${k.word}”.`, () => api.removeKeyword(k.word)));
  } else {
    btn.textContent = k.enabled ? "Switch off" : "Switch on";
    btn.className += " keyword-toggle";
    btn.addEventListener("click", () => change(`${k.enabled ? "Switched off" : "Switched on"} “${k.word}”.`,
      () => api.setBuiltinKeyword(k.word, !k.enabled)));
  }
  btn.setAttribute("aria-label", `${btn.textContent} ${k.word}`);
  li.append(btn);
  return li;
}

function languageCard(lang, words, saved, fallback) {
  const card = el("article", "card keyword-language");
  card.dataset.language = lang;
  card.append(el("h3", null, languageLabel(lang)));
  for (const [action, label] of ACTIONS) {
    const ws = words.filter((k) => k.action === action);
    if (!ws.length) continue;
    card.append(el("p", "keyword-kind muted small", label));
    const ul = el("ul", "keyword-list");
    ul.dataset.action = action;
    ul.append(...ws.map(keywordChip));
    card.append(ul);
  }
  const form = el("form", "keyword-replies");
  for (const [action] of ACTIONS) {
    const id = `reply-${lang}-${action}`;
    const lab = el("label", null, REPLY_LABELS[action]);
    lab.htmlFor = id;
    const ta = el("textarea", "keyword-reply");
    ta.id = id;
    ta.rows = 3;
    ta.maxLength = 1024;
    ta.dataset.action = action;
    ta.value = saved[action] || "";
    ta.dataset.saved = ta.value;
    ta.placeholder = fallback(action);
    ta.readOnly = !canManage;
    form.append(lab, ta);
  }
  if (canManage) {
    const save = el("button", "btn btn-link keyword-replies-save", "Save confirmations");
    save.type = "submit";
    const actions = el("div", "keyword-actions");
    actions.append(save);
    form.append(actions);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const edits = [...form.querySelectorAll("textarea")].filter((ta) => ta.value.trim() !== ta.dataset.saved);
      change(`Saved the ${languageLabel(lang)} confirmations.`, () => Promise.all(edits.map((ta) =>
        api.setKeywordReply({ language: lang, action: ta.dataset.action, text: ta.value }))));
    });
  }
  card.append(form);
  return card;
}

function renderKeywords(r) {
  const words = r.data || [];
  const replies = r.replies || [];
  const saved = {}; // language → action → text the workspace saved
  for (const x of replies) {
    if (!x.default) (saved[x.language] ||= {})[x.action] = x.text;
  }
  const english = {};
  for (const x of replies) if (x.language === "en") english[x.action] = x.text;
  const langs = [...new Set([...words.map((k) => k.language), ...Object.keys(saved)])]
    .sort((a, b) => (a === "en" ? -1 : b === "en" ? 1 : a.localeCompare(b)));
  $("keyword-languages").replaceChildren(...langs.map((lang) => {
    const primary = lang.split("-")[0];
    const fallback = (action) => (primary !== lang && saved[primary] && saved[primary][action]) || english[action] || "";
    return languageCard(lang, words.filter((k) => k.language === lang), saved[lang] || {}, fallback);
  }));
}

async function loadKeywords() {
  renderKeywords(await api.getKeywords());
}

$("keyword-add").hidden = !canManage;
$("keyword-add").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const word = $("keyword-word").value;
  const k = { word, language: $("keyword-language").value.trim(), action: $("keyword-action").value };
  change(`Added “${word.trim()}”.`, async () => {
    await api.addKeyword(k);
    $("keyword-word").value = "";
  });
});

$("compliance-refresh").addEventListener("click", load);
setInterval(() => { if (document.visibilityState === "visible") load(); }, 60000);
load();
// The keywords are not refreshed on the timer: that would wipe a
// confirmation being edited.
loadKeywords().catch(keywordProblem).finally(() => $("keywords").setAttribute("aria-busy", "false"));
