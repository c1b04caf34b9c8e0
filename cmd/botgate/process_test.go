package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// binary is botgate built once for the tests that run it as a process.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "botgate-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "botgate")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build botgate: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer collects a process's output safely.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a running `botgate serve`.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	output *syncBuffer
	exited chan error
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProc runs `botgate serve` on addr and waits until it is ready.
func startProc(t *testing.T, addr string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, url: "http://" + addr, output: &syncBuffer{}, exited: make(chan error, 1)}
	p.cmd = exec.Command(binary, append([]string{"serve", "--addr", addr}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.output, p.output
	p.cmd.Env = append(os.Environ(), "BOTGATE_LOG_LEVEL=warn")
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("botgate output:\n%s", p.output)
		}
	})
	harness.WaitFor(t, "botgate ready", 20*time.Second, func() bool {
		resp, err := http.Get(p.url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return p
}

func (p *proc) signal(sig syscall.Signal) (time.Duration, error) {
	start := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		p.exited <- err // for the cleanup
		return time.Since(start), err
	case <-time.After(30 * time.Second):
		p.t.Fatalf("botgate did not exit within 30s of %v", sig)
	}
	return 0, nil
}

func (p *proc) post(path, apiKey string, body any) (int, []byte, error) {
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, p.url+path, bytes.NewReader(data))
	if apiKey != "" {
		req.Header.Set("APIKEY", apiKey)
	} else {
		req.Header.Set("Authorization", "Bearer adm")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func (p *proc) get(path string, out any) {
	p.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.url+path, nil)
	req.Header.Set("Authorization", "Bearer adm")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		p.t.Fatal(err)
	}
}

// world is a fake Graph and a merchant inbox for processes to talk to.
type world struct {
	fake  *fakegraph.Server
	inbox *harness.Inbox
	args  []string
}

func newWorld(t *testing.T, db storetest.DB, extra ...string) *world {
	fake := fakegraph.New(fakegraph.Options{Seed: 7})
	fake.AddPage(harness.Page, harness.PageToken)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	args := []string{"--database", db.DSN, "--graph-url", srv.URL, "--admin-token", "adm",
		"--secret-key", hex.EncodeToString(storetest.Key), "--egress-allow", "127.0.0.0/8",
		"--job-lease", "3s", "--graph-timeout", "1s", "--sync-timeout", "1s", "--callback-timeout", "1s",
		"--send-retry-base", "50ms", "--callback-schedule", "100ms"}
	return &world{fake: fake, inbox: harness.NewInbox(t), args: append(args, extra...)}
}

// setup creates the bot and returns an API key.
func (w *world) setup(t *testing.T, p *proc) string {
	// These tests are about durability; the window policy is tested elsewhere.
	status, body, err := p.post("/admin/v1/bots", "", map[string]any{"name": "crash", "callback_url": w.inbox.URL,
		"messenger": map[string]any{"page_id": harness.Page, "access_token": harness.PageToken},
		"settings":  map[string]any{"window_policy": "off"}})
	if err != nil || status != 201 {
		t.Fatalf("create bot: %d %s %v", status, body, err)
	}
	var bot struct{ ID string }
	_ = json.Unmarshal(body, &bot)
	status, body, err = p.post("/admin/v1/bots/"+bot.ID+"/api-keys", "", nil)
	if err != nil || status != 201 {
		t.Fatalf("create key: %d %s %v", status, body, err)
	}
	var key struct{ Key string }
	_ = json.Unmarshal(body, &key)
	return key.Key
}

func sendAsync(p *proc, key, id string) (int, error) {
	status, _, err := p.post("/api", key, map[string]any{
		"request":        map[string]any{"method": "send_message", "id": id, "sync": false},
		"recipient":      map[string]any{"id": harness.User},
		"messaging_type": "RESPONSE",
		"message":        map[string]any{"text": id},
	})
	return status, err
}

// sentByID counts the sends Graph accepted, by the request id each carries as its text.
func sentByID(fake *fakegraph.Server) map[string][]string {
	out := map[string][]string{}
	for _, s := range fake.Sends() {
		if s.Err != nil {
			continue
		}
		msg, _ := s.Parsed["message"].(map[string]any)
		id, _ := msg["text"].(string)
		out[id] = append(out[id], s.MessageID)
	}
	return out
}

