package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// Every face's requests are recorded, refused ones with the error answered,
// attributed to their bot once recognised, with secrets removed.
func TestRequestLogRecordsFacesWithSecretsRemoved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := harness.Start(t, db, harness.Options{})
		ctx := context.Background()
		status, body := e.Do(http.MethodPost, "/api", http.Header{"Apikey": {"bgk_wrong"}, "Content-Type": {"application/json"}},
			[]byte(`{"bot_id":"x","recipient":{"id":"1"}}`))
		if status == http.StatusOK && !strings.Contains(string(body), "10") {
			t.Fatalf("a wrong key answered %d %s", status, body)
		}
		refusedAnswer := string(body)
		if status, body := e.Bothub(`{"request":{"method":"send_message","id":"r1","sync":true},"recipient":{"id":"` + harness.User + `"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`); status != http.StatusOK {
			t.Fatalf("send: %d %s", status, body)
		}
		e.Admin(http.MethodPatch, "/admin/v1/bots/"+e.BotID, map[string]any{"messenger": map[string]any{"access_token": "EAAG-very-secret"}}, http.StatusOK, nil)
		e.Do(http.MethodGet, "/webhooks/messenger?hub.mode=subscribe&hub.verify_token=hushhush&hub.challenge=42", nil, nil)
		e.Do(http.MethodGet, "/healthz", nil, nil)

		var reqs []*store.APIRequest
		harness.WaitFor(t, "the requests recorded", 5*time.Second, func() bool {
			p, err := e.Server.Store.ListAPIRequests(ctx, store.APIRequestFilter{})
			reqs = p.Requests
			return err == nil && len(reqs) >= 6 // the harness's bot and key, then the four above
		})
		byPath := map[string]*store.APIRequest{}
		for _, r := range reqs {
			if r.Path == "/healthz" {
				t.Fatal("/healthz was recorded")
			}
			byPath[r.Method+" "+r.Path+" "+r.BotID] = r
		}
		refused := byPath["POST /api "]
		if refused == nil || refused.Face != "bothub" || refused.Status != status || refused.Response != refusedAnswer ||
			refused.Request != `{"bot_id":"x","recipient":{"id":"1"}}` {
			t.Fatalf("refused request recorded as %+v (answered %d %s)", refused, status, refusedAnswer)
		}
		sent := byPath["POST /api "+e.BotID]
		if sent == nil || sent.Status != http.StatusOK || !strings.Contains(sent.Request, `"id":"r1"`) {
			t.Fatalf("accepted send recorded as %+v", sent)
		}
		patch := byPath["PATCH /admin/v1/bots/"+e.BotID+" "+e.BotID]
		if patch == nil || patch.Face != "admin" || strings.Contains(patch.Request, "EAAG") ||
			patch.Request != `{"messenger":{"access_token":"[removed]"}}` {
			t.Fatalf("admin patch recorded as %+v", patch)
		}
		for _, r := range reqs {
			if strings.Contains(r.Path, "hushhush") || strings.Contains(r.Response, e.APIKey) || strings.Contains(r.Response, e.Secret) {
				t.Fatalf("a secret was kept: %+v", r)
			}
			if r.Face == "webhook" && r.Path != "/webhooks/messenger?hub.challenge=42&hub.mode=subscribe&hub.verify_token=%5Bremoved%5D" {
				t.Fatalf("webhook verification recorded as %q", r.Path)
			}
		}
	})
}
