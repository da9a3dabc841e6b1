// Package simcalendly is a local simulator of Calendly API v2 and its
// OAuth server (api.calendly.com and auth.calendly.com on one handler),
// with signed webhook deliveries. It follows
// /work/shared/spec/integrations-apis.md §3 to the field, so GoHavi's
// Calendly client and booking engine run against it unchanged. Where the
// spec marks Calendly's behaviour UNCONFIRMED, the choice made is noted
// next to the code.
//
// Resources are identified by URIs built on Config.BaseURL
// (BaseURL+"/users/<ID>", "/organizations/<ID>", "/event_types/<ID>",
// "/scheduled_events/<ID>[/invitees/<ID>]", "/webhook_subscriptions/<ID>"),
// and query parameters naming a user or organization take those URIs.
// Times are UTC with microseconds (2026-01-08T14:00:00.000000Z).
//
// # OAuth (oauth.go)
//
//	GET  /oauth/authorize?client_id&response_type=code&redirect_uri&state[&code_challenge&code_challenge_method=S256]
//	         consents at once as the default user: 302 redirect_uri?code=&state= (code: 10 min, single use)
//	POST /oauth/token (form; client by HTTP Basic or client_id/client_secret)
//	         grant_type=authorization_code (code, redirect_uri, code_verifier when a challenge was given)
//	         grant_type=refresh_token: single use, rotated; a spent one → 400 invalid_grant
//	         → {token_type:"Bearer",access_token,refresh_token,expires_in:7200,scope:"default",created_at,owner,organization}
//	         errors {"error","error_description"}: 401 invalid_client, 400 invalid_request|invalid_grant|
//	         unsupported_grant_type, 429 too_many_requests beyond 8 token requests per user per minute
//	POST /oauth/introspect, /oauth/revoke (form: token; same client auth)
//
// # API (reads.go, subscriptions.go)
//
//	GET    /users/me, /users/{uuid}
//	GET    /event_types?user=|organization=, /event_types/{uuid}
//	GET    /scheduled_events?user=|organization=&min_start_time&max_start_time&status&invitee_email&sort&count&page_token
//	GET    /scheduled_events/{uuid}
//	GET    /scheduled_events/{uuid}/invitees?status&email&sort&count&page_token
//	GET    /scheduled_events/{uuid}/invitees/{uuid}
//	POST   /webhook_subscriptions {url,events,organization,scope,user,signing_key} → 201; 409 on the same
//	       url+scope+organization(+user), disabled subscriptions included (delete, then recreate)
//	GET    /webhook_subscriptions?organization&scope[&user (required for scope=user)]&sort&count&page_token
//	GET    /webhook_subscriptions/{uuid};  DELETE → 204
//
// Single resources come as {"resource":…}, lists as
// {"collection":[…],"pagination":{count,next_page,previous_page,
// next_page_token,previous_page_token}} (count ≤ 100, default 20).
// Errors are {"title","message"[,"details":[{"parameter","message"}]]}.
// Every call needs "Authorization: Bearer" with a PAT or an unexpired
// OAuth access token (401 Unauthenticated "The access token is invalid" /
// "The access token expired"); Config.AnyToken takes unknown tokens as
// the default user's PAT. A caller sees its own organization only (403
// Permission Denied otherwise). Calls are limited to Config.RateLimit per
// user per fixed minute, with X-RateLimit-Limit/Remaining/Reset on every
// authenticated answer and 429 beyond (limits.go). FailAPI answers the
// next n calls with a status before any of this.
//
// # Webhooks (webhook.go)
//
// Book, Cancel, CancelEvent, Reschedule and MarkNoShow/UnmarkNoShow store
// the change, then POST {"event","created_at","created_by","payload"} to
// every active subscription whose scope covers the event's host and which
// listens to the event; the payload is the invitee with its
// scheduled_event embedded. The first attempt is made before the method
// returns; failures (non-2xx, 3xx included, or no answer) retry on
// Config.RetryDelays in the background with the same body, and a
// subscription still failing after the last retry is disabled.
// retry_started_at is set at the first failure and cleared by a success.
// Deliveries are signed "Calendly-Webhook-Signature: t=<unix>,v1=<hex>"
// (Sign) with the app's key for subscriptions made with an OAuth token,
// the subscription's signing_key for PAT-made ones, each falling back to
// the other, and unsigned when neither is set.
//
// # Control API (control.go; no token, no limits)
//
//	POST /_sim/users {"name","email","timezone"}                 → User
//	POST /_sim/event_types {"owner","name","duration_minutes","max_invitees"} → {"uri","name","slug",…}
//	GET  /_sim/event_types?owner=                                → [event type]
//	POST /_sim/book {"user","event_type","start_time","name","email","timezone","text_reminder_number",
//	                 "first_name","last_name","questions_and_answers":[{"question","answer","position"}],
//	                 "location":{"type","location","join_url"},"utm_content"} → Invitee
//	POST /_sim/cancel {"invitee","canceler_type","reason"}
//	POST /_sim/cancel_event {"event","reason"}                   host cancels: one invitee.canceled per invitee
//	POST /_sim/reschedule {"invitee","start_time","created_first"} → the new Invitee
//	POST /_sim/no_show {"invitee"[,"delete":true]}
//	POST /_sim/faults {"api_fail_count","api_fail_status","duplicates"} → the state after
//	POST /_sim/subscriptions/disable {"uri"}
//	GET  /_sim/subscriptions                                     → [Subscription]
//	GET  /_sim/deliveries                                        → [Delivery]
package simcalendly
