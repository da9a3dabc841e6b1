// inbox-suggest.js — the composer's pop-up suggestions: canned responses
// when a reply starts with "/" (rendered with the contact's details), and
// members when a note has "@". Arrow keys move, Enter or Tab picks,
// Escape closes; a click picks too.

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { $, el, state, toLogin } = await import("./inbox-core.js" + v);
const { getMembers, errText } = await import("./inbox-util.js" + v);

const input = $("composer-input"), box = $("suggest");
let items = [], active = 0, seq = 0, kind = "", timer = null;

export const suggestOpen = () => !box.hidden;

export function closeSuggest() {
  box.hidden = true;
  box.replaceChildren();
  items = [];
  kind = "";
  seq++;
  input.removeAttribute("aria-activedescendant");
  input.setAttribute("aria-expanded", "false");
}

function show(list, make, message) {
  items = list;
  active = 0;
  box.replaceChildren();
  if (message) box.append(el("div", "suggest-empty", message));
  list.forEach((it, i) => {
    const row = make(it);
    row.id = `suggest-${i}`;
    row.setAttribute("role", "option");
    row.addEventListener("pointerdown", (e) => { e.preventDefault(); pick(i); });
    box.append(row);
  });
  box.hidden = !list.length && !message;
  input.setAttribute("aria-expanded", String(!box.hidden));
  mark();
}

function mark() {
  [...box.querySelectorAll("[role=option]")].forEach((r, i) => {
    r.classList.toggle("active", i === active);
    r.setAttribute("aria-selected", String(i === active));
    if (i === active) { input.setAttribute("aria-activedescendant", r.id); r.scrollIntoView({ block: "nearest" }); }
  });
}

// suggestKey handles the keys the list owns; true when it used the key.
export function suggestKey(e) {
  if (box.hidden) return false;
  if (e.key === "Escape") { closeSuggest(); return true; }
  if (!items.length) return false;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    active = (active + (e.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
    mark();
    return true;
  }
  if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") { pick(active); return true; }
  return false;
}

function pick(i) {
  const it = items[i], k = kind;
  closeSuggest();
  if (!it) return;
  if (k === "canned") useCanned(it);
  else if (k === "mention") insertMention(it);
}

// update looks at the text before the caret after each edit.
export function updateSuggest(mode) {
  const before = input.value.slice(0, input.selectionStart ?? input.value.length);
  const slash = mode === "reply" ? /^\/([\w-]*)$/.exec(input.value) : null;
  const at = mode === "note" ? /(^|[^\w])@([^\s@]*)$/.exec(before) : null;
  clearTimeout(timer);
  if (slash) timer = setTimeout(() => canned(slash[1]), 120);
  else if (at) mentions(at[2]);
  else if (!box.hidden) closeSuggest();
}

async function canned(prefix) {
  const my = ++seq;
  kind = "canned";
  try {
    const list = api.many(await api.request("GET", `/api/v1/canned?q=${encodeURIComponent(prefix.toLowerCase())}`));
    if (my !== seq) return;
    kind = "canned";
    show(list.slice(0, 8), (c) => {
      const row = el("div", "suggest-item canned-item");
      row.dataset.shortcut = c.shortcut;
      const top = el("div", "suggest-top");
      top.append(el("span", "suggest-key", "/" + c.shortcut));
      if (c.title) top.append(el("span", "suggest-title", c.title));
      row.append(top, el("div", "suggest-body muted", c.body || ""));
      return row;
    }, list.length ? "" : `No canned response starts with /${prefix}`);
  } catch (e) {
    if (my === seq && !toLogin(e)) show([], null, `Canned responses unavailable: ${errText(e)}`);
  }
}

async function useCanned(c) {
  const id = state.openId;
  const was = input.value;
  input.value = "";
  input.placeholder = "Filling in…";
  try {
    const r = api.one(await api.request("POST", `/api/v1/conversations/${encodeURIComponent(id)}/canned/${encodeURIComponent(c.shortcut)}/render`, {}));
    if (state.openId !== id) return;
    input.value = (r && r.text) || c.body || "";
  } catch (e) {
    if (toLogin(e)) return;
    input.value = was;
    show([], null, `Could not fill /${c.shortcut}: ${errText(e)}`);
  } finally {
    input.placeholder = input.dataset.placeholder || "Type a message";
    input.dispatchEvent(new Event("input"));
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }
}

const matching = (all, lq) => all.filter((m) => !lq || (m.name || "").toLowerCase().split(/\s+/).some((w) => w.startsWith(lq)) ||
  (m.name || "").toLowerCase().startsWith(lq) || (m.email || "").toLowerCase().startsWith(lq)).slice(0, 8);

async function mentions(q) {
  const my = ++seq, lq = q.toLowerCase();
  let list = matching(await getMembers(), lq);
  if (!list.length) list = matching(await getMembers(true), lq); // someone new?
  if (my !== seq) return;
  kind = "mention";
  show(list, (m) => {
    const row = el("div", "suggest-item mention-item");
    row.dataset.memberId = String(m.id);
    row.append(el("span", "suggest-key", m.name || m.email));
    if (m.name && m.email) row.append(el("span", "suggest-title muted", m.email));
    if (m.online) row.append(el("span", "suggest-online", "● online"));
    return row;
  }, list.length ? "" : `No member matches @${q}`);
}

function insertMention(m) {
  const caret = input.selectionStart ?? input.value.length;
  const before = input.value.slice(0, caret), after = input.value.slice(caret);
  const i = before.lastIndexOf("@");
  const name = m.name || m.email;
  input.value = before.slice(0, i) + "@" + name + " " + after;
  const pos = i + name.length + 2;
  input.focus();
  input.setSelectionRange(pos, pos);
  input.dispatchEvent(new Event("input"));
}

input.addEventListener("blur", () => setTimeout(() => { if (document.activeElement !== input) closeSuggest(); }, 150));
