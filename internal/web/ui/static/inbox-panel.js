// inbox-panel.js — the contact panel beside the open conversation (an
// overlay on narrow screens): the customer's attributes and tags, consent
// state and ledger, the service window, and their conversations on every
// number of the workspace.

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { $, el, key, state, bus, debounce, toLogin, showError, displayName, phoneOf, windowInfo, fmtLeft, fmtWhen, listTime,
  convHref, STATUS_TEXT } = await import("./inbox-core.js" + v);

const STORE = "gohavi.inbox.panel";
const panel = $("contact-panel"), body = $("panel-body");
let shownFor = null, seq = 0;

const wide = () => matchMedia("(min-width: 1101px)").matches;
export const panelOpen = () => document.body.classList.contains("panel-open");

export function setPanel(on, remember = true) {
  on = !!on && !!state.openId;
  document.body.classList.toggle("panel-open", on);
  panel.hidden = !on;
  $("panel-toggle").setAttribute("aria-pressed", String(on));
  if (remember && wide()) {
    try { localStorage.setItem(STORE, on ? "1" : "0"); } catch { /* private mode */ }
  }
  if (on) load();
}
export const togglePanel = () => setPanel(!panelOpen());
$("panel-toggle").addEventListener("click", (e) => { e.stopPropagation(); togglePanel(); });
$("panel-close").addEventListener("click", () => { setPanel(false); $("panel-toggle").focus({ preventScroll: true }); });
$("panel-backdrop").addEventListener("click", () => setPanel(false));

function section(title, id) {
  const s = el("section", "panel-section");
  if (id) s.id = id;
  s.append(el("h3", null, title));
  return s;
}

// panelData reads everything the panel shows in one request.
async function panelData(contactId) {
  return api.one(await api.request("GET", `/api/v1/contacts/${encodeURIComponent(contactId)}/panel?consent_limit=20`));
}

function consentSection(consent) {
  const s = section("Consent", "panel-consent");
  const st = (consent && consent.state) || {};
  const kind = st.opted_out ? "opted_out" : st.opted_in ? "opted_in" : "none";
  s.dataset.state = kind;
  const text = { opted_out: "Opted out: sends nothing but replies inside the window", opted_in: "Opted in", none: "No consent recorded" }[kind];
  const line = el("p", "consent-state", text);
  line.dataset.state = kind;
  if (st.since && kind !== "none") line.append(el("span", "muted", ` · since ${fmtWhen(st.since)}`));
  s.append(line);
  if (st.marketing_opt_out) s.append(el("p", "consent-marketing", "Opted out of marketing messages"));
  const recent = (consent && consent.recent) || [];
  if (recent.length) {
    const ol = el("ol", "consent-ledger");
    ol.append(...recent.map((e) => {
      const li = el("li", "consent-entry");
      li.dataset.action = e.action;
      const head = el("div", "consent-head");
      head.append(el("strong", null, e.action.replace(/_/g, " ")), el("span", "muted", [e.source, fmtWhen(e.created_at)].filter(Boolean).join(" · ")));
      li.append(head);
      if (e.wording) li.append(el("div", "consent-wording", `“${e.wording}”`));
      if (e.evidence) li.append(el("div", "muted small", e.evidence));
      if (e.actor) li.append(el("div", "muted small", `Recorded by ${e.actor}`));
      return li;
    }));
    s.append(ol);
    if (consent.total > recent.length) s.append(el("p", "muted small", `${consent.total - recent.length} older entries not shown`));
  }
  return s;
}

function windowSection(c) {
  const s = section("Service window", "panel-window");
  const w = windowInfo(c);
  s.dataset.open = String(w.open);
  s.append(el("p", null, !w.open ? "Closed — only approved templates can be sent"
    : w.left == null ? "Open" : `Open · closes in ${fmtLeft(w.left)}`));
  if (c.window_expires_at) s.append(el("p", "muted small", `${w.open ? "Closes" : "Closed"} ${new Date(c.window_expires_at).toLocaleString()}`));
  return s;
}

