package broadcast_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// env is a real botgate on the injected clock, with the fake Graph.
type env struct {
	*harness.Env
	clk *storetest.Clock
	bot *core.Bot
}

func start(t *testing.T, db storetest.DB, at time.Time, opts harness.Options) *env {
	t.Helper()
	clk := storetest.NewClock(at)
	outer := opts.Config
	opts.Config = func(c *server.Config) {
		c.Now = clk.Now
		if outer != nil {
			outer(c)
		}
	}
	e := &env{Env: harness.Start(t, db, opts), clk: clk}
	e.reloadBot()
	return e
}

func (e *env) reloadBot() {
	e.T.Helper()
	bot, err := e.Server.Store.GetBot(context.Background(), e.BotID)
	if err != nil {
		e.T.Fatal(err)
	}
	e.bot = bot
}

func (e *env) svc() *broadcast.Service { return e.Server.Broadcasts }

// importCSV loads rows through the admin API's import, as an operator would.
func (e *env) importCSV(kind, csv string) {
	e.T.Helper()
	status, body := e.Do(http.MethodPost, "/admin/v1/bots/"+e.BotID+"/import?kind="+kind+"&format=csv",
		http.Header{"Authorization": {"Bearer " + harness.AdminToken}}, []byte(csv))
	if status != http.StatusOK || !strings.Contains(string(body), `"refused":0`) {
		e.T.Fatalf("import %s: %d %s", kind, status, body)
	}
}

// user adds a Messenger user to the fake Graph and to botgate's contacts,
// with a profile time zone and, when wrote is not zero, a last message.
func (e *env) user(psid string, tz float64, wrote time.Time) {
	e.T.Helper()
	e.Fake.AddUser(harness.Page, psid, fakegraph.Profile{FirstName: "U" + psid[len(psid)-3:], Timezone: tz})
	last := ""
	if !wrote.IsZero() {
		last = wrote.UTC().Format(time.RFC3339)
	}
	e.importCSV("contacts", fmt.Sprintf("page_id,psid,first_name,timezone,last_interaction_at\n%s,%s,U%s,%v,%s\n",
		harness.Page, psid, psid[len(psid)-3:], tz, last))
}

// sendsTo counts the fake Graph's accepted sends per recipient id.
func sendsTo(f *fakegraph.Server) map[string]int {
	out := map[string]int{}
	for _, s := range f.Sends() {
		if id, ok := s.Recipient["id"].(string); ok {
			out[id]++
		} else if tok, ok := s.Recipient["notification_messages_token"].(string); ok {
			out[tok]++
		}
	}
	return out
}

func (e *env) get(id string) *broadcast.Broadcast {
	e.T.Helper()
	b, err := e.svc().Get(context.Background(), e.BotID, id)
	if err != nil {
		e.T.Fatal(err)
	}
	return b
}

func (e *env) waitState(id, state string) *broadcast.Broadcast {
	e.T.Helper()
	var b *broadcast.Broadcast
	deadline := time.Now().Add(wait)
	for {
		b = e.get(id)
		if b.State == state {
			return b
		}
		if time.Now().After(deadline) {
			e.T.Fatalf("timed out after %v waiting for broadcast %s; it is %s with %+v, skipped %v, estimated finish %v",
				wait, state, b.State, b.Counts, b.SkippedByReason, b.EstimatedFinishAt)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func psids(n int, base int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("7%014d", base+i)
	}
	return out
}

// wait bounds every poll: generous, for a busy machine.
const wait = 90 * time.Second
