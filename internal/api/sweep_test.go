package api_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/api/sobot"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The bad-input sweep: every endpoint of every face gets NUL and invalid
// UTF-8 in each string of its body, over-long strings (300 and 50,000
// characters), a repeated key, a content type that is not JSON, and %00 /
// %ff in its path parameters and query, on both databases. None may answer
// a 5xx, and each answers in its face's own envelope; Sobot answers its
// parameter error (900007) for text it does not accept, never 999999.
func TestBadInputSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		for _, face := range []string{"bothub", "whatsapp", "sobot", "admin", "inbound"} {
			t.Run(face, func(t *testing.T) {
				s := newSweep(t, storetest.New(t, db.Kind))
				n := 0
				for _, ep := range s.endpoints(face) {
					for _, c := range ep.cases() {
						n++
						s.check(ep, c)
					}
				}
				t.Logf("%d bad requests to %s", n, face)
			})
		}
	})
}

type sweep struct {
	t     *testing.T
	env   *harness.Env
	token string // Sobot's
	vals  map[string]string
}

func newSweep(t *testing.T, db storetest.DB) *sweep {
	env := harness.Start(t, db, harness.Options{})
	env.AttachWhatsApp(nil)
	s := &sweep{t: t, env: env, vals: map[string]string{"bot": env.BotID, "block": "promo", "psid": harness.User,
		"kind": "username", "value": "ada", "key": "key_x", "message": "msg_x", "delivery": "dl_x", "app": "app_x"}}
	var app struct {
		AppID  string `json:"appid"`
		AppKey string `json:"app_key"`
	}
	env.Admin(http.MethodPost, "/admin/v1/apps", map[string]any{"bot_ids": []string{env.BotID}}, http.StatusCreated, &app)
	s.vals["appid"] = app.AppID
	ct := strconv.FormatInt(env.Server.Store.Now().Unix(), 10)
	_, body := env.Do(http.MethodGet, "/api/get_token?appid="+app.AppID+"&create_time="+ct+"&sign="+sobot.Sign(app.AppID, ct, app.AppKey), nil, nil)
	var tok struct{ Item struct{ Token string } }
	if err := json.Unmarshal(body, &tok); err != nil || tok.Item.Token == "" {
		t.Fatalf("get_token: %s", body)
	}
	s.token = tok.Item.Token
	env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/blocks/promo", map[string]any{"cards": []any{map[string]any{"text": "Hi"}}}, http.StatusCreated, nil)
	return s
}

// endpoint is a request template: {name} in the path is a path parameter,
// the body a valid-looking sample whose strings the sweep spoils.
type endpoint struct {
	face, method, path, body string
}

