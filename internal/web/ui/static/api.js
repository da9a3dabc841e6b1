// api.js — the inbox's JSON API client. Same-origin, session cookie.
// Every failure becomes an ApiError carrying the server's message and remedy.

export class ApiError extends Error {
  constructor(status, code, message, remedy) {
    super(message);
    this.status = status; // HTTP status, 0 for network errors
    this.code = code;
    this.remedy = remedy || "";
  }
}

// request sends body as JSON, or as is when contentType is given (a
// profile photo goes up as the image itself).
export async function request(method, path, body, contentType) {
  const opts = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    opts.headers["Content-Type"] = contentType || "application/json";
    opts.body = contentType ? body : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, opts);
  } catch {
    throw new ApiError(0, "network", "Can't reach the GoHavi server.", "Check your connection; live pages catch up by themselves when it is back.");
  }
  let json = null;
  const text = await res.text();
  if (text) {
    try { json = JSON.parse(text); } catch { /* not JSON */ }
  }
  if (!res.ok) {
    const e = (json && json.error) || {};
    if (res.status === 401) {
      throw new ApiError(401, e.code || "unauthorized", e.message || "Your session has ended.", e.remedy || "Sign in again.");
    }
    throw new ApiError(res.status, e.code || `http_${res.status}`,
      e.message || `The server answered ${[res.status, res.statusText].filter(Boolean).join(" ")}.`,
      e.remedy || "Try again in a moment; if it keeps happening, check the server logs.");
  }
  return json;
}

// Single objects may come bare or wrapped in {"data": …}; a list's "data"
// is an array.
export const one = (r) => (r && typeof r === "object" && "data" in r && !Array.isArray(r.data) ? r.data : r);
export const many = (r) => (r && Array.isArray(r.data) ? r.data : []);

export const listConversations = () => request("GET", "/api/v1/conversations").then(many);
export const getConversation = (id) => request("GET", `/api/v1/conversations/${encodeURIComponent(id)}`).then(one);
export const listMessages = (id) => request("GET", `/api/v1/conversations/${encodeURIComponent(id)}/messages`).then(many);
export const markRead = (id) => request("POST", `/api/v1/conversations/${encodeURIComponent(id)}/read`, {});
export const sendText = (conv, body) => request("POST", "/api/v1/messages", {
  to: conv.contact.wa_id,
  number_id: conv.number_id,
  type: "text",
  text: { body },
}).then(one);
export const listTemplates = () => request("GET", "/api/v1/templates").then(many);
// previewTemplate renders a template with the given values; unfilled
// variables stay visible as {{n}}.
export const previewTemplate = (id, values, contactId) => request("POST",
  `/api/v1/templates/${encodeURIComponent(id)}/preview`, { contact_id: contactId || undefined, ...values });
// sendTemplate sends template tpl with values ({parameters} or
// {named_parameters}, plus an optional header).
export const sendTemplate = (conv, tpl, values) => request("POST", "/api/v1/messages", {
  to: conv.contact.wa_id,
  number_id: conv.number_id,
  type: "template",
  template: { name: tpl.name, language: tpl.language, ...values },
}).then(one);
export const getCompliance = () => request("GET", "/api/v1/compliance");
// The workspace's opt-out/opt-in keywords and their confirmations.
export const getKeywords = () => request("GET", "/api/v1/settings/keywords");
export const addKeyword = (k) => request("POST", "/api/v1/settings/keywords", k).then(one);
export const removeKeyword = (word) => request("DELETE", `/api/v1/settings/keywords?word=${encodeURIComponent(word)}`);
export const setBuiltinKeyword = (word, enabled) => request("PUT", "/api/v1/settings/keywords/builtin", { word, enabled });
export const setKeywordReply = (r) => request("PUT", "/api/v1/settings/keywords/replies", r);
