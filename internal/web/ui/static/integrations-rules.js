// integrations-rules.js — a connected CRM's stage rules: when a deal moves
// to a stage, its contacts get an approved template, if WhatsApp's rules
// allow it. Lists the rules with their pipeline and stage names, adds one
// (pipeline and stage from the CRM, template from the workspace's approved
// ones), deletes one, and tests one against a deal without sending.
// Data is inserted as text, never as HTML.

const search = new URL(import.meta.url).search;
const [ui, { request, many }, panels] = await Promise.all([
  import("./numbers-ui.js" + search), import("./api.js" + search), import("./integrations-panels.js" + search),
]);
const { el, field, input } = ui;
const { prov, call, errorBox, button, statusLine, sayIn, actionsHead } = panels;

const MAX_PARAMS = 20;

// The workspace's approved templates, asked for once per page.
let approved = null;
function approvedTemplates() {
  approved ||= request("GET", "/api/v1/templates").then(many)
    .then((ts) => ts.filter((t) => t.status === "APPROVED"))
    .catch(() => []);
  return approved;
}

function select(name) {
  const s = el("select");
  s.name = name;
  return s;
}

function option(value, label) {
  const o = el("option", null, label);
  o.value = value;
  return o;
}

// paramProblem is what is wrong with one parameter expression, or "".
function paramProblem(v, i) {
  if (v.length > 500) return `Parameter ${i + 1} is longer than 500 characters.`;
  if (v.split("{{").length !== v.split("}}").length) return `Parameter ${i + 1} has unbalanced {{ }}.`;
  return "";
}

