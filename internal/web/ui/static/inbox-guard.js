// inbox-guard.js — replying in a colleague's conversation, as the
// workspace's non_assignee_reply setting says: "allow" says nothing,
// "warn" shows who it is assigned to and asks before the first send in
// that conversation, "block" disables sending (for agents; owners and
// admins can always answer) with an "Assign to me".

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { $, el, key, state, bus, toLogin } = await import("./inbox-core.js" + v);
const { getMe, getSettings, isManager, button, errorNodes, flash } = await import("./inbox-util.js" + v);

const banner = $("assignee-banner");
const confirmed = new Set(); // conversations where the agent said "reply anyway"
let rule = "warn", me = null, blocked = false, pending = null, shownFor = "";

// assignedElsewhere names the colleague the open conversation is
// assigned to, or "" when it is unassigned or yours.
function assignedElsewhere(c) {
  const a = c && c.assignee;
  if (!a || a.id == null || !me || key(a.id) === key(me.id)) return "";
  return a.name || "a colleague";
}

// refresh redraws the banner for the open conversation.
export async function refresh(fresh) {
  const id = state.openId;
  [me] = await Promise.all([getMe(), getSettings(fresh).then((s) => { rule = (s && s.non_assignee_reply) || "warn"; })]);
  if (id !== state.openId) return;
  render();
}

function render() {
  const c = state.convs.get(state.openId), who = assignedElsewhere(c);
  const sig = `${state.openId}|${who}|${rule}|${pending ? 1 : 0}`;
  blocked = !!who && rule === "block" && !isManager(me);
  bus.emit("send-blocked", blocked);
  if (sig === shownFor) return;
  shownFor = sig;
  banner.replaceChildren();
  banner.hidden = !who || rule === "allow";
  banner.dataset.rule = rule;
  if (banner.hidden) return;
  // Only owners and admins may take a colleague's conversation (the
  // server's assignment rule); an agent is told whom to ask instead.
  const take = () => (isManager(me) ? button("Assign to me", "btn btn-link assign-me", assignMe)
    : el("span", "muted assign-ask", `Ask ${who}, or an owner or admin, to hand it over.`));
  if (blocked) {
    banner.append(el("strong", null, `Assigned to ${who}. Only they can reply here.`), take());
    return;
  }
  if (pending) { // focus stays in the message box: Enter answers yes, Esc no
    banner.append(el("strong", null, `Assigned to ${who} — reply anyway?`));
    banner.append(button("Send anyway", "btn btn-link confirm-send", () => settle(true)),
      button("Cancel", "btn btn-link confirm-cancel", () => settle(false)), el("span", "muted", "Enter sends · Esc cancels"));
    return;
  }
  banner.append(el("span", null, `Assigned to ${who}${confirmed.has(state.openId) ? "" : " — you'll be asked before your first reply"}.`));
  if (isManager(me)) banner.append(take());
}

function settle(ok) {
  const p = pending;
  pending = null;
  if (ok) confirmed.add(state.openId);
  render();
  if (p) p(ok);
  if (!ok) $("composer-input").focus();
}

// mayReply resolves to whether a reply may go out now, asking first
// where the rule wants that.
export async function mayReply() {
  await refresh();
  const who = assignedElsewhere(state.convs.get(state.openId));
  if (!who || rule === "allow" || confirmed.has(state.openId)) return true;
  if (blocked) { flash(banner); return false; }
  if (pending) settle(false);
  return new Promise((resolve) => { pending = resolve; render(); });
}

export const isBlocked = () => blocked;

// answer settles a pending question (from the keyboard); false when none.
export function answer(ok) {
  if (!pending) return false;
  settle(ok);
  return true;
}

async function assignMe() {
  const id = state.openId;
  if (!me) me = await getMe();
  if (!me || !id) return;
  try {
    const c = api.one(await api.request("POST", `/api/v1/conversations/${encodeURIComponent(id)}/assign`, { user_id: me.id }));
    if (c && c.id != null) bus.emit("conversation", c);
    else {
      const cur = state.convs.get(id);
      if (cur) cur.assignee = { id: me.id, name: me.name };
    }
    render();
  } catch (e) {
    if (!toLogin(e)) { banner.replaceChildren(...errorNodes(e)); banner.hidden = false; }
  }
}

// showRefusal puts the server's not_assignee refusal in the banner.
export function showRefusal(e) {
  banner.replaceChildren(...errorNodes(e));
  if (isManager(me)) banner.append(button("Assign to me", "btn btn-link assign-me", assignMe));
  banner.hidden = false;
  shownFor = "";
}

bus.on("opened", () => { if (pending) settle(false); shownFor = ""; banner.hidden = true; refresh(true); });
bus.on("conversation", () => setTimeout(render));
bus.on("conversation-updated", () => render());