func (s *sweep) endpoints(face string) []endpoint {
	page := harness.Page
	hub := func(method, rest string) endpoint {
		return endpoint{"bothub", "POST", "/api", `{"request":{"method":"` + method + `","id":"r1","meta":{"k":"v"}},"recipient":{"id":"` + harness.User + `"},` + rest + `}`}
	}
	mo := "/chat-facebook/api/messenger/"
	all := map[string][]endpoint{
		"bothub": {
			hub("send_message", `"messaging_type":"RESPONSE","message":{"text":"hello","quick_replies":[{"content_type":"text","title":"A","payload":"P"}]}`),
			hub("send_block", `"messaging_type":"RESPONSE","message":{"block_name":"promo","params":[{"key":"points","value":"5"}]}`),
			hub("set_params", `"params":[{"key":"tier","value":"gold"}]`),
			hub("link_account", `"recipient":{"id":"`+harness.User+`","username":"ada","email":"a@example.com"}`),
			hub("unlink_account", `"recipient":{"username":"ada"}`),
			hub("check_message", `"messaging_type":"RESPONSE","message":{"text":"hello"}`),
		},
		"whatsapp": {
			{"whatsapp", "POST", "/channels/{phone}/messages", `{"id":"w1","to":"447700900123","timestamp":"1700000000","source":"botchat","type":"text","text":{"body":"hi"}}`},
			{"whatsapp", "POST", "/channels/{phone}/messages", `{"id":"w2","to":"447700900123","timestamp":"1700000000","source":"botchat","type":"image","image":{"url":"https://cdn.example.com/a.png","caption":"c","extension":"png"}}`},
		},
		"sobot": {
			{"sobot", "GET", "/api/get_token?appid={appid}&create_time=1700000000&sign=abc", ""},
			{"sobot", "POST", mo + "send", `{"recipientid":"` + harness.User + `","pageid":"` + page + `","type":"text","payload":"hi","tag":"ACCOUNT_UPDATE"}`},
			{"sobot", "POST", mo + "upload_async", `{"pageid":"` + page + `","type":"image","payload":{"url":"https://cdn.example.com/a.png","is_reusable":true}}`},
			{"sobot", "POST", mo + "create_or_update_title", `{"appid":"` + page + `","title":"Deals","describe":"Daily","image_ratio":"SQUARE","button_type":"ALLOW","image_url":"https://e.com/a.png","timezone":"UTC"}`},
			{"sobot", "GET", mo + "del_title?configid=abc", ""},
			{"sobot", "POST", mo + "get_title_list", `{"appids":"` + page + `","title":"Deals","page_no":"1","page_size":"15"}`},
			{"sobot", "POST", mo + "send_opt_in_message", `{"appid":"` + page + `","title":"Deals","recipientid":"` + harness.User + `"}`},
			{"sobot", "GET", mo + "query_sub_users?appid=" + page + "&title=Deals&page_no=1", ""},
		},
		"admin": {
			{"admin", "POST", "/admin/v1/bots", `{"name":"Shop","callback_url":"https://e.com/cb","webhook_url":"https://e.com/wh","messenger":{"page_id":"42","access_token":"t"},"settings":{"window_policy":"warn"}}`},
			{"admin", "GET", "/admin/v1/bots", ""},
			{"admin", "GET", "/admin/v1/bots/{bot}", ""},
			{"admin", "PATCH", "/admin/v1/bots/{bot}", `{"name":"Shop 2","settings":{"window_policy":"off"}}`},
			{"admin", "DELETE", "/admin/v1/bots/{value}", ""},
			{"admin", "POST", "/admin/v1/bots/{bot}/api-keys", ""},
			{"admin", "GET", "/admin/v1/bots/{bot}/api-keys", ""},
			{"admin", "PATCH", "/admin/v1/api-keys/{key}", `{"enabled":false}`},
			{"admin", "DELETE", "/admin/v1/api-keys/{key}", ""},
			{"admin", "GET", "/admin/v1/messages?bot_id={bot}&request_id=r1&status=sent", ""},
			{"admin", "GET", "/admin/v1/messages/{message}", ""},
			{"admin", "GET", "/admin/v1/bots/{bot}/deliveries?before=x", ""},
			{"admin", "GET", "/admin/v1/deliveries/{delivery}", ""},
			{"admin", "POST", "/admin/v1/deliveries/{delivery}/replay", ""},
			{"admin", "POST", "/admin/v1/bots/{bot}/check", `{"recipient":{"id":"` + harness.User + `"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`},
			{"admin", "PUT", "/admin/v1/bots/{bot}/whatsapp", `{"bot_phone":"+15550009999","phone_number_id":"123","access_token":"t","app_secret":"s","verify_token":"v"}`},
			{"admin", "GET", "/admin/v1/bots/{bot}/whatsapp", ""},
			{"admin", "POST", "/admin/v1/apps", `{"bot_ids":["{bot}"]}`},
			{"admin", "GET", "/admin/v1/apps", ""},
			{"admin", "DELETE", "/admin/v1/apps/{app}", ""},
			{"admin", "GET", "/admin/v1/bots/{bot}/blocks", ""},
			{"admin", "PUT", "/admin/v1/bots/{bot}/blocks/{block}", `{"cards":[{"text":"Hi {{first_name}}"}]}`},
			{"admin", "GET", "/admin/v1/bots/{bot}/blocks/{block}?version=1", ""},
			{"admin", "GET", "/admin/v1/bots/{bot}/blocks/{block}/versions", ""},
			{"admin", "POST", "/admin/v1/bots/{bot}/blocks/{block}/restore", `{"version":1}`},
			{"admin", "POST", "/admin/v1/bots/{bot}/blocks/{block}/render", `{"psid":"` + harness.User + `","params":{"points":"5"},"messaging_type":"RESPONSE"}`},
			{"admin", "GET", "/admin/v1/bots/{bot}/contacts/{psid}/params", ""},
			{"admin", "PUT", "/admin/v1/bots/{bot}/contacts/{psid}/params", `{"params":{"tier":"gold"}}`},
			{"admin", "GET", "/admin/v1/bots/{bot}/links?psid=1", ""},
			{"admin", "DELETE", "/admin/v1/bots/{bot}/links/{kind}/{value}", ""},
		},
		"inbound": {
			{"inbound", "POST", "/webhooks/messenger", `{"object":"page","entry":[{"id":"` + page + `","time":1,"messaging":[{"sender":{"id":"` + harness.User + `"},"recipient":{"id":"` + page + `"},"timestamp":1,"message":{"mid":"m_1","text":"hi"}}]}]}`},
			{"inbound", "POST", "/webhooks/messenger/{bot}", `{"object":"page","entry":[{"id":"` + page + `","time":1,"messaging":[{"sender":{"id":"` + harness.User + `"},"recipient":{"id":"` + page + `"},"timestamp":1,"postback":{"title":"Go","payload":"BOTGATE_BLOCK:promo"}}]}]}`},
			{"inbound", "POST", "/webhooks/whatsapp", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"` + harness.WANumberID + `"},"contacts":[{"profile":{"name":"Ada"},"wa_id":"447700900123"}],"messages":[{"from":"447700900123","id":"wamid.1","timestamp":"1","type":"text","text":{"body":"hi"}}]}}]}]}`},
			{"inbound", "GET", "/webhooks/messenger?hub.mode=subscribe&hub.verify_token=verify-token&hub.challenge=1", ""},
			{"inbound", "GET", "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wa-verify-token&hub.challenge=1", ""},
		},
	}
	return all[face]
}

// badCase is one spoilt request.
type badCase struct {
	name        string
	path        string // with parameters filled
	body        []byte
	contentType string
	badText     bool // NUL or invalid UTF-8 somewhere
}

func (ep endpoint) cases() []badCase {
	var out []badCase
	body := []byte(strings.ReplaceAll(ep.body, "{bot}", "BOT"))
	add := func(name string, b []byte, text bool) {
		out = append(out, badCase{name: name, path: ep.path, body: b, badText: text})
	}
	if len(body) > 0 {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			panic(fmt.Sprintf("sample %s: %v", ep.body, err))
		}
		for i, leaf := range leaves(v, "") {
			for _, m := range []struct {
				name string
				raw  string
				text bool
			}{
				{"NUL", `"a\u0000b"`, true},
				{"invalid UTF-8", "\"a\xffb\"", true},
				{"300 characters", `"` + strings.Repeat("x", 300) + `"`, false},
				{"50,000 characters", `"` + strings.Repeat("%", 50000) + `"`, false},
			} {
				spoilt := setLeaf(v, i, "__SPOIL__")
				data, _ := json.Marshal(spoilt)
				data = bytes.Replace(data, []byte(`"__SPOIL__"`), []byte(m.raw), 1)
				add(m.name+" in "+leaf, data, m.text)
			}
		}
		// A repeated key: the first one again, at the end.
		dec := json.NewDecoder(bytes.NewReader(body))
		_, _ = dec.Token()
		first, _ := dec.Token()
		add("repeated key", append(bytes.TrimSuffix(bytes.TrimSpace(body), []byte("}")), []byte(fmt.Sprintf(`,%q:"again"}`, first))...), false)
		out = append(out, badCase{name: "text/xml", path: ep.path, body: body, contentType: "text/xml"})
	}
	// The path and query: each parameter, then the query, spoilt.
	for _, p := range []string{"bot", "phone", "block", "psid", "kind", "value", "key", "message", "delivery", "app", "appid"} {
		if strings.Contains(ep.path, "{"+p+"}") {
			for _, bad := range []string{"%00", "%ff", "a%00b", strings.Repeat("x", 300)} {
				out = append(out, badCase{name: bad + " as {" + p + "}", path: strings.Replace(ep.path, "{"+p+"}", bad, 1), body: body, badText: strings.Contains(bad, "%")})
			}
		}
	}
	for _, bad := range []string{"%00", "%ff"} {
		sep := "?"
		if strings.Contains(ep.path, "?") {
			sep = "&"
		}
		out = append(out, badCase{name: "query " + bad, path: ep.path + sep + "probe=" + bad, body: body, badText: true})
		if i := strings.Index(ep.path, "="); i > 0 {
			out = append(out, badCase{name: "query value " + bad, path: ep.path[:i+1] + bad + ep.path[i+1:], body: body, badText: true})
		}
	}
	return out
}

// leaves lists the paths of the strings in v, in a stable order.
func leaves(v any, path string) []string {
	switch x := v.(type) {
	case string:
		return []string{path}
	case map[string]any:
		var out []string
		for _, k := range sortedKeys(x) {
			out = append(out, leaves(x[k], path+"."+k)...)
		}
		return out
	case []any:
		var out []string
		for i, e := range x {
			out = append(out, leaves(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	return nil
}

// setLeaf returns a copy of v whose i-th string leaf is s.
func setLeaf(v any, i int, s string) any {
	n := -1
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			n++
			if n == i {
				return s
			}
			return x
		case map[string]any:
			out := map[string]any{}
			for _, k := range sortedKeys(x) {
				out[k] = walk(x[k])
			}
			return out
		case []any:
			out := make([]any, len(x))
			for j, e := range x {
				out[j] = walk(e)
			}
			return out
		}
		return v
	}
	return walk(v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

func (s *sweep) check(ep endpoint, c badCase) {
	t := s.t
	t.Helper()
	path := c.path
	for k, v := range s.vals {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	path = strings.ReplaceAll(path, "{phone}", harness.WAPhone)
	body := bytes.ReplaceAll(c.body, []byte("BOT"), []byte(s.env.BotID))
	h := http.Header{}
	switch ep.face {
	case "bothub", "whatsapp":
		h.Set("Apikey", s.env.APIKey)
	case "sobot":
		h.Set("token", s.token)
	case "admin":
		h.Set("Authorization", "Bearer "+harness.AdminToken)
	case "inbound":
		h.Set("X-Hub-Signature-256", sign(harness.AppSecret, body))
	}
	if len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	if c.contentType != "" {
		h.Set("Content-Type", c.contentType)
	}
	status, resp := s.env.Do(ep.method, path, h, body)
	what := fmt.Sprintf("%s %s (%s)", ep.method, ep.path, c.name)
	if status >= 500 {
		t.Errorf("%s: %d %.300s", what, status, resp)
		return
	}
	var out map[string]any
	envelope := json.Unmarshal(resp, &out) == nil
	switch ep.face {
	case "bothub", "whatsapp":
		e, _ := out["error"].(map[string]any)
		if status >= 400 && (!envelope || e == nil || e["code"] == nil || e["request_id"] == nil) {
			t.Errorf("%s: %d not in Bothub's envelope: %.300s", what, status, resp)
		}
	case "sobot":
		code, _ := out["ret_code"].(string)
		if status != 200 || code == "" {
			t.Errorf("%s: %d not in Sobot's envelope: %.300s", what, status, resp)
		}
		if c.badText && code != "900007" {
			t.Errorf("%s: ret_code %s, want Sobot's parameter error 900007: %.300s", what, code, resp)
		}
	case "admin":
		e, _ := out["error"].(map[string]any)
		if status >= 400 && (!envelope || e == nil || e["code"] == nil || e["message"] == nil) {
			t.Errorf("%s: %d not in the admin envelope: %.300s", what, status, resp)
		}
		if c.badText && status != 400 {
			t.Errorf("%s: %d, want 400: %.300s", what, status, resp)
		}
	}
}

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
