// Package fakegraph is a fake of the Facebook Graph API, faithful to the
// facts in GRAPH-FACTS.md, for tests, benchmarks and the sandbox. It is an
// independent model of Facebook: it imports no other botgate package.
//
// # Graph endpoints
//
// Any version of the form vN.N is accepted ("/v25.0/...").
//
//	POST /{v}/me/messages, POST /{v}/{page-id}/messages     Messenger Send API
//	POST /{v}/me/message_attachments                        Attachment Upload API
//	GET  /{v}/{psid}?fields=first_name,last_name,...        user profile
//	GET  /{v}/me                                            the token's page
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
//	POST /_fake/reset         forget records and rules; pages, users and attachments stay (204)
//	POST /_fake/pages         {"page_id":"1","access_token":"T"} (204)
//	POST /_fake/users         {"page_id":"1","psid":"2","first_name":"Ann","last_name":"Lee",
//	                           "profile_pic":"https://...","locale":"en_US","gender":"female","timezone":-5} (204)
//	POST /_fake/rules         adds rules; absent fields leave the current ones alone (204):
//	                          {"outside_window":["psid",...],   (#10/2018278 unless MESSAGE_TAG)
//	                           "unavailable":["psid",...],      (#10/2018108)
//	                           "unmatched_phones":["+1555...",...], (#100/2018001)
//	                           "transient_rate":0.1,            500 code 2 and 400 code 1200, alternating
//	                           "latency_ms":5,
//	                           "fail_next":{"n":2,"code":1200,"subcode":0,"http_status":0,"message":""}}
//
// fail_next picks the predefined error with that code and subcode (ErrTemporary
// for 1200, ErrRateLimitPage with its usage header for 32, ...); http_status and
// message override its fields when set.
package fakegraph
