// inbox-render.js — what a message shows inside its bubble, for every
// type WhatsApp carries both ways: text with links, media (inline image,
// sticker, video, audio, document download), location, contacts,
// interactive messages and replies, template buttons, templates,
// unsupported types. Pure DOM building: every value goes in as text or
// as a checked attribute, never as HTML. No state, no network.

const v = new URL(import.meta.url).search;
const { el } = await import("./inbox-core.js" + v);

// OSM is where a shared location opens. It is a link the agent follows,
// not a resource the page loads (TestStatic keeps those out), so the
// scheme is joined on here rather than written as one literal.
const OSM = ["https:", "", "www.openstreetmap.org", ""].join("/");

// safeURL returns s when it is a same-origin path or an http(s) URL, so a
// crafted value can never become a javascript: link or a src elsewhere.
export function safeURL(s) {
  const u = String(s || "").trim();
  if (!u) return "";
  if (u.startsWith("/") && !u.startsWith("//")) return u;
  return /^https?:\/\/[^\s]+$/i.test(u) ? u : "";
}

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;

// linkify appends text to node, turning http(s) URLs into links built
// with the DOM (the text of the link is the URL exactly as written).
export function linkify(node, text) {
  const s = String(text || "");
  let at = 0;
  for (const m of s.matchAll(URL_RE)) {
    let url = m[0];
    const trail = /[.,;:!?)\]]+$/.exec(url); // sentence punctuation is not part of the link
    if (trail) url = url.slice(0, -trail[0].length);
    if (m.index > at) node.append(s.slice(at, m.index));
    const a = el("a", "msg-link", url);
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    node.append(a);
    at = m.index + url.length;
  }
  if (at < s.length) node.append(s.slice(at));
  return node;
}

export function textBlock(text, cls = "text") {
  return linkify(el("div", cls), text);
}

export function fmtSize(n) {
  n = Number(n) || 0;
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`;
  return `${(n / 1048576).toFixed(1)} MB`;
}

const obj = (x) => (x && typeof x === "object" ? x : {});
const MEDIA = new Set(["image", "video", "audio", "document", "sticker"]);
const MEDIA_LABEL = { image: "Photo", video: "Video", audio: "Audio", document: "Document", sticker: "Sticker" };

// mediaBox shows a media message's attachment in its current state:
// downloading, failed (with why) or ready (inline, playable or a link).
function mediaBox(m) {
  const p = obj(m.payload), md = m.media, type = m.type;
  const box = el("div", `media media-${type}`);
  const status = md ? md.status || (md.url ? "ready" : "pending") : "unknown";
  box.dataset.mediaStatus = status;
  const url = md ? safeURL(md.url) : "";
  const name = (md && md.filename) || p.filename || "";
  if (status === "failed") {
    box.append(el("div", "media-failed", `⚠ The ${MEDIA_LABEL[type].toLowerCase()} could not be downloaded from WhatsApp`));
    if (md.error) box.append(el("div", "media-error muted", md.error));
    return box;
  }
  if (!url) {
    box.append(el("div", "media-pending", status === "unknown" ? `[${MEDIA_LABEL[type]}]` : `Downloading ${MEDIA_LABEL[type].toLowerCase()}…`));
    if (name) box.append(el("div", "muted", name));
    return box;
  }
  if (type === "image" || type === "sticker") {
    const a = el("a", "media-open");
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener";
    a.title = "Open full size";
    const img = el("img", "media-img");
    img.loading = "lazy";
    img.src = url;
    img.alt = p.caption || MEDIA_LABEL[type];
    img.addEventListener("error", () => {
      a.replaceChildren(el("span", "media-failed", `⚠ The ${MEDIA_LABEL[type].toLowerCase()} did not load — open it`));
    }, { once: true });
    a.append(img);
    box.append(a);
  } else if (type === "video" || type === "audio") {
    const media = el(type, "media-player");
    media.controls = true;
    media.preload = "metadata";
    media.src = url;
    box.append(media);
    if (type === "audio" && p.voice) box.append(el("div", "muted media-note", "🎤 Voice message"));
  } else {
    const a = el("a", "doc-link");
    a.href = url;
    a.download = name || "";
    a.rel = "noopener";
    a.append(el("span", "doc-icon", "📄"));
    const info = el("span", "doc-info");
    info.append(el("span", "doc-name", name || "Document"));
    const bits = [md.mime_type, md.size ? fmtSize(md.size) : ""].filter(Boolean).join(" · ");
    if (bits) info.append(el("span", "doc-meta muted", bits));
    a.append(info, el("span", "doc-get", "⬇"));
    a.title = `Download ${name || "the document"}`;
    box.append(a);
  }
  return box;
}

function locationBox(m) {
  const l = obj(m.payload);
  const lat = Number(l.latitude), lon = Number(l.longitude);
  const box = el("div", "location");
  const title = l.name || "📍 Location";
  if (Number.isFinite(lat) && Number.isFinite(lon)) {
    const a = el("a", "location-link");
    a.href = `${OSM}?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.append(el("span", "location-pin", "📍"));
    const t = el("span", "location-text");
    t.append(el("strong", "location-name", l.name || "Shared location"));
    if (l.address) t.append(el("span", "location-address", l.address));
    t.append(el("span", "muted location-coords", `${lat.toFixed(5)}, ${lon.toFixed(5)} · Open map`));
    a.append(t);
    box.append(a);
  } else box.append(el("div", "text", m.text || title));
  const site = safeURL(l.url);
  if (site) box.append(linkify(el("div", "location-url"), site));
  return box;
}

