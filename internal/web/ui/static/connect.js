// connect.js — the Connect WhatsApp page. Embedded Signup: Facebook's JS
// SDK (or, in sandbox mode, the simulator's stand-in) opens a popup; the
// popup posts WA_EMBEDDED_SIGNUP message events to this window and
// FB.login's callback receives a code. The code lives 30 seconds, so the
// moment both the code and the FINISH event are in, they go to
// POST /api/v1/whatsapp/signup, which exchanges the code, registers the
// number and subscribes to its WABA. Below it, the manual form for a
// number already on the Cloud API.

const search = new URL(import.meta.url).search;
const [ui, api] = await Promise.all([import("./numbers-ui.js" + search), import("./numbers-api.js" + search)]);
const { $, el } = ui;
const canManage = ui.canManage();

// How long after the popup closes a CANCEL/ERROR event may still arrive
// (the callback and the message race), and how long after the code the
// FINISH event may (it normally comes first).
const LATE_EVENT_MS = 1500;
const FINISH_WAIT_MS = 10000;

let cfg = null;
let fbReady = false;
let flow = null; // the current signup attempt

function signupSay(text, kind) {
  const box = $("signup-status");
  box.className = "connect-status" + (kind ? " " + kind : "");
  box.dataset.kind = kind || "";
  delete box.dataset.event;
  delete box.dataset.step;
  box.replaceChildren(...(Array.isArray(text) ? text : [text]));
}

function explain(kind, message, remedy, extra) {
  const parts = [el("strong", null, message)];
  if (remedy) parts.push(" ", el("span", "remedy", remedy));
  if (extra) parts.push(extra);
  signupSay(parts, kind);
}

function setStartButton(enabled, label) {
  const b = $("signup-start");
  b.disabled = !enabled || !canManage;
  if (label) b.textContent = label;
}

// ---- loading the SDK ----

function sdkOrigin() {
  try { return new URL(cfg.sdk_url, location.href).origin; } catch { return ""; }
}

// Only Facebook (or, in the sandbox, this server) may tell us how signup
// went: any page can post messages to this window. facebook.com is matched
// as a domain, not as a suffix of the string, so evilfacebook.com is not.
function trustedOrigin(origin) {
  if (origin === location.origin || (cfg && origin === sdkOrigin())) return true;
  try {
    const u = new URL(origin);
    return u.protocol === "https:" && (u.hostname === "facebook.com" || u.hostname.endsWith(".facebook.com"));
  } catch {
    return false;
  }
}

function initFB() {
  if (fbReady || !window.FB || !cfg) return;
  let version = String(cfg.graph_version || "");
  if (version && !version.startsWith("v")) version = "v" + version;
  window.FB.init({ appId: cfg.app_id, autoLogAppEvents: true, xfbml: true, version });
  fbReady = true;
  $("signup").setAttribute("aria-busy", "false");
  setStartButton(true, "Connect with Facebook");
}

async function loadSDK() {
  try {
    cfg = await api.signupConfig();
  } catch (e) {
    if (e.status === 401) { location.assign("/login"); return; }
    $("signup").setAttribute("aria-busy", "false");
    setStartButton(false, "Connect with Facebook");
    explain("error", e.message, e.remedy || "You can still connect a number manually below.");
    return;
  }
  // The SDK calls fbAsyncInit once it has run; a stand-in that does not is
  // initialised from the script's load event.
  window.fbAsyncInit = initFB;
  const s = document.createElement("script");
  s.async = true;
  s.defer = true;
  s.crossOrigin = "anonymous";
  s.src = cfg.sdk_url;
  s.addEventListener("load", initFB);
  s.addEventListener("error", () => {
    $("signup").setAttribute("aria-busy", "false");
    setStartButton(false, "Connect with Facebook");
    explain("error", `Facebook's sign-in script could not be loaded from ${cfg.sdk_url}.`,
      "Check that this computer can reach connect.facebook.net (a content blocker or a firewall may stop it), then reload the page. Or connect the number manually below.");
  });
  document.head.append(s);
}

// ---- one signup attempt ----

