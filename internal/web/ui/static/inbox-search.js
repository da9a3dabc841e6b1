// inbox-search.js — search as you type over messages and contacts. The
// results replace the list until the box is cleared (Esc); a message hit
// opens its conversation at that message.

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { $, el, key, state, bus, debounce, toLogin, convHref, listTime } = await import("./inbox-core.js" + v);

const input = $("search"), results = $("search-results"), status = $("search-status");
let seq = 0;

// snippetNodes turns «match» markers into <mark> elements, as text nodes.
export function snippetNodes(s) {
  const out = [], re = /«([^»]*)»/g;
  let last = 0, m;
  while ((m = re.exec(s))) {
    if (m.index > last) out.push(document.createTextNode(s.slice(last, m.index)));
    out.push(el("mark", null, m[1]));
    last = re.lastIndex;
  }
  if (last < s.length) out.push(document.createTextNode(s.slice(last)));
  return out;
}

function setSearching(on) {
  state.searching = on;
  results.hidden = !on;
  status.hidden = !on;
  document.body.classList.toggle("searching", on);
  $("conversation-list").hidden = on;
  $("search-clear").hidden = !input.value;
  bus.emit("searching", on);
}

function hitItem(h) {
  const li = el("li", "search-hit");
  li.dataset.kind = h.kind;
  li.dataset.conversationId = key(h.conversation_id);
  if (h.message_id != null) li.dataset.messageId = key(h.message_id);
  const a = el("a", "hit-link");
  a.href = convHref(h.conversation_id);
  const top = el("span", "hit-top");
  top.append(el("span", "hit-name", h.contact_name || "Unknown contact"),
    el("span", "hit-kind", h.kind === "contact" ? "Contact" : "Message"));
  const t = el("time", "hit-time", listTime(h.at));
  if (h.at) { t.dateTime = h.at; t.title = new Date(h.at).toLocaleString(); }
  top.append(t);
  const snip = el("span", "hit-snippet");
  snip.append(...snippetNodes(h.snippet || ""));
  a.append(top, snip);
  a.addEventListener("click", (e) => {
    e.preventDefault();
    openHit(h);
  });
  li.append(a);
  return li;
}

// openHit opens the hit's conversation; a message hit asks the thread to
// scroll to the message once it is shown.
export function openHit(h) {
  for (const n of results.querySelectorAll(".search-hit.active")) n.classList.remove("active");
  results.querySelector(`.search-hit[data-conversation-id="${CSS.escape(key(h.conversation_id))}"]` +
    (h.message_id != null ? `[data-message-id="${CSS.escape(key(h.message_id))}"]` : ""))?.classList.add("active");
  bus.emit("open-conversation", key(h.conversation_id), h.message_id != null ? key(h.message_id) : null);
}

async function run(q) {
  const mine = ++seq;
  if (!q) { setSearching(false); return; }
  setSearching(true);
  status.textContent = "Searching…";
  results.setAttribute("aria-busy", "true");
  try {
    const hits = api.many(await api.request("GET", "/api/v1/search?q=" + encodeURIComponent(q)));
    if (mine !== seq) return; // a newer query was typed meanwhile
    results.replaceChildren(...hits.map(hitItem));
    status.textContent = hits.length ? `${hits.length} result${hits.length === 1 ? "" : "s"}` : `Nothing matches “${q}”`;
  } catch (e) {
    if (mine !== seq || toLogin(e)) return;
    results.replaceChildren();
    status.textContent = e.message + (e.remedy ? " " + e.remedy : "");
  } finally {
    if (mine === seq) results.setAttribute("aria-busy", "false");
  }
}
const runSoon = debounce(run, 220);

input.addEventListener("input", () => {
  $("search-clear").hidden = !input.value;
  const q = input.value.trim();
  if (!q) { runSoon.cancel(); run(""); return; }
  runSoon(q);
});
input.addEventListener("keydown", (e) => {
  if (e.key === "Escape") {
    e.preventDefault();
    e.stopPropagation();
    clearSearch();
    input.blur();
  } else if (e.key === "Enter") {
    e.preventDefault();
    const first = results.querySelector(".hit-link");
    if (first) first.click();
  } else if (e.key === "ArrowDown") {
    const first = results.querySelector(".hit-link");
    if (first) { e.preventDefault(); first.focus(); }
  }
});
results.addEventListener("keydown", (e) => {
  if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
  const links = [...results.querySelectorAll(".hit-link")], i = links.indexOf(document.activeElement);
  if (i < 0) return;
  e.preventDefault();
  if (e.key === "ArrowUp" && i === 0) input.focus();
  else links[Math.min(links.length - 1, Math.max(0, i + (e.key === "ArrowDown" ? 1 : -1)))].focus();
});
$("search-clear").addEventListener("click", () => { clearSearch(); input.focus(); });

// clearSearch empties the box and brings the list back; false when there
// was nothing to clear.
export function clearSearch() {
  if (!state.searching && !input.value) return false;
  input.value = "";
  seq++;
  runSoon.cancel();
  results.replaceChildren();
  setSearching(false);
  return true;
}

// focusSearch is the "/" shortcut; the key itself must not land in the box.
let slashGuard = 0;
export function focusSearch() {
  input.focus();
  input.select();
  slashGuard = Date.now() + 150;
}
input.addEventListener("beforeinput", (e) => {
  if (e.data === "/" && Date.now() < slashGuard) e.preventDefault();
  slashGuard = 0;
});
