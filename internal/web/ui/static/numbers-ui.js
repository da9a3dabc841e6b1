// numbers-ui.js — what the numbers page and the connect page share: DOM
// helpers, field errors, and the summary of one number's health. Data is
// inserted as text, never as HTML.

export const $ = (id) => document.getElementById(id);

export function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text != null) n.textContent = text;
  return n;
}

export const canManage = () => ["owner", "admin"].includes(document.body.dataset.role);

export const when = (s) => (s ? new Date(s).toLocaleString() : "");

export function timeEl(s) {
  const t = el("time", null, when(s));
  if (s) t.dateTime = s;
  return t;
}

// human turns Meta's enum values into words: PENDING_REVIEW → "Pending review".
export function human(s) {
  if (s == null || s === "") return "";
  const t = String(s).replace(/_/g, " ").toLowerCase();
  return t.charAt(0).toUpperCase() + t.slice(1);
}

const NAME_STATUS = {
  APPROVED: "Approved", AVAILABLE_WITHOUT_REVIEW: "Usable, review pending", DECLINED: "Declined",
  EXPIRED: "Expired", PENDING_REVIEW: "In review", NONE: "Not submitted", NON_EXISTS: "No display name",
};
const PLATFORMS = { CLOUD_API: "Cloud API", ON_PREMISE: "On-Premises API", NOT_APPLICABLE: "None" };
const CAN_SEND = { AVAILABLE: "Can send", LIMITED: "Limited", BLOCKED: "Blocked" };
const TIERS = {
  TIER_50: "50", TIER_250: "250", TIER_1K: "1,000", TIER_2K: "2,000", TIER_10K: "10,000",
  TIER_100K: "100,000", TIER_UNLIMITED: "Unlimited",
};

// problem shows an ApiError (message and remedy) in box; a lost session
// goes back to the login page instead.
export function problem(box, e) {
  if (e && e.status === 401) { location.assign("/login"); return; }
  box.replaceChildren(el("strong", null, e.message || String(e)), " ", el("span", "remedy", e.remedy || ""));
  box.hidden = false;
}

// sentence joins the server's message and remedy for display under a
// field: the message starts with the field's JSON name, in lower case.
export function sentence(message, remedy) {
  let m = String(message || "").trim();
  if (m) m = m.charAt(0).toUpperCase() + m.slice(1);
  if (m && !/[.!?]$/.test(m)) m += ".";
  return [m, remedy].filter(Boolean).join(" ");
}

// fieldNamed finds which of names the server's message is about: its
// errors name the JSON field ("about must be at most 139 characters").
export function fieldNamed(message, names) {
  let best = null, at = Infinity;
  for (const n of names) {
    const m = new RegExp(`\\b${n}\\b`, "i").exec(message || "");
    if (m && m.index < at) { best = n; at = m.index; }
  }
  return best;
}

// setFieldError shows msg under input (in the element its
// aria-describedby names last) and marks the input invalid.
export function setFieldError(input, msg) {
  const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  const box = ids.length ? document.getElementById(ids[ids.length - 1]) : null;
  if (msg) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  if (box) {
    box.textContent = msg || "";
    box.hidden = !msg;
  }
}

export function clearFieldErrors(root) {
  for (const i of root.querySelectorAll("[aria-invalid]")) setFieldError(i, "");
}

// onSubmit runs every form of these pages the same way: check() lists
// [input, message] problems found locally; only without any does send()
// run, and a refusal the server pins on a field (its message names one of
// names) shows under that field, anything else in box.
export function onSubmit(form, { box, say, button, check, send, names, byName, failed }) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    box.hidden = true;
    say("");
    const errs = check();
    if (errs.length) {
      for (const [i, m] of errs) setFieldError(i, m);
      errs[0][0].focus();
      say(`${failed}: check the marked fields.`, "error");
      return;
    }
    button.disabled = true;
    try {
      await send();
    } catch (e) {
      say(`${failed}.`, "error");
      const name = e.status && e.status < 500 ? fieldNamed(e.message, names) : null;
      if (name) {
        setFieldError(byName[name], sentence(e.message, e.remedy));
        byName[name].focus();
      } else {
        problem(box, e);
      }
    } finally {
      button.disabled = false;
    }
  });
}

