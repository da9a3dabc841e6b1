// broadcasts-words.js — how the Broadcasts page names the API's codes:
// statuses, skip reasons, result groups, and money and durations.

export const STATUS = {
  draft: "Draft", scheduled: "Scheduled", running: "Sending", paused: "Paused", canceled: "Canceled", completed: "Completed",
};

// SKIP are the reasons a plan or a recipient row gives for leaving someone
// out; an unknown code shows as it is, so a new one is never hidden.
export const SKIP = {
  not_opted_in: "No opt-in recorded",
  opted_out: "Opted out",
  marketing_us_blocked: "US number: Meta does not deliver marketing templates there",
  template_params: "A variable would be empty for them",
  invalid_number: "Not a valid phone number",
  duplicate: "Same phone number as another contact",
  canceled: "The broadcast was canceled before their turn",
};
export const skipLabel = (code) => SKIP[code] || String(code || "").replace(/_/g, " ");

// GROUPS are the recipient filters, in the order the select lists them.
export const GROUPS = [
  ["all", "Everyone"], ["pending", "Waiting to be sent"], ["sent", "Sent"], ["delivered", "Delivered"], ["read", "Read"],
  ["replied", "Replied"], ["failed", "Failed"], ["failed_retryable", "Failed with a retryable code"], ["skipped", "Skipped"],
  ["read_not_replied", "Read, not replied"], ["delivered_not_read", "Delivered, not read"], ["not_delivered", "Sent, not delivered"],
  ["not_replied", "Sent, not replied"],
];
export const groupLabel = (g) => (GROUPS.find(([k]) => k === g) || [g, g])[1];

export const OUTCOME = {
  pending: "Waiting", sent: "Sent", delivered: "Delivered", read: "Read", replied: "Replied", failed: "Failed", skipped: "Skipped",
};

export const CONSENT = { opted_in: "opted in", not_opted_out: "not opted out", "": "any" };

export function money(amount, currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "USD", maximumFractionDigits: 3 }).format(amount || 0);
  } catch {
    return `${(amount || 0).toFixed(3)} ${currency || ""}`.trim();
  }
}

export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds || 0));
  if (s < 1) return "under a second";
  if (s < 90) return `about ${s} s`;
  if (s < 90 * 60) return `about ${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `about ${Math.round(s / 3600)} h`;
  return `about ${Math.round(s / 86400)} days`;
}

export const count = (n) => new Intl.NumberFormat().format(n || 0);
export const plural = (n, one, many) => `${count(n)} ${n === 1 ? one : many}`;

export const when = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "");
