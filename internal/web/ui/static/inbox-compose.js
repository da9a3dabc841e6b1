// inbox-compose.js — the composer. Two modes: Reply (to the customer:
// text with "/" canned responses, a quoted reply, attachments, buttons and
// lists, templates through picker.js, send later) and Note (internal, with
// @mentions; never sent to WhatsApp). Drafts are kept per conversation;
// refusals show with their remedy.

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { createPicker } = await import("./picker.js" + v);
const { $, key, state, bus, toLogin, showError } = await import("./inbox-core.js" + v);
const { plainText } = await import("./inbox-render.js" + v);
const { showNote } = await import("./inbox-thread.js" + v);
const { suggestKey, updateSuggest, closeSuggest } = await import("./inbox-suggest.js" + v);
const { hasAttachment, attachmentBody, clearAttachment, onAttachChange } = await import("./inbox-attach.js" + v);
const { openInteractive } = await import("./inbox-interactive.js" + v);
const { openScheduler } = await import("./inbox-schedule.js" + v);
const { mayReply, isBlocked, showRefusal, answer, refresh: refreshGuard } = await import("./inbox-guard.js" + v);

const form = $("composer"), input = $("composer-input"), sendBtn = $("composer-send");
const noteDrafts = new Map(), replyTos = new Map(); // conversation id → note text / quoted message
let mode = "reply", replyTo = null, sending = false, lastTyping = 0;

export function autosize() {
  input.style.height = "auto";
  const border = input.offsetHeight - input.clientHeight;
  input.style.height = input.offsetHeight ? Math.min(input.scrollHeight + border, 160) + "px" : "";
}

input.addEventListener("input", () => {
  autosize();
  updateSuggest(mode);
  if (mode === "reply" && input.value.trim() && Date.now() - lastTyping > 4000) {
    lastTyping = Date.now();
    bus.emit("typing");
  }
});
// ateEnter: an Enter this box used (to send or pick) must not also add a
// line, even from an input method that delivers the key's text apart.
let ateEnter = false;
input.addEventListener("keydown", (e) => {
  if (suggestKey(e)) { e.preventDefault(); ateEnter = e.key === "Enter"; return; }
  if ((e.key === "Enter" || e.key === "Escape") && !e.shiftKey && answer(e.key === "Enter")) { e.preventDefault(); ateEnter = e.key === "Enter"; return; }
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); ateEnter = true; send(); }
  if (e.key === "Escape" && replyTo && !e.defaultPrevented) { e.preventDefault(); setReplyTo(null); }
});
input.addEventListener("beforeinput", (e) => {
  if (ateEnter && (e.inputType === "insertLineBreak" || e.inputType === "insertParagraph")) e.preventDefault();
});
input.addEventListener("keyup", (e) => { if (e.key === "Enter") ateEnter = false; });
input.addEventListener("focus", () => { if (mode === "reply") refreshGuard(); });
form.addEventListener("submit", (e) => { e.preventDefault(); send(); });

// ---- modes ----

const PLACEHOLDER = { reply: "Type a message", note: "Write an internal note — @ mentions a teammate" };

// setMode switches modes in the open conversation, each with its draft.
function setMode(m) {
  if (m === mode) return;
  const id = state.openId;
  if (id) (mode === "note" ? noteDrafts : state.drafts).set(id, input.value);
  applyMode(m);
  input.value = (id && (m === "note" ? noteDrafts : state.drafts).get(id)) || "";
  autosize();
}

function applyMode(m) {
  mode = m;
  form.dataset.mode = m;
  $("mode-reply").setAttribute("aria-selected", String(m === "reply"));
  $("mode-note").setAttribute("aria-selected", String(m === "note"));
  input.placeholder = input.dataset.placeholder = PLACEHOLDER[m];
  input.setAttribute("aria-label", m === "note" ? "Internal note" : "Message");
  for (const b of ["attach-btn", "interactive-btn", "send-later"]) $(b).hidden = m === "note";
  sendBtn.textContent = m === "note" ? "Add note" : "Send";
  picker.setNoteMode(m === "note");
  $("composer-hint").hidden = m === "note" || picker.windowOpen();
  $("attach-chip").hidden = m === "note" || !hasAttachment();
  closeSuggest();
  renderReplyBar();
  syncSend();
}
$("mode-reply").addEventListener("click", () => { setMode("reply"); input.focus(); });
$("mode-note").addEventListener("click", () => { setMode("note"); input.focus(); });
for (const tab of ["mode-reply", "mode-note"]) { // arrows move between the tabs
  $(tab).addEventListener("keydown", (e) => {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    e.preventDefault();
    const other = tab === "mode-reply" ? "note" : "reply";
    setMode(other);
    $(`mode-${other}`).focus();
  });
}
for (const [ev, m] of [["focus-reply", "reply"], ["focus-note", "note"]]) {
  bus.on(ev, () => { if (!state.openId) return; setMode(m); if (!input.disabled) input.focus(); });
}

// syncSend enables the send button for what the mode and rules allow.
function syncSend() {
  const blocked = mode === "reply" && isBlocked();
  sendBtn.disabled = sending || input.disabled || blocked;
  for (const b of ["attach-btn", "interactive-btn", "send-later"]) $(b).disabled = input.disabled || blocked;
  form.classList.toggle("blocked", blocked);
}
bus.on("send-blocked", syncSend);
onAttachChange(syncSend);

// ---- replying to a message ----

