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

// sale is a broadcast of one text to both test users.
func sale(extra map[string]any) map[string]any {
	b := map[string]any{"name": "Winter sale", "channel": "messenger", "messaging_type": "RESPONSE",
		"content":  map[string]any{"message": map[string]any{"text": "Winter sale: 20% off today"}},
		"audience": map[string]any{"list": []any{map[string]any{"psid": harness.User}, map[string]any{"psid": harness.OtherUser}}}}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

// writes has the first test user write to the page, so their window is
// open; the other user never wrote, so a RESPONSE to them is skipped.
func writes(t *testing.T, e *env) {
	t.Helper()
	if _, err := e.Fake.UserSendsText(harness.Page, harness.User, "Hi!"); err != nil {
		t.Fatal(err)
	}
	harness.WaitFor(t, "the contact", 10*time.Second, func() bool {
		status, _, _ := e.call("GET", "/v1/contacts/"+harness.User, e.APIKey, nil)
		return status == 200
	})
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
// sends to the user whose window is open, once, skips the other with the
// reason, and its counts, list and recipients say so.
func TestBroadcastCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		writes(t, e)
		status, _, body := e.call("POST", "/v1/broadcasts", e.APIKey, sale(map[string]any{"dry_run": true}))
		dry, counts := broadcastOf(t, body)
		if status != 200 || dry["dry_run"] != true || counts["targeted"] != float64(2) || counts["skipped"] != float64(1) ||
			dry["skipped_by_reason"].(map[string]any)["outside_window"] != float64(1) || dry["id"] != nil {
			t.Fatalf("dry run: %d %s", status, body)
		}
		_, _, body = e.call("GET", "/v1/broadcasts", e.APIKey, nil)
		if n := len(decode(t, body)["items"].([]any)); n != 0 {
			t.Fatalf("a dry run stored a broadcast: %s", body)
		}

		status, h, body := e.call("POST", "/v1/broadcasts", e.APIKey, sale(nil), "Idempotency-Key", "sale-1")
		b, _ := broadcastOf(t, body)
		id, _ := b["id"].(string)
		if status != 201 || !strings.HasPrefix(id, "bc_") || h.Get("Location") != "/v1/broadcasts/"+id || b["name"] != "Winter sale" ||
			b["audience"].(map[string]any)["list_size"] != float64(2) || b["content"].(map[string]any)["message"] == nil ||
			b["scheduled_at"] != b["created_at"] {
			t.Fatalf("create: %d %v %s", status, h, body)
		}
		again, h2, body2 := e.call("POST", "/v1/broadcasts", e.APIKey, sale(nil), "Idempotency-Key", "sale-1")
		if again != 201 || !bytes.Equal(body, body2) || h2.Get("Idempotent-Replayed") != "true" || h2.Get("Location") != h.Get("Location") {
			t.Fatalf("replay: %d %v %s", again, h2, body2)
		}
		status, h, body = e.call("POST", "/v1/broadcasts", e.APIKey, sale(map[string]any{"name": "Other"}), "Idempotency-Key", "sale-1")
		problemOf(t, status, h, body, 422, "idempotency_key_reused")

		completed(t, e, id)
		_, _, body = e.call("GET", "/v1/broadcasts/"+id, e.APIKey, nil)
		b, counts = broadcastOf(t, body)
		if counts["sent"] != float64(1) || counts["skipped"] != float64(1) || b["skipped_by_reason"].(map[string]any)["outside_window"] != float64(1) ||
			b["started_at"] == nil || b["finished_at"] == nil {
			t.Fatalf("completed: %s", body)
		}
		if sent := e.Fake.SentTo(harness.User); len(sent) != 1 || !strings.Contains(string(sent[0].Body), `"text":"Winter sale: 20% off today"`) {
			t.Fatalf("fake Graph got %d sends to the user: %v", len(sent), sent)
		}
		if sent := e.Fake.SentTo(harness.OtherUser); len(sent) != 0 {
			t.Fatalf("fake Graph got %d sends to the skipped user", len(sent))
		}
		_, _, body = e.call("GET", "/v1/broadcasts", e.APIKey, nil)
		if items := decode(t, body)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != id {
			t.Fatalf("list: %s", body)
		}

		_, _, body = e.call("GET", "/v1/broadcasts/"+id+"/recipients?state=sent", e.APIKey, nil)
		items := decode(t, body)["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["recipient"] != harness.User || !strings.HasPrefix(items[0].(map[string]any)["message_id"].(string), "msg_") {
			t.Fatalf("sent recipients: %s", body)
		}
		_, _, body = e.call("GET", "/v1/broadcasts/"+id+"/recipients?state=skipped&reason=outside_window", e.APIKey, nil)
		items = decode(t, body)["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["recipient"] != harness.OtherUser {
			t.Fatalf("skipped recipients: %s", body)
		}
		// The sent message is an ordinary message.
		_, _, body = e.call("GET", "/v1/messages?recipient="+harness.User, e.APIKey, nil)
		if items := decode(t, body)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["status"] != "sent" {
			t.Fatalf("the broadcast's message: %s", body)
		}
	})
}

