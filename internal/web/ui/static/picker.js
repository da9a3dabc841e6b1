// picker.js — the composer's template picker: approved templates, one input
// per variable, a live server-rendered preview and the send. Outside the
// 24-hour window it replaces the free-text composer; inside it, the "Use a
// template" toggle reveals it. All data is inserted as text.

const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text != null) n.textContent = text;
  return n;
}

const upper = (s) => String(s || "").trim().toUpperCase();
const POSITIONAL = /\{\{\s*(\d+)\s*\}\}/g;
const NAMED = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g;

// varsOf lists the variables of text: "1".."n" for positional templates
// (up to the highest number used), names in order of first appearance for
// named ones.
export function varsOf(text, named) {
  const s = String(text || "");
  if (named) return [...new Set([...s.matchAll(NAMED)].map((m) => m[1]))];
  const max = Math.max(0, ...[...s.matchAll(POSITIONAL)].map((m) => Number(m[1])));
  return Array.from({ length: max }, (_, i) => String(i + 1));
}

function component(t, type) {
  return (Array.isArray(t.components) ? t.components : []).find((c) => upper(c.type) === type);
}

// fieldsOf describes what a send of t needs.
export function fieldsOf(t) {
  const named = upper(t.parameter_format) === "NAMED";
  const header = component(t, "HEADER"), body = component(t, "BODY");
  const headerFormat = header ? upper(header.format) || "TEXT" : "";
  const headerVar = headerFormat === "TEXT" ? varsOf(header.text, named)[0] || "" : "";
  let bodyVars = varsOf(body && body.text, named);
  if (upper(t.category) === "AUTHENTICATION") bodyVars = ["1"]; // the one-time code
  const buttons = component(t, "BUTTONS");
  const buttonVars = ((buttons && buttons.buttons) || []).some((b) =>
    (upper(b.type) === "URL" && /\{\{/.test(b.url || "")) || upper(b.type) === "COPY_CODE");
  return { named, headerFormat, headerVar, bodyVars, buttonVars };
}

// buttonParamsOf lists t's buttons that take a value at send time, with
// their zero-based index among all its buttons (the key a send uses).
export function buttonParamsOf(t) {
  const buttons = component(t, "BUTTONS");
  const out = [];
  ((buttons && buttons.buttons) || []).forEach((b, index) => {
    const type = upper(b.type);
    if ((type === "URL" && /\{\{/.test(b.url || "")) || type === "COPY_CODE") {
      const ex = Array.isArray(b.example) ? b.example[0] : typeof b.example === "string" ? b.example : "";
      out.push({ index, type, text: b.text || "", url: b.url || "", example: ex || "" });
    }
  });
  return out;
}

export const templateLabel = (t) => `${t.name} (${t.language}, ${t.category})`;

// beforeSend (optional) resolves to whether a send may go ahead (the
// inbox asks before replying in a colleague's conversation).
export function createPicker({ api, getConv, onSent, onError, clearError, toLogin, beforeSend }) {
  const box = $("template-picker"), select = $("template-select"), params = $("template-params");
  const preview = $("template-preview"), sendBtn = $("template-send"), status = $("template-status");
  const toggle = $("template-toggle"), cancel = $("template-cancel");
  const free = $("composer-free"), input = $("composer-input"), freeSend = $("composer-send");

  const st = {
    templates: [],     // approved templates
    loadedAt: 0,
    loading: null,     // the pending load
    current: null,     // the chosen template
    fields: null,
    windowOpen: true,
    toggled: false,    // revealed inside the window
    note: false,       // the composer is writing an internal note: no picker
    previewSeq: 0,
    sending: false,
  };

  function setStatus(text, isError) {
    status.textContent = text || "";
    status.classList.toggle("error", !!isError);
    status.hidden = !text;
  }

  function load(force) {
    if (st.loading) return st.loading;
    if (!force && st.loadedAt && Date.now() - st.loadedAt < 30000) return Promise.resolve();
    st.loading = api.listTemplates().then((all) => {
      st.templates = all.filter((t) => upper(t.status) === "APPROVED")
        .sort((a, b) => a.name.localeCompare(b.name) || a.language.localeCompare(b.language));
      st.loadedAt = Date.now();
      fillSelect();
      if (!st.templates.length) {
        setStatus("No approved templates yet. Create one (POST /api/v1/templates), and once Meta approves it, sync (POST /api/v1/templates/sync).");
      } else if (!st.current) setStatus("");
    }).catch((e) => {
      if (!toLogin(e)) setStatus(`${e.message} ${e.remedy}`.trim(), true);
    }).finally(() => { st.loading = null; });
    return st.loading;
  }

  function fillSelect() {
    const keep = st.current ? String(st.current.id) : select.value;
    const opts = [el("option", null, st.templates.length ? "Choose an approved template…" : "No approved templates")];
    opts[0].value = "";
    for (const t of st.templates) {
      const o = el("option", null, templateLabel(t));
      o.value = String(t.id);
      opts.push(o);
    }
    select.replaceChildren(...opts);
    select.value = st.templates.some((t) => String(t.id) === keep) ? keep : "";
    if (!select.value && st.current) choose("");
  }

  function paramInput(label, attrs) {
    const wrap = el("label", "template-field");
    wrap.append(el("span", "template-field-label", label));
    const inp = el("input", attrs.cls);
    inp.type = "text";
    inp.autocomplete = "off";
    for (const [k, v] of Object.entries(attrs.data)) inp.dataset[k] = v;
    inp.addEventListener("input", () => {
      inp.classList.remove("suggested");
      markEmpty(inp);
      renderPreview();
    });
    inp.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.isComposing) { e.preventDefault(); send(); }
    });
    wrap.append(inp);
    return { wrap, inp };
  }

  function markEmpty(inp) {
    const empty = !inp.value.trim();
    inp.classList.toggle("empty", empty);
    inp.setAttribute("aria-invalid", String(empty));
  }

  const inputs = () => [...params.querySelectorAll("input")];

  function choose(id) {
    st.current = st.templates.find((t) => String(t.id) === String(id)) || null;
    st.fields = st.current ? fieldsOf(st.current) : null;
    params.replaceChildren();
    preview.replaceChildren();
    preview.hidden = !st.current;
    sendBtn.disabled = !st.current;
    setStatus("");
    clearError();
    if (!st.current) return;
    const f = st.fields;
    if (f.headerFormat && f.headerFormat !== "TEXT") {
      setStatus(`This template has a ${f.headerFormat.toLowerCase()} header; send it through the API (POST /api/v1/messages with "header").`);
    } else if (f.buttonVars) {
      setStatus("This template has a button that takes a value; send it through the API (POST /api/v1/messages with \"buttons\").");
    }
    if (f.headerVar) {
      params.append(paramInput(`Header {{${f.headerVar}}}`, { cls: "template-header-param", data: { name: f.headerVar } }).wrap);
    }
    const c = getConv();
    const name = (c && c.contact && c.contact.name) || "";
    f.bodyVars.forEach((v, i) => {
      const { wrap, inp } = paramInput(`{{${v}}}`, { cls: "template-param", data: f.named ? { name: v } : { index: v } });
      if (i === 0 && name && upper(st.current.category) !== "AUTHENTICATION") {
        inp.value = name; // a suggestion: the customer's name
        inp.classList.add("suggested");
        inp.title = "Suggested: the customer's name";
      }
      params.append(wrap);
    });
    inputs().forEach(markEmpty);
    renderPreview();
  }

  function values() {
    const f = st.fields, out = {};
    const body = [...params.querySelectorAll("input.template-param")];
    if (f.named) out.named_parameters = Object.fromEntries(body.map((i) => [i.dataset.name, i.value]));
    else out.parameters = body.map((i) => i.value);
    const h = params.querySelector("input.template-header-param");
    if (h) out.header = { text: h.value };
    return out;
  }

  async function renderPreview() {
    const t = st.current;
    if (!t) return;
    const seq = ++st.previewSeq, c = getConv();
    try {
      const r = await api.previewTemplate(t.id, values(), c && c.contact && c.contact.id);
      if (seq !== st.previewSeq || st.current !== t) return;
      const parts = [];
      if (r.header) parts.push(el("div", "template-preview-header", r.header));
      else if (r.header_format && r.header_format !== "TEXT") parts.push(el("div", "template-preview-media muted", `[${r.header_format.toLowerCase()}]`));
      parts.push(el("div", "template-preview-body", r.body || ""));
      if (r.footer) parts.push(el("div", "template-preview-footer muted", r.footer));
      if (r.buttons && r.buttons.length) {
        const bs = el("div", "template-preview-buttons");
        r.buttons.forEach((b) => bs.append(el("span", "template-preview-button", b)));
        parts.push(bs);
      }
      preview.replaceChildren(...parts);
      preview.hidden = false;
    } catch (e) {
      if (seq === st.previewSeq && !toLogin(e)) setStatus(`Preview unavailable: ${e.message}`, true);
    }
  }

  async function send() {
    const t = st.current, c = getConv();
    if (st.sending || !t || !c) return;
    const empty = inputs().filter((i) => !i.value.trim());
    inputs().forEach(markEmpty);
    if (empty.length) {
      setStatus(`Fill in ${empty.length === 1 ? "the highlighted parameter" : `the ${empty.length} highlighted parameters`} before sending.`, true);
      empty[0].focus();
      return;
    }
    if (beforeSend && !(await beforeSend())) return;
    if (st.sending || st.current !== t) return;
    st.sending = true;
    sendBtn.disabled = true;
    sendBtn.textContent = "Sending…";
    clearError();
    setStatus("");
    try {
      const m = await api.sendTemplate(c, t, values());
      onSent(c, m);
      select.value = "";
      choose("");
      if (st.windowOpen) { st.toggled = false; apply(); }
    } catch (e) {
      onError(c, e);
    } finally {
      st.sending = false;
      sendBtn.disabled = !st.current;
      sendBtn.textContent = "Send template";
    }
  }

  // apply shows the picker or the free-text composer for the window state.
  // A note is never a WhatsApp message: in note mode the free-text box
  // stays, whatever the window.
  function apply() {
    const note = st.note;
    const showPicker = !note && (!st.windowOpen || st.toggled);
    box.hidden = !showPicker;
    free.hidden = !note && (!st.windowOpen || st.toggled);
    input.disabled = freeSend.disabled = !note && !st.windowOpen;
    toggle.hidden = note || !st.windowOpen || st.toggled;
    cancel.hidden = note || !st.windowOpen || !st.toggled;
    if (showPicker) load(false);
  }

  select.addEventListener("change", () => choose(select.value));
  select.addEventListener("focus", () => load(false));
  sendBtn.addEventListener("click", send);
  toggle.addEventListener("click", () => { st.toggled = true; apply(); select.focus(); });
  cancel.addEventListener("click", () => { st.toggled = false; apply(); input.focus(); });

  return {
    // setWindow follows the open conversation's 24-hour window.
    setWindow(open) {
      st.windowOpen = !!open;
      apply();
    },
    // reset forgets the choice when another conversation opens.
    reset() {
      st.toggled = false;
      st.previewSeq++;
      if (select.value || st.current) { select.value = ""; choose(""); }
      setStatus("");
      apply();
    },
    active: () => !box.hidden,
    // setNoteMode switches between replying and writing a note.
    setNoteMode(on) {
      st.note = !!on;
      apply();
    },
    windowOpen: () => st.windowOpen,
  };
}
