// Package zoho is a local simulator of one Zoho CRM data centre: its
// accounts server (OAuth) and its CRM API v7 host, on one http.Handler.
// It follows /work/shared/spec/integrations-apis.md §2 (paths, JSON
// shapes, error codes, limits), so GoHavi's Zoho client and the sync
// engine run against it unchanged. Where the spec marks Zoho's behaviour
// UNCONFIRMED, the choice made is documented next to the code.
//
// # Accounts server (oauth.go)
//
//	GET  /oauth/v2/auth?scope&client_id&response_type=code&access_type=offline&redirect_uri&state&prompt
//	         → 302 redirect_uri?state&code=1000.…&location={DC}&accounts-server={BaseURL}
//	POST /oauth/v2/token (form or query)
//	         grant_type=authorization_code: code single-use, 2 min, same client and redirect_uri
//	           → {access_token, refresh_token, scope, api_domain, token_type:"Bearer", expires_in:3600}
//	         grant_type=refresh_token → the same without refresh_token; at most 10 per refresh
//	           token per 10 min, then HTTP 400 {"error":"Access Denied","error_description":…}
//	         errors: HTTP 200 {"error":"invalid_code"|"invalid_client"|"invalid_client_secret"|
//	           "invalid_redirect_uri"|"unsupported_grant_type"}
//	POST /oauth/v2/token/revoke?token=  → {"status":"success"}
//
// # CRM API (/crm/v2…v8/, answered alike; records.go, search.go, notes.go, watch.go)
//
//	GET    /org                                  {"org":[{id, company_name, time_zone, domain_name…}]}
//	GET    /settings/fields?module=              {"fields":[{api_name, data_type, unique, pick_list_values…}]}
//	POST   /{Module}                             insert ≤100   (Contacts, Leads, Deals, Notes)
//	PUT    /{Module}, /{Module}/{id}             update by id
//	POST   /{Module}/upsert                      duplicate_check_fields: Email, Deal_Name, WhatsApp_Number
//	GET    /{Module}/{id}[?fields=]              {"data":[{…}]}; 204 when there is no such record
//	GET    /{Module}?fields=a,b[&page&per_page]  fields required
//	GET    /{Module}/search?criteria|email|phone|word[&page&per_page≤200]   204 when none
//	GET    /{Module}/{id}/Notes                  204 when none
//	POST   /Notes, /{Module}/{id}/Notes          Parent_Id {"module":{"api_name"},"id"} or legacy id + se_module
//	PUT    /Notes, /Notes/{id}
//	POST|PUT|PATCH|GET|DELETE /actions/watch     channels; callbacks POSTed to notify_url (notify.go)
//
// Every call needs "Authorization: Zoho-oauthtoken <token>" (else 401
// INVALID_TOKEN) with the scope it needs (else 401 OAUTH_SCOPE_MISMATCH),
// then meets the concurrency limit (429 TOO_MANY_REQUESTS) and the credit
// budget (429 LIMIT_EXCEEDED); limits.go. Write answers are per item in
// data[]: 201/200 when all succeed, 207 when mixed, 400 when all fail.
//
// GET /crm/tab/{Module}/{id} is a plain HTML page of a record and its
// notes (page.go): what a client's RecordURL opens on the simulator.
//
// # Control API (control.go; no token, no limits)
//
//	POST /_sim/grant {"redirect_uri"[,"scope"]}          → {"code"}
//	POST /_sim/records/{Module} {"fields"}               → {"id"}   (as a CRM user: no credits, no callbacks)
//	GET  /_sim/records/{Module}                          → [Record]
//	POST /_sim/deals {"name","stage","pipeline","contact_id","fields"} → {"id"}
//	POST /_sim/deals/{id}/stage {"stage","copies"}       a user moves the deal: callbacks, copies times
//	GET  /_sim/notes?parent_id=                          → [Record]
//	GET  /_sim/channels                                  → [Channel] (expired ones too)
//	POST /_sim/faults {"status","code","count"}          every API call fails so; {"status":0} clears
//	POST /_sim/index-lag {"ms"}                          search visibility delay (≤0: immediate)
//	POST /_sim/expire-tokens                             every access token → 401 INVALID_TOKEN
//	POST /_sim/revoke-refresh-tokens                     refresh → invalid_code; their access tokens die
//	GET  /_sim/stats                                     → Stats
package zoho
