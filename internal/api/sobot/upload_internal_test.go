package sobot

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/graph"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// Graph's temporary failures are retried with backoff; when the attempts
// run out, the failure is what the webhook URL receives. The fake Graph
// injects failures into sends only, so this test answers uploads itself.
func TestUploadRetries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		now := time.Now().UTC().Truncate(time.Millisecond)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		st := db.Open(t, store.Options{Now: clock})
		bot := &core.Bot{ID: "bot_upload", Name: "Shop", Messenger: &core.MessengerChannel{PageID: "1", AccessToken: "t"},
			WebhookURL: "https://merchant.example/hooks", CallbackSecret: notify.NewSecret()}
		if err := st.CreateBot(ctx, bot); err != nil {
			t.Fatal(err)
		}
		const unavailable = `{"error":{"message":"Service temporarily unavailable","type":"OAuthException","code":2}}`
		var answers []string // what Graph answers next, in order
		answer := func(next ...string) { mu.Lock(); defer mu.Unlock(); answers = next }
		graphSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			mu.Lock()
			body := answers[0]
			answers = answers[1:]
			mu.Unlock()
			if strings.HasPrefix(body, `{"error"`) {
				w.WriteHeader(http.StatusInternalServerError)
			}
			_, _ = io.WriteString(w, body)
		}))
		t.Cleanup(graphSrv.Close)
		h := &Handler{Store: st, Graph: graph.New(graphSrv.URL, "v25.0", nil), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Notify: &notify.Notifier{Store: st, Enqueued: queue.NewHandoff[*core.Delivery](8)}}
		run := func(track string, attempts int) {
			t.Helper()
			ref, _ := json.Marshal(upload{Track: track, Bot: bot.ID, Type: "image", URL: "https://example.com/a.png"})
			var jobs []queue.Job
			err := st.Write(ctx, func(tx *store.Tx) error {
				if err := queue.Enqueue(tx, UploadJobKind, string(ref), attempts, tx.Now()); err != nil {
					return err
				}
				var err error
				jobs, err = queue.Claim(tx, UploadJobKind, "test", time.Minute, 1)
				return err
			})
			if err != nil || len(jobs) != 1 {
				t.Fatalf("claim: %v %v", jobs, err)
			}
			if err := h.HandleUpload(ctx, jobs[0]); err != nil {
				t.Fatal(err)
			}
		}
		bodies := func() []string {
			ds, err := st.ListDeliveries(ctx, bot.ID, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, d := range ds {
				out = append(out, string(d.Body))
			}
			return out
		}

		// The last attempt fails transiently: the failure is delivered.
		answer(unavailable)
		run("t1", 1)
		want := `{"track_id":"t1","error":{"ret_code":"999999","ret_msg":"Facebook did not take the upload in time: graph error 2: ` +
			`Service temporarily unavailable","upstream":{"http_status":500,"code":2,"type":"OAuthException","message":"Service temporarily unavailable"}}}`
		if got := bodies(); len(got) != 1 || got[0] != want {
			t.Fatalf("deliveries %v, want [%s]", got, want)
		}

		// An earlier attempt fails transiently: tried again after the backoff.
		answer(unavailable, `{"attachment_id":"77"}`)
		run("t2", 8)
		var state string
		var runAt int64
		if err := st.ReadRow(ctx, `SELECT state, run_at FROM jobs WHERE kind = $1`, UploadJobKind).Scan(&state, &runAt); err != nil {
			t.Fatal(err)
		}
		wait := time.UnixMilli(runAt).Sub(now)
		if state != queue.StateRetryable || wait < 4*time.Second || wait > 6*time.Second {
			t.Fatalf("job %s, to run in %v; want retryable in about 5 s", state, wait)
		}
		mu.Lock()
		now = now.Add(time.Minute)
		mu.Unlock()
		var jobs []queue.Job
		if err := st.Write(ctx, func(tx *store.Tx) error {
			var err error
			jobs, err = queue.Claim(tx, UploadJobKind, "test", time.Minute, 1)
			return err
		}); err != nil || len(jobs) != 1 {
			t.Fatalf("claim again: %v %v", jobs, err)
		}
		if err := h.HandleUpload(ctx, jobs[0]); err != nil {
			t.Fatal(err)
		}
		if got := bodies(); len(got) != 2 || got[0] != `{"track_id":"t2","attachment_id":"77"}` {
			t.Fatalf("deliveries %v", got)
		}
	})
}