export function rulesPanel(p, canManage, say) {
  const pre = `${p.id}-rule`;
  const sec = el("section", "crm-section crm-rules");
  sec.setAttribute("aria-labelledby", `${pre}s-title`);
  const h = el("h3", null, "Stage rules");
  h.id = `${pre}s-title`;
  const intro = el("p", "muted small", `When a ${p.name} deal moves to a rule's stage, GoHavi sends each of the deal's contacts the rule's template — only if WhatsApp's rules allow it (opt-in, quality, limits).`);
  const box = errorBox();
  const status = statusLine();
  const warn = el("p", "warn small rules-pipelines-warning");
  warn.hidden = true;
  const table = el("table", "table crm-rules-table");
  const hr = el("tr");
  for (const t of ["Stage", "Template", "Parameters"]) hr.append(el("th", null, t));
  hr.append(actionsHead());
  const thead = el("thead");
  thead.append(hr);
  const tbody = el("tbody");
  table.append(thead, tbody);
  table.hidden = true;
  const empty = el("p", "muted rules-empty", "No stage rules yet.");
  empty.hidden = true;
  sec.append(h, intro, box, status, warn, table, empty);

  let pipelines = null; // [{id, label, stages:[{id, label}]}], null when the CRM could not list them
  const pipelineOf = (id) => (pipelines || []).find((x) => x.id === id);
  // names resolves a stage (and its pipeline) to the CRM's labels,
  // falling back to the ids.
  function names(pipelineID, stageID) {
    let pl = pipelineOf(pipelineID);
    if (!pl && !pipelineID) pl = (pipelines || []).find((x) => (x.stages || []).some((s) => s.id === stageID));
    const st = pl && (pl.stages || []).find((s) => s.id === stageID);
    return { pipeline: pl ? pl.label || pl.id : pipelineID, stage: st ? st.label || st.id : stageID };
  }

  // ---- the list ----

  async function loadRules() {
    sec.setAttribute("aria-busy", "true");
    try {
      const rs = await call("GET", `${prov(p)}/rules`).then(many);
      tbody.replaceChildren(...rs.map(row));
      table.hidden = !rs.length;
      empty.hidden = rs.length > 0;
      box.hidden = true;
      sec.dataset.loaded = "true";
    } catch (e) {
      ui.problem(box, e);
    } finally {
      sec.setAttribute("aria-busy", "false");
    }
  }

  function row(r) {
    const tr = el("tr", "crm-rule");
    tr.dataset.id = String(r.id);
    tr.dataset.stage = r.stage_id;
    const n = names(r.pipeline_id, r.stage_id);
    const stage = el("td", "rule-stage");
    stage.append(el("strong", "rule-stage-label", n.stage));
    if (n.pipeline) stage.append(el("span", "muted small rule-pipeline", ` in ${n.pipeline}`));
    const t = r.template || {};
    const tpl = el("td", "rule-template");
    tpl.append(el("span", "rule-template-name", t.name || ""), el("span", "muted small", ` (${t.language || "?"})`));
    const params = el("td", "rule-params");
    if ((t.parameters || []).length) {
      const ol = el("ol", "param-list");
      for (const x of t.parameters) ol.append(el("li", "rule-param", x));
      params.append(ol);
    } else params.append(el("span", "muted", "None"));
    const act = el("td", "rule-actions");
    tr.append(stage, tpl, params, act);
    if (!canManage) return tr;

    const testBox = el("tr", "rule-test-row");
    testBox.hidden = true;
    const cell = el("td");
    cell.colSpan = 4;
    testBox.append(cell);
    const test = button("Test…", "btn-link rule-test");
    test.setAttribute("aria-expanded", "false");
    test.addEventListener("click", () => {
      testBox.hidden = !testBox.hidden;
      test.setAttribute("aria-expanded", String(!testBox.hidden));
      if (!testBox.hidden) {
        if (!cell.firstChild) cell.append(testForm(r, n));
        cell.querySelector("input").focus();
      }
    });
    const del = button("Delete", "btn-link btn-danger-link rule-delete", async () => {
      if (!confirm(`Delete the rule that sends ${t.name} when a deal reaches ${n.stage}?`)) return;
      del.disabled = true;
      try {
        await call("DELETE", `${prov(p)}/rules/${encodeURIComponent(r.id)}`);
        say(`Deleted the rule for ${n.stage}.`);
        await loadRules();
      } catch (e) {
        ui.problem(box, e);
        del.disabled = false;
      }
    });
    act.append(test, del);
    // The test form and its result take a row of their own under the rule.
    const frag = document.createDocumentFragment();
    frag.append(tr, testBox);
    return frag;
  }

  // ---- testing a rule against a deal ----

  function testForm(r, n) {
    const wrap = el("div", "rule-test-box");
    const form = el("form", "rule-test-form");
    form.noValidate = true;
    const deal = input("text", "deal_id", { autocomplete: "off", inputmode: "numeric" });
    const run = el("button", "btn btn-primary rule-test-run", "Run test");
    run.type = "submit";
    const tbox = errorBox();
    const tstatus = statusLine();
    const result = el("div", "rule-test-result");
    result.setAttribute("aria-live", "polite");
    const f = field(`${pre}-${r.id}-deal`, `${p.name} deal id`, deal, "Nothing is sent: the test says what this rule would send to each of the deal's contacts, and whether WhatsApp's rules allow it now.");
    const actions = el("div", "form-actions");
    actions.append(run);
    form.append(f, actions);
    wrap.append(form, tstatus, tbox, result);
    ui.onSubmit(form, {
      box: tbox, say: sayIn(tstatus), button: run, names: ["deal_id"], byName: { deal_id: deal }, failed: "Not tested",
      check: () => (deal.value.trim() ? [] : [[deal, `Give the id of a deal in ${p.name}.`]]),
      async send() {
        result.replaceChildren();
        sayIn(tstatus)(`Reading the deal from ${p.name}…`);
        const res = await call("POST", `${prov(p)}/rules/${encodeURIComponent(r.id)}/test`, { deal_id: deal.value.trim() });
        sayIn(tstatus)("");
        result.replaceChildren(...testResult(res, r, n));
      },
    });
    return wrap;
  }

  function testResult(res, r, n) {
    const out = [];
    const head = el("p", "test-deal");
    head.dataset.matches = String(!!res.matches);
    const stage = names(r.pipeline_id, res.stage).stage || "no stage";
    head.append("Deal ", el("strong", "test-deal-name", res.deal_name || res.deal_id), ` (${res.deal_id}) is in ${stage}: `,
      el("span", res.matches ? "test-match" : "test-nomatch", res.matches ? "this rule's stage, so it applies now."
        : `not ${n.stage}; this is what moving it there would send.`));
    out.push(head);
    const cs = res.contacts || [];
    if (!cs.length) {
      out.push(el("p", "muted", "The deal has no contacts, so nothing would be sent."));
      return out;
    }
    const ul = el("ul", "test-contacts");
    for (const c of cs) {
      const li = el("li", "test-contact");
      li.dataset.allowed = String(!!c.allowed);
      li.append(el("strong", "test-phone", c.phone || `Contact ${c.contact_id} has no phone number`));
      const ps = c.parameters || [];
      if (ps.length) {
        const pl = el("ol", "param-list test-params");
        for (const x of ps) pl.append(el("li", null, x));
        li.append(pl);
      }
      const d = el("p", c.allowed ? "test-allowed" : "test-refused");
      if (c.allowed) d.append("✓ Allowed: it would be sent.");
      else {
        d.append("✗ Refused", c.code ? ` (${c.code})` : "", ": ", c.message || "not allowed");
        if (c.remedy) d.append(" ", el("span", "remedy", c.remedy));
        if (c.code) d.dataset.code = c.code;
      }
      li.append(d);
      ul.append(li);
    }
    out.push(ul);
    return out;
  }

  // ---- adding a rule ----

  const form = el("form", "rule-form");
  form.noValidate = true;
  const fs = el("fieldset");
  fs.disabled = true; // until the stages are known
  fs.append(el("legend", null, "Add a rule"));
  const pick = el("div", "rule-pick");
  let pipelineIn = null, stageIn = null;
  const name = input("text", "template_name", { autocomplete: "off", list: `${pre}-templates` });
  const datalist = el("datalist");
  datalist.id = `${pre}-templates`;
  const language = input("text", "language", { autocomplete: "off", placeholder: "en_US", maxlength: "15" });
  const params = input("textarea", "parameters", { rows: "3", spellcheck: "false" });
  const add = el("button", "btn btn-primary rule-add", "Add rule");
  add.type = "submit";
  const actions = el("div", "form-actions");
  actions.append(add);
  const tplRow = el("div", "rule-template-row");
  tplRow.append(field(`${pre}-template`, "Template", name, "An approved template of this workspace."),
    field(`${pre}-language`, "Language", language));
  fs.append(pick, tplRow, datalist, field(`${pre}-params`, "Parameters", params,
    "One per line, in the template's order, e.g. {{contact.firstname|there}} or {{deal.name}}. After | comes the text used when the value is empty."),
  actions);
  form.append(fs);

  // Stage choice: from the CRM's pipelines, or typed ids when the CRM
  // could not list them.
  function buildPick() {
    if (pipelines && pipelines.length) {
      pipelineIn = select("pipeline_id");
      stageIn = select("stage_id");
      for (const pl of pipelines) pipelineIn.append(option(pl.id, pl.label || pl.id));
      const stages = () => {
        const pl = pipelineOf(pipelineIn.value);
        stageIn.replaceChildren(option("", "Choose a stage…"), ...((pl && pl.stages) || []).map((s) => option(s.id, s.label || s.id)));
      };
      pipelineIn.addEventListener("change", stages);
      stages();
    } else {
      pipelineIn = input("text", "pipeline_id", { autocomplete: "off", placeholder: p.id === "hubspot" ? "default" : "" });
      stageIn = input("text", "stage_id", { autocomplete: "off" });
    }
    pick.replaceChildren(field(`${pre}-pipeline`, "Pipeline", pipelineIn), field(`${pre}-stage`, "Stage", stageIn,
      pipelines && pipelines.length ? "" : `The stage's id in ${p.name} (its internal value).`));
  }

  let autoLanguage = "";
  name.addEventListener("input", async () => {
    const t = (await approvedTemplates()).find((x) => x.name === name.value.trim());
    if (t && (!language.value.trim() || language.value === autoLanguage)) language.value = autoLanguage = t.language;
  });

  const lines = () => params.value.split("\n").map((s) => s.trim()).filter(Boolean);
  ui.onSubmit(form, {
    box, say: sayIn(status), button: add, failed: "Rule not added",
    names: ["stage_id", "parameter", "parameters", "template", "language"],
    byName: { get stage_id() { return stageIn; }, parameter: params, parameters: params, template: name, language },
    check() {
      const errs = [];
      if (!stageIn.value.trim()) errs.push([stageIn, "Choose the stage that triggers the message."]);
      if (!name.value.trim()) errs.push([name, "Name the template to send."]);
      if (!language.value.trim()) errs.push([language, "Give the template's language, like en_US."]);
      const ps = lines();
      if (ps.length > MAX_PARAMS) errs.push([params, `At most ${MAX_PARAMS} parameters; there are ${ps.length}.`]);
      const bad = ps.map(paramProblem).find(Boolean);
      if (bad) errs.push([params, bad]);
      return errs;
    },
    async send() {
      const body = {
        pipeline_id: pipelineIn.value.trim(), stage_id: stageIn.value.trim(),
        template: { name: name.value.trim(), language: language.value.trim(), parameters: lines() },
      };
      const r = await call("POST", `${prov(p)}/rules`, body);
      const n = names(r.pipeline_id, r.stage_id);
      sayIn(status)(`Added: ${r.template.name} goes out when a deal reaches ${n.stage}.`);
      name.value = language.value = params.value = autoLanguage = "";
      await loadRules();
    },
  });
  if (canManage) sec.append(form);

  (async () => {
    sec.setAttribute("aria-busy", "true");
    const [pl, ts] = await Promise.all([
      call("GET", `${prov(p)}/pipelines`).then(many).catch((e) => {
        if (e.status === 401) return ui.problem(box, e);
        warn.textContent = `${p.name}'s pipelines could not be read, so stages show as ids: ${e.message}${e.remedy ? " " + e.remedy : ""}`;
        warn.hidden = false;
        return null;
      }),
      canManage ? approvedTemplates() : [],
    ]);
    pipelines = pl || null;
    datalist.replaceChildren(...ts.map((t) => option(t.name, `${t.name} (${t.language})`)));
    if (canManage) {
      buildPick();
      fs.disabled = false;
    }
    sec.dataset.pipelines = pipelines ? "loaded" : "unavailable";
    await loadRules();
  })();
  return sec;
}
