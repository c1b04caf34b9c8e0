package admin_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// POST /admin/v1/bots/{id}/import streams a file in; an imported last
// interaction opens the window the enforce policy checks.
func TestImportEndpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{Bot: map[string]any{"settings": map[string]any{"window_policy": "enforce"}}})
		c := newClient(t, env)
		path := "/admin/v1/bots/" + env.BotID + "/import"
		wrote := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		file := "psid,first_name,last_interaction_at\n" +
			harness.User + ",Ada," + wrote + "\n" +
			harness.OtherUser + ",Alan,\n" +
			"524807506000002,,yesterday\n"
		post := func(query, contentType string) (int, string) {
			status, data := env.Do(http.MethodPost, path+query, http.Header{"Authorization": {"Bearer " + harness.AdminToken},
				"Content-Type": {contentType}}, []byte(file))
			return status, harness.Compact(t, data)
		}
		check := `{"recipient":{"id":"` + harness.User + `"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`
		refused := `[{"line":4,"field":"last_interaction_at","reason":"last_interaction_at: \"yesterday\" is not a time: ` +
			`give RFC 3339 with a zone (2026-11-30T08:15:00Z) or Unix seconds or milliseconds"}]`
		answer := func(dry bool, created, unchanged int) string {
			return fmt.Sprintf(`{"summary":{"kind":"contacts","dry_run":%v,"rows":3,"created":%d,"updated":0,"unchanged":%d,"refused":1},"refusals":%s}`,
				dry, created, unchanged, refused)
		}

		if status, got := post("?kind=contacts&format=csv&dry_run=true", ""); status != 200 || got != answer(true, 2, 0) {
			t.Errorf("dry run: %d %s\nwant %s", status, got, answer(true, 2, 0))
		}
		// The window is open when the check allows the send without a
		// warning; before the import it is closed or unknown.
		open := func() (bool, string) {
			got := c.want(http.MethodPost, "/admin/v1/bots/"+env.BotID+"/check", check, 200)
			return strings.Contains(got, `"allowed":true`) && !strings.Contains(got, `"warning"`), got
		}
		if ok, got := open(); ok {
			t.Errorf("before the import, the window of a user botgate never saw is open: %s", got)
		}
		// The format may come from the Content-Type.
		if status, got := post("?kind=contacts", "text/csv; charset=utf-8"); status != 200 || got != answer(false, 2, 0) {
			t.Errorf("import: %d %s\nwant %s", status, got, answer(false, 2, 0))
		}
		if ok, got := open(); !ok {
			t.Errorf("after the import the user wrote an hour ago, so the window is open: %s", got)
		}
		if status, got := post("?kind=contacts&format=csv", ""); status != 200 || got != answer(false, 0, 2) {
			t.Errorf("second import: %d %s\nwant %s", status, got, answer(false, 0, 2))
		}

		for _, tc := range []struct{ query, code, message, field string }{
			{"", "invalid", "kind is required: contacts, links, params, subscriptions or blocks", "kind"},
			{"?kind=people&format=csv", "invalid", `kind: must be one of contacts, links, params, subscriptions, blocks, not "people"`, "kind"},
			{"?kind=contacts", "invalid", `format: must be jsonl or csv, not ""`, "format"},
			{"?kind=contacts&format=csv&dry_run=maybe", "invalid", `dry_run: must be true or false, not "maybe"`, "dry_run"},
		} {
			status, got := post(tc.query, "")
			if want := errorJSON(tc.code, tc.message, tc.field); status != 400 || got != want {
				t.Errorf("%s: %d %s\nwant %s", tc.query, status, got, want)
			}
		}
		// The body is streamed: a file larger than other requests' 1 MiB goes in.
		var big strings.Builder
		big.WriteString("psid,first_name\n")
		for i := range 40000 {
			fmt.Fprintf(&big, "%d,Customer number %d\n", 700000000000+i, i)
		}
		status, data := env.Do(http.MethodPost, path+"?kind=contacts&format=csv", http.Header{"Authorization": {"Bearer " + harness.AdminToken}},
			[]byte(big.String()))
		if want := `{"summary":{"kind":"contacts","dry_run":false,"rows":40000,"created":40000,"updated":0,"unchanged":0,"refused":0},"refusals":[]}`; big.Len() <= 1<<20 || status != 200 || harness.Compact(t, data) != want {
			t.Errorf("a %d-byte file: %d %s", big.Len(), status, data)
		}
		// Imports are audited with their query; dry runs and refused requests are not.
		var log struct {
			Entries []struct{ Action, Target, Detail string } `json:"entries"`
		}
		c.decode("GET", "/admin/v1/audit?limit=4", "", 200, &log)
		var entries []string
		for _, e := range log.Entries {
			entries = append(entries, e.Action+" | "+e.Target+" | "+e.Detail)
		}
		imported := "POST /bots/{id}/import | " + path + " | "
		if want := []string{imported + "format=csv&kind=contacts", imported + "format=csv&kind=contacts", imported + "kind=contacts"}; len(entries) < 3 ||
			!slices.Equal(entries[:3], want) || strings.HasPrefix(entries[3], imported) {
			t.Errorf("audit log: %q; want %q", entries, want)
		}

		status, got := env.Do(http.MethodPost, "/admin/v1/bots/bot_none/import?kind=contacts&format=csv",
			http.Header{"Authorization": {"Bearer " + harness.AdminToken}}, []byte(file))
		if want := errorJSON("not_found", "no bot bot_none", ""); status != 404 || harness.Compact(t, got) != want {
			t.Errorf("unknown bot: %d %s", status, got)
		}
		status, got = env.Do(http.MethodPost, path+"?kind=contacts&format=csv", nil, []byte(file))
		if status != 401 {
			t.Errorf("without the token: %d %s", status, got)
		}
	})
}
