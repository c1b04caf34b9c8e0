package v1_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// sale is a broadcast of one text to both test users; the first named twice.
func sale(extra map[string]any) map[string]any {
	b := map[string]any{"name": "Winter sale", "channel": "messenger", "messaging_type": "UPDATE",
		"content": map[string]any{"message": map[string]any{"text": "Winter sale: 20% off today"}},
		"audience": map[string]any{"list": []any{map[string]any{"psid": harness.User}, map[string]any{"psid": harness.OtherUser},
			map[string]any{"psid": harness.User}}}}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

// broadcastOf reads a broadcast answer and returns it with its counts.
func broadcastOf(t testing.TB, body []byte) (map[string]any, map[string]any) {
	t.Helper()
	b := decode(t, body)
	counts, _ := b["counts"].(map[string]any)
	if counts == nil {
		t.Fatalf("no counts: %s", body)
	}
	return b, counts
}

// TestBroadcastCreate: a dry run counts and skips without storing or
// sending; a create answers 201 once per Idempotency-Key; the broadcast
// sends each user once, and its counts, list and recipients say so.
func TestBroadcastCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		status, _, body := e.call("POST", "/v1/broadcasts", e.APIKey, sale(map[string]any{"dry_run": true}))
		dry, counts := broadcastOf(t, body)
		if status != 200 || dry["dry_run"] != true || counts["targeted"] != float64(3) || counts["skipped"] != float64(1) ||
			dry["skipped_by_reason"].(map[string]any)["duplicate"] != float64(1) || dry["id"] != nil {
			t.Fatalf("dry run: %d %s", status, body)
		}
		_, _, body = e.call("GET", "/v1/broadcasts", e.APIKey, nil)
		if n := len(decode(t, body)["items"].([]any)); n != 0 {
			t.Fatalf("a dry run stored a broadcast: %s", body)
		}

		status, h, body := e.call("POST", "/v1/broadcasts", e.APIKey, sale(nil), "Idempotency-Key", "sale-1")
		b, _ := broadcastOf(t, body)
		id, _ := b["id"].(string)
		if status != 201 || !strings.HasPrefix(id, "bc") || h.Get("Location") != "/v1/broadcasts/"+id || b["name"] != "Winter sale" ||
			b["audience"].(map[string]any)["list_size"] != float64(3) || b["content"].(map[string]any)["message"] == nil {
			t.Fatalf("create: %d %v %s", status, h, body)
		}
		again, h2, body2 := e.call("POST", "/v1/broadcasts", e.APIKey, sale(nil), "Idempotency-Key", "sale-1")
		if again != 201 || !bytes.Equal(body, body2) || h2.Get("Idempotent-Replayed") != "true" || h2.Get("Location") != h.Get("Location") {
			t.Fatalf("replay: %d %v %s", again, h2, body2)
		}
		status, h, body = e.call("POST", "/v1/broadcasts", e.APIKey, sale(map[string]any{"name": "Other"}), "Idempotency-Key", "sale-1")
		problemOf(t, status, h, body, 422, "idempotency_key_reused")

		harness.WaitFor(t, "the broadcast to complete", 30*time.Second, func() bool {
			_, _, body := e.call("GET", "/v1/broadcasts/"+id, e.APIKey, nil)
			b, _ := broadcastOf(t, body)
			return b["state"] == "completed"
		})
		_, _, body = e.call("GET", "/v1/broadcasts/"+id, e.APIKey, nil)
		b, counts = broadcastOf(t, body)
		if counts["sent"] != float64(2) || counts["skipped"] != float64(1) || b["skipped_by_reason"].(map[string]any)["duplicate"] != float64(1) ||
			b["started_at"] == nil || b["finished_at"] == nil {
			t.Fatalf("completed: %s", body)
		}
		for _, user := range []string{harness.User, harness.OtherUser} {
			if sent := e.Fake.SentTo(user); len(sent) != 1 || !strings.Contains(string(sent[0].Body), `"text":"Winter sale: 20% off today"`) {
				t.Fatalf("fake Graph got %d sends to %s: %v", len(sent), user, sent)
			}
		}
		_, _, body = e.call("GET", "/v1/broadcasts", e.APIKey, nil)
		if items := decode(t, body)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != id {
			t.Fatalf("list: %s", body)
		}

		_, _, body = e.call("GET", "/v1/broadcasts/"+id+"/recipients?state=sent", e.APIKey, nil)
		var psids []string
		for _, it := range decode(t, body)["items"].([]any) {
			r := it.(map[string]any)
			if id, _ := r["message_id"].(string); !strings.HasPrefix(id, "msg_") || r["state"] != "sent" {
				t.Fatalf("recipient: %s", body)
			}
			psids = append(psids, r["recipient"].(string))
		}
		if slices.Sort(psids); !slices.Equal(psids, []string{harness.User, harness.OtherUser}) {
			t.Fatalf("sent recipients: %s", body)
		}
		_, _, body = e.call("GET", "/v1/broadcasts/"+id+"/recipients?state=skipped", e.APIKey, nil)
		items := decode(t, body)["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["reason"] != "duplicate" || items[0].(map[string]any)["recipient"] != harness.User {
			t.Fatalf("skipped recipients: %s", body)
		}
		// The sent messages are ordinary messages.
		_, _, body = e.call("GET", "/v1/messages?recipient="+harness.OtherUser, e.APIKey, nil)
		if items := decode(t, body)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["status"] != "sent" {
			t.Fatalf("the broadcast's message: %s", body)
		}
	})
}

