package admin_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The admin API's broadcast routes: a dry run and a create in the API's
// JSON (wrote_within as a duration), refusals in the admin envelope naming
// the field, uploads streamed as CSV, state changes audited.
func TestAdminBroadcasts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		base := "/admin/v1/bots/" + env.BotID + "/broadcasts"
		auth := http.Header{"Authorization": {"Bearer " + harness.AdminToken}, "Content-Type": {"application/json"}}
		call := func(method, path, body string) (int, string) {
			status, got := env.Do(method, path, auth, []byte(body))
			return status, string(got)
		}
		status, got := call("POST", base, `{"name":"week","channel":"messenger","content":{"message":{"text":"Hi"}},
			"audience":{"wrote_within":"168h"},"messaging_type":"UPDATE","dry_run":true}`)
		if status != 200 || !strings.Contains(got, `"state":"draft"`) || !strings.Contains(got, `"wrote_within":"168h0m0s"`) {
			t.Errorf("dry run: %d %s", status, got)
		}
		for body, want := range map[string]string{
			`{"name":"x","channel":"messenger","content":{"message":{"text":"Hi"}},"audience":{"filter":"tier > 3"},"messaging_type":"UPDATE"}`:                       `{"error":{"code":"invalid","message":"audience.filter: at character 6: expected =, != or in","field":"audience.filter"}}`,
			`{"name":"x","channel":"messenger","content":{"message":{"text":"Hi"}},"audience":{"wrote_within":"a week"},"messaging_type":"UPDATE"}`:                   `{"error":{"code":"invalid","message":"audience.wrote_within: must be a positive duration such as \"168h\", not \"a week\"","field":"audience.wrote_within"}}`,
			`{"name":"x","channel":"messenger","content":{"message":{"text":"Hi"}},"audience":{"topic":"a","window_open":true},"messaging_type":"UPDATE"}`:            `{"error":{"code":"invalid","message":"audience: give exactly one of list, topic, window_open, wrote_within, filter, upload","field":"audience"}}`,
			`{"name":"x","channel":"messenger","content":{"message":{"text":"Hi"}},"audience":{"topic":"a"},"schedule":{"local_time":"9"},"messaging_type":"UPDATE"}`: `{"error":{"code":"invalid","message":"schedule.local_time: must be a time of day such as \"09:00\", not \"9\"","field":"schedule.local_time"}}`,
			`{"name":"x","channel":"fax","content":{"message":{"text":"Hi"}},"audience":{"topic":"a"}}`:                                                               `{"error":{"code":"invalid","message":"channel: must be messenger or whatsapp, not \"fax\"","field":"channel"}}`,
		} {
			if status, got := call("POST", base, body); status != 400 || harness.Compact(t, []byte(got)) != want {
				t.Errorf("%s:\n%d %s\nwant %s", body, status, got, want)
			}
		}
		status, raw := env.Do("POST", base+"/uploads?format=csv", http.Header{"Authorization": {"Bearer " + harness.AdminToken}},
			[]byte("psid,name\n"+harness.User+",Ada\n,x\n"))
		if status != 201 || !strings.Contains(string(raw), `"rows":1`) || !strings.Contains(string(raw), `"line":3`) {
			t.Fatalf("upload: %d %s", status, raw)
		}
		var up struct{ ID string }
		if err := json.Unmarshal(raw, &up); err != nil {
			t.Fatal(err)
		}
		status, got2 := call("POST", base, `{"name":"up","channel":"messenger","content":{"message":{"text":"Hi {{name}}"}},
			"audience":{"upload":"`+up.ID+`"},"messaging_type":"MESSAGE_TAG","tag":"ACCOUNT_UPDATE","schedule":{"at":"2099-01-01T00:00:00Z"}}`)
		if status != 201 || !strings.Contains(got2, `"state":"scheduled"`) {
			t.Fatalf("create: %d %s", status, got2)
		}
		var b struct{ ID string }
		if err := json.Unmarshal([]byte(got2), &b); err != nil {
			t.Fatal(err)
		}
		if status, got := call("POST", base+"/"+b.ID+"/pause", ""); status != 200 || !strings.Contains(got, `"state":"paused"`) {
			t.Errorf("pause: %d %s", status, got)
		}
		if status, got := call("POST", base+"/"+b.ID+"/pause", ""); status != 409 || !strings.Contains(got, `"code":"conflict"`) {
			t.Errorf("pause twice: %d %s", status, got)
		}
		if status, got := call("POST", base+"/"+b.ID+"/cancel", ""); status != 200 || !strings.Contains(got, `"state":"cancelled"`) {
			t.Errorf("cancel: %d %s", status, got)
		}
		if status, got := call("GET", base+"/bc_none", ""); status != 404 {
			t.Errorf("unknown broadcast: %d %s", status, got)
		}
		if status, got := call("GET", base+"/"+b.ID+"/recipients?state=skipped&limit=10", ""); status != 200 ||
			!strings.Contains(got, `"recipient":"`+harness.User+`"`) || !strings.Contains(got, `"reason":"cancelled"`) {
			t.Errorf("recipients: %d %s", status, got)
		}
		if status, got := call("GET", base+"?limit=1", ""); status != 200 || !strings.Contains(got, `"broadcasts":[{"id":"`+b.ID+`"`) || strings.Contains(got, `"next"`) {
			t.Errorf("list: %d %s", status, got)
		}
		status, got = call("GET", "/admin/v1/audit", "")
		for _, action := range []string{"POST /bots/{id}/broadcasts/{bid}/pause", "POST /bots/{id}/broadcasts/{bid}/cancel", "POST /bots/{id}/broadcasts/uploads"} {
			if !strings.Contains(got, action) {
				t.Errorf("audit log lacks %s: %s", action, got)
			}
		}
	})
}

