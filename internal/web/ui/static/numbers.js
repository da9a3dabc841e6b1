// numbers.js — the Numbers page: one card per WhatsApp number with its
// health as Meta last reported it, what stops it from sending and how to
// fix that; Refresh and Disconnect; its history; the business profile
// editor and the green tick panel. Updates arrive over the realtime
// stream as number.updated events.

const search = new URL(import.meta.url).search;
const [ui, api, { profilePanel }, { greenTickPanel }] = await Promise.all([
  import("./numbers-ui.js" + search), import("./numbers-api.js" + search),
  import("./numbers-profile.js" + search), import("./numbers-greentick.js" + search),
]);
const { $, el } = ui;
const canManage = ui.canManage();
const cards = new Map(); // number id → {n, card}

function say(text) { $("numbers-status").textContent = text; }

function historyPanel(n) {
  const details = el("details", "panel number-history");
  details.append(el("summary", null, "History"));
  const body = el("div", "panel-body");
  const error = el("div", "alert");
  error.setAttribute("role", "alert");
  error.hidden = true;
  const table = el("table", "table history-table");
  const head = el("thead");
  const hr = el("tr");
  for (const h of ["When", "What", "Change", "Detail", "From"]) hr.append(el("th", null, h));
  head.append(hr);
  const tbody = el("tbody");
  table.append(head, tbody);
  const empty = el("p", "muted", "Nothing has changed since the number was connected.");
  empty.hidden = true;
  body.append(error, table, empty);
  details.append(body);

  async function load() {
    details.setAttribute("aria-busy", "true");
    try {
      const items = await api.numberHistory(n.id);
      tbody.replaceChildren(...items.map((x) => {
        const tr = el("tr", "history-item");
        tr.dataset.kind = x.kind || "";
        const at = el("td");
        at.append(ui.timeEl(x.at));
        const v = (s) => (s ? (/^[A-Z][A-Z0-9_]+$/.test(s) ? ui.human(s) : s) : "—");
        const change = x.from || x.to ? `${v(x.from)} → ${v(x.to)}` : "";
        tr.append(at, el("td", "history-kind", ui.human(x.kind)), el("td", null, change),
          el("td", null, x.detail || ""), el("td", "muted", ui.human(x.source)));
        return tr;
      }));
      table.hidden = !items.length;
      empty.hidden = items.length > 0;
      error.hidden = true;
      details.dataset.loaded = "true";
    } catch (e) {
      ui.problem(error, e);
    } finally {
      details.setAttribute("aria-busy", "false");
    }
  }
  details.addEventListener("toggle", () => { if (details.open) load(); });
  details.reload = () => { if (details.open) load(); };
  return details;
}

// disconnectControls is the Disconnect button and the confirmation it
// opens, where the person chooses whether Meta forgets the registration.
function disconnectControls(n, card) {
  const open = el("button", "btn btn-link btn-danger-link number-disconnect", "Disconnect…");
  open.type = "button";
  open.setAttribute("aria-expanded", "false");
  const box = el("div", "confirm-box");
  box.hidden = true;
  box.setAttribute("role", "group");
  box.id = `n${n.id}-disconnect`;
  open.setAttribute("aria-controls", box.id);
  const label = ui.phoneLabel(n);
  box.setAttribute("aria-label", `Disconnect ${label}`);
  box.append(el("p", null, `Disconnect ${label}? GoHavi stops sending and receiving on it. Its conversations and history stay, and you can connect it again later.`));
  const cb = ui.input("checkbox", "deregister");
  cb.id = `n${n.id}-deregister`;
  cb.checked = true;
  const lab = el("label", "checkbox-label");
  lab.htmlFor = cb.id;
  lab.append(cb, " Also deregister it at Meta. Leave this ticked unless another installation or provider keeps using the number: a deregistered number must be registered again (with its PIN) before anyone can send from it.");
  const confirm = el("button", "btn btn-danger number-disconnect-confirm", "Disconnect");
  confirm.type = "button";
  const cancel = el("button", "btn btn-link", "Cancel");
  cancel.type = "button";
  const row = el("div", "form-actions");
  row.append(cancel, confirm);
  box.append(lab, row);

  const toggle = (show) => {
    box.hidden = !show;
    open.setAttribute("aria-expanded", String(show));
    if (show) confirm.focus(); else open.focus();
  };
  open.addEventListener("click", () => toggle(box.hidden));
  cancel.addEventListener("click", () => toggle(false));
  confirm.addEventListener("click", async () => {
    confirm.disabled = true;
    card.setAttribute("aria-busy", "true");
    try {
      const updated = await api.disconnectNumber(n.id, cb.checked);
      say(`Disconnected ${label}${cb.checked ? " and deregistered it at Meta" : ""}.`);
      upsert(updated, true);
    } catch (e) {
      ui.problem(card.querySelector(".card-error"), e);
      confirm.disabled = false;
    } finally {
      card.setAttribute("aria-busy", "false");
    }
  });
  return [open, box];
}

