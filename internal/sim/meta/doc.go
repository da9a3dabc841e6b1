// Package meta is a local simulator of Meta's WhatsApp Business Cloud API
// (Graph API): the send and phone-number endpoints, signed webhook delivery
// with batching and retries, a control API to play the customer and inject
// faults, and a "customer phone" page for sandbox mode. It follows
// /work/shared/spec/whatsapp-cloud-api.md to the field, so the product's
// client and webhook code run against it unchanged.
//
// # Graph API
//
//	GET  /[vNN.N/]{phone_number_id}[?fields=a,b]   phone-number node (§8.1)
//	POST /[vNN.N/]{phone_number_id}/messages       send (§3) or mark as read (§3.7)
//
//	POST   /[vNN.N/]{phone_number_id}/media  multipart: messaging_product=whatsapp, file (with its
//	                                         Content-Type), type → {"id"}; §9.4 types and caps, else 131053
//	GET    /[vNN.N/]{media_id}[?phone_number_id=] → {"messaging_product","url","mime_type","sha256",
//	                                         "file_size","id"}; url valid 5 min (injected clock)
//	GET    <url> = /_sim/lookaside/whatsapp_business/attachments/?mid=… with "Authorization: Bearer"
//	                                         → the bytes; 404 without the token or once expired
//	DELETE /[vNN.N/]{media_id}               → {"success":true}
//
// Uploads live 30 days, customers' media 7 (media.go). A media send by
// "id" needs a live id of the sending number (else 131009) of the type's
// kind (else 131053; documents take any kind).
//
//	POST   /[vNN.N/]{waba_id}/message_templates     create (§6.2) → {"id","status":"PENDING","category"}
//	GET    /[vNN.N/]{waba_id}/message_templates?name=&status=&category=&language=&fields=&limit=&after=
//	                                                → {"data":[…],"paging":{"cursors":{"before","after"},"next"}}
//	DELETE /[vNN.N/]{waba_id}/message_templates?name=[&hsm_id=]  → {"success":true}
//	GET    /[vNN.N/]{template_id}[?fields=status,quality_score,rejected_reason,…]
//	POST   /[vNN.N/]{template_id}  {"category","components","message_send_ttl_seconds"} → {"success":true}
//
// Bearer token (or access_token=, or "Authorization: OAuth <t>") as seeded
// by AddNumber or issued by the code exchange; a WABA is reachable with
// the token of any of its numbers, and a token granted a WABA reaches all
// its numbers. Errors use the Graph envelope (§4.1). Accepted sends get sent → delivered → read status
// webhooks; read needs Config.AutoRead, the phone page or POST /_sim/read.
//
// # Onboarding, numbers, profile, OBA (signup.go, subscriptions.go, register.go, health.go, profile.go, uploads.go, oba.go, waba_graph.go)
//
//	GET|POST /[v]/oauth/access_token?client_id=&client_secret=&code=[&redirect_uri=]
//	                                    → {"access_token","token_type":"bearer"}; codes are single-use and live
//	                                      30 s (injected clock). Errors (HTTP 400, OAuthException, no "(#n)"):
//	                                      101 bad/missing client_id, 1 "Error validating client secret.",
//	                                      100 "Invalid verification code format.", 100/36009 used,
//	                                      100/36007 expired, 100/36008 redirect_uri differs from the signup's.
//	                                      grant_type=client_credentials → app token "<app_id>|<app_secret>".
//	GET  /[v]/debug_token?input_token=  → {"data":{"app_id","type","is_valid","scopes","granular_scopes":[…WABA ids]}}
//	GET|POST|DELETE /[v]/{waba_id}/subscribed_apps  (POST {"override_callback_uri","verify_token"} runs the
//	                                      GET hub.challenge handshake first; failure #2200; empty body clears it)
//	GET  /[v]/{waba_id}[?fields=name,status,currency,country,timezone_id,message_template_namespace,
//	                   business_verification_status,health_status,…]
//	GET  /[v]/{waba_id}/phone_numbers[?fields=&sort=["last_onboarded_time_ascending"]&filtering=&limit=&after=]
//	GET  /[v]/{business_id}[?fields=name,verification_status,health_status]
//	POST /[v]/{phone}  {"pin"} | {"webhook_configuration":{"override_callback_uri","verify_token"}} |
//	                   new_display_name=  → {"success":true}
//	POST /[v]/{phone}/register {"messaging_product":"whatsapp","pin":"6 digits"[,"data_localization_region"]}
//	POST /[v]/{phone}/deregister        → {"success":true}; 133005 PIN differs from the two-step PIN,
//	                                      133016 11th call of that endpoint in 72 h (then blocked 72 h)
//	POST /[v]/{phone}/request_code|verify_code  (no SMS; any 6 digits verify)
//	GET|POST /[v]/{phone}/whatsapp_business_profile  (§8.3 limits; errors "(#100) Param <field> …")
//	POST /[v]/{app_id}/uploads?file_length=&file_type=  → {"id":"upload:…"}
//	POST /[v]/upload:…  (header file_offset, body = bytes) → {"h":"4::…"} when complete; GET → {"file_offset"}
//	GET|POST /[v]/{phone}/official_business_account  → {"oba_status"[,"status_message"]} | {"success":true}
//
// Numbers seeded by AddNumber are registered (CONNECTED), reviewed
// (name APPROVED), without a two-step PIN, in a verified portfolio whose
// WABA the app is subscribed to. Embedded Signup numbers start PENDING,
// PENDING_REVIEW, quality UNKNOWN, in a not_verified portfolio, with the
// app not subscribed (no webhooks until POST subscribed_apps). Sends from
// an unregistered number get 133010, during a throughput upgrade's
// maintenance 131057, from a BLOCKED health node that node's error code
// (131031 when it is no Cloud API code; a disabled WABA gives 368).
// Messages webhooks honour the phone, then WABA, alternate callback;
// management webhooks go to the app (NumberSpec.WebhookURL, else the
// default URL). OBA requests check Meta's criteria in order (registered,
// 30 days since registration, Business Verification, two-step PIN,
// display name approved, 30 days after a rejection), code 100 with the
// rule in details (Meta documents no codes for them).
//
// The Embedded Signup popup (GET /_sim/embedded-signup, opened by
// sdk.js's FB.login) walks Meta's screens and posts to window.opener,
// targetOrigin the opener's origin, the JSON string of
// {"data":{"phone_number_id","waba_id","business_id"},"type":"WA_EMBEDDED_SIGNUP","event":"FINISH"}
// (FINISH_ONLY_WABA without phone_number_id; CANCEL with {"current_step"},
// or for "Report a problem" {"error_message","error_id","session_id",
// "timestamp"}), then gives the code to FB.login's callback as
// {"authResponse":{"code",…},"status":"connected"} ({"authResponse":null,
// "status":"unknown"} otherwise). Its event.origin is the simulator's, not
// *.facebook.com.
//
// # Templates (templates.go, template_*.go)
//
// Create validates §6.2/§6.3 (name [a-z0-9_]{1,512}, category, one BODY,
// HEADER/FOOTER/BUTTONS limits, sequential or named parameters); errors are
// code 100 with error_subcode 2388040 (length), 2388047 (header), 2388072
// (body), 2388073 (footer), 2388293 (too many variables), 2388299
// (leading/trailing variable), 2388019 (250 per WABA), 2388024 (name and
// language exist), plus error_user_title/error_user_msg. A new template is
// PENDING for Config.TemplateReviewAfter (2 s; negative: decided at once)
// by the injected clock — checked on every template access and send and
// by a timer — then APPROVED (reason NONE), or REJECTED: INVALID_FORMAT
// when the name contains "reject", INCORRECT_CATEGORY for promotional words
// (sale, discount, offer, promo, coupon, deal…) in a UTILITY template.
// Every change sends message_template_status_update (§2.8; the id is a
// JSON integer) to the callback of the WABA's first number, in an entry
// with "time". Quality RED on an APPROVED template pauses it 3 h
// (FIRST_PAUSE), then 6 h (SECOND_PAUSE), the third time DISABLED; a pause
// ends with APPROVED/UNPAUSE. AddTemplate seeds templates from Go (APPROVED,
// no webhook).
//
// Time-to-live (§6.9): create and edit accept message_send_ttl_seconds,
// AUTHENTICATION 30–900, UTILITY 30–43200 (both also -1 = 30 days),
// MARKETING 43200–2592000; anything else is code 100 with the range in
// error_user_msg. List and get return it when set. Edit (§6.6) needs an
// APPROVED, REJECTED or PAUSED template; an APPROVED one allows one edit
// per 24 h and ten per 30 days (code 100, "Template Edit Limit Reached")
// and keeps its category. New components or a new category go back to
// review (PENDING, then the outcome webhook); a TTL alone does not. A
// template send whose template has a TTL and is not delivered by then —
// held by pacing, or Config.DeliveredAfter outlasting it on the injected
// clock — gets "failed" with 131026 instead of being delivered late.
// Templates without a TTL never expire (the category defaults, e.g.
// 10 min for authentication, are not enforced).
//
// Template sends (§3.8): when the number's WABA has at least one template,
// the name+language must be an APPROVED template (else 132001, HTTP 404;
// PAUSED 132015; DISABLED 132016); header/body/URL- and copy-code-button
// parameter counts must match the template (132000, named parameters by
// parameter_name) and their types (132012). A WABA without templates
// accepts any name (category guessed from the name: "utility" in it →
// utility, else marketing). Pricing uses the template's category.
//
// # Messaging limit and marketing preferences (portfolio.go, prefs.go)
//
// Numbers belong to NumberSpec.PortfolioID (default: their WABA id). A
// portfolio's tier starts at Config.DefaultTier (250|2000|10000|100000|
// unlimited; "" = unlimited) and counts unique users sent templates outside
// their customer-service window over a rolling 24 h (injected clock). A
// send to a new user over the limit is accepted, then "failed" with
// Config.MessagingLimitCode (default 131048; Meta documents no code). GET
// /{phone_number_id} reports the tier in whatsapp_business_manager_messaging_limit
// and messaging_limit_tier. MARKETING template sends to a user who stopped
// marketing messages fail (async) with 131050; the per_user_marketing_cap
// fault fails the next N marketing sends with 131049.
//
// # Control API (simulator only; JSON; errors {"error":{"code","message"}})
//
//	GET  /_sim/numbers                  → [Number]
//	POST /_sim/numbers   NumberSpec     → Number (webhook_url optional override)
//	POST /_sim/webhook   {"url"}        → sets the default callback URL
//	POST /_sim/inbound   {"phone_number_id","from","name","type","<type>":{…},
//	                      "context":{"id"},"timestamp":"<unix s>","referral":{…},"data":"<base64>"}
//	                                    → {"id":"wamid…"}; media types get a downloadable media id
//	                                      with data's bytes (a small valid file when absent);
//	                                      "type":"call" with "call":{"status":
//	                                      "COMPLETED"|"FAILED","duration":s} sends "calls" webhooks
//	                                      (connect, terminate) → {"id":"wacid…"}
//	GET  /_sim/media/{id}               the file of a media id, for the phone page (no token)
//	POST /_sim/read      {"phone_number_id","wamid"} or {"phone_number_id","wa_id"}
//	                                    → {"success":true}
//	GET  /_sim/sent?phone_number_id=&to= → [SentMessage], oldest first
//	GET  /_sim/sent/counts?phone_number_id= → {"counts":{wa_id:n},"messages","recipients","repeated"}
//	GET  /_sim/chat?phone_number_id=&wa_id= → {"messages":[ChatMessage]}
//	GET  /_sim/faults                   → Faults
//	POST /_sim/faults    Faults fields to change, or {"reset":true,…}
//	                                    → Faults (fields not given keep their value)
//	GET  /_sim/webhooks?limit=50        → [DeliveryAttempt], oldest first
//	POST /_sim/templates/status  {"waba_id","name","language","event":"APPROVED|REJECTED|PAUSED|
//	                              DISABLED|IN_APPEAL|REINSTATED","reason"} → Template (+ status webhook)
//	POST /_sim/templates/quality {"waba_id","name","language","new_quality_score":"GREEN|YELLOW|RED|UNKNOWN"}
//	                                    → Template (+ quality webhook; RED pauses, see above)
//	POST /_sim/templates/pacing  {"waba_id","name","language","action":"hold","threshold":N}
//	                                    → Template; sends after the first N answer message_status
//	                                      held_for_quality_assessment and wait; {"action":"release"|"drop"}
//	                                      → {"settled":n}: held sends go on, or the template is PAUSED and
//	                                      they fail with 132015
//	POST /_sim/portfolio {"portfolio_id"|"waba_id","tier":"250|2000|10000|100000|unlimited"}
//	                                    → {"success":true} (+ business_capability_update once per WABA and
//	                                      phone_number_quality_update UPGRADE|DOWNGRADE per number)
//	POST /_sim/preferences {"phone_number_id","wa_id","value":"stop"|"resume"}
//	                                    → {"success":true} (+ user_preferences webhook)
//	GET  /_sim/app                      → {"app_id","app_name","partner_business_id","webhook_url"}
//	POST /_sim/signup    {"waba_id","phone_number_id","display_phone_number","verified_name","business_id",
//	                      "business_name","waba_name","only_waba","redirect_uri"} (all optional)
//	                                    → {"code","waba_id","phone_number_id","business_id"}
//	                                      (+ account_update PARTNER_APP_INSTALLED to the app, entry id = partner)
//	POST /_sim/number    {"phone_number_id","status","quality_rating","throughput","maintenance_seconds",
//	                      "account_mode"} → the number (+ phone_number_quality_update FLAGGED when quality
//	                                      turns RED, UNFLAGGED when it leaves RED, THROUGHPUT_UPGRADE for HIGH)
//	POST /_sim/display-name {"phone_number_id","decision":"APPROVED|REJECTED|DEFERRED|PENDING","rejection_reason"}
//	                                    → the number (+ phone_number_name_update)
//	POST /_sim/health    {"entity_type":"PHONE_NUMBER|WABA|BUSINESS|APP","id","can_send_message",
//	                      "errors":[{"error_code","error_description","possible_solution"}],"additional_info":[…]}
//	POST /_sim/account-update {"waba_id","event","violation_type","waba_ban_state","waba_ban_date","country",
//	                      "phone_number_id","extra":{…}} → {"success":true} (+ account_update)
//	POST /_sim/oba       {"phone_number_id","decision":"APPROVED|REJECTED","status_message"}
//	                                    → the number (+ account_alerts OBA_APPROVED|OBA_REJECTED)
//	POST /_sim/business  {"business_id"|"waba_id","verification_status"} → {"success":true}
//	GET  /_sim/embedded-signup?origin=&app_id=&config_id=&extras=  → the Embedded Signup popup
//	GET  /_sim/sdk.js                   → FB JS SDK stand-in (FB.init, FB.login → popup)
//	GET  /_sim/pps/{id}                 → a business profile picture
//	GET  /_sim/phone                    → the customer phone page
//
// # Persistence (optional)
//
// With Config.StatePath, New loads the state from that JSON file and the
// simulator saves it back atomically (temp file, fsync, rename; mode 0600,
// it holds access tokens) at most once per Config.StateSaveInterval
// (500 ms) after changes, and once more in Close; Graph handlers never
// wait on disk. Saved: every number (tokens and webhook overrides
// included), the newest Config.StateMaxMessages (5,000) messages per number
// with statuses, content, context and callback data, customer windows and
// names, business read marks, templates (status, quality, pauses, pending
// reviews), portfolio tiers and their 24 h recipients, marketing opt-outs,
// each number's registration, PIN, register/deregister counts, reviews,
// alternate callback, health, business profile and OBA request, WABA
// subscriptions, business verification, tokens issued by the code
// exchange, profile pictures, live Media API files (metadata in the file,
// bytes in <path>.media/, written once each), and a default webhook URL set at runtime
// (used only when Config.WebhookURL is empty). Not saved: the webhook
// queue and delivery log, rate-limit buckets, faults, unexchanged signup
// codes and unfinished upload sessions. A missing file is a
// fresh start; a corrupt one is renamed to <path>.corrupt-<unix> with a
// warning. The first AddNumber of a loaded id re-seeds its token and names
// and keeps its history. Messages caught mid-lifecycle resume: accepted ones
// are launched, sent ones get "delivered" after DeliveredAfter, delivered
// ones get "read" after ReadAfter when AutoRead.
//
// Faults JSON: {"drop_webhooks":N,"duplicate_webhooks":N,"out_of_order":N,
// "skip_delivered":N,"graph_latency_ms":MS,"fail_sends":{"count":N,
// "code":131026,"mode":"sync"|"async","details":"…"},"expired_tokens":["EAAG…"],
// "per_user_marketing_cap":N}.
package meta