function setReplyTo(m) {
  replyTo = m && m.wamid ? m : null;
  if (state.openId) replyTos.set(state.openId, replyTo);
  renderReplyBar();
}
function renderReplyBar() {
  const bar = $("reply-bar");
  bar.hidden = !replyTo || mode !== "reply";
  if (!replyTo) return;
  bar.dataset.wamid = replyTo.wamid;
  $("reply-bar-quote").textContent = plainText(replyTo) || replyTo.text || `[${replyTo.type}]`;
}
$("reply-cancel").addEventListener("click", () => { setReplyTo(null); input.focus(); });
bus.on("reply-to", (m) => {
  if (!m || key(m.conversation_id) !== state.openId) return;
  setMode("reply");
  setReplyTo(m);
  if (!input.disabled) input.focus();
});

// ---- sending ----

// post sends a message of the open conversation: extra is {type, [type]: …}.
async function post(c, extra) {
  const body = { to: c.contact.wa_id, number_id: c.number_id, ...extra };
  if (replyTo && extra.type !== "reaction") body.context = { message_id: replyTo.wamid };
  return api.one(await api.request("POST", "/api/v1/messages", body));
}

async function send() {
  const id = state.openId, c = state.convs.get(id), text = input.value.trim();
  if (sending || !c || input.disabled) return;
  if (mode === "reply" && !text && !hasAttachment()) return;
  if (mode === "note" && !text) return;
  sending = true;
  if (mode === "reply" && !(await mayReply())) { sending = false; return; }
  const label = sendBtn.textContent;
  sendBtn.disabled = true;
  sendBtn.textContent = mode === "note" ? "Adding…" : "Sending…";
  $("composer-error").hidden = true;
  const wasMode = mode;
  try {
    if (wasMode === "note") {
      const n = api.one(await api.request("POST", `/api/v1/conversations/${encodeURIComponent(id)}/notes`, { body: text }));
      if (input.value.trim() === text) input.value = "";
      noteDrafts.delete(id);
      showNote({ conversation_id: id, ...n });
    } else {
      if (hasAttachment()) {
        const m = await post(c, await attachmentBody());
        clearAttachment();
        setReplyTo(null);
        showSent(id, m);
      }
      if (text) { // after the file, if there is one
        const m = await post(c, { type: "text", text: { body: text } });
        if (input.value.trim() === text) input.value = "";
        state.drafts.delete(id);
        setReplyTo(null);
        showSent(id, m);
      }
    }
    autosize();
  } catch (e) {
    showSendError(id, e);
  } finally {
    sending = false;
    sendBtn.textContent = label;
    syncSend();
    if (state.openId === id && !input.disabled) input.focus();
  }
}

// showSent puts a message just accepted by the API into the thread.
function showSent(id, m) {
  if (!m || m.id == null) return;
  bus.emit("message", { conversation_id: id, ...m }, { scroll: true });
}

// showSendError shows a refusal (message and remedy) under the composer.
function showSendError(id, e) {
  if (toLogin(e) || state.openId !== id) return;
  showError($("composer-error"), e);
  if (e.code === "not_assignee") showRefusal(e);
  if (e.status === 422) {
    api.getConversation(id).then((fresh) => bus.emit("conversation", fresh)).catch(() => {});
  }
}

const picker = createPicker({
  api,
  toLogin,
  getConv: () => state.convs.get(state.openId),
  onSent: (c, m) => showSent(key(c.id), m),
  onError: (c, e) => showSendError(key(c.id), e),
  clearError: () => { $("composer-error").hidden = true; },
  beforeSend: mayReply,
});

$("interactive-btn").addEventListener("click", () => {
  const id = state.openId;
  openInteractive(async (interactive) => {
    const c = state.convs.get(id);
    if (!c || state.openId !== id) throw new Error("The conversation changed.");
    if (!(await mayReply())) throw Object.assign(new Error("Not sent."), { remedy: "This conversation is assigned to someone else." });
    const m = await post(c, { type: "interactive", interactive });
    setReplyTo(null);
    showSent(id, m);
  });
});

$("send-later").addEventListener("click", async (e) => {
  const anchor = e.currentTarget;
  if (!(await mayReply())) return;
  openScheduler(anchor, () => ({ text: input.value.trim(), reply_to: replyTo && replyTo.wamid }), () => {
    input.value = "";
    state.drafts.delete(state.openId);
    setReplyTo(null);
    autosize();
  });
});

// setWindow tells the composer whether free-form messages can be sent.
export function setWindow(open) {
  picker.setWindow(open);
  $("composer-hint").hidden = open || mode === "note";
  syncSend();
}

// The shell announces switches before it changes state.openId.
bus.on("leaving", () => {
  const id = state.openId;
  if (!id) return;
  (mode === "note" ? noteDrafts : state.drafts).set(id, input.value);
  replyTos.set(id, replyTo);
});
bus.on("opened", (id) => {
  $("composer-error").hidden = true;
  picker.reset();
  clearAttachment();
  closeSuggest();
  replyTo = replyTos.get(id) || null;
  if (mode !== "reply") applyMode("reply");
  input.value = state.drafts.get(id) || "";
  renderReplyBar();
  syncSend();
  autosize();
});

// focusComposer focuses the message box on wide screens, where the
// keyboard is not a pop-up that hides the thread.
export function focusComposer() {
  if (matchMedia("(min-width: 761px)").matches && !input.disabled) input.focus();
}
