// inbox-presence.js — who else is looking at a conversation. While one is
// open in a visible tab we say "viewing" (again every 20 s), "typing" when
// the composer is typed into (at most every 3 s) and "idle" on leaving;
// others' presence.updated events show in the header ("Ada is typing…")
// and in the list, each until its own expiry.

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { $, el, key, ms, visible, state, bus, initials, othersHere } = await import("./inbox-core.js" + v);

const VIEWING_EVERY = 20000, TYPING_EVERY = 3000;
const path = (id) => `/api/v1/conversations/${encodeURIComponent(id)}/presence`;
let supported = true, viewingId = null, beat = null, lastTyping = 0;

function send(id, st) {
  if (!supported || !id) return;
  api.request("POST", path(id), { state: st }).catch((e) => {
    // A server without presence answers that the endpoint does not exist.
    if (e.status === 405 || (e.status === 404 && /endpoint/i.test(e.message))) supported = false;
  });
}

function startViewing() {
  const id = state.openId;
  if (!id || !visible()) return;
  if (viewingId !== id) stopViewing();
  viewingId = id;
  send(id, "viewing");
  clearInterval(beat);
  beat = setInterval(() => {
    if (viewingId && visible()) send(viewingId, "viewing");
  }, VIEWING_EVERY);
}

function stopViewing() {
  clearInterval(beat);
  beat = null;
  if (viewingId) send(viewingId, "idle");
  viewingId = null;
  lastTyping = 0;
}

bus.on("opened", () => queueMicrotask(startViewing));
bus.on("leaving", stopViewing);
bus.on("typing", () => {
  const id = state.openId, now = Date.now();
  if (!id || now - lastTyping < TYPING_EVERY) return;
  lastTyping = now;
  send(id, "typing");
});
document.addEventListener("visibilitychange", () => (visible() ? startViewing() : stopViewing()));
window.addEventListener("pagehide", () => {
  if (!supported || !viewingId) return;
  // keepalive lets the request outlive the page.
  fetch(path(viewingId), {
    method: "POST", credentials: "same-origin", keepalive: true,
    headers: { "Content-Type": "application/json" }, body: JSON.stringify({ state: "idle" }),
  }).catch(() => {});
  viewingId = null;
});

// ---- others ----

let expiry = null;
function scheduleExpiry() {
  clearTimeout(expiry);
  let soonest = Infinity;
  for (const here of state.presence.values()) for (const p of here.values()) soonest = Math.min(soonest, ms(p.until));
  if (soonest === Infinity) return;
  expiry = setTimeout(() => {
    const now = Date.now();
    for (const [cid, here] of state.presence) {
      for (const [uid, p] of here) if (ms(p.until) <= now) here.delete(uid);
      if (!here.size) state.presence.delete(cid);
    }
    changed();
  }, Math.max(50, soonest - Date.now() + 20));
}

function changed() {
  renderPresence();
  bus.emit("presence");
  scheduleExpiry();
}

// onPresence applies a presence.updated event.
export function onPresence(p) {
  if (!p || p.conversation_id == null || !p.user || p.user.id == null) return;
  const cid = key(p.conversation_id), uid = key(p.user.id);
  let here = state.presence.get(cid);
  if (p.state === "idle" || ms(p.until) <= Date.now()) {
    if (!here || !here.delete(uid)) return;
    if (!here.size) state.presence.delete(cid);
  } else {
    if (!here) state.presence.set(cid, (here = new Map()));
    here.set(uid, { user: p.user, state: p.state, until: p.until });
  }
  changed();
}

// renderPresence fills #presence with the others in the open conversation.
export function renderPresence() {
  const box = $("presence");
  const others = state.openId ? othersHere(state.openId) : [];
  box.replaceChildren(...others.map((p) => {
    const item = el("span", "presence-user");
    item.dataset.userId = key(p.user.id);
    item.dataset.state = p.state;
    const name = p.user.name || "Someone";
    item.append(el("span", "mini-avatar", initials(name)), el("span", "presence-text", p.state === "typing" ? `${name} is typing…` : `${name} is viewing`));
    item.title = p.state === "typing" ? `${name} is writing a reply` : `${name} has this conversation open`;
    return item;
  }));
  box.hidden = !others.length;
}
bus.on("opened", renderPresence);