// Drafts through the admin API: created with "draft": true, edited with PUT
// (dry_run refused there), scheduled, deleted; a wrong state is a conflict
// in the admin envelope; each change is audited.
func TestAdminBroadcastDrafts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		base := "/admin/v1/bots/" + env.BotID + "/broadcasts"
		auth := http.Header{"Authorization": {"Bearer " + harness.AdminToken}, "Content-Type": {"application/json"}}
		call := func(method, path, body string) (int, string) {
			status, got := env.Do(method, path, auth, []byte(body))
			return status, string(got)
		}
		spec := func(text, extra string) string {
			return `{"name":"later","channel":"messenger","content":{"message":{"text":"` + text + `"}},
				"audience":{"list":[{"psid":"` + harness.User + `"}]},"messaging_type":"MESSAGE_TAG","tag":"ACCOUNT_UPDATE"` + extra + `}`
		}
		status, got := call("POST", base, spec("First", `,"draft":true`))
		var d struct{ ID, State string }
		if err := json.Unmarshal([]byte(got), &d); status != 201 || err != nil || d.State != "draft" || strings.Contains(got, `"draft":true`) {
			t.Fatalf("create a draft: %d %s", status, got)
		}
		if status, got := call("PUT", base+"/"+d.ID, spec("Second", `,"dry_run":true`)); status != 400 ||
			harness.Compact(t, []byte(got)) != `{"error":{"code":"invalid","message":"dry_run: is not a field of an edit; POST a dry run instead","field":"dry_run"}}` {
			t.Errorf("edit with dry_run: %d %s", status, got)
		}
		if status, got := call("PUT", base+"/"+d.ID, spec("Second", "")); status != 200 || !strings.Contains(got, `"text":"Second"`) || !strings.Contains(got, `"state":"draft"`) {
			t.Errorf("edit: %d %s", status, got)
		}
		if status, got := call("POST", base+"/"+d.ID+"/pause", ""); status != 409 ||
			harness.Compact(t, []byte(got)) != `{"error":{"code":"conflict","message":"broadcast `+d.ID+` is a draft: it sends nothing until it is scheduled, so there is nothing to pause"}}` {
			t.Errorf("pause a draft: %d %s", status, got)
		}
		if status, got := call("POST", base+"/"+d.ID+"/schedule", ""); status != 200 || strings.Contains(got, `"state":"draft"`) {
			t.Errorf("schedule: %d %s", status, got)
		}
		for _, c := range [][3]string{{"PUT", "", spec("Third", "")}, {"POST", "/schedule", ""}, {"DELETE", "", ""}} {
			if status, got := call(c[0], base+"/"+d.ID+c[1], c[2]); status != 409 || !strings.Contains(got, `"code":"conflict"`) || !strings.Contains(got, "only a draft can be") {
				t.Errorf("%s%s after scheduling: %d %s", c[0], c[1], status, got)
			}
		}
		harness.WaitFor(t, "the send", time.Minute, func() bool { return len(env.Fake.SentTo(harness.User)) == 1 })
		if sent := env.Fake.SentTo(harness.User); sent[0].Parsed["message"].(map[string]any)["text"] != "Second" {
			t.Errorf("sent %v", sent[0].Parsed)
		}

		_, got = call("POST", base, spec("Gone", `,"draft":true`))
		var g struct{ ID string }
		if err := json.Unmarshal([]byte(got), &g); err != nil {
			t.Fatal(err)
		}
		if status, got := call("DELETE", base+"/"+g.ID, ""); status != 204 || got != "" {
			t.Errorf("delete: %d %s", status, got)
		}
		for _, c := range [][3]string{{"GET", "", ""}, {"DELETE", "", ""}, {"PUT", "", spec("x", "")}, {"POST", "/schedule", ""}} {
			if status, got := call(c[0], base+"/"+g.ID+c[1], c[2]); status != 404 || !strings.Contains(got, `"code":"not_found"`) {
				t.Errorf("%s%s of a deleted draft: %d %s", c[0], c[1], status, got)
			}
		}
		_, got = call("GET", "/admin/v1/audit", "")
		for _, action := range []string{"PUT /bots/{id}/broadcasts/{bid}", "POST /bots/{id}/broadcasts/{bid}/schedule", "DELETE /bots/{id}/broadcasts/{bid}"} {
			if !strings.Contains(got, action) {
				t.Errorf("audit log lacks %s: %s", action, got)
			}
		}
	})
}