// field builds a labelled input (or textarea/select) with a help line and
// an error line that assistive technology reads with it.
export function field(id, label, input, help) {
  const wrap = el("div", "field");
  const lab = el("label", null, label);
  lab.htmlFor = id;
  input.id = id;
  const described = [];
  wrap.append(lab, input);
  if (help) {
    const h = el("p", "muted small", help);
    h.id = id + "-help";
    described.push(h.id);
    wrap.append(h);
  }
  const err = el("p", "field-error");
  err.id = id + "-error";
  err.hidden = true;
  described.push(err.id);
  input.setAttribute("aria-describedby", described.join(" "));
  wrap.append(err);
  return wrap;
}

export function input(type, name, attrs = {}) {
  const i = el(type === "textarea" ? "textarea" : "input");
  if (type !== "textarea") i.type = type;
  i.name = name;
  for (const [k, v] of Object.entries(attrs)) i.setAttribute(k, v);
  return i;
}

// Meta wants websites with their http(s):// scheme.
export function isURL(s) {
  if (!/^https?:\/\/\S+$/i.test(s)) return false;
  try { return !!new URL(s).host; } catch { return false; }
}
export const isEmail = (s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s);
// Meta counts characters, not UTF-16 units.
export const chars = (s) => [...(s || "")].length;

// phoneLabel is how people write the number: Meta sends either
// "15550783881" or "+1 555-078-3881".
export function phoneLabel(n) {
  const d = String(n.display_phone_number || "");
  if (/^[0-9]+$/.test(d)) return "+" + d;
  return d || n.phone_number_id || `Number ${n.id}`;
}

function tag(cls, text, title) {
  const t = el("span", "tag " + cls, text);
  if (title) t.title = title;
  return t;
}

function limitText(ml) {
  if (!ml || (ml.limit == null && !ml.unlimited && !ml.tier)) return "Not reported by Meta yet";
  const used = ml.used || 0;
  if (ml.unlimited || ml.tier === "TIER_UNLIMITED") return `${used} customers in 24 h · no limit`;
  if (ml.limit) return `${used} / ${ml.limit} customers in 24 h`;
  return `${used} customers in 24 h · tier ${TIERS[ml.tier] || ml.tier}`;
}