// completed waits until the broadcast has completed (every recipient
// handed over) and none of its messages is still on its way.
func completed(t *testing.T, e *env, id string) {
	t.Helper()
	harness.WaitFor(t, "the broadcast to complete", 60*time.Second, func() bool {
		_, _, body := e.call("GET", "/v1/broadcasts/"+id, e.APIKey, nil)
		b, counts := broadcastOf(t, body)
		return b["state"] == "completed" && counts["queued"] == float64(0)
	})
}

// TestBroadcastRecipientsCSV: format=csv and Accept: text/csv export every
// matching recipient, with a header; paging parameters are refused there;
// JSON pages follow their cursor.
func TestBroadcastRecipientsCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		writes(t, e)
		list := []any{map[string]any{"psid": harness.User}, map[string]any{"psid": harness.OtherUser}, map[string]any{"psid": "524807506000009"}}
		_, _, body := e.call("POST", "/v1/broadcasts", e.APIKey, sale(map[string]any{"audience": map[string]any{"list": list}}))
		id, _ := decode(t, body)["id"].(string)
		completed(t, e, id)
		// The export is the JSON listing's rows: one sent, two skipped.
		_, _, body = e.call("GET", "/v1/broadcasts/"+id+"/recipients", e.APIKey, nil)
		all := [][]string{{"recipient", "state", "scheduled_at", "message_id", "reason"}}
		for _, it := range decode(t, body)["items"].([]any) {
			r := it.(map[string]any)
			all = append(all, []string{val(r["recipient"]), val(r["state"]), val(r["scheduled_at"]), val(r["message_id"]), val(r["reason"])})
		}
		byText := func(a, b []string) int { return strings.Compare(strings.Join(a, ","), strings.Join(b, ",")) }
		slices.SortFunc(all[1:], byText)
		if len(all) != 4 || all[1][0] != harness.User || all[1][1] != "sent" || !strings.HasPrefix(all[1][3], "msg_") ||
			all[2][1] != "skipped" || all[2][4] != "outside_window" || all[3][0] != "524807506000009" || all[3][4] != "outside_window" {
			t.Fatalf("recipients: %q", all)
		}
		for _, ask := range [][]string{{"?format=csv"}, {"", "Accept", "text/csv"}, {"?state=skipped", "Accept", "text/csv, application/json"}} {
			status, h, body := e.call("GET", "/v1/broadcasts/"+id+"/recipients"+ask[0], e.APIKey, nil, ask[1:]...)
			if status != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(h.Get("Content-Disposition"), id+"-recipients.csv") {
				t.Fatalf("%v: %d %v %s", ask, status, h, body)
			}
			rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatalf("%v: not CSV: %v\n%s", ask, err, body)
			}
			want := all
			if ask[0] == "?state=skipped" {
				want = [][]string{all[0], all[2], all[3]}
			}
			slices.SortFunc(rows[1:], byText)
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

		// Pages of two: two pages, the cursor carrying on, nobody twice.
		var seen []string
		for path := "/v1/broadcasts/" + id + "/recipients?limit=2"; path != ""; {
			_, _, body := e.call("GET", path, e.APIKey, nil)
			page := decode(t, body)
			for _, it := range page["items"].([]any) {
				seen = append(seen, it.(map[string]any)["recipient"].(string))
			}
			path = ""
			if next, ok := page["next_cursor"].(string); ok {
				path = "/v1/broadcasts/" + id + "/recipients?limit=2&cursor=" + next
			}
		}
		if slices.Sort(seen); !slices.Equal(seen, []string{harness.User, harness.OtherUser, "524807506000009"}) {
			t.Fatalf("paged through %v", seen)
		}
	})
}

// val is a JSON string, "" when absent.
func val(v any) string { s, _ := v.(string); return s }

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

