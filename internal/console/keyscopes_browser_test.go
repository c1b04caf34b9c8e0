package console_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/botgate/botgate/internal/console/browser"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/harness"
)

// TestBrowserKeyScopes: an admin unticks send and manage and creates a key;
// the page shows the key once with its one scope, the keys table lists it
// with that scope, and botgate's own API refuses the key a send (403 naming
// send) and accepts it for a read.
func TestBrowserKeyScopes(t *testing.T) {
	e := browser.Start(t, harness.Options{})
	tab := e.Open()
	tab.SignIn("ada", e.User("ada", core.RoleAdmin))
	tab.Go("/console/bots/" + e.BotID)
	tab.Run(
		chromedp.Click(`#key-scopes input[value=send]`),
		chromedp.Click(`#key-scopes input[value=manage]`),
	)
	ticked := browser.Get(tab, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("#key-scopes input:checked")].map(i => i.value)`))
	if strings.Join(ticked, " ") != "read" {
		t.Fatalf("boxes ticked before creating: %v", ticked)
	}
	tab.Run(chromedp.Click(`#create-key`), chromedp.WaitVisible(`#new-key`))
	key := tab.Text(`#key-value`)
	if shown := tab.Text(`#key-scopes-shown`); !strings.HasPrefix(key, "bgk_") || shown != "read" {
		t.Fatalf("new key %q shown with scopes %q; want read", key, shown)
	}
	tab.Screenshot("bot_key_scopes")
	if got := tab.Text(`#keys tbody tr:last-child td:nth-child(2)`); got != "read" {
		t.Fatalf("the keys table lists the new key with scopes %q", got)
	}
	tab.Go("/console/bots/" + e.BotID)
	if n := count(tab, `#new-key`); n != 0 {
		t.Fatal("the key is shown again on the next visit")
	}
	if got := tab.Text(`#keys tbody tr:last-child td:nth-child(2)`); got != "read" {
		t.Fatalf("on the next visit the key's scopes are %q", got)
	}

	call := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
		}
		return resp.StatusCode, out
	}
	status, p := call(http.MethodPost, "/v1/messages",
		`{"channel":"messenger","to":{"psid":"`+harness.User+`"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`)
	if status != 403 || p["code"] != "forbidden" || p["detail"] != "this API key lacks the send scope" {
		t.Fatalf("send with a read key: %d %v", status, p)
	}
	if status, page := call(http.MethodGet, "/v1/messages", ""); status != 200 || page["items"] == nil {
		t.Fatalf("read with a read key: %d %v", status, page)
	}
	if n := len(e.Fake.SentTo(harness.User)); n != 0 {
		t.Fatalf("fake Graph got %d sends from a read key", n)
	}
}
