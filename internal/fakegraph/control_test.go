package fakegraph

import (
	"encoding/json"
	"net/url"
	"testing"
)

func TestControlRoundTrip(t *testing.T) {
	s := New(Options{Seed: 1})
	ts := newLoopback(t, s)
	post := func(path, body string) result {
		t.Helper()
		res := postJSON(t, ts+path, body)
		if res.status != 204 || res.body != "" {
			t.Fatalf("POST %s: HTTP %d %s", path, res.status, res.body)
		}
		return res
	}
	post("/_fake/pages", `{"page_id":"300","access_token":"tok-300"}`)
	post("/_fake/users", `{"page_id":"300","psid":"5","first_name":"Ann","last_name":"Lee","locale":"fr_FR","timezone":-5}`)
	post("/_fake/rules", `{"outside_window":["6"],"unavailable":["7"],"unmatched_phones":["+15550100"],`+
		`"transient_rate":0,"latency_ms":0,"fail_next":{"n":1,"code":1200}}`)

	const path = "/v25.0/300/messages?access_token=tok-300"
	wantError(t, postJSON(t, ts+path, to("5")), 400, 1200, 0, "(#1200) Temporary send message failure. Please try again later")
	wantSent(t, s, postJSON(t, ts+path, to("5")), "5")
	wantError(t, postJSON(t, ts+path, to("6")), 400, 10, 2018278, outsideWindowMessage)
	wantError(t, postJSON(t, ts+path, to("7")), 400, 10, 2018108, "(#10) This person isn't available right now.")
	wantError(t, postJSON(t, ts+path, toPhone("+15550100")), 400, 100, 2018001, "(#100) No matching user found")
	form := url.Values{"recipient": {`{"id":"5"}`}, "messaging_type": {"RESPONSE"}, "message": {`{"text":"hi"}`}}
	do(t, "POST", ts+path, "application/x-www-form-urlencoded", form.Encode())

	res := do(t, "GET", ts+"/v25.0/5?fields=first_name,locale,timezone&access_token=tok-300", "", "")
	if res.body != `{"first_name":"Ann","locale":"fr_FR","timezone":-5,"id":"5"}` {
		t.Errorf("profile %s", res.body)
	}
	if res := do(t, "GET", ts+"/_fake/sends/count", "", ""); res.status != 200 || res.body != `{"count":6}` {
		t.Errorf("count: HTTP %d %s", res.status, res.body)
	}

	var sends []map[string]any
	getJSON(t, ts+"/_fake/sends", &sends)
	if len(sends) != 6 {
		t.Fatalf("%d sends", len(sends))
	}
	first, second := compactJSON(t, mustJSON(t, sends[0])), compactJSON(t, mustJSON(t, sends[1]))
	wantFirst := `{"body":{"message":{"text":"hi"},"messaging_type":"RESPONSE","recipient":{"id":"5"}},` +
		`"error":{"code":1200,"http_status":400,"message":"(#1200) Temporary send message failure. Please try again later","type":"OAuthException"},` +
		`"page_id":"300","parsed":{"message":{"text":"hi"},"messaging_type":"RESPONSE","recipient":{"id":"5"}},` +
		`"recipient":{"id":"5"},"seq":1,"status":400,"token":"tok-300"}`
	if first != wantFirst {
		t.Errorf("first send\n%s\nwant\n%s", first, wantFirst)
	}
	wantSecond := `{"body":{"message":{"text":"hi"},"messaging_type":"RESPONSE","recipient":{"id":"5"}},` +
		`"message_id":"` + s.Sends()[1].MessageID + `","page_id":"300",` +
		`"parsed":{"message":{"text":"hi"},"messaging_type":"RESPONSE","recipient":{"id":"5"}},` +
		`"recipient":{"id":"5"},"seq":2,"status":200,"token":"tok-300"}`
	if second != wantSecond {
		t.Errorf("second send\n%s\nwant\n%s", second, wantSecond)
	}
	if e := sends[4]["error"].(map[string]any); e["subcode"] != float64(2018001) {
		t.Errorf("error %v", e)
	}

	var requests []map[string]any
	getJSON(t, ts+"/_fake/requests", &requests)
	if len(requests) != 7 {
		t.Fatalf("%d requests", len(requests))
	}
	if body, ok := requests[5]["body"].(string); !ok || body != form.Encode() {
		t.Errorf("form body shown as %v, want the string", requests[5]["body"])
	}
	if body, ok := requests[0]["body"].(map[string]any); !ok || body["messaging_type"] != "RESPONSE" {
		t.Errorf("JSON body shown as %v, want the object", requests[0]["body"])
	}
	if resp, ok := requests[0]["response"].(map[string]any); !ok || resp["error"] == nil {
		t.Errorf("response shown as %v", requests[0]["response"])
	}

	post("/_fake/reset", ``)
	if res := do(t, "GET", ts+"/_fake/sends/count", "", ""); res.body != `{"count":0}` {
		t.Errorf("count after reset %s", res.body)
	}
	wantSent(t, s, postJSON(t, ts+path, to("6")), "6")
}

func TestControlRulesSetRateAndLatency(t *testing.T) {
	s := New(Options{})
	ts := newLoopback(t, s)
	res := postJSON(t, ts+"/_fake/rules", `{"transient_rate":0.25,"latency_ms":1.5,"fail_next":{"n":3,"code":32,"message":"(#32) custom"}}`)
	if res.status != 204 {
		t.Fatalf("HTTP %d %s", res.status, res.body)
	}
	if s.rules.transientRate != 0.25 || s.rules.latency.Microseconds() != 1500 || s.rules.failNext != 3 ||
		s.rules.failNextErr.Message != "(#32) custom" || s.rules.failNextErr.Header.Get("X-Business-Use-Case-Usage") == "" {
		t.Errorf("rules %+v", s.rules)
	}
}

func TestControlErrors(t *testing.T) {
	ts := newLoopback(t, New(Options{}))
	cases := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"POST", "/_fake/rules", `{"outside_windows":["1"]}`, 400,
			`{"error":"invalid JSON body: json: unknown field \"outside_windows\""}`},
		{"POST", "/_fake/rules", `{"transient_rate":1.5}`, 400, `{"error":"transient_rate must be within [0,1]"}`},
		{"POST", "/_fake/rules", `{"fail_next":{"n":1}}`, 400, `{"error":"fail_next.code is required"}`},
		{"POST", "/_fake/pages", `{"page_id":"1"}`, 400, `{"error":"page_id and access_token are required"}`},
		{"POST", "/_fake/users", `{"psid":"1"}`, 400, `{"error":"page_id and psid are required"}`},
		{"POST", "/_fake/users", `{`, 400, `{"error":"invalid JSON body: unexpected EOF"}`},
	}
	for _, tc := range cases {
		res := do(t, tc.method, ts+tc.path, "application/json", tc.body)
		if res.status != tc.status || res.body != tc.want {
			t.Errorf("%s %s %s: HTTP %d %s, want %d %s", tc.method, tc.path, tc.body, res.status, res.body, tc.status, tc.want)
		}
	}
	if res := do(t, "GET", ts+"/_fake/nothing", "", ""); res.status != 404 {
		t.Errorf("unknown control path: HTTP %d", res.status)
	}
	if res := do(t, "GET", ts+"/_fake/reset", "", ""); res.status != 405 {
		t.Errorf("GET reset: HTTP %d", res.status)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res := do(t, "GET", url, "", "")
	if res.status != 200 {
		t.Fatalf("GET %s: HTTP %d %s", url, res.status, res.body)
	}
	if err := json.Unmarshal([]byte(res.body), v); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
