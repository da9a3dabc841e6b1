// inbox-notes.js — internal notes in the thread: drawn apart from
// messages (they never reach the customer), with their author, time and
// highlighted @mentions; the author (and owners and admins) can edit or
// delete them in place.

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { el, key, hhmm, toLogin } = await import("./inbox-core.js" + v);
const { linkify } = await import("./inbox-render.js" + v);
const { getMe, isManager, button, errorNodes } = await import("./inbox-util.js" + v);

// bodyWithMentions appends body to node, each "@Name" of a mentioned
// member in a highlighted span (yours stands out more).
function bodyWithMentions(node, body, mentions, me) {
  const names = (mentions || []).filter((x) => x && x.name).sort((a, b) => b.name.length - a.name.length);
  const s = String(body || "");
  if (!names.length) return linkify(node, s);
  let at = 0;
  const lower = s.toLowerCase();
  while (at < s.length) {
    let best = -1, who = null;
    for (const m of names) {
      const i = lower.indexOf("@" + m.name.toLowerCase(), at);
      if (i >= 0 && (best < 0 || i < best)) { best = i; who = m; }
    }
    if (best < 0) break;
    if (best > at) linkify(node, s.slice(at, best));
    const span = el("span", "mention" + (me && who.id === me.id ? " mention-me" : ""), s.slice(best, best + who.name.length + 1));
    span.title = me && who.id === me.id ? "Mentions you" : `Mentions ${who.name}`;
    node.append(span);
    at = best + who.name.length + 1;
  }
  if (at < s.length) linkify(node, s.slice(at));
  return node;
}

// fillNote renders note n into node; hooks.saved(note) and
// hooks.deleted(id) report changes made here.
export function fillNote(node, n, hooks) {
  delete node.dataset.busy;
  node.className = "note";
  node.dataset.noteId = key(n.id);
  const me = hooks.me || null;
  const card = el("div", "note-card");
  const head = el("div", "note-head");
  head.append(el("span", "note-badge", "🔒 Internal note"));
  const author = (n.author && n.author.name) || (n.author && n.author.id ? "A member" : "API key");
  head.append(el("span", "note-author", author));
  if (n.created_at) {
    const t = el("time", "note-time", hhmm(new Date(n.created_at)));
    t.dateTime = n.created_at;
    t.title = new Date(n.created_at).toLocaleString();
    head.append(t);
  }
  if (n.updated_at && n.created_at && Date.parse(n.updated_at) > Date.parse(n.created_at)) {
    const ed = el("span", "note-edited muted", "edited");
    ed.title = `Edited ${new Date(n.updated_at).toLocaleString()}`;
    head.append(ed);
  }
  card.append(head);
  const body = bodyWithMentions(el("div", "note-body"), n.body, n.mentions, me);
  card.append(body);
  const mine = me && ((n.author && n.author.id === me.id) || isManager(me));
  if (mine) {
    const tools = el("div", "note-tools");
    tools.append(
      button("Edit", "btn btn-link note-edit", () => edit(node, card, body, n, hooks)),
      button("Delete", "btn btn-link note-delete", () => confirmDelete(card, tools, n, hooks)),
    );
    card.append(tools);
  }
  node.replaceChildren(card);
  if (!hooks.me) getMe().then((who) => { if (who && node.isConnected && node.dataset.noteId === key(n.id)) fillNote(node, n, { ...hooks, me: who }); });
}

function edit(node, card, body, n, hooks) {
  node.dataset.busy = "edit"; // live updates wait until this is done
  const box = el("div", "note-editor");
  const ta = el("textarea", "note-edit-input");
  ta.value = n.body || "";
  ta.rows = Math.min(8, Math.max(2, ta.value.split("\n").length));
  ta.setAttribute("aria-label", "Edit note");
  const err = el("div", "note-error", "");
  err.hidden = true;
  const save = button("Save", "btn btn-primary note-save", async () => {
    const text = ta.value.trim();
    if (!text) { ta.focus(); return; }
    save.disabled = true;
    try {
      const out = api.one(await api.request("PUT", `/api/v1/notes/${encodeURIComponent(n.id)}`, { body: text }));
      hooks.saved(out && out.id != null ? out : { ...n, body: text });
    } catch (e) {
      save.disabled = false;
      if (!toLogin(e)) { err.replaceChildren(...errorNodes(e)); err.hidden = false; }
    }
  });
  const cancel = button("Cancel", "btn btn-link", () => fillNote(node, n, hooks));
  ta.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); save.click(); }
    if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); cancel.click(); }
  });
  const row = el("div", "note-editor-actions");
  row.append(cancel, save);
  box.append(ta, err, row);
  body.replaceWith(box);
  card.querySelector(".note-tools")?.remove();
  ta.focus();
}

function confirmDelete(card, tools, n, hooks) {
  card.parentNode.dataset.busy = "confirm";
  const ask = el("div", "note-confirm");
  ask.append(el("span", null, "Delete this note for everyone?"));
  const err = el("div", "note-error");
  err.hidden = true;
  const yes = button("Delete", "btn btn-link danger note-confirm-delete", async () => {
    yes.disabled = true;
    try {
      await api.request("DELETE", `/api/v1/notes/${encodeURIComponent(n.id)}`);
      hooks.deleted(key(n.id));
    } catch (e) {
      yes.disabled = false;
      if (!toLogin(e)) { err.replaceChildren(...errorNodes(e)); err.hidden = false; }
    }
  });
  const no = button("Keep", "btn btn-link", () => { delete card.parentNode.dataset.busy; ask.replaceWith(tools); });
  ask.append(yes, no, err);
  tools.replaceWith(ask);
  no.focus();
}
