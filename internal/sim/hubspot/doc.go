// Package hubspot is a local simulator of HubSpot's CRM API for one portal
// with one OAuth app installed: OAuth, contacts, deals, pipelines,
// associations, communications and notes, rate limits, eventually
// consistent search and signed deal-stage webhooks. It follows
// /work/shared/spec/integrations-apis.md §1 to the field, so the product's
// HubSpot client runs against it unchanged.
//
// # HubSpot API
//
//	GET  /oauth/authorize?client_id&redirect_uri&scope&state   consents at once: 302 to redirect_uri?code=&state=
//	POST /oauth/v1/token, /oauth/v3/token (form)   authorization_code | refresh_token
//	                           → {token_type,access_token,refresh_token,expires_in:1800} (+hub_id,user_id,scopes in v3)
//	                           400 {"status":"BAD_AUTH_CODE"|"EXPIRED_AUTH_CODE"|"BAD_REDIRECT_URI"|"BAD_CLIENT_ID"|
//	                           "BAD_CLIENT_SECRET"|"BAD_REFRESH_TOKEN"|"BAD_GRANT_TYPE","message"} (+error, error_description in v3)
//	GET  /oauth/v1/access-tokens/{token}
//	GET  /account-info/v3/details, /account-info/v3/api-usage/daily/private-apps
//	POST /crm/v3/properties/{type}          (409 when it exists; hasUniqueValue, ≤10 per type)
//	GET  /crm/v3/properties/{type}[/{name}]
//	POST /crm/v3/objects/{type}             create (201; 409 "Existing ID: N" on a taken email or unique value)
//	GET|PATCH /crm/v3/objects/{type}/{id}?properties=&associations=&idProperty=
//	POST /crm/v3/objects/{type}/search      5/s per portal, no rate headers, sees writes SearchLag late
//	POST /crm/v3/objects/{type}/batch/create|read|update|upsert|archive   ≤100 inputs; 200/201, 207 with errors
//	GET  /crm/v3/pipelines/deals[/{id}]     "default" (7 standard stages) and "12345678" Renewals (numeric stages)
//	GET  /crm/v4/objects/{from}/{id}/associations/{to}?limit=&after=
//	POST /crm/v4/associations/{from}/{to}/batch/create
//
// Types are contacts, deals, communications and notes (singular names and
// objectTypeIds 0-1, 0-3, 0-18, 0-46 work too). Only defined properties
// can be written (400 PROPERTY_DOESNT_EXIST otherwise); enumeration, bool,
// number and date values are checked. Communications need
// hs_communication_channel_type WHATS_APP|LINKEDIN_MESSAGE|SMS,
// hs_communication_logged_from CRM and hs_timestamp; notes hs_timestamp.
// Batch upsert inputs carry no associations (HubSpot's shape has none);
// associate with the v4 batch create. Batch results come back in reverse
// input order, since HubSpot promises none.
//
// Every API call needs "Authorization: Bearer" with a private-app token
// (AddPrivateAppToken) or an unexpired OAuth access token (401
// EXPIRED_AUTHENTICATION / INVALID_AUTHENTICATION), and one of the scopes
// the call needs (403 MISSING_SCOPES; private apps have all). Calls other
// than search count against BurstLimit per rolling 10 s and answer
// X-HubSpot-RateLimit-* headers (the daily ones only for private apps);
// search has its own SearchPerSecond; both count against DailyLimit,
// which resets at midnight US/Eastern. 429 bodies are §1.6's. SetFault
// answers every API call and the token endpoint with a status before any
// of this. Time is Config.Now for tokens, limits and search lag; webhook
// retry delays are real time.
//
// # Webhooks
//
// MoveDeal sends deal.propertyChange (propertyName dealstage) events to
// the webhook URL: JSON arrays of ≤100, signed with X-HubSpot-Signature-v3
// and X-HubSpot-Request-Timestamp, plus the v1 X-HubSpot-Signature and
// X-HubSpot-Signature-Version headers; up to 10 POSTs at once. A non-2xx
// answer or a timeout redelivers per RetryDelays with attemptNumber + 1.
// Delivery.Copies sends duplicates (same eventId) in separate POSTs.
//
// # Control API
//
//	POST /_sim/private-apps         {"token"}
//	POST /_sim/codes                {"redirect_uri"} → {"code"}
//	POST /_sim/contacts             {"properties"} → {"id"}
//	GET  /_sim/contacts             → [{"id","properties","createdAt"}]
//	POST /_sim/deals                {"name","pipeline","stage","properties","contact_ids"} → {"id"}
//	POST /_sim/deals/{id}/stage     {"stage","copies"}
//	GET  /_sim/timeline?contact_id= → [{"id","type","properties"}]
//	GET|POST /_sim/faults           {"status","retry_after_ms"}; {} clears
//	POST /_sim/search-lag           {"ms"}
//	POST /_sim/expire-tokens
//	POST /_sim/revoke-refresh-tokens
//	POST /_sim/communications       {"refuse":true} → communications answer 403
//	POST /_sim/webhook              {"url"}
//	GET  /_sim/stats
package hubspot
