package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
)

var (
	welcomeRe  = regexp.MustCompile(`botgate sandbox: listening on (http://127\.0\.0\.1:\d+), fake Graph API at (http://127\.0\.0\.1:\d+)\n`)
	demoBotRe  = regexp.MustCompile(`Demo bot (bot_[0-9A-Z]{26}) on page 100000000000001; demo user \(PSID\) 2000000000000001\.\n`)
	adminRe    = regexp.MustCompile(`Admin token: (sandbox-[a-z2-7]+) \(kept in the database; --admin-token or BOTGATE_ADMIN_TOKEN overrides it\)\n`)
	keyRe      = regexp.MustCompile(`Demo bot API key: (bgk_\S+)\n`)
	sendCurlRe = regexp.MustCompile(`Send a message \(a request id is used once: change demo-1 to send another\):\n  curl -s (\S+)/api -H 'APIKEY: ([^']+)' -H 'Content-Type: application/json' \\\n    -d '([^']+)'\n`)
	logCurlRe  = regexp.MustCompile(`See what happened to it:\n  curl -s '(\S+)/admin/v1/messages\?request_id=demo-1' -H 'Authorization: Bearer ([^']+)'\n`)
	waCurlRe   = regexp.MustCompile(`Send a WhatsApp message from \+15550100001 to the demo user \+447700900001:\n  curl -s (\S+)/channels/(\+15550100001)/messages -H 'APIKEY: ([^']+)' -H 'Content-Type: application/json' \\\n    -d '([^']+)'\n`)
	actCurlRe  = regexp.MustCompile(`Play the demo user: write to the page as their phone would \(webhooks are signed; verify token sandbox-verify-token\):\n  curl -s (\S+)/_fake/users/act -H 'Content-Type: application/json' \\\n    -d '([^']+)'\n`)
	inboxRe    = regexp.MustCompile(`Async results \("sync":false\) arrive at (\S+)/sandbox/inbox \(GET it to read them\)\.\n`)
)

type inboxJSON struct {
	Received []struct {
		Verified bool `json:"signature_verified"`
		Body     struct {
			RequestID string `json:"request_id"`
		} `json:"body"`
	} `json:"received"`
}

func (in inboxJSON) has(requestID string) bool {
	for _, r := range in.Received {
		if r.Verified && r.Body.RequestID == requestID {
			return true
		}
	}
	return false
}

func readInbox(t *testing.T, url string) inboxJSON {
	t.Helper()
	var in inboxJSON
	_, body := get(t, url+"/sandbox/inbox", "")
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatalf("inbox: %v: %s", err, body)
	}
	return in
}

