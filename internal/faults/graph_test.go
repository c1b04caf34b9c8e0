package faults

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// Graph turns slow (responses later than the Graph timeout), resets
// connections, stalls them, and answers 5xx, in turn, under a steady async
// load. Sync requests answer within their bound with 503 / 18000; every
// accepted async request is sent and called back once it recovers, each
// recorded once. A request id reaches Graph twice only when Graph received
// the body and its answer was lost (a timeout or reset after the request);
// those are counted and reported.
func TestGraphFaultsLoseNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		var px *proxy
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) {
			px, c.GraphURL = proxyURL(t, c.GraphURL)
			c.GraphTimeout, c.SyncTimeout, c.JobLease = 500*time.Millisecond, 1500*time.Millisecond, 5*time.Second
			c.SendWorkers, c.SendAttempts = 8, 1000 // the faults outlast a short attempt budget
		}})
		l := &ids{prefix: "a"}
		refused := map[int]int{}
		stop := steadyLoad(t, env.Server.URL(), env.APIKey, l, 50*time.Millisecond, refused)

		syncAnswers := map[string]int{}
		probe := func(phase string) {
			for _, id := range []string{phase + "-sync"} {
				status, body, err := send(env.Server.URL(), env.APIKey, id, true)
				if err != nil {
					t.Errorf("%s: sync %s: %v", phase, id, err)
					continue
				}
				var e struct {
					Error struct{ Code int } `json:"error"`
				}
				_ = json.Unmarshal(body, &e)
				if status != http.StatusServiceUnavailable || e.Error.Code != 18000 {
					t.Errorf("%s: sync %s = %d %s, want 503 with code 18000", phase, id, status, body)
				}
				syncAnswers[phase]++
			}
		}
		phase := func(name string, on, off func()) {
			on()
			probe(name) // async sends fail and back off meanwhile
			off()
		}
		time.Sleep(500 * time.Millisecond)
		// Graph answers after 1 s; botgate gives up after 0.5 s.
		phase("slow", func() { px.add("slow", "latency", "downstream", map[string]int64{"latency": 1000}) },
			func() { px.remove("slow") })
		// Connections reset as soon as they open.
		phase("reset", func() { px.add("reset", "reset_peer", "downstream", map[string]int64{"timeout": 0}) },
			func() { px.remove("reset") })
		// Connections stall: nothing gets through, nothing closes.
		phase("stall", func() { px.add("stall", "timeout", "upstream", map[string]int64{"timeout": 0}) },
			func() { px.remove("stall") })
		// Graph answers 5xx (transient errors).
		phase("5xx", func() { env.Fake.SetTransientRate(1) }, func() { env.Fake.SetTransientRate(0) })
		stop()

		accepted := l.list()
		if len(accepted) < 30 {
			t.Fatalf("only %d async requests accepted (refused: %s)", len(accepted), fmtCounts(refused))
		}
		dups := accountFor(t, env.Fake, env.Inbox, accepted)
		t.Logf("%s: %d async accepted (refused: %s), all sent and called back once; %d reached Graph twice (answer lost after Graph had the body); sync answers 503/18000: %v",
			db.Kind, len(accepted), fmtCounts(refused), dups, syncAnswers)
	})
}
