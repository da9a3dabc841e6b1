// inbox-compose.js — the composer: free text, templates (picker.js),
// drafts kept per conversation, and refusals shown with their remedy.

const v = new URL(import.meta.url).search;
const api = await import("./api.js" + v);
const { createPicker } = await import("./picker.js" + v);
const { $, key, state, bus, toLogin, showError } = await import("./inbox-core.js" + v);

const input = $("composer-input"), sendBtn = $("composer-send");

export function autosize() {
  input.style.height = "auto";
  const border = input.offsetHeight - input.clientHeight;
  input.style.height = input.offsetHeight ? Math.min(input.scrollHeight + border, 160) + "px" : "";
}
input.addEventListener("input", autosize);
input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
});
$("composer").addEventListener("submit", (e) => { e.preventDefault(); send(); });

let sending = false;
async function send() {
  const id = state.openId, c = state.convs.get(id), text = input.value.trim();
  if (sending || !c || !text || input.disabled) return;
  sending = true;
  sendBtn.disabled = true;
  sendBtn.textContent = "Sending…";
  $("composer-error").hidden = true;
  try {
    const m = await api.sendText(c, text);
    if (input.value.trim() === text) { input.value = ""; autosize(); }
    state.drafts.delete(id);
    showSent(id, m);
  } catch (e) {
    showSendError(id, e);
  } finally {
    sending = false;
    sendBtn.disabled = input.disabled;
    sendBtn.textContent = "Send";
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
  if (!toLogin(e) && state.openId === id) showError($("composer-error"), e);
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
});

// setWindow tells the composer whether free-form messages can be sent.
export function setWindow(open) {
  $("composer-hint").hidden = open;
  picker.setWindow(open);
}

function saveDraft() {
  if (state.openId) state.drafts.set(state.openId, input.value);
}

// The shell announces switches before it changes state.openId.
bus.on("leaving", saveDraft);
bus.on("opened", (id) => {
  $("composer-error").hidden = true;
  picker.reset();
  input.value = state.drafts.get(id) || "";
  autosize();
});

// focusComposer focuses the message box on wide screens, where the
// keyboard is not a pop-up that hides the thread.
export function focusComposer() {
  if (matchMedia("(min-width: 761px)").matches && !input.disabled) input.focus();
}