// `serve --sandbox` runs a fake Graph, makes a demo bot and prints a key and
// commands that work as printed. Started again on the same database and
// addresses it prints the very same welcome, and keeps its inbox and the
// fake Graph's users; `sandbox reset` starts over.
func TestSandbox(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sandbox.db")
	args := []string{"--sandbox", "--database", db, "--addr", freeAddr(t), "--sandbox-graph-addr", freeAddr(t)}
	s := serve(t, args...)
	s.wait(t, inboxRe)
	out := s.stdout.String()
	url := welcomeRe.FindStringSubmatch(out)
	bot := demoBotRe.FindStringSubmatch(out)
	token := adminRe.FindStringSubmatch(out)
	key := keyRe.FindStringSubmatch(out)
	curl := sendCurlRe.FindStringSubmatch(out)
	logCurl := logCurlRe.FindStringSubmatch(out)
	act := actCurlRe.FindStringSubmatch(out)
	if url == nil || bot == nil || token == nil || key == nil || curl == nil || logCurl == nil || act == nil {
		t.Fatalf("sandbox welcome:\n%s", out)
	}
	if curl[1] != url[1] || curl[2] != key[1] || logCurl[1] != url[1] || logCurl[2] != token[1] || act[1] != url[2] ||
		inboxRe.FindStringSubmatch(out)[1] != url[1] || url[2] != "http://"+args[6] {
		t.Errorf("the commands do not use the printed URLs, key and token:\n%s", out)
	}
	if status, body := get(t, url[1]+"/readyz", ""); status != 200 || body != "ready\n" {
		t.Errorf("readyz: %d %q", status, body)
	}

	// The printed commands, as printed.
	if !strings.Contains(curl[3], `"id":"demo-1"`) {
		t.Fatalf("curl body %s", curl[3])
	}
	status, body := post(t, curl[1]+"/api", http.Header{"Apikey": {curl[2]}, "Content-Type": {"application/json"}}, curl[3])
	var answer struct {
		MessageID string `json:"message_id"`
	}
	_ = json.Unmarshal([]byte(body), &answer)
	if status != 200 || body != fmt.Sprintf(`{"request_id":"demo-1","recipient_id":"2000000000000001","message_id":%q}`+"\n", answer.MessageID) {
		t.Fatalf("the printed curl command: %d %s", status, body)
	}
	status, body = get(t, logCurl[1]+"/admin/v1/messages?request_id=demo-1", logCurl[2])
	if status != 200 || !strings.Contains(body, `"bot_id":"`+bot[1]+`"`) || !strings.Contains(body, `"message_ids":["`+answer.MessageID+`"]`) {
		t.Errorf("the demo message in the log: %d %s", status, body)
	}
	wa := waCurlRe.FindStringSubmatch(out)
	if wa == nil || wa[1] != url[1] || wa[3] != key[1] {
		t.Fatalf("no WhatsApp command with the printed URL and key:\n%s", out)
	}
	status, body = post(t, wa[1]+"/channels/"+wa[2]+"/messages", http.Header{"Apikey": {wa[3]}, "Content-Type": {"application/json"}}, wa[4])
	if status != 200 || !strings.Contains(body, `"status":"sent"`) || !strings.Contains(body, `"wamid":"wamid.`) {
		t.Fatalf("the printed WhatsApp command: %d %s", status, body)
	}
	status, body = post(t, act[1]+"/_fake/users/act", http.Header{"Content-Type": {"application/json"}}, act[2])
	if status != 200 || !strings.Contains(body, `"status":200`) || !strings.Contains(body, `"text":"Where is my order?"`) {
		t.Fatalf("the printed user action: %d %s", status, body)
	}

	// Async results land in the sandbox inbox, signed with the demo bot's secret.
	async := strings.Replace(strings.Replace(curl[3], `"sync":true`, `"sync":false`, 1), "demo-1", "demo-async", 1)
	if status, body := post(t, curl[1]+"/api", http.Header{"Apikey": {curl[2]}, "Content-Type": {"application/json"}}, async); status != 200 {
		t.Fatalf("async demo send: %d %s", status, body)
	}
	harness.WaitFor(t, "the sandbox inbox to get the callback", 10*time.Second, func() bool {
		return readInbox(t, url[1]).has("demo-async")
	})
	// A user added to the fake Graph through its control API.
	if status, body := post(t, url[2]+"/_fake/users", nil, `{"page_id":"100000000000001","psid":"2000000000000002","first_name":"Bob"}`); status != 204 {
		t.Fatalf("adding a fake user: %d %s", status, body)
	}
	profile := url[2] + "/v25.0/2000000000000002?fields=first_name&access_token=sandbox-page-token"
	if status, body := get(t, profile, ""); status != 200 || body != `{"first_name":"Bob","id":"2000000000000002"}` {
		t.Fatalf("the added user's profile: %d %s", status, body)
	}
	s.stop(t)

	// Second start on the same database: the very same welcome.
	s2 := serve(t, args...)
	s2.wait(t, inboxRe)
	if out2 := s2.stdout.String(); out2 != out {
		t.Fatalf("second welcome differs:\n%s\nfirst:\n%s", out2, out)
	}
	if !readInbox(t, url[1]).has("demo-async") {
		t.Errorf("the inbox forgot the callback: %+v", readInbox(t, url[1]))
	}
	if status, body := get(t, profile, ""); status != 200 || body != `{"first_name":"Bob","id":"2000000000000002"}` {
		t.Errorf("the added user after a restart: %d %s", status, body)
	}
	// The printed command again: its request id is spent, as the welcome says.
	if status, body := post(t, curl[1]+"/api", http.Header{"Apikey": {curl[2]}, "Content-Type": {"application/json"}}, curl[3]); status != 409 ||
		!strings.Contains(body, `"code":10011`) || !strings.Contains(out, "a request id is used once: change demo-1 to send another") {
		t.Errorf("demo-1 after a restart: %d %s", status, body)
	}
	s2.stop(t)

	if out, err := runCLI(t, nil, "sandbox", "reset", "--database", db); err != nil || !strings.Contains(out, "starts over") {
		t.Fatalf("sandbox reset: %q %v", out, err)
	}
	s3 := serve(t, args...)
	s3.wait(t, inboxRe)
	out3 := s3.stdout.String()
	bot3, token3, key3 := demoBotRe.FindStringSubmatch(out3), adminRe.FindStringSubmatch(out3), keyRe.FindStringSubmatch(out3)
	pw, pw3 := consoleRe.FindStringSubmatch(out), consoleRe.FindStringSubmatch(out3)
	if bot3 == nil || token3 == nil || key3 == nil || bot3[1] == bot[1] || token3[1] == token[1] || key3[1] == key[1] ||
		pw == nil || pw3 == nil || pw[2] == pw3[2] {
		t.Fatalf("after reset the sandbox did not start over:\n%s", out3)
	}
	if readInbox(t, url[1]).has("demo-async") {
		t.Errorf("the inbox survived the reset")
	}
	if _, body := get(t, profile, ""); strings.Contains(body, "Bob") {
		t.Errorf("the added fake user survived the reset")
	}
	if status, body := get(t, url[1]+"/admin/v1/bots", token3[1]); status != 200 || strings.Count(body, `"deleted":false`) > 1 {
		t.Errorf("bots after reset: %d %s", status, body)
	}
}

// A configured admin token is the operator's secret: the sandbox says how to
// use it without printing it, and it wins over the kept one.
func TestSandboxKeepsConfiguredAdminToken(t *testing.T) {
	const secret = "operator-admin-token-c0ffee"
	db := filepath.Join(t.TempDir(), "sandbox.db")
	s := serve(t, "--sandbox", "--database", db)
	token := adminRe.FindStringSubmatch(s.wait(t, inboxRe)[0] + s.stdout.String())
	url := welcomeRe.FindStringSubmatch(s.stdout.String())
	s.stop(t)
	if token == nil || url == nil {
		t.Fatalf("welcome:\n%s", s.stdout)
	}
	for range 2 {
		s := serve(t, "--sandbox", "--database", db, "--admin-token", secret)
		s.wait(t, inboxRe)
		out := s.stdout.String()
		if strings.Contains(out, secret) || adminRe.MatchString(out) || !strings.Contains(out, "Admin token: the one you gave") {
			t.Errorf("the sandbox printed the configured admin token:\n%s", out)
		}
		u := welcomeRe.FindStringSubmatch(out)[1]
		if status, _ := get(t, u+"/admin/v1/bots", token[1]); status != 401 {
			t.Errorf("the kept token still works when another is configured: %d", status)
		}
		if status, _ := get(t, u+"/admin/v1/bots", secret); status != 200 {
			t.Errorf("the configured token: %d", status)
		}
		s.stop(t)
	}
}