// TestBroadcastRecipientsCSV: format=csv and Accept: text/csv export every
// matching recipient, with a header; paging parameters are refused there.
func TestBroadcastRecipientsCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		future := e.Server.Store.Now().Add(time.Hour).UTC().Truncate(time.Second)
		_, _, body := e.call("POST", "/v1/broadcasts", e.APIKey, sale(map[string]any{"schedule": map[string]any{"at": future.Format(time.RFC3339)}}))
		id, _ := decode(t, body)["id"].(string)
		harness.WaitFor(t, "the recipients", 30*time.Second, func() bool {
			_, _, body := e.call("GET", "/v1/broadcasts/"+id+"/recipients", e.APIKey, nil)
			return len(decode(t, body)["items"].([]any)) == 3
		})
		for _, ask := range [][]string{{"?format=csv"}, {"", "Accept", "text/csv"}, {"?state=scheduled", "Accept", "text/csv, application/json"}} {
			status, h, body := e.call("GET", "/v1/broadcasts/"+id+"/recipients"+ask[0], e.APIKey, nil, ask[1:]...)
			if status != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(h.Get("Content-Disposition"), id+"-recipients.csv") {
				t.Fatalf("%v: %d %v %s", ask, status, h, body)
			}
			rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatalf("%v: not CSV: %v\n%s", ask, err, body)
			}
			want := [][]string{{"recipient", "state", "scheduled_at", "message_id", "reason"},
				{harness.OtherUser, "scheduled", future.Format(time.RFC3339), "", ""},
				{harness.User, "scheduled", future.Format(time.RFC3339), "", ""},
				{harness.User, "skipped", "", "", "duplicate"}}
			if ask[0] == "?state=scheduled" {
				want = want[:3]
			}
			slices.SortFunc(rows[1:], func(a, b []string) int { return strings.Compare(strings.Join(a, ","), strings.Join(b, ",")) })
			if !slices.EqualFunc(rows, want, slices.Equal) {
				t.Fatalf("%v: rows %q; want %q", ask, rows, want)
			}
		}
		status, h, body := e.call("GET", "/v1/broadcasts/"+id+"/recipients?format=csv&limit=1", e.APIKey, nil)
		problemOf(t, status, h, body, 400, "invalid")
		status, h, body = e.call("GET", "/v1/broadcasts/"+id+"/recipients?state=lost", e.APIKey, nil)
		problemOf(t, status, h, body, 400, "invalid")
		status, h, body = e.call("GET", "/v1/broadcasts/bc_nope/recipients?format=csv", e.APIKey, nil)
		problemOf(t, status, h, body, 404, "not_found")

		// Pages: two of one and a last of one, the cursor carrying on.
		seen := 0
		for path := "/v1/broadcasts/" + id + "/recipients?limit=2"; path != ""; {
			_, _, body := e.call("GET", path, e.APIKey, nil)
			page := decode(t, body)
			seen += len(page["items"].([]any))
			path = ""
			if next, ok := page["next_cursor"].(string); ok {
				path = "/v1/broadcasts/" + id + "/recipients?limit=2&cursor=" + next
			}
		}
		if seen != 3 {
			t.Fatalf("paged through %d recipients; want 3", seen)
		}
	})
}