// TestBroadcastDraft: a draft is created with "draft": true and sends
// nothing; PUT replaces its spec (checked like a create, dry_run and draft
// refused); pause and resume are conflicts; schedule sends the edited text;
// then it is no draft to edit, schedule or delete. DELETE removes a draft.
// Scopes: read reads a draft, only manage changes one.
func TestBroadcastDraft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		writes(t, e)
		one := map[string]any{"list": []any{map[string]any{"psid": harness.User}}}
		status, h, body := e.call("POST", "/v1/broadcasts", e.APIKey, sale(map[string]any{"draft": true, "audience": one}))
		b, counts := broadcastOf(t, body)
		id, _ := b["id"].(string)
		if status != 201 || b["state"] != "draft" || h.Get("Location") != "/v1/broadcasts/"+id || counts["targeted"] != float64(0) || b["started_at"] != nil ||
			b["scheduled_at"] != nil {
			t.Fatalf("create a draft: %d %s", status, body)
		}
		created, err := time.Parse(time.RFC3339Nano, b["created_at"].(string))
		if err != nil {
			t.Fatal(err)
		}
		_, _, body = e.call("GET", "/v1/broadcasts", e.APIKey, nil)
		if items := decode(t, body)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["state"] != "draft" {
			t.Fatalf("list: %s", body)
		}
		for _, action := range []string{"pause", "resume"} {
			status, h, body := e.call("POST", "/v1/broadcasts/"+id+"/"+action, e.APIKey, nil)
			if p := problemOf(t, status, h, body, 409, "conflict"); !strings.Contains(p["detail"].(string), "is a draft") {
				t.Fatalf("%s a draft: %s", action, body)
			}
		}

		// An edit is a create's body, checked the same way.
		for field, edit := range map[string]map[string]any{
			"dry_run":  sale(map[string]any{"dry_run": true}),
			"draft":    sale(map[string]any{"draft": true}),
			"content":  sale(map[string]any{"content": map[string]any{}}),
			"audience": sale(map[string]any{"audience": map[string]any{}}),
		} {
			status, h, body := e.call("PUT", "/v1/broadcasts/"+id, e.APIKey, edit)
			p := problemOf(t, status, h, body, 400, "invalid")
			if errs, _ := p["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != field {
				t.Fatalf("edit refused on %s: %s", field, body)
			}
		}
		edited := sale(map[string]any{"name": "Winter sale, edited", "audience": one,
			"content": map[string]any{"message": map[string]any{"text": "Winter sale: 30% off today"}}})
		status, _, body = e.call("PUT", "/v1/broadcasts/"+id, e.APIKey, edited)
		b, _ = broadcastOf(t, body)
		if status != 200 || b["state"] != "draft" || b["name"] != "Winter sale, edited" ||
			b["content"].(map[string]any)["message"].(map[string]any)["text"] != "Winter sale: 30% off today" {
			t.Fatalf("edit: %d %s", status, body)
		}
		if n := len(e.Fake.SentTo(harness.User)); n != 0 {
			t.Fatalf("a draft sent %d messages", n)
		}

		status, _, body = e.call("POST", "/v1/broadcasts/"+id+"/schedule", e.APIKey, nil)
		if b, _ = broadcastOf(t, body); status != 200 || (b["state"] != "scheduled" && b["state"] != "running" && b["state"] != "completed") {
			t.Fatalf("schedule: %d %s", status, body)
		}
		// The schedule counts from the moment of scheduling, not the draft's creation.
		scheduled, _ := b["scheduled_at"].(string)
		if at, err := time.Parse(time.RFC3339Nano, scheduled); err != nil || at.Before(created) {
			t.Fatalf("scheduled_at %q of a draft created at %v: %v", scheduled, created, err)
		}
		completed(t, e, id)
		if sent := e.Fake.SentTo(harness.User); len(sent) != 1 || sent[0].Parsed["message"].(map[string]any)["text"] != "Winter sale: 30% off today" {
			t.Fatalf("fake Graph got %d sends: %v", len(sent), sent)
		}
		for _, c := range [][2]string{{"PUT", ""}, {"POST", "/schedule"}, {"DELETE", ""}} {
			status, h, body := e.call(c[0], "/v1/broadcasts/"+id+c[1], e.APIKey, edited)
			if c[0] != "PUT" {
				status, h, body = e.call(c[0], "/v1/broadcasts/"+id+c[1], e.APIKey, nil)
			}
			if p := problemOf(t, status, h, body, 409, "conflict"); !strings.Contains(p["detail"].(string), "is completed; only a draft can be") {
				t.Fatalf("%v a completed broadcast: %s", c, body)
			}
		}

		// Delete a draft: gone. Unknown ids are not found; a read key reads, never changes.
		_, _, body = e.call("POST", "/v1/broadcasts", e.APIKey, sale(map[string]any{"draft": true}))
		gone, _ := decode(t, body)["id"].(string)
		var reader struct {
			Key string `json:"key"`
		}
		e.Admin("POST", "/admin/v1/bots/"+e.BotID+"/api-keys", map[string]any{"scopes": []string{"read"}}, 201, &reader)
		if status, _, body := e.call("GET", "/v1/broadcasts/"+gone, reader.Key, nil); status != 200 || decode(t, body)["state"] != "draft" {
			t.Fatalf("a read key reads a draft: %d %s", status, body)
		}
		for _, c := range [][2]string{{"PUT", ""}, {"POST", "/schedule"}, {"DELETE", ""}} {
			var in any
			if c[0] == "PUT" {
				in = edited
			}
			status, h, body := e.call(c[0], "/v1/broadcasts/"+gone+c[1], reader.Key, in)
			problemOf(t, status, h, body, 403, "forbidden")
			status, h, body = e.call(c[0], "/v1/broadcasts/bc_nope"+c[1], e.APIKey, in)
			problemOf(t, status, h, body, 404, "not_found")
		}
		if status, _, body := e.call("DELETE", "/v1/broadcasts/"+gone, e.APIKey, nil); status != 204 || len(body) != 0 {
			t.Fatalf("delete: %d %s", status, body)
		}
		status, h, body = e.call("GET", "/v1/broadcasts/"+gone, e.APIKey, nil)
		problemOf(t, status, h, body, 404, "not_found")
		status, h, body = e.call("DELETE", "/v1/broadcasts/"+gone, e.APIKey, nil)
		problemOf(t, status, h, body, 404, "not_found")
	})
}
