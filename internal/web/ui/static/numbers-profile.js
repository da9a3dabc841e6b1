// numbers-profile.js — the business profile editor of one number: what
// customers see in WhatsApp (about, address, description, email,
// websites, category, photo). The limits are Meta's and mirrored here so
// most mistakes are caught before the round trip; the server checks them
// again and its errors are shown under the field they name.

const search = new URL(import.meta.url).search;
const [ui, api] = await Promise.all([import("./numbers-ui.js" + search), import("./numbers-api.js" + search)]);
const { el, field, input } = ui;

const MAX_PHOTO = 5 * 1024 * 1024;
const PHOTO_TYPES = ["image/jpeg", "image/png"];
const LIMITS = { about: 139, address: 256, description: 512, email: 128, website: 256 };
// Meta's category enum, with the names WhatsApp shows for them.
const VERTICALS = [
  ["UNDEFINED", "Not set"], ["OTHER", "Other"], ["AUTO", "Automotive"], ["BEAUTY", "Beauty, spa and salon"],
  ["APPAREL", "Clothing and apparel"], ["EDU", "Education"], ["ENTERTAIN", "Entertainment"],
  ["EVENT_PLAN", "Event planning and service"], ["FINANCE", "Finance and banking"], ["GROCERY", "Food and grocery"],
  ["GOVT", "Public service"], ["HOTEL", "Hotel and lodging"], ["HEALTH", "Medical and health"],
  ["NONPROFIT", "Non-profit"], ["PROF_SERVICES", "Professional services"], ["RETAIL", "Shopping and retail"],
  ["TRAVEL", "Travel and transportation"], ["RESTAURANT", "Restaurant"], ["NOT_A_BIZ", "Not a business"],
  ["ALCOHOL", "Alcoholic beverages"], ["ONLINE_GAMBLING", "Online gambling and gaming"],
  ["PHYSICAL_GAMBLING", "Non-online gambling and gaming"], ["OTC_DRUGS", "Over-the-counter drugs"], ["MATRIMONY", "Matrimony service"],
];
const FIELDS = ["about", "address", "description", "email", "websites", "vertical"];

function counter(inp, max) {
  const c = el("span", "char-count muted small");
  const update = () => { c.textContent = `${ui.chars(inp.value)} / ${max}`; c.dataset.over = String(ui.chars(inp.value) > max); };
  inp.addEventListener("input", update);
  update();
  return { node: c, update };
}

