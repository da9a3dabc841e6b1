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
// Bearer token (or access_token=) as seeded by AddNumber. Errors use the
// Graph envelope (§4.1). Accepted sends get sent → delivered → read status
// webhooks; read needs Config.AutoRead, the phone page or POST /_sim/read.
//
// # Control API (simulator only; JSON; errors {"error":{"code","message"}})
//
//	GET  /_sim/numbers                  → [Number]
//	POST /_sim/numbers   NumberSpec     → Number (webhook_url optional override)
//	POST /_sim/webhook   {"url"}        → sets the default callback URL
//	POST /_sim/inbound   {"phone_number_id","from","name","type","<type>":{…},
//	                      "context":{"id"},"timestamp":"<unix s>","referral":{…}}
//	                                    → {"id":"wamid…"}
//	POST /_sim/read      {"phone_number_id","wamid"} or {"phone_number_id","wa_id"}
//	                                    → {"success":true}
//	GET  /_sim/sent?phone_number_id=&to= → [SentMessage], oldest first
//	GET  /_sim/chat?phone_number_id=&wa_id= → {"messages":[ChatMessage]}
//	GET  /_sim/faults                   → Faults
//	POST /_sim/faults    Faults fields to change, or {"reset":true,…}
//	                                    → Faults (fields not given keep their value)
//	GET  /_sim/webhooks?limit=50        → [DeliveryAttempt], oldest first
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
// names, business read marks, and a default webhook URL set at runtime
// (used only when Config.WebhookURL is empty). Not saved: the webhook
// queue and delivery log, rate-limit buckets, faults. A missing file is a
// fresh start; a corrupt one is renamed to <path>.corrupt-<unix> with a
// warning. The first AddNumber of a loaded id re-seeds its token and names
// and keeps its history. Messages caught mid-lifecycle resume: accepted ones
// are launched, sent ones get "delivered" after DeliveredAfter, delivered
// ones get "read" after ReadAfter when AutoRead.
//
// Faults JSON: {"drop_webhooks":N,"duplicate_webhooks":N,"out_of_order":N,
// "skip_delivered":N,"graph_latency_ms":MS,"fail_sends":{"count":N,
// "code":131026,"mode":"sync"|"async","details":"…"},"expired_tokens":["EAAG…"]}.
package meta
