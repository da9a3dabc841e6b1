// numbers-greentick.js — the green tick (Official Business Account) panel
// of one number: what Meta checks before it looks at a request, where the
// number stands, and the request form. Meta decides; GoHavi only says
// what is missing before a request is worth sending.

const search = new URL(import.meta.url).search;
const [ui, api] = await Promise.all([import("./numbers-ui.js" + search), import("./numbers-api.js" + search)]);
const { el, field, input } = ui;

const MAX_LINKS = 5;
const STATE_MARK = { done: "✓", missing: "✗", unknown: "?" };
const STATE_WORD = { done: "Done", missing: "Missing", unknown: "Not known yet" };

// blockedReason says why a request can't be sent now.
function blockedReason(g) {
  if (g.why) return g.why;
  if (g.official) return "This number already has the green tick.";
  const st = String(g.oba_status || "").toUpperCase();
  if (st === "PENDING" || st === "IN_REVIEW" || st === "SUBMITTED") {
    return "Meta is reviewing the last request; you can send another once it has decided.";
  }
  const missing = (g.checklist || []).filter((c) => c.state !== "done");
  if (missing.length) return `Not yet: ${missing.map((c) => c.label).join("; ")}.`;
  if (st === "REJECTED") return "Meta rejected the last request; a new one can be sent 30 days after the decision.";
  return "A request can't be sent for this number right now.";
}

