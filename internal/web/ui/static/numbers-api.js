// numbers-api.js — the client of /api/v1/whatsapp: numbers and their
// health, Embedded Signup, business profiles and green tick requests.
// Same-origin, session cookie; every failure is api.js's ApiError with the
// server's message and remedy.

const { request, one, many } = await import("./api.js" + new URL(import.meta.url).search);

const base = "/api/v1/whatsapp";
const num = (id) => `${base}/numbers/${encodeURIComponent(id)}`;

export const listNumbers = () => request("GET", `${base}/numbers`).then(many);
export const connectManually = (b) => request("POST", `${base}/numbers`, b).then(one);
export const refreshNumber = (id) => request("POST", `${num(id)}/refresh`, {}).then(one);
// Without deregister the number stays registered at Meta, so another
// installation (or GoHavi again) can use it without re-registering.
export const disconnectNumber = (id, deregister) =>
  request("DELETE", num(id) + (deregister ? "" : "?deregister=false")).then(one);
export const numberHistory = (id) => request("GET", `${num(id)}/history`).then(many);

export const signupConfig = () => request("GET", `${base}/signup/config`);
export const finishSignup = (b) => request("POST", `${base}/signup`, b);
export const signupAbandoned = (b) => request("POST", `${base}/signup/abandoned`, b);

export const getProfile = (id) => request("GET", `${num(id)}/profile`).then(one);
export const putProfile = (id, p) => request("PUT", `${num(id)}/profile`, p).then(one);
export const uploadPhoto = (id, file) => request("POST", `${num(id)}/profile/photo`, file, file.type).then(one);

export const getGreenTick = (id) => request("GET", `${num(id)}/green-tick`);
export const requestGreenTick = (id, b) => request("POST", `${num(id)}/green-tick`, b);