function buildCard(n) {
  const card = el("article", "card number-card");
  card.dataset.id = String(n.id);
  card.dataset.connected = String(!!n.connected);
  card.setAttribute("aria-labelledby", `number-${n.id}-title`);
  const error = el("div", "alert card-error");
  error.setAttribute("role", "alert");
  error.hidden = true;
  card.append(ui.numberSummary(n), error);
  if (n.connected && canManage) {
    const actions = el("div", "number-actions");
    const refresh = el("button", "btn btn-link number-refresh", "Refresh from Meta");
    refresh.type = "button";
    refresh.addEventListener("click", async () => {
      refresh.disabled = true;
      card.setAttribute("aria-busy", "true");
      error.hidden = true;
      try {
        upsert(await api.refreshNumber(n.id));
        say(`Refreshed ${ui.phoneLabel(n)} from Meta.`);
      } catch (e) {
        ui.problem(error, e);
      } finally {
        refresh.disabled = false;
        card.setAttribute("aria-busy", "false");
      }
    });
    const [open, box] = disconnectControls(n, card);
    actions.append(refresh, open);
    card.append(actions, box);
  }
  const panels = el("div", "number-panels");
  panels.append(historyPanel(n));
  if (n.connected) panels.append(profilePanel(n, canManage), greenTickPanel(n, canManage));
  card.append(panels);
  return card;
}

// upsert shows n. Only the summary of an existing card is replaced, so an
// open editor keeps what is being typed; connecting or disconnecting
// rebuilds the card, whose panels then change.
function upsert(n, reorder) {
  const id = String(n.id);
  const prev = cards.get(id);
  if (prev && prev.n.connected === n.connected) {
    prev.card.querySelector(".number-summary").replaceWith(ui.numberSummary(n));
    prev.n = n;
    for (const d of prev.card.querySelectorAll("details")) if (d.reload) d.reload();
  } else {
    const card = buildCard(n);
    if (prev) prev.card.replaceWith(card);
    else $("numbers-list").append(card);
    cards.set(id, { n, card });
  }
  if (reorder) order();
}

// Connected numbers first, in the server's order.
function order() {
  const list = $("numbers-list");
  const want = [...cards.values()].sort((a, b) => Number(b.n.connected) - Number(a.n.connected)).map((x) => x.card);
  if (want.some((c, i) => list.children[i] !== c)) list.append(...want);
  $("numbers-empty").hidden = cards.size > 0;
}

function render(list) {
  const seen = new Set(list.map((n) => String(n.id)));
  for (const [id, x] of cards) {
    if (!seen.has(id)) { x.card.remove(); cards.delete(id); }
  }
  for (const n of list) upsert(n, false);
  order();
}

async function load() {
  const main = document.querySelector("main.numbers");
  main.setAttribute("aria-busy", "true");
  try {
    render(await api.listNumbers());
    $("numbers-error").hidden = true;
    $("numbers-updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    ui.problem($("numbers-error"), e);
  } finally {
    main.setAttribute("aria-busy", "false");
  }
}

// A burst of events (a refresh touches many fields) is one reload.
let reloadTimer = 0;
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(load, 250);
}

function setLive(s) {
  const box = $("live-status");
  box.dataset.state = s;
  box.textContent = { live: "Live", connecting: "Connecting…", offline: "Offline · reconnecting…" }[s];
}

let source = null, retryDelay = 1000;
function connectEvents() {
  setLive("connecting");
  source = new EventSource("/api/v1/events");
  source.addEventListener("open", () => {
    setLive("live");
    retryDelay = 1000;
    reloadSoon(); // catch up on anything missed while not connected
  });
  source.addEventListener("error", () => {
    setLive("offline");
    if (source.readyState === EventSource.CLOSED) { // the browser gave up; retry ourselves
      source.close();
      setTimeout(connectEvents, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    }
  });
  source.addEventListener("number.updated", (e) => {
    let obj;
    try { obj = JSON.parse(e.data); } catch { return; }
    if (obj && obj.id == null && obj.data && typeof obj.data === "object") obj = obj.data;
    if (obj && obj.id != null) reloadSoon();
  });
}

$("numbers-connect").hidden = !canManage;
$("numbers-readonly").hidden = canManage;
$("numbers-reload").addEventListener("click", load);
await load();
connectEvents();