function start() {
  if (!fbReady) return;
  const pin = $("signup-pin").value.trim();
  ui.setFieldError($("signup-pin"), "");
  if (pin && !/^[0-9]{6}$/.test(pin)) {
    ui.setFieldError($("signup-pin"), "The two-step verification PIN is 6 digits. Leave it empty if the number has none.");
    $("signup-pin").focus();
    return;
  }
  $("signup-result").hidden = true;
  const f = { pin, code: "", finish: null, ended: false, posted: false, timer: 0 };
  flow = f;
  explain("busy", "Finish the steps in the Facebook window.", "It may have opened behind this one. Keep this page open: GoHavi connects the number as soon as you are done.");
  // FB.login must run within the click, or the browser blocks the popup.
  window.FB.login((resp) => onLogin(f, resp), {
    config_id: cfg.config_id,
    response_type: "code",
    override_default_response_type: true,
    extras: { setup: {} },
  });
}

function onLogin(f, resp) {
  if (f !== flow || f.ended) return;
  const code = resp && resp.authResponse && resp.authResponse.code;
  if (code) {
    f.code = code;
    if (f.finish) { submit(f); return; }
    f.timer = setTimeout(() => {
      if (f !== flow || f.ended || f.finish) return;
      end(f);
      explain("error", "Facebook signed you in but did not say which WhatsApp account and number you chose, so nothing was connected.",
        "Run Connect with Facebook again. If this keeps happening, a browser extension may be blocking messages from the Facebook window; connect manually instead.");
    }, FINISH_WAIT_MS);
    return;
  }
  // No code: the window closed. A CANCEL or ERROR event may still be on
  // its way and explains better than we can.
  setTimeout(() => {
    if (f !== flow || f.ended || f.posted) return;
    end(f);
    if (f.finish) {
      explain("error", "Signup finished in the Facebook window, but Facebook did not hand over the authorization GoHavi needs, so nothing was connected.",
        "Run Connect with Facebook again and allow the permissions it asks for.");
    } else {
      explain("warn", "The Facebook window was closed before signup finished, so nothing was connected.",
        "Click Connect with Facebook to start again, and finish every step before closing the window.");
    }
  }, LATE_EVENT_MS);
}

function end(f) {
  f.ended = true;
  clearTimeout(f.timer);
  setStartButton(true);
}

window.addEventListener("message", (ev) => {
  if (!trustedOrigin(ev.origin)) return;
  let d = ev.data;
  if (typeof d === "string") {
    try { d = JSON.parse(d); } catch { return; } // the SDK's other, non-JSON messages
  }
  if (!d || typeof d !== "object" || d.type !== "WA_EMBEDDED_SIGNUP") return;
  const f = flow;
  if (!f || f.ended || f.posted) return;
  const data = d.data || {};
  const event = String(d.event || "");
  if (event === "FINISH_ONLY_WABA" || (event.startsWith("FINISH") && !data.phone_number_id)) {
    // The account exists at Meta now, but there is no number to register.
    end(f);
    explain("warn", "You finished without adding a phone number: the WhatsApp Business Account was created, but there is no number to connect.",
      "Click Connect with Facebook again, choose the same business account and add the phone number.");
  } else if (event.startsWith("FINISH")) {
    f.finish = { event, ...data };
    if (f.code) submit(f);
  } else if (event === "CANCEL" || event === "ERROR") {
    // Meta reports a user-reported error as a CANCEL carrying error_message.
    abandoned(f, (data.error_message || event === "ERROR") ? "ERROR" : "CANCEL", data);
  }
});

async function abandoned(f, event, data) {
  end(f);
  explain("busy", "Signup stopped in the Facebook window…");
  const details = [];
  if (event === "ERROR") {
    const p = el("p", "signup-error-detail");
    p.append(el("span", null, `Facebook said: “${data.error_message || "an error"}”`));
    if (data.error_id) p.append(" ", el("span", "muted", `(error id ${data.error_id}${data.session_id ? ", session " + data.session_id : ""})`));
    details.push(p);
  }
  let r;
  try {
    r = await api.signupAbandoned({
      event, current_step: data.current_step || "", error_message: data.error_message || "",
      error_id: data.error_id != null ? String(data.error_id) : "", session_id: data.session_id || "",
    });
  } catch (e) {
    if (e.status === 401) { location.assign("/login"); return; }
    r = { message: event === "ERROR" ? "Facebook reported an error, so nothing was connected." : "Signup was cancelled, so nothing was connected.",
      remedy: "Click Connect with Facebook to try again." };
  }
  if (f !== flow) return;
  const box = el("div");
  box.append(...details);
  explain(event === "ERROR" ? "error" : "warn", r.message || "Nothing was connected.", r.remedy, box);
  $("signup-status").dataset.event = event;
  if (data.current_step) $("signup-status").dataset.step = data.current_step;
}

