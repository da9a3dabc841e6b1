// inbox-interactive.js — a small dialog that builds an interactive
// message in Meta's exact shape: reply buttons (a body, up to three
// buttons, an optional text header and footer) or a list (a button label
// and sections of rows). The server checks it; its refusal shows here.

const v = new URL(import.meta.url).search;
const { el, toLogin } = await import("./inbox-core.js" + v);
const { button, errorNodes } = await import("./inbox-util.js" + v);

let dlg = null, send = null;
const q = (s) => dlg.querySelector(s);

function field(label, cls, { max, textarea, placeholder } = {}) {
  const wrap = el("label", "ia-field");
  wrap.append(el("span", "ia-label", label));
  const inp = el(textarea ? "textarea" : "input", cls);
  if (!textarea) inp.type = "text";
  if (max) inp.maxLength = max;
  if (placeholder) inp.placeholder = placeholder;
  if (textarea) inp.rows = 3;
  wrap.append(inp);
  return wrap;
}

function rowFields() {
  const row = el("div", "ia-row-edit");
  row.append(field("Row title", "ia-row-title-input", { max: 24 }), field("Description (optional)", "ia-row-desc-input", { max: 72 }),
    button("×", "btn btn-link ia-remove", () => row.remove(), "Remove the row"));
  return row;
}

function sectionFields() {
  const sec = el("fieldset", "ia-section-edit");
  sec.append(el("legend", null, "Section"));
  sec.append(field("Section title (needed with more than one section)", "ia-section-title-input", { max: 24 }));
  const rows = el("div", "ia-rows");
  rows.append(rowFields());
  const tools = el("div", "ia-tools");
  tools.append(button("+ Row", "btn btn-link ia-add-row", () => rows.append(rowFields())),
    button("Remove section", "btn btn-link ia-remove", () => sec.remove()));
  sec.append(rows, tools);
  return sec;
}

function build() {
  dlg = el("dialog", "ia-dialog");
  dlg.id = "interactive-dialog";
  dlg.setAttribute("aria-label", "Interactive message");
  const form = el("form", "ia-form");
  form.method = "dialog";
  form.append(el("h3", null, "Send buttons or a list"));
  const kinds = el("div", "ia-kinds");
  kinds.setAttribute("role", "radiogroup");
  for (const [val, text] of [["button", "Reply buttons"], ["list", "List"]]) {
    const l = el("label", "ia-kind");
    const r = el("input");
    r.type = "radio";
    r.name = "ia-kind";
    r.value = val;
    r.checked = val === "button";
    r.addEventListener("change", sync);
    l.append(r, " ", text);
    kinds.append(l);
  }
  form.append(kinds);
  form.append(field("Header (optional)", "ia-header-input", { max: 60 }), field("Body", "ia-body-input", { textarea: true, max: 4096 }),
    field("Footer (optional)", "ia-footer-input", { max: 60 }));
  const btns = el("div", "ia-buttons-edit");
  for (let i = 1; i <= 3; i++) btns.append(field(`Button ${i}${i > 1 ? " (optional)" : ""}`, "ia-button-input", { max: 20 }));
  const list = el("div", "ia-list-edit");
  list.append(field("List button label", "ia-list-button-input", { max: 20, placeholder: "e.g. Options" }));
  const secs = el("div", "ia-sections-edit");
  secs.append(sectionFields());
  list.append(secs, button("+ Section", "btn btn-link ia-add-section", () => secs.append(sectionFields())));
  const err = el("div", "ia-error composer-error");
  err.setAttribute("role", "alert");
  err.hidden = true;
  const actions = el("div", "ia-actions");
  const sendBtn = button("Send", "btn btn-primary ia-send", submit);
  actions.append(button("Cancel", "btn btn-link ia-cancel", () => dlg.close()), sendBtn);
  form.append(btns, list, err, actions);
  form.addEventListener("submit", (e) => { e.preventDefault(); submit(); });
  dlg.append(form);
  document.body.append(dlg);
  sync();
}

const kind = () => (q('input[name="ia-kind"]:checked') || {}).value || "button";
function sync() {
  q(".ia-buttons-edit").hidden = kind() !== "button";
  q(".ia-list-edit").hidden = kind() !== "list";
}

const slug = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "option";
const val = (node, sel) => ((node.querySelector(sel) || {}).value || "").trim();

// payload is the interactive object, in Meta's shape.
function payload() {
  const out = { type: kind() };
  const header = val(dlg, ".ia-header-input"), footer = val(dlg, ".ia-footer-input");
  if (header) out.header = { type: "text", text: header };
  out.body = { text: val(dlg, ".ia-body-input") };
  if (footer) out.footer = { text: footer };
  if (out.type === "button") {
    const titles = [...dlg.querySelectorAll(".ia-button-input")].map((i) => i.value.trim()).filter(Boolean);
    out.action = { buttons: titles.map((t, i) => ({ type: "reply", reply: { id: `btn-${i + 1}-${slug(t)}`, title: t } })) };
  } else {
    const sections = [...dlg.querySelectorAll(".ia-section-edit")].map((sec, si) => {
      const s = {};
      const title = val(sec, ".ia-section-title-input");
      if (title) s.title = title;
      s.rows = [...sec.querySelectorAll(".ia-row-edit")].map((r, ri) => {
        const row = { id: `row-${si + 1}-${ri + 1}-${slug(val(r, ".ia-row-title-input"))}`, title: val(r, ".ia-row-title-input") };
        const d = val(r, ".ia-row-desc-input");
        if (d) row.description = d;
        return row;
      }).filter((r) => r.title);
      return s;
    }).filter((s) => s.rows.length);
    out.action = { button: val(dlg, ".ia-list-button-input"), sections };
  }
  return out;
}

function problem(p) {
  if (!p.body.text) return ["The body is empty.", "Write the message the customer reads above the options."];
  if (p.type === "button" && !p.action.buttons.length) return ["Add at least one button.", "Up to three, 20 characters each."];
  if (p.type === "list" && !p.action.button) return ["The list needs a button label.", "It opens the list, e.g. \"Options\"."];
  if (p.type === "list" && !p.action.sections.length) return ["Add at least one row.", "Up to ten rows across all sections."];
  return null;
}

async function submit() {
  const err = q(".ia-error"), b = q(".ia-send");
  const p = payload(), bad = problem(p);
  err.hidden = true;
  if (bad) {
    err.replaceChildren(...errorNodes({ message: bad[0], remedy: bad[1] }));
    err.hidden = false;
    return;
  }
  b.disabled = true;
  b.textContent = "Sending…";
  try {
    await send(p);
    dlg.close();
    reset();
  } catch (e) {
    if (toLogin(e)) return;
    err.replaceChildren(...errorNodes(e));
    err.hidden = false;
  } finally {
    b.disabled = false;
    b.textContent = "Send";
  }
}

function reset() {
  dlg.remove();
  dlg = null;
}

// openInteractive shows the builder; sendFn(interactive) sends it and
// rejects with the server's refusal.
export function openInteractive(sendFn) {
  send = sendFn;
  if (!dlg) build();
  q(".ia-error").hidden = true;
  dlg.showModal();
  q(".ia-body-input").focus();
}