// TestBroadcastLifecycle: pause, resume and cancel a scheduled broadcast;
// a change its state forbids is a conflict; unknown ids are not found.
func TestBroadcastLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		at := e.Server.Store.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		_, _, body := e.call("POST", "/v1/broadcasts", e.APIKey, sale(map[string]any{"schedule": map[string]any{"at": at}}))
		id, _ := decode(t, body)["id"].(string)
		step := func(action, want string) {
			t.Helper()
			status, _, body := e.call("POST", "/v1/broadcasts/"+id+"/"+action, e.APIKey, nil)
			if b := decode(t, body); status != 200 || b["state"] != want || b["id"] != id {
				t.Fatalf("%s: %d %s; want state %s", action, status, body, want)
			}
		}
		step("pause", "paused")
		step("resume", "scheduled")
		step("cancel", "cancelled")
		for _, action := range []string{"pause", "resume", "cancel"} {
			status, h, body := e.call("POST", "/v1/broadcasts/"+id+"/"+action, e.APIKey, nil)
			problemOf(t, status, h, body, 409, "conflict")
		}
		if n := len(e.Fake.SentTo(harness.User)); n != 0 {
			t.Fatalf("a cancelled broadcast sent %d messages", n)
		}
		for _, path := range []string{"/v1/broadcasts/bc_nope", "/v1/broadcasts/bc_nope/recipients"} {
			status, h, body := e.call("GET", path, e.APIKey, nil)
			problemOf(t, status, h, body, 404, "not_found")
		}
		for _, action := range []string{"pause", "resume", "cancel"} {
			status, h, body := e.call("POST", "/v1/broadcasts/bc_nope/"+action, e.APIKey, nil)
			problemOf(t, status, h, body, 404, "not_found")
		}
	})
}

// TestBroadcastRefusals: bad bodies are problems naming the field; scopes
// hold (manage to create and change, read to read); another bot's
// broadcast is not found.
func TestBroadcastRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		for _, c := range []struct {
			body  any
			field string
		}{
			{sale(map[string]any{"colour": "red"}), "colour"},
			{sale(map[string]any{"expires_at": "tomorrow"}), "expires_at"},
			{sale(map[string]any{"schedule": map[string]any{"at": "09:00"}}), "schedule.at"},
			{sale(map[string]any{"audience": map[string]any{"wrote_within": "a week"}}), "audience.wrote_within"},
			{sale(map[string]any{"audience": map[string]any{"list": []any{map[string]any{"psid": harness.User, "tier": "gold"}}}}), "audience.list[0].tier"},
		} {
			status, h, body := e.call("POST", "/v1/broadcasts", e.APIKey, c.body)
			p := problemOf(t, status, h, body, 400, "invalid")
			if errs, _ := p["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != c.field {
				t.Fatalf("%s: %s", c.field, body)
			}
		}
		// What the body means is the engine's to check: its errors are problems too.
		for _, body := range []map[string]any{
			sale(map[string]any{"content": map[string]any{}}),
			sale(map[string]any{"audience": map[string]any{}}),
			sale(map[string]any{"channel": "telegram"}),
		} {
			status, h, answer := e.call("POST", "/v1/broadcasts", e.APIKey, body)
			if status != 400 || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%v: %d %s", body, status, answer)
			}
		}
		status, h, body := e.call("POST", "/v1/broadcasts", e.APIKey, "name=x", "Content-Type", "application/x-www-form-urlencoded")
		problemOf(t, status, h, body, 415, "unsupported_media_type")

		var reader, sender struct {
			Key string `json:"key"`
		}
		e.Admin("POST", "/admin/v1/bots/"+e.BotID+"/api-keys", map[string]any{"scopes": []string{"read"}}, 201, &reader)
		e.Admin("POST", "/admin/v1/bots/"+e.BotID+"/api-keys", map[string]any{"scopes": []string{"send"}}, 201, &sender)
		status, h, body = e.call("POST", "/v1/broadcasts", reader.Key, sale(nil))
		if p := problemOf(t, status, h, body, 403, "forbidden"); p["detail"] != "this API key lacks the manage scope" {
			t.Fatalf("403: %s", body)
		}
		status, h, body = e.call("POST", "/v1/broadcasts", sender.Key, sale(nil))
		problemOf(t, status, h, body, 403, "forbidden")
		status, h, body = e.call("POST", "/v1/broadcasts/audience", reader.Key, "psid\n1\n", "Content-Type", "text/csv")
		problemOf(t, status, h, body, 403, "forbidden")
		status, h, body = e.call("GET", "/v1/broadcasts", sender.Key, nil)
		problemOf(t, status, h, body, 403, "forbidden")
		status, h, body = e.call("GET", "/v1/broadcasts", "", nil)
		problemOf(t, status, h, body, 401, "unauthenticated")

		status, _, body = e.call("POST", "/v1/broadcasts", e.APIKey, sale(map[string]any{"schedule": map[string]any{"at": "2099-01-01T00:00:00Z"}}))
		id, _ := decode(t, body)["id"].(string)
		if status != 201 {
			t.Fatalf("create: %d %s", status, body)
		}
		if status, _, body := e.call("GET", "/v1/broadcasts/"+id, reader.Key, nil); status != 200 {
			t.Fatalf("a read key reads: %d %s", status, body)
		}
		status, h, body = e.call("POST", "/v1/broadcasts/"+id+"/cancel", reader.Key, nil)
		problemOf(t, status, h, body, 403, "forbidden")

		var other struct {
			ID string `json:"id"`
		}
		e.Admin("POST", "/admin/v1/bots", map[string]any{"name": "Other shop"}, 201, &other)
		var otherKey struct {
			Key string `json:"key"`
		}
		e.Admin("POST", "/admin/v1/bots/"+other.ID+"/api-keys", nil, 201, &otherKey)
		status, h, body = e.call("GET", "/v1/broadcasts/"+id, otherKey.Key, nil)
		problemOf(t, status, h, body, 404, "not_found")
		status, h, body = e.call("POST", "/v1/broadcasts/"+id+"/cancel", otherKey.Key, nil)
		problemOf(t, status, h, body, 404, "not_found")
	})
}

