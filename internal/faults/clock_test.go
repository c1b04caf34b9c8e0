package faults

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The WhatsApp number's limits in the clock test, and the rate the fake
// Cloud API enforces: the limits' promise, no more than burst requests in
// any one second.
var clockWALimits = map[string]any{"requests_per_second": 10, "burst": 12, "new_users_per_second": 5}

const clockWAJudge = 12

// Two `botgate serve` processes share a PostgreSQL database, one with its
// clock 3 s ahead, under a load of Messenger and WhatsApp sends. Graph
// answers each call after 1.2 s, so a job is still being sent when a
// process 3 s ahead would, by its own clock, see its 4.5 s lease end. With
// leases and turns reckoned on the database's clock, no job is sent by two
// processes (each request id reaches Graph once), and the WhatsApp
// number's pace holds: the fake Cloud API, which refuses (130429) and
// counts every send past the number's burst in any one second, counts
// none.
func TestClockSkewKeepsLeasesAndPace(t *testing.T) {
	db := storetest.New(t, "postgres")
	fake := fakegraph.New(fakegraph.Options{Seed: 1})
	fake.AddPage(harness.Page, harness.PageToken)
	fake.AddUser(harness.Page, harness.User, fakegraph.Profile{FirstName: "Ada", LastName: "Lovelace"})
	fake.AddWhatsAppNumber(harness.WANumberID, strings.TrimPrefix(harness.WAPhone, "+"), harness.WAToken)
	fake.SetWhatsAppThroughput(harness.WANumberID, clockWAJudge)
	fake.SetLatency(1200 * time.Millisecond)
	graph := httptest.NewServer(fake)
	t.Cleanup(graph.Close)
	inbox := harness.NewInbox(t)

	args := append(serveArgs(db, graph.URL), "--log-level", "warn", "--job-lease", "4500ms", "--graph-timeout", "2s", "--sync-timeout", "1s",
		"--send-retry-base", "200ms", "--callback-timeout", "2s", "--callback-schedule", "100ms,200ms,400ms,1s,2s",
		// Few connections: the PostgreSQL server is shared with other tests.
		"--send-workers", "24", "--delivery-workers", "4")
	// The first migrates; the second starts once it is ready.
	procs := []*proc{startProc(t, nil, args...), startProc(t, []string{"BOTGATE_TEST_CLOCK_OFFSET=3s"}, args...)}
	botID, key, secret := procs[0].newBot(t, inbox.URL)
	inbox.Secret = secret
	procs[0].admin(t, http.MethodPut, "/admin/v1/bots/"+botID+"/whatsapp", map[string]any{"bot_phone": harness.WAPhone,
		"phone_number_id": harness.WANumberID, "access_token": harness.WAToken, "app_secret": harness.AppSecret,
		"verify_token": "v", "limits": clockWALimits}, nil)

	// Both processes accept; both send. Messenger at 20 a second, WhatsApp
	// at twice the number's rate (the pace queues the rest), for 15 s.
	var mu sync.Mutex
	var accepted, waAccepted []string
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for n := range 150 {
				id := fmt.Sprintf("m%d-%d", i, n)
				// A user of its own, so each send fetches a profile first: two
				// Graph calls, 2.4 s, hold the job well past the 1.5 s after
				// which a process 3 s ahead would think a 4.5 s lease over.
				psid := fmt.Sprintf("6%014d", i*1000+n)
				fake.AddUser(harness.Page, psid, fakegraph.Profile{FirstName: "Ada", LastName: "Lovelace"})
				status, body, err := post(p.URL, key, map[string]any{
					"request":        map[string]any{"method": "send_message", "id": id, "sync": false},
					"recipient":      map[string]any{"id": psid},
					"messaging_type": "RESPONSE",
					"message":        map[string]any{"text": id + " {{first_name}}"},
				})
				if err != nil || status != http.StatusOK {
					t.Errorf("accept %s: %d %s %v", id, status, body, err)
				} else {
					mu.Lock()
					accepted = append(accepted, id)
					mu.Unlock()
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
		go func() {
			defer wg.Done()
			for n := range 150 {
				id := fmt.Sprintf("w%d-%d", i, n)
				body := fmt.Sprintf(`{"id":%q,"to":"4470090%05d","timestamp":"%d","source":"botchat","type":"text","text":{"body":%q},"sync":false}`,
					id, n%6, time.Now().Unix(), id)
				status, out, err := postRaw(p.URL+"/channels/"+harness.WAPhone+"/messages", key, body)
				if err != nil || status != http.StatusOK {
					t.Errorf("accept %s: %d %s %v", id, status, out, err)
				} else {
					mu.Lock()
					waAccepted = append(waAccepted, id)
					mu.Unlock()
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	wg.Wait()

	var missing []string
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(time.Second) {
		sent, waSent, cbs := sentByID(fake), waSentByID(fake), callbacks(t, inbox)
		missing = missing[:0]
		for _, id := range accepted {
			if len(sent[id]) == 0 || len(cbs[id]) == 0 {
				missing = append(missing, fmt.Sprintf("%s (sent %d, called back %d)", id, len(sent[id]), len(cbs[id])))
			}
		}
		// The WhatsApp face reports through status webhooks, not the callback URL.
		for _, id := range waAccepted {
			if len(waSent[id]) == 0 {
				missing = append(missing, fmt.Sprintf("%s (not sent)", id))
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%d accepted sends not sent and called back after 3 minutes: %v", len(missing), tail(missing, 10))
			break
		}
	}
	for i, p := range procs {
		for _, line := range p.Log.lines() {
			if strings.Contains(line, "clock is off") {
				t.Logf("process %d: %s", i, line)
			}
		}
	}
	// A send whose Graph call timed out after Graph had the body goes
	// again (the one case a send repeats; the machine may be slow enough for
	// 1.2 s to pass the 2 s timeout): those are counted, not failed.
	timedOut := map[string]bool{}
	for _, p := range procs {
		for _, line := range p.Log.lines() {
			var e struct {
				Msg, Err string
				ID       string `json:"client_request_id"`
			}
			if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "send retry scheduled" && strings.Contains(e.Err, "Timeout") {
				timedOut[e.ID] = true
			}
		}
	}
	sent, waSent := sentByID(fake), waSentByID(fake)
	twice, afterTimeout := 0, 0
	for _, id := range accepted {
		switch n := len(sent[id]); {
		case n > 1 && timedOut[id]:
			afterTimeout++
		case n != 1:
			twice++
			t.Errorf("%s reached Graph %d times", id, n)
		}
	}
	for _, id := range waAccepted {
		switch n := len(waSent[id]); {
		case n > 1 && timedOut[id]:
			afterTimeout++
		case n != 1:
			twice++
			t.Errorf("%s reached the Cloud API %d times", id, n)
		}
	}
	violations := fake.WhatsAppThroughputViolations(harness.WANumberID)
	if violations != 0 {
		t.Errorf("the fake Cloud API refused %d sends past the number's %d a second", violations, clockWAJudge)
	}
	fenced := 0
	for _, p := range procs {
		for _, line := range p.Log.lines() {
			if strings.Contains(line, "send left to the next claim") {
				fenced++
			}
		}
	}
	t.Logf("clocks 3 s apart: %d Messenger and %d WhatsApp sends accepted, %d reached Graph more than once (besides %d after a Graph timeout), %d WhatsApp sends refused by the fake's throughput judge; %d fence warnings logged (sampled)",
		len(accepted), len(waAccepted), twice, afterTimeout, violations, fenced)
}

// waSentByID lists the WhatsApp message ids of the Cloud API sends the
// fake accepted, by the request id each carries as its text.
func waSentByID(fake *fakegraph.Server) map[string][]string {
	out := map[string][]string{}
	for _, s := range fake.WhatsAppSends() {
		if s.Err != nil {
			continue
		}
		text, _ := s.Parsed["text"].(map[string]any)
		id, _ := text["body"].(string)
		out[id] = append(out[id], s.WAMID)
	}
	return out
}

// postRaw posts body to url with the API key.
func postRaw(url, key, body string) (int, []byte, error) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("APIKEY", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}