// profilePanel returns the collapsible editor of number n; it loads the
// profile the first time it is opened.
export function profilePanel(n, canManage) {
  const pre = `n${n.id}-profile`;
  const details = el("details", "panel number-profile");
  const summary = el("summary", null, "Business profile");
  details.append(summary);
  const body = el("div", "panel-body");
  details.append(body);

  const error = el("div", "alert");
  error.setAttribute("role", "alert");
  error.hidden = true;
  const status = el("p", "panel-status");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");

  const form = el("form", "profile-form");
  form.noValidate = true; // our messages, in the page, for every field at once
  const fs = el("fieldset");
  fs.disabled = true;
  fs.append(el("legend", "visually-hidden", "Business profile"));
  const about = input("text", "about", { maxlength: String(LIMITS.about) });
  const address = input("text", "address", { maxlength: String(LIMITS.address), autocomplete: "street-address" });
  const description = input("textarea", "description", { maxlength: String(LIMITS.description), rows: "3" });
  const email = input("email", "email", { maxlength: String(LIMITS.email), autocomplete: "email" });
  const sites = [0, 1].map((i) => input("url", `website-${i}`, { maxlength: String(LIMITS.website), placeholder: "https://" }));
  const vertical = el("select");
  vertical.name = "vertical";
  for (const [v, label] of VERTICALS) {
    const o = el("option", null, label);
    o.value = v;
    vertical.append(o);
  }
  const aboutCount = counter(about, LIMITS.about);
  const descCount = counter(description, LIMITS.description);
  const aboutField = field(`${pre}-about`, "About", about, "Shown under the name in WhatsApp; 1 to 139 characters.");
  aboutField.querySelector("label").append(" ", aboutCount.node);
  const descField = field(`${pre}-description`, "Description", description, "Up to 512 characters.");
  descField.querySelector("label").append(" ", descCount.node);
  fs.append(aboutField, descField,
    field(`${pre}-address`, "Address", address),
    field(`${pre}-email`, "Email", email),
    field(`${pre}-website-0`, "Website", sites[0], "Up to two, each with http:// or https://."),
    field(`${pre}-website-1`, "Second website", sites[1]),
    field(`${pre}-vertical`, "Category", vertical));
  const actions = el("div", "form-actions");
  const save = el("button", "btn btn-primary profile-save", "Save profile");
  save.type = "submit";
  actions.append(save);
  if (canManage) fs.append(actions);
  form.append(fs);

  // ---- photo ----
  const photo = el("div", "profile-photo");
  const current = el("img", "photo-current");
  current.alt = "Current profile photo";
  current.hidden = true;
  const noPhoto = el("div", "photo-none", "No photo yet");
  const preview = el("img", "photo-preview");
  preview.alt = "Preview of the new profile photo";
  preview.hidden = true;
  const file = input("file", "photo", { accept: PHOTO_TYPES.join(",") });
  const upload = el("button", "btn btn-link photo-upload", "Upload photo");
  upload.type = "button";
  upload.disabled = true;
  photo.append(current, noPhoto);
  if (canManage) {
    const pf = field(`${pre}-photo`, "New photo", file, "JPEG or PNG, at most 5 MB; WhatsApp shows it cropped to a circle.");
    pf.append(preview, upload);
    photo.append(pf);
  }

  body.append(error, status, photo, form);

  const say = (text, kind) => { status.textContent = text; status.dataset.kind = kind || ""; };
  const byName = { about, address, description, email, vertical, websites: sites[0] };
  let previewURL = "";

  function fill(p) {
    about.value = p.about || "";
    address.value = p.address || "";
    description.value = p.description || "";
    email.value = p.email || "";
    const ws = p.websites || [];
    sites.forEach((s, i) => { s.value = ws[i] || ""; });
    const v = p.vertical || "UNDEFINED";
    if (![...vertical.options].some((o) => o.value === v)) { // a category newer than this list: keep it
      const o = el("option", null, ui.human(v));
      o.value = v;
      vertical.append(o);
    }
    vertical.value = v;
    current.hidden = !p.profile_picture_url;
    noPhoto.hidden = !!p.profile_picture_url;
    if (p.profile_picture_url) current.src = p.profile_picture_url;
    aboutCount.update();
    descCount.update();
    ui.clearFieldErrors(form);
  }

  async function load() {
    details.setAttribute("aria-busy", "true");
    try {
      fill(await api.getProfile(n.id));
      error.hidden = true;
      fs.disabled = !canManage;
      details.dataset.loaded = "true";
    } catch (e) {
      ui.problem(error, e);
    } finally {
      details.setAttribute("aria-busy", "false");
    }
  }

  function validate() {
    const errs = [];
    const len = (i) => ui.chars(i.value.trim());
    if (!len(about)) errs.push([about, "Write a short line about the business: About can't be empty."]);
    else if (len(about) > LIMITS.about) errs.push([about, `About can be at most ${LIMITS.about} characters; it has ${len(about)}.`]);
    if (len(address) > LIMITS.address) errs.push([address, `The address can be at most ${LIMITS.address} characters; it has ${len(address)}.`]);
    if (len(description) > LIMITS.description) errs.push([description, `The description can be at most ${LIMITS.description} characters; it has ${len(description)}.`]);
    const em = email.value.trim();
    if (em && len(email) > LIMITS.email) errs.push([email, `The email address can be at most ${LIMITS.email} characters.`]);
    else if (em && !ui.isEmail(em)) errs.push([email, "This is not an email address."]);
    for (const s of sites) {
      const v = s.value.trim();
      if (v && v.length > LIMITS.website) errs.push([s, `A website can be at most ${LIMITS.website} characters, http(s):// included.`]);
      else if (v && !ui.isURL(v)) errs.push([s, "Write the whole address, starting with http:// or https://."]);
    }
    return errs;
  }

  ui.onSubmit(form, {
    box: error, say, button: save, check: validate, names: FIELDS, byName, failed: "Not saved",
    async send() {
      const body = {
        about: about.value.trim(), address: address.value.trim(), description: description.value.trim(),
        email: email.value.trim(), websites: sites.map((s) => s.value.trim()).filter(Boolean), vertical: vertical.value,
      };
      say("Saving…");
      fill(await api.putProfile(n.id, body));
      say(`Saved at ${new Date().toLocaleTimeString()}. WhatsApp shows the new profile to customers within minutes.`);
    },
  });

  file.addEventListener("change", () => {
    ui.setFieldError(file, "");
    if (previewURL) URL.revokeObjectURL(previewURL);
    previewURL = "";
    preview.hidden = true;
    upload.disabled = true;
    const f = file.files && file.files[0];
    if (!f) return;
    if (!PHOTO_TYPES.includes(f.type)) { ui.setFieldError(file, "Choose a JPEG or PNG image."); return; }
    if (f.size > MAX_PHOTO) { ui.setFieldError(file, `This image is ${(f.size / 1048576).toFixed(1)} MB; WhatsApp takes at most 5 MB.`); return; }
    previewURL = URL.createObjectURL(f);
    preview.src = previewURL;
    preview.hidden = false;
    upload.disabled = false;
  });

  upload.addEventListener("click", async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    upload.disabled = true;
    say("Uploading the photo…");
    try {
      fill(await api.uploadPhoto(n.id, f));
      say("Photo uploaded.");
      file.value = "";
      preview.hidden = true;
      if (previewURL) URL.revokeObjectURL(previewURL);
      previewURL = "";
    } catch (e) {
      say("Photo not uploaded.", "error");
      if (e.status === 401) { ui.problem(error, e); return; }
      ui.setFieldError(file, ui.sentence(e.message, e.remedy));
      upload.disabled = false;
    }
  });

  details.addEventListener("toggle", () => {
    if (details.open && details.dataset.loaded !== "true") load();
  });
  return details;
}