// TestAudienceUpload: CSV and JSON Lines lists are kept with their refused
// rows; a broadcast names the upload; other types are refused.
func TestAudienceUpload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		list := "psid,code\n" + harness.User + ",A1\n\n" + harness.OtherUser + ",B2\n,C3\n"
		status, _, body := e.call("POST", "/v1/broadcasts/audience", e.APIKey, list, "Content-Type", "text/csv")
		up := decode(t, body)
		refused, _ := up["refused"].([]any)
		if status != 201 || up["rows"] != float64(2) || len(refused) != 1 || refused[0].(map[string]any)["line"] != float64(5) {
			t.Fatalf("csv upload: %d %s", status, body)
		}
		jsonl := `{"psid":"` + harness.User + `","params":{"code":"A1"}}` + "\n" + `{"psid":"` + harness.OtherUser + `","params":{"code":"B2"}}` + "\n"
		status, _, body = e.call("POST", "/v1/broadcasts/audience", e.APIKey, jsonl, "Content-Type", "application/x-ndjson")
		up = decode(t, body)
		if status != 201 || up["rows"] != float64(2) || len(up["refused"].([]any)) != 0 {
			t.Fatalf("jsonl upload: %d %s", status, body)
		}
		status, _, body = e.call("POST", "/v1/broadcasts", e.APIKey, sale(map[string]any{"dry_run": true,
			"audience": map[string]any{"upload": up["id"]}}))
		if _, counts := broadcastOf(t, body); status != 200 || counts["targeted"] != float64(2) {
			t.Fatalf("dry run of the upload: %d %s", status, body)
		}
		status, h, body := e.call("POST", "/v1/broadcasts/audience", e.APIKey, jsonl, "Content-Type", "application/json")
		problemOf(t, status, h, body, 415, "unsupported_media_type")
		status, h, body = e.call("POST", "/v1/broadcasts", e.APIKey, sale(map[string]any{"audience": map[string]any{"upload": "aud_nope"}}))
		if status != 400 && status != 404 {
			t.Fatalf("unknown upload: %d %v %s", status, h, body)
		}
	})
}