// numberSummary renders a number: name, health and what blocks sending.
// Each value carries a class (and the raw value as data) to style it by.
export function numberSummary(n) {
  const h = n.health || {};
  const wrap = el("div", "number-summary");
  const head = el("div", "number-title");
  const title = el("h2", "number-phone", phoneLabel(n));
  title.id = `number-${n.id}-title`;
  head.append(title);
  const sandbox = n.sandbox || h.account_mode === "SANDBOX";
  head.append(sandbox ? tag("tag-sandbox number-mode", "Sandbox", "A test number: it reaches the simulator, not real customers")
    : tag("tag-live number-mode", "Live"));
  if (h.official_business) head.append(tag("tag-official", "✓ Official business", "Meta shows the green tick next to the name"));
  if (!n.connected) head.append(tag("tag-off", "Disconnected"));
  wrap.append(head);

  const name = el("p", "number-name");
  name.append(el("span", "verified-name", n.verified_name || "No display name yet"));
  if (h.name_status) {
    const s = el("span", "name-status", NAME_STATUS[h.name_status] || human(h.name_status));
    s.dataset.status = h.name_status;
    name.append(" ", s);
  }
  wrap.append(name);
  if (h.new_display_name) {
    wrap.append(el("p", "muted small name-change",
      `Name change to “${h.new_display_name}”: ${NAME_STATUS[h.new_name_status] || human(h.new_name_status || "PENDING_REVIEW")}`));
  }
  if (h.name_rejection) wrap.append(el("p", "warn small name-rejection", `Display name rejected: ${human(h.name_rejection)}`));

  if (!n.connected) {
    const off = el("p", "reconnect-hint");
    off.append(`Disconnected${n.disconnected_at ? " " + when(n.disconnected_at) : ""}: GoHavi no longer sends or receives on this number; its conversations and history are kept. `);
    const a = el("a", null, "Reconnect it");
    a.href = "/numbers/connect";
    off.append(a, " with Embedded Signup or manually.");
    wrap.append(off);
  }

  const dl = el("dl", "facts");
  const fact = (k, v, cls, data) => {
    const dd = el("dd", cls, v);
    if (data) Object.assign(dd.dataset, data);
    dl.append(el("dt", null, k), dd);
    return dd;
  };
  if (h.can_send) fact("Sending", CAN_SEND[h.can_send] || human(h.can_send), "can-send", { state: h.can_send });
  const q = String(n.quality_rating || "UNKNOWN").toUpperCase();
  fact("Quality", q === "UNKNOWN" || q === "NA" ? "Not rated yet" : human(q), "quality", { quality: q });
  if (h.status) fact("Status", human(h.status), "number-status", { status: h.status });
  const ml = n.messaging_limit;
  fact("Messaging limit", limitText(ml), "messaging-limit");
  if (h.throughput) fact("Throughput", human(h.throughput), "throughput");
  // false is left out of the JSON, so a checked number's missing flag means No.
  const checked = !!h.refreshed_at;
  if (checked || h.registered != null) {
    fact("Registered", h.registered ? "Yes, on the Cloud API" : "No", "registered", { registered: String(!!h.registered) });
  }
  if (checked || h.pin_enabled != null) fact("Two-step PIN", h.pin_enabled ? "Set" : "Not set", "pin-enabled");
  if (h.code_verification) fact("Ownership check", human(h.code_verification), "code-verification");
  if (h.business_verification) fact("Business verification", human(h.business_verification), "business-verification");
  if (h.platform_type) fact("Platform", PLATFORMS[h.platform_type] || human(h.platform_type), "platform");
  if (h.oba_status) fact("Green tick request", human(h.oba_status), "oba-status");
  wrap.append(dl);

  if (ml && ml.limit > 0 && !ml.unlimited) {
    const bar = el("div", "bar");
    bar.setAttribute("role", "meter");
    bar.setAttribute("aria-label", "Messaging limit used");
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", String(ml.limit));
    bar.setAttribute("aria-valuenow", String(ml.used || 0));
    const fill = el("div", "bar-fill");
    const pct = Math.min(100, Math.round(((ml.used || 0) / ml.limit) * 100));
    fill.style.setProperty("--pct", pct + "%");
    fill.dataset.level = pct >= 90 ? "high" : pct >= 70 ? "mid" : "low";
    bar.append(fill);
    wrap.append(bar);
  }

  if (n.connected && (h.can_send === "LIMITED" || h.can_send === "BLOCKED") && !(h.issues || []).length) {
    wrap.append(el("p", "muted small", "Meta gave no reason with this; Refresh from Meta to check again."));
  }
  if (h.violation) wrap.append(el("p", "alert number-violation", `Policy violation: ${human(h.violation)}`));
  const issues = h.issues || [];
  if (issues.length) {
    const box = el("div", "number-issues");
    box.append(el("p", "issues-title", h.can_send === "BLOCKED" ? "Why this number can't send" : "What limits this number"));
    const ul = el("ul");
    for (const i of issues) {
      const li = el("li", "issue");
      if (i.code != null) li.dataset.code = String(i.code);
      if (i.entity) li.dataset.entity = i.entity;
      li.append(el("span", "issue-description", i.description || `Error ${i.code}`));
      if (i.entity) li.append(" ", el("span", "muted small", `(${human(i.entity)}${i.code != null ? ", " + i.code : ""})`));
      if (i.solution) {
        const sol = el("p", "issue-solution");
        sol.append(el("strong", null, "What to do: "), i.solution);
        li.append(sol);
      }
      ul.append(li);
    }
    box.append(ul);
    wrap.append(box);
  }

  const ids = el("p", "muted small number-ids", `Phone number id ${n.phone_number_id} · WABA ${n.waba_id}`);
  if (h.refreshed_at) ids.append(" · checked with Meta ", timeEl(h.refreshed_at));
  wrap.append(ids);
  return wrap;
}