function contactCard(c) {
  c = obj(c);
  const n = obj(c.name);
  const card = el("div", "contact-card");
  const name = n.formatted_name || [n.first_name, n.last_name].filter(Boolean).join(" ") || "Contact";
  card.append(el("div", "contact-name", `👤 ${name}`));
  const org = obj(c.org);
  if (org.company || org.title) card.append(el("div", "muted contact-org", [org.title, org.company].filter(Boolean).join(", ")));
  for (const ph of Array.isArray(c.phones) ? c.phones : []) {
    const row = el("div", "contact-phone");
    const a = el("a", null, ph.phone || ph.wa_id || "");
    a.href = "tel:" + String(ph.phone || "+" + (ph.wa_id || "")).replace(/[^\d+]/g, "");
    row.append(a);
    if (ph.type) row.append(" ", el("span", "muted", ph.type.toLowerCase()));
    card.append(row);
  }
  for (const em of Array.isArray(c.emails) ? c.emails : []) {
    if (!em.email) continue;
    const a = el("a", "contact-email", em.email);
    a.href = "mailto:" + em.email;
    card.append(a);
  }
  return card;
}

function contactsBox(m) {
  const list = Array.isArray(m.payload) ? m.payload : Array.isArray(obj(m.payload).contacts) ? m.payload.contacts : [];
  const box = el("div", "contacts");
  if (!list.length) box.append(el("div", "text", m.text || "👤 Contact"));
  list.forEach((c) => box.append(contactCard(c)));
  return box;
}

