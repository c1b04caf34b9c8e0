package main

import (
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// A real botgate process killed with SIGKILL in the middle of a broadcast,
// then started again, finishes it: every recipient's message exactly once
// (one message per recipient, whichever process sent it), and Graph
// reached once per recipient except for a send whose answer came back in
// the moment between Graph's answer and the commit, which is counted.
func TestSIGKILLMidBroadcastSendsEachRecipientOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		w := newWorld(t, db)
		w.fake.SetLatency(time.Millisecond)
		const n = 300
		var list []map[string]any
		for i := range n {
			psid := fmt.Sprintf("8%014d", i)
			w.fake.AddUser(harness.Page, psid, fakegraph.Profile{FirstName: "U"})
			list = append(list, map[string]any{"psid": psid})
		}
		addr := freeAddr(t)
		p := startProc(t, addr, w.args...)
		w.setup(t, p)
		var bots struct{ Bots []struct{ ID string } }
		p.get("/admin/v1/bots", &bots)
		botID := bots.Bots[0].ID
		status, body, err := p.post("/admin/v1/bots/"+botID+"/broadcasts", "", map[string]any{
			"name": "crash", "channel": "messenger", "content": map[string]any{"message": map[string]any{"text": "Sale!"}},
			"audience": map[string]any{"list": list}, "messaging_type": "MESSAGE_TAG", "tag": "ACCOUNT_UPDATE", "rate_per_second": 100})
		if err != nil || status != 201 {
			t.Fatalf("create: %d %s %v", status, body, err)
		}
		var b struct{ ID string }
		_ = json.Unmarshal(body, &b)
		harness.WaitFor(t, "sends under way", 30*time.Second, func() bool { return w.fake.SendCount() >= 60 })
		if _, err := p.signal(syscall.SIGKILL); err == nil {
			t.Fatal("botgate exited cleanly on SIGKILL?")
		}
		before := w.fake.SendCount()
		if before >= n {
			t.Fatalf("the broadcast finished (%d sends) before the kill", before)
		}
		p2 := startProc(t, addr, w.args...)
		var got struct {
			State  string
			Counts struct{ Targeted, Scheduled, Queued, Sent, Failed, Skipped int64 }
		}
		harness.WaitFor(t, "the broadcast completed and sent", 60*time.Second, func() bool {
			p2.get("/admin/v1/bots/"+botID+"/broadcasts/"+b.ID, &got)
			return got.State == "completed" && got.Counts.Sent == n
		})
		if got.Counts.Targeted != n || got.Counts.Skipped != 0 || got.Counts.Failed != 0 {
			t.Errorf("counts: %+v", got)
		}
		perUser := map[string]int{}
		for _, s := range w.fake.Sends() {
			if s.Err == nil {
				perUser[s.Recipient["id"].(string)]++
			}
		}
		window := 0
		for _, e := range list {
			switch perUser[e["psid"].(string)] {
			case 1:
			case 2:
				window++ // Graph answered, the kill fell before the commit
			default:
				t.Errorf("%s reached Graph %d times", e["psid"], perUser[e["psid"].(string)])
			}
		}
		// One message per recipient: the recipients list points at n distinct messages.
		var rs struct {
			Recipients []struct {
				MessageID string `json:"message_id"`
			}
		}
		p2.get("/admin/v1/bots/"+botID+"/broadcasts/"+b.ID+"/recipients?limit=1000", &rs)
		ids := map[string]bool{}
		for _, r := range rs.Recipients {
			ids[r.MessageID] = true
		}
		if len(rs.Recipients) != n || len(ids) != n || ids[""] {
			t.Errorf("%d recipients with %d distinct messages", len(rs.Recipients), len(ids))
		}
		if window > 4 {
			t.Errorf("%d recipients reached twice; only sends in flight at the kill could be", window)
		}
		t.Logf("%s: %d of %d sent before the kill; %d sent twice because the kill fell between Graph's answer and the commit", db.Kind, before, n, window)
	})
}