async function submit(f) {
  if (f.posted || f.ended) return;
  f.posted = true;
  clearTimeout(f.timer);
  setStartButton(false);
  const fin = f.finish;
  explain("busy", "Connecting the number…", "GoHavi is registering it with Meta and subscribing to its messages; this takes a few seconds.");
  const body = { code: f.code, waba_id: fin.waba_id || "", phone_number_id: fin.phone_number_id || "", business_id: fin.business_id || "" };
  if (f.pin) body.pin = f.pin;
  try {
    const r = await api.finishSignup(body);
    f.ended = true;
    setStartButton(true);
    $("signup-pin").value = "";
    signupSay("", "");
    showConnected($("signup-result"), r.number, r.pin);
  } catch (e) {
    end(f);
    if (e.status === 401) { location.assign("/login"); return; }
    explain("error", e.message, e.remedy);
  }
}

// showConnected shows the connected number, and a PIN GoHavi chose once:
// it is not stored in a form anyone can read back.
function showConnected(box, n, pin) {
  const parts = [el("h3", "connected-title", "Connected")];
  const card = el("div", "connected-number");
  card.dataset.id = String(n.id);
  card.append(ui.numberSummary(n));
  parts.push(card);
  if (pin) {
    const p = el("div", "pin-once");
    p.setAttribute("role", "note");
    const head = el("p");
    head.append("Two-step verification PIN: ", el("code", "pin-value", pin));
    p.append(head, el("p", null, "Keep this PIN somewhere safe. GoHavi set it on the number and won't show it again; you need it to register the number again or to move it to another provider."));
    parts.push(p);
  }
  const next = el("p");
  const a = el("a", "btn btn-primary", "Go to Numbers");
  a.href = "/numbers";
  next.append(a);
  parts.push(next);
  box.replaceChildren(...parts);
  box.hidden = false;
  box.setAttribute("tabindex", "-1");
  box.focus();
}

// ---- manual connection ----

const MANUAL = { waba_id: "manual-waba", phone_number_id: "manual-phone", access_token: "manual-token" };

const manualValues = () => Object.fromEntries(Object.entries(MANUAL).map(([k, id]) => [k, $(id).value.trim()]));
const manualByName = Object.fromEntries(Object.entries(MANUAL).map(([k, id]) => [k, $(id)]));

ui.onSubmit($("manual-form"), {
  box: $("manual-error"), say: (t) => { $("manual-status").textContent = t; }, button: $("manual-submit"),
  names: Object.keys(MANUAL), byName: manualByName, failed: "Not connected",
  check() {
    const v = manualValues(), errs = [];
    if (!/^[0-9]+$/.test(v.waba_id)) errs.push([manualByName.waba_id, "The WhatsApp Business Account id is a number, as WhatsApp Manager shows it."]);
    if (!/^[0-9]+$/.test(v.phone_number_id)) errs.push([manualByName.phone_number_id, "The phone number id is the numeric id Meta gives the number, not the phone number."]);
    if (!v.access_token) errs.push([manualByName.access_token, "Paste a system user access token."]);
    return errs;
  },
  async send() {
    $("manual-status").textContent = "Checking the number with Meta…";
    const n = await api.connectManually(manualValues());
    $("manual-status").textContent = "";
    $("manual-token").value = "";
    showConnected($("manual-result"), n, null);
  },
});

$("signup-start").addEventListener("click", start);
if (!canManage) {
  $("connect-readonly").hidden = false;
  for (const f of document.querySelectorAll("#manual-form input, #manual-form button, #signup-pin")) f.disabled = true;
}
loadSDK();