function conversationsSection(convs) {
  const s = section("Conversations", "panel-conversations");
  const ul = el("ul", "panel-convs");
  ul.append(...convs.map((c) => {
    const li = el("li", "panel-conv");
    li.dataset.conversationId = key(c.id);
    li.dataset.numberId = key((c.number && c.number.id) || c.number_id);
    const a = el("a", "panel-conv-link");
    a.href = convHref(c.id);
    const n = c.number || {};
    const top = el("span", "panel-conv-top");
    top.append(el("span", "panel-conv-number", [n.verified_name, n.display_phone_number].filter(Boolean).join(" · ") || `Number ${n.id || ""}`));
    const st = el("span", "status-pill", STATUS_TEXT[c.status] || c.status || "");
    st.dataset.status = c.status || "open";
    top.append(st);
    const bottom = el("span", "panel-conv-bottom");
    bottom.append(el("span", "panel-conv-preview", c.last_message_text || "No messages yet"), el("time", "muted", listTime(c.last_message_at)));
    a.append(top, bottom);
    if (key(c.id) === state.openId) { li.classList.add("current"); a.setAttribute("aria-current", "true"); }
    if (n.connected === false) li.append(el("span", "muted small", "This number is disconnected"));
    li.append(a);
    return li;
  }));
  s.append(convs.length ? ul : el("p", "muted", "No other conversations."));
  return s;
}

function render(data, c) {
  const ct = data.contact || (c && c.contact) || {};
  const head = el("section", "panel-section panel-who");
  head.append(el("div", "panel-name", ct.name || displayName(c)), el("div", "muted", ct.phone || phoneOf(c)));
  if (ct.wa_id) head.append(el("div", "muted small", `WhatsApp id ${ct.wa_id}`));
  const parts = [head];
  const tags = data.tags || [];
  const tagsBox = section("Tags", "panel-tags");
  tagsBox.append(tags.length ? el("div", "chips") : el("p", "muted", "No tags"));
  if (tags.length) tagsBox.lastChild.append(...tags.map((t) => { const s = el("span", "chip tag-chip", t); s.dataset.tag = t; return s; }));
  const attrs = Object.entries(data.attributes || {});
  const attrBox = section("Attributes", "panel-attributes");
  if (attrs.length) {
    const dl = el("dl", "panel-attrs");
    for (const [k, val] of attrs.sort(([a], [b]) => a.localeCompare(b))) dl.append(el("dt", null, k), el("dd", null, val));
    attrBox.append(dl);
  } else attrBox.append(el("p", "muted", "No attributes"));
  parts.push(windowSection(c), consentSection(data.consent), conversationsSection(data.conversations || []), tagsBox, attrBox);
  body.replaceChildren(...parts);
  body.setAttribute("aria-busy", "false");
}

// load fills the panel for the open conversation's contact.
export async function load(force) {
  const c = state.convs.get(state.openId);
  if (!panelOpen() || !c || !c.contact || c.contact.id == null) return;
  const cid = key(c.contact.id);
  if (!force && shownFor === cid + ":" + state.openId) return;
  const mine = ++seq;
  if (shownFor === null || !shownFor.startsWith(cid + ":")) body.replaceChildren(el("p", "muted", "Loading…"));
  body.setAttribute("aria-busy", "true");
  try {
    const data = await panelData(cid);
    if (mine !== seq) return;
    shownFor = cid + ":" + state.openId;
    render(data, state.convs.get(state.openId) || c);
  } catch (e) {
    if (mine !== seq || toLogin(e)) return;
    const box = el("div", "list-status");
    showError(box, e, () => load(true));
    body.replaceChildren(box);
  }
}
const refresh = debounce(() => load(true), 400);

// On a wide screen the panel stays as the person left it; on a narrow one
// it is an overlay, closed when another conversation opens.
bus.on("opened", () => {
  shownFor = null;
  let remembered = false;
  try { remembered = localStorage.getItem(STORE) === "1"; } catch { /* private mode */ }
  setPanel(wide() ? panelOpen() || remembered : false, false);
});
bus.on("leaving", () => { seq++; });
bus.on("closed", () => setPanel(false, false));
// A change to any of this customer's conversations may change the panel.
bus.on("conversation", (c) => {
  const open = state.convs.get(state.openId);
  if (!panelOpen() || !open || !open.contact) return;
  if (key(c.id) === state.openId || (c.contact && key(c.contact.id) === key(open.contact.id))) refresh();
});
