package v1_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	apispec "github.com/botgate/botgate/api"
	"github.com/botgate/botgate/internal/console/browser"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestContractServed: the document is served as written and as JSON, and
// the reference page loads only its own script, with no inline script.
func TestContractServed(t *testing.T) {
	e := start(t, storetest.New(t, "sqlite"), harness.Options{})
	status, h, body := e.call("GET", "/v1/openapi.yaml", "", nil)
	if status != 200 || string(body) != string(apispec.OpenAPI) || h.Get("Content-Type") != "application/yaml" {
		t.Fatalf("yaml: %d %s", status, h)
	}
	status, _, body = e.call("GET", "/v1/openapi.json", "", nil)
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); status != 200 || err != nil || doc["openapi"] != "3.1.0" || doc["webhooks"] == nil {
		t.Fatalf("json: %d %v", status, err)
	}
	resp, err := http.Get(e.Server.URL() + "/v1/docs")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != 200 || !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-eval") {
		t.Fatalf("docs: %d %q", resp.StatusCode, csp)
	}
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(string(page), -1) {
		if !strings.Contains(tag, `src="/v1/docs/`) {
			t.Fatalf("a script not from this server, or inline: %s", tag)
		}
	}
	if resp, err := http.Get(e.Server.URL() + "/v1/docs/redoc.standalone.js"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("redoc bundle: %v", err)
	}
}

// TestDocsPage: in a real browser, under the page's policy, Redoc renders
// every operation and every event of the contract.
func TestDocsPage(t *testing.T) {
	if testing.Short() {
		t.Skip("browser")
	}
	e := browser.Start(t, harness.Options{})
	tab := e.Open()
	tab.Go("/v1/docs")
	text := browser.Get(tab, chromedp.Evaluate[string](`new Promise(done => {
		const tick = () => document.body.innerText.includes("contact.window_opened") ? done(document.body.innerText) : setTimeout(tick, 50);
		tick();
	})`, chromedp.EvalAwaitPromise))
	// Under the policy every style element applies: one without the page's
	// nonce would be blocked, and have no style sheet.
	styles := browser.Get(tab, chromedp.Evaluate[[]int](`[document.querySelectorAll("style").length,
		[...document.querySelectorAll("style")].filter(s => !s.sheet).length]`))
	if styles[0] == 0 || styles[1] != 0 {
		t.Fatalf("%d style elements, %d of them blocked by the policy", styles[0], styles[1])
	}
	var doc struct {
		Paths    map[string]map[string]json.RawMessage `json:"paths"`
		Webhooks map[string]map[string]json.RawMessage `json:"webhooks"`
	}
	_, _, body := (&env{Env: e.Env, client: http.DefaultClient}).call("GET", "/v1/openapi.json", "", nil)
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, group := range []map[string]map[string]json.RawMessage{doc.Paths, doc.Webhooks} {
		for path, ops := range group {
			for method, raw := range ops {
				var op struct{ Summary string }
				if method == "parameters" || json.Unmarshal(raw, &op) != nil {
					continue
				}
				n++
				if !strings.Contains(text, strings.TrimSuffix(op.Summary, ".")) {
					t.Errorf("%s %s (%q) is not on the page", method, path, op.Summary)
				}
			}
		}
	}
	if n < 25 {
		t.Fatalf("only %d operations in the contract", n)
	}
}