// interactiveBox shows an interactive message: ours with its header, body,
// footer and buttons or list; the customer's as the choice they tapped.
function interactiveBox(m) {
  const p = obj(m.payload), box = el("div", "interactive");
  const reply = obj(p.button_reply || p.list_reply);
  if (p.type === "button_reply" || p.type === "list_reply") {
    box.append(el("div", "reply-choice text", `↩ ${reply.title || m.text || "Reply"}`));
    if (reply.description) box.append(el("div", "muted reply-desc", reply.description));
    return box;
  }
  if (p.type === "nfm_reply") {
    box.append(el("div", "reply-choice text", m.text || "📝 Form submitted"));
    return box;
  }
  const h = obj(p.header);
  if (h.type === "text" && h.text) box.append(el("div", "ia-header", h.text));
  else if (h.type) box.append(el("div", "ia-header muted", `[${h.type} header]`));
  box.append(textBlock(obj(p.body).text || m.text || ""));
  if (obj(p.footer).text) box.append(el("div", "ia-footer muted", p.footer.text));
  const action = obj(p.action);
  if (Array.isArray(action.buttons) && action.buttons.length) {
    const bs = el("div", "ia-buttons");
    for (const b of action.buttons) bs.append(el("span", "ia-button", obj(b.reply).title || b.title || b.text || "Button"));
    box.append(bs);
  }
  if (Array.isArray(action.sections)) {
    box.append(el("div", "ia-list-button", `☰ ${action.button || "Options"}`));
    const list = el("div", "ia-sections");
    for (const s of action.sections) {
      const sec = el("div", "ia-section");
      if (s.title) sec.append(el("div", "ia-section-title", s.title));
      for (const r of Array.isArray(s.rows) ? s.rows : []) {
        const row = el("div", "ia-row");
        row.append(el("span", "ia-row-title", r.title || ""));
        if (r.description) row.append(el("span", "ia-row-desc muted", r.description));
        sec.append(row);
      }
      list.append(sec);
    }
    box.append(list);
  }
  if (action.name === "cta_url" && obj(action.parameters).display_text) {
    const url = safeURL(action.parameters.url);
    const b = el(url ? "a" : "span", "ia-button", `↗ ${action.parameters.display_text}`);
    if (url) { b.href = url; b.target = "_blank"; b.rel = "noopener noreferrer"; }
    box.append(b);
  }
  return box;
}

function templateBox(m) {
  const p = obj(m.payload), box = el("div", "template-msg");
  const badge = el("span", "type-badge badge-template", "Template");
  if (p.name) badge.title = `${p.name}${obj(p.language).code ? ` (${p.language.code})` : ""}`;
  box.append(badge, textBlock(m.text || (p.name ? `Template: ${p.name}` : "")));
  return box;
}

function unsupportedBox(m) {
  const kind = obj(m.payload).type || (/\(([^)]+)\)/.exec(m.text || "") || [])[1] || "";
  const who = m.direction === "outbound" ? "This message" : "The customer sent a message type";
  const text = m.direction === "outbound" ? `${who} can't be shown here${kind ? `: ${kind}` : ""}`
    : `${who} WhatsApp can't show here${kind ? `: ${kind}` : ""}`;
  const box = el("div", "unsupported");
  box.append(el("div", "text", `⚠ ${text}`));
  box.append(el("div", "muted unsupported-hint", "Open WhatsApp on a phone to see it, or ask the customer to send it another way."));
  return box;
}

// renderBody returns the nodes for the inside of m's bubble, above its
// time and ticks.
export function renderBody(m) {
  const type = m.type || "text";
  if (MEDIA.has(type)) {
    const out = [mediaBox(m)];
    const cap = obj(m.payload).caption;
    if (cap) out.push(textBlock(cap));
    return out;
  }
  switch (type) {
    case "text": return [textBlock(m.text)];
    case "location": return [locationBox(m)];
    case "contacts": return [contactsBox(m)];
    case "interactive": return [interactiveBox(m)];
    case "button": return [el("div", "reply-choice text", `↩ ${obj(m.payload).text || m.text || "Button"}`)];
    case "template": return [templateBox(m)];
    case "unsupported": return [unsupportedBox(m)];
    case "system": return [el("div", "text", m.text || "System message")];
  }
  const badge = el("span", "type-badge", type.replace(/_/g, " "));
  return [badge, textBlock(m.text || `[${type}]`)];
}

// plainText is what "Copy text" copies and a quote shows.
export function plainText(m) {
  const p = obj(m.payload);
  if (m.type === "text") return m.text || "";
  return p.caption || obj(p.body).text || m.text || "";
}
