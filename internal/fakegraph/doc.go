// Package fakegraph is a fake of the Facebook Graph API, faithful to the
// facts in GRAPH-FACTS.md, for tests, benchmarks and the sandbox. It is an
// independent model of Facebook: it imports no other botgate package.
//
// # Graph endpoints
//
// Any version of the form vN.N is accepted ("/v25.0/...").
//
//	POST /{v}/me/messages, POST /{v}/{page-id}/messages     Messenger Send API
//	POST /{v}/{phone-number-id}/messages                    WhatsApp Cloud API (AddWhatsAppNumber)
//	POST /{v}/me/message_attachments                        Attachment Upload API
//	GET  /{v}/{psid}?fields=first_name,last_name,...        user profile
//	GET  /{v}/me                                            the token's page
//
// "{id}/messages" goes to the Cloud API when id is a registered phone-number
// id that is not also a page, else to Messenger.
//
// The access token comes from the access_token query parameter, an
// "Authorization: Bearer" header, or an access_token form or JSON field.
// Bodies are JSON, or form fields whose values are JSON. Calls are checked
// in Graph's order: token (code 190), body (code 100 naming the parameter),
// then FailNext, the recipient's rules, and the transient failure rate.
// Errors use Graph's envelope:
//
//	{"error":{"message":"(#100) ...","type":"OAuthException","code":100,"error_subcode":2018001,"fbtrace_id":"..."}}
//
// # WhatsApp Cloud API
//
// Sends are checked like the Cloud API's: token (190), then the body with
// code 100 naming the parameter the Cloud API way (text['body']) or 131051
// for an unknown type, then FailNext, WhatsAppFail and the transient rate
// (HTTP 500 code 1 and 131000, alternating). FailNext and the transient rate
// are shared with Messenger. WhatsApp errors carry error_data:
//
//	{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,
//	 "error_data":{"messaging_product":"whatsapp","details":"..."},"fbtrace_id":"..."}}
//
// A success answers
//
//	{"messaging_product":"whatsapp","contacts":[{"input":"+16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.HBgL..."}]}
//
// # The user's phone: webhooks
//
// UserSendsText, UserReads, WAUserSendsText, WAStatus and the other user
// actions POST at once, without retries, the webhook Facebook would send,
// signed with the app secret (X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of
// the raw body>, and the legacy X-Hub-Signature: sha1=...). Messenger bodies
// follow seed 002's samples key for key:
//
//	{"object":"page","entry":[{"time":MS,"id":"PAGE","messaging":[{"sender":{"id":"PSID"},
//	 "recipient":{"id":"PAGE"},"timestamp":MS,"message":{"mid":"m_...","text":"hi"}}]}]}
//
// with entry id before time for notification opt-ins, and recipient,
// timestamp, sender for their STOP/RESUME_NOTIFICATIONS. WhatsApp bodies
// follow Meta's samples:
//
//	{"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"value":{"messaging_product":"whatsapp",
//	 "metadata":{"display_phone_number":"...","phone_number_id":"..."},"statuses":[...]},"field":"messages"}]}]}
//
// The WABA id is made up from the phone-number id. Each action returns the
// body sent and the status the receiver answered.
//
// WAUserTapsButton, WAUserPicksRow and WAUserTapsTemplateButton answer a
// message (its wamid in context.id) with an interactive button_reply or
// list_reply, or a template's quick-reply button.
//
// # The user's phone: the conversation
//
// Chats and Conversation give, per Messenger user of a page and per WhatsApp
// user of a number, what their phone shows: the sends accepted with a
// message, as received, and what the user did, in order. The sandbox's
// phone pages are drawn from them.
//
// # Control API
//
// Processes that cannot call the Server's methods (benchmarks, "botgate
// fakegraph") use these endpoints. They are not recorded. Bodies are JSON;
// unknown fields are rejected with 400 {"error":"..."}.
//
//	GET  /_fake/requests      recorded Graph calls, oldest first:
//	                          [{"seq","time","method","path","query","header","body","status","response"}]
//	                          where body and response are JSON when they parse, else strings
//	GET  /_fake/sends         recorded send calls, accepted or not:
//	                          [{"seq","page_id","token","body","parsed","recipient","message_id","status",
//	                            "error":{"http_status","code","subcode","type","message"}}]
//	GET  /_fake/sends/count   {"count":N}, sends since start or reset, including dropped records
//	POST /_fake/reset         forget records and rules; pages, users, attachments, WhatsApp numbers
//	                          and webhook targets stay (204)
//	POST /_fake/pages         {"page_id":"1","access_token":"T"} (204)
//	POST /_fake/users         {"page_id":"1","psid":"2","first_name":"Ann","last_name":"Lee",
//	                           "profile_pic":"https://...","locale":"en_US","gender":"female","timezone":-5} (204)
//	POST /_fake/rules         adds rules; absent fields leave the current ones alone (204):
//	                          {"outside_window":["psid",...],   (#10/2018278 unless MESSAGE_TAG)
//	                           "unavailable":["psid",...],      (#10/2018108)
//	                           "unmatched_phones":["+1555...",...], (#100/2018001)
//	                           "transient_rate":0.1,            500 code 2 and 400 code 1200, alternating
//	                           "latency_ms":5,
//	                           "fail_next":{"n":2,"code":1200,"subcode":0,"http_status":0,"message":"","details":""},
//	                           "whatsapp_fail":[{"to":"+1555...","code":131047,"details":"..."},...]}
//
// fail_next and whatsapp_fail pick the predefined error with that code and
// subcode (ErrTemporary for 1200, ErrRateLimitPage with its usage header for
// 32, ErrWAOutsideWindow for 131047, ...); http_status, message and details
// override its fields when set.
//
//	POST /_fake/whatsapp/numbers      {"phone_number_id":"1065...","display_phone_number":"1555...","access_token":"T"} (204)
//	GET  /_fake/whatsapp/sends        recorded Cloud API sends, accepted or not:
//	                                  [{"seq","phone_number_id","body","parsed","to","type","wamid","status","error"}]
//	GET  /_fake/whatsapp/sends/count  {"count":N}
//	POST /_fake/webhooks/messenger    {"url":"http://127.0.0.1:8080/webhooks/messenger","app_secret":"S"} (204);
//	                                  an empty app_secret sends unsigned, an empty url stops webhooks
//	POST /_fake/webhooks/whatsapp     the same for WhatsApp
//	POST /_fake/users/act             one user action, delivered at once; answers
//	                                  {"status":<receiver's HTTP status>,"mid":"...","body":<the webhook as sent>},
//	                                  400 {"error"} for a bad action, 502 when the POST got no answer:
//	  {"action":"text","page_id","psid","text"}
//	  {"action":"attachment","page_id","psid","type":"image|video|audio|file","url"}
//	  {"action":"quick_reply","page_id","psid","title","payload"}
//	  {"action":"postback","page_id","psid","title","payload"}
//	  {"action":"delivery","page_id","psid","mids":[...]}            mids may be left out
//	  {"action":"read","page_id","psid"}
//	  {"action":"optin","page_id","psid","title","payload","token","timezone","user_token_status",
//	   "token_expiry_timestamp":MS,"status":"STOP_NOTIFICATIONS|RESUME_NOTIFICATIONS"}   all but the ids optional
//	  {"action":"optin_plugin","page_id","psid","ref"}               or "user_ref" instead of "psid": checkbox plugin
//	  {"action":"wa_text","phone_number_id","from","name","text"}
//	  {"action":"wa_status","phone_number_id","wamid","recipient","status":"sent|delivered|read|failed",
//	   "errors":[{"code":131047,"message","details"},...]}
//	  {"action":"wa_button_reply","phone_number_id","from","name","context","id","title"}   a reply button
//	  {"action":"wa_list_reply","phone_number_id","from","name","context","id","title","description"}
//	  {"action":"wa_button","phone_number_id","from","name","context","payload","title"}  a template's
//	                                  quick-reply button; context is the wamid of the message answered
//	GET  /_fake/chats                 every user's conversation, latest first:
//	                                  [{"channel":"messenger|whatsapp","business","user","name","last","turns"}]
//	GET  /_fake/chats/{channel}/{business}/{user}
//	                                  one conversation as the user's phone shows it, oldest first:
//	                                  [{"seq","time","from_user","message_id","body","kind","text","payload","context"}]
//	                                  (body: what the business sent; kind, text, payload: what the user did)
package fakegraph