export function greenTickPanel(n, canManage) {
  const pre = `n${n.id}-oba`;
  const details = el("details", "panel number-greentick");
  details.append(el("summary", null, "Green tick"));
  const body = el("div", "panel-body");
  details.append(body);
  const error = el("div", "alert");
  error.setAttribute("role", "alert");
  error.hidden = true;
  const status = el("p", "panel-status");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const state = el("div", "oba-state");
  const intro = el("p", "muted small", "Meta grants the green tick to notable brands only, and only when everything below is in order; a rejected request can be repeated after 30 days.");

  // ---- the request form ----
  const form = el("form", "greentick-form");
  form.noValidate = true;
  const fs = el("fieldset");
  fs.append(el("legend", null, "Request the green tick"));
  const reason = el("p", "greentick-blocked");
  reason.id = `${pre}-blocked`;
  reason.hidden = true;
  const website = input("url", "business_website_url", { maxlength: "256", placeholder: "https://", required: "" });
  const country = input("text", "primary_country_of_operation", { maxlength: "100", required: "", autocomplete: "country-name" });
  const language = input("text", "primary_language", { maxlength: "100", required: "" });
  const parent = input("text", "parent_business_or_brand", { maxlength: "256" });
  const links = [];
  const linkList = el("div", "supporting-links");
  for (let i = 0; i < MAX_LINKS; i++) {
    const l = input("url", `supporting_links_${i}`, { maxlength: "256", placeholder: "https://" });
    links.push(l);
    linkList.append(field(`${pre}-link-${i}`, `Link ${i + 1}`, l));
  }
  const more = input("textarea", "additional_supporting_information", { maxlength: "1000", rows: "3" });
  const linksGroup = el("fieldset", "links-group");
  linksGroup.append(el("legend", null, "Supporting links (1 to 5): articles about the business in independent news media; paid or promotional content doesn't count"), linkList);
  const send = el("button", "btn btn-primary greentick-send", "Send the request to Meta");
  send.type = "submit";
  const actions = el("div", "form-actions");
  actions.append(send);
  fs.append(
    field(`${pre}-website`, "Business website", website),
    field(`${pre}-country`, "Main country of operation", country, "For example United States of America."),
    field(`${pre}-language`, "Main language", language, "For example English."),
    field(`${pre}-parent`, "Parent business or brand (optional)", parent),
    linksGroup,
    field(`${pre}-more`, "Anything else Meta should know (optional)", more),
    actions);
  form.append(fs);

  body.append(error, status, intro, state);
  if (canManage) body.append(reason, form);

  const say = (text, kind) => { status.textContent = text; status.dataset.kind = kind || ""; };
  const byName = {
    business_website_url: website, primary_country_of_operation: country, primary_language: language,
    parent_business_or_brand: parent, supporting_links: links[0], additional_supporting_information: more,
  };

  function render(g) {
    details.dataset.official = String(!!g.official);
    details.dataset.canRequest = String(!!g.can_request);
    const head = el("p", "oba-head");
    head.append(el("strong", null, g.official ? "✓ This number has the green tick." : "No green tick yet."));
    if (g.oba_status) {
      const s = el("span", "oba-status", ` Request status: ${ui.human(g.oba_status)}`);
      s.dataset.status = g.oba_status;
      head.append(s);
    }
    const ul = el("ul", "checklist");
    ul.setAttribute("aria-label", "What Meta checks");
    for (const c of g.checklist || []) {
      const li = el("li", "check");
      li.dataset.key = c.key;
      li.dataset.state = c.state;
      const mark = el("span", "check-mark", STATE_MARK[c.state] || "?");
      mark.setAttribute("aria-hidden", "true");
      li.append(mark, el("span", "check-label", c.label), el("span", "visually-hidden", `: ${STATE_WORD[c.state] || c.state}`));
      if (c.detail) li.append(el("span", "check-detail muted small", c.detail));
      ul.append(li);
    }
    const parts = [head, ul];
    if (g.last_request) {
      const p = el("p", "muted small last-request");
      p.append("Last request sent ", ui.timeEl(g.last_request.at));
      const f = g.last_request.fields || {};
      if (f.business_website_url) p.append(` for ${f.business_website_url}`);
      p.append(".");
      parts.push(p);
    }
    state.replaceChildren(...parts);

    fs.disabled = !g.can_request;
    reason.hidden = !!g.can_request;
    reason.textContent = g.can_request ? "" : blockedReason(g);
    if (g.can_request) form.removeAttribute("aria-describedby");
    else form.setAttribute("aria-describedby", reason.id);
  }

  async function load() {
    details.setAttribute("aria-busy", "true");
    try {
      render(await api.getGreenTick(n.id));
      error.hidden = true;
      details.dataset.loaded = "true";
    } catch (e) {
      ui.problem(error, e);
    } finally {
      details.setAttribute("aria-busy", "false");
    }
  }

  function validate() {
    const errs = [];
    const w = website.value.trim();
    if (!w) errs.push([website, "Give the business's website."]);
    else if (!ui.isURL(w)) errs.push([website, "Write the whole address, starting with http:// or https://."]);
    if (!country.value.trim()) errs.push([country, "Give the country the business mainly works in."]);
    if (!language.value.trim()) errs.push([language, "Give the language the business mainly uses."]);
    for (const l of links) {
      const v = l.value.trim();
      if (v && !ui.isURL(v)) errs.push([l, "Write the whole address, starting with http:// or https://."]);
    }
    if (!links.some((l) => l.value.trim())) {
      errs.push([links[0], "Add at least one article about the business in an independent news outlet: Meta grants the green tick to notable brands."]);
    }
    return errs;
  }

  ui.onSubmit(form, {
    box: error, say, button: send, check: validate, names: Object.keys(byName), byName, failed: "Not sent",
    async send() {
      const req = {
        business_website_url: website.value.trim(), primary_country_of_operation: country.value.trim(),
        primary_language: language.value.trim(), parent_business_or_brand: parent.value.trim(),
        supporting_links: links.map((l) => l.value.trim()).filter(Boolean),
        additional_supporting_information: more.value.trim(),
      };
      say("Sending…");
      render(await api.requestGreenTick(n.id, req));
      say("Request sent. Meta reviews it; the outcome shows here when Meta tells GoHavi.");
    },
  });

  details.addEventListener("toggle", () => {
    if (details.open && details.dataset.loaded !== "true") load();
  });
  // reload lets the page refresh the panel when Meta's decision arrives.
  details.reload = () => { if (details.dataset.loaded === "true") load(); };
  return details;
}