// A real botgate process killed with SIGKILL under load loses no accepted
// request, and sends none twice, except a send whose answer came back in the
// moment between Graph's answer and our commit (the measured window).
func TestSIGKILLUnderLoadLosesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		w := newWorld(t, db)
		w.fake.SetLatency(time.Millisecond)
		w.fake.SetTransientRate(0.05)
		addr := freeAddr(t)
		p := startProc(t, addr, w.args...)
		key := w.setup(t, p)

		var mu sync.Mutex
		var accepted []string
		ctx, stopLoad := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					id := fmt.Sprintf("g%d-%d", g, i)
					if status, err := sendAsync(p, key, id); err == nil && status == 200 {
						mu.Lock()
						accepted = append(accepted, id)
						mu.Unlock()
					}
				}
			}()
		}
		// Kill once the load is well under way: 200 accepted, however long a
		// busy machine takes to get there.
		harness.WaitFor(t, "200 requests accepted under load", 60*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(accepted) >= 200
		})
		if _, err := p.signal(syscall.SIGKILL); err == nil {
			t.Fatal("botgate exited cleanly on SIGKILL?")
		}
		stopLoad()
		wg.Wait()
		sentBeforeRestart := len(w.fake.Sends())

		p2 := startProc(t, addr, w.args...)
		harness.WaitFor(t, "every accepted request sent", 60*time.Second, func() bool {
			sent := sentByID(w.fake)
			for _, id := range accepted {
				if len(sent[id]) == 0 {
					return false
				}
			}
			return true
		})
		// Requests committed while their answer was lost to the kill are sent too; let them finish.
		time.Sleep(500 * time.Millisecond)

		windowDuplicates := 0
		for id, mids := range sentByID(w.fake) {
			if len(mids) == 1 {
				continue
			}
			var list struct {
				Messages []struct {
					MessageIDs []string `json:"message_ids"`
				}
			}
			p2.get("/admin/v1/messages?request_id="+id, &list)
			if len(mids) > 2 || len(list.Messages) != 1 || len(list.Messages[0].MessageIDs) != 1 {
				t.Errorf("request %s reached Graph %d times (%v); record %+v", id, len(mids), mids, list)
				continue
			}
			// Exactly one send is recorded; the other's answer died with the process.
			recorded := list.Messages[0].MessageIDs[0]
			if recorded != mids[0] && recorded != mids[1] {
				t.Errorf("request %s: recorded %s is neither of the sends %v", id, recorded, mids)
			}
			windowDuplicates++
		}
		if windowDuplicates > 64 {
			t.Errorf("%d sends repeated; at most the 64 in flight at the kill could be", windowDuplicates)
		}
		t.Logf("%s: %d requests accepted, %d Graph calls before the kill; %d sent twice because the kill fell between Graph's answer and our commit",
			db.Kind, len(accepted), sentBeforeRestart, windowDuplicates)
	})
}

// SIGTERM stops accepting, lets in-flight sends finish, and leaves queued
// work in the database for the next start, which sends it exactly once.
func TestSIGTERMFinishesInFlightAndKeepsQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		w := newWorld(t, db, "--send-workers", "4", "--shutdown-grace", "5s", "--graph-timeout", "3s", "--job-lease", "10s")
		w.fake.SetLatency(300 * time.Millisecond)
		addr := freeAddr(t)
		p := startProc(t, addr, w.args...)
		key := w.setup(t, p)
		const n = 40
		for i := range n {
			if status, err := sendAsync(p, key, fmt.Sprint("q", i)); err != nil || status != 200 {
				t.Fatalf("accept q%d: %d %v", i, status, err)
			}
		}
		time.Sleep(100 * time.Millisecond) // four sends are now waiting on Graph
		took, err := p.signal(syscall.SIGTERM)
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
		if took > 5*time.Second {
			t.Errorf("shutdown took %v, more than the grace period", took)
		}
		done := len(sentByID(w.fake))
		if done == 0 || done == n {
			t.Fatalf("%d of %d sent before shutdown; want the in-flight ones only", done, n)
		}
		if _, _, err := p.post("/api", key, nil); err == nil {
			t.Error("the stopped process still accepts requests")
		}

		w.fake.SetLatency(0)
		startProc(t, addr, w.args...)
		harness.WaitFor(t, "queued work sent after restart", 20*time.Second, func() bool { return len(sentByID(w.fake)) == n })
		time.Sleep(200 * time.Millisecond)
		for id, mids := range sentByID(w.fake) {
			if len(mids) != 1 {
				t.Errorf("%s sent %d times", id, len(mids))
			}
		}
		t.Logf("%s: %d of %d sent before SIGTERM (in flight), the rest after restart; shutdown took %v", db.Kind, done, n, took.Round(time.Millisecond))
	})
}
