package faults

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The botgate binary, built once for the tests that run it as a process.
var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

func botgateBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "botgate-faults-bin")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "botgate")
		if out, err := exec.Command("go", "build", "-o", binary, "github.com/botgate/botgate/cmd/botgate").CombinedOutput(); err != nil {
			buildErr = err
			t.Logf("%s", out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build botgate: %v", buildErr)
	}
	return binary
}

// lockedBuffer collects a process's log safely.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the log's lines so far.
func (b *lockedBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// proc is a running `botgate serve`.
type proc struct {
	cmd    *exec.Cmd
	URL    string
	Log    *lockedBuffer
	exited chan error
}

// serveArgs are the flags every test process gets: db, the fake Graph at
// graphURL, the test's admin token and sealing key.
func serveArgs(db storetest.DB, graphURL string) []string {
	return []string{"--database", db.DSN, "--graph-url", graphURL, "--admin-token", harness.AdminToken,
		"--secret-key", hex.EncodeToString(storetest.Key), "--egress-allow", "127.0.0.0/8", "--log-format", "json"}
}

// startProc runs `botgate serve` with args and env (extra KEY=VALUE) and
// waits until it is ready. It is killed when the test ends.
func startProc(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &proc{URL: "http://" + addr, Log: &lockedBuffer{}, exited: make(chan error, 1)}
	p.cmd = exec.Command(botgateBinary(t), append([]string{"serve", "--addr", addr}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.Log, p.Log
	p.cmd.Env = append(os.Environ(), env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		// A process that ended before the test did says how (a signal
		// from outside the test, say): a test that just sees its port
		// refuse connections cannot tell.
		select {
		case err := <-p.exited:
			t.Errorf("botgate %s had exited before the test ended: %v", p.URL, err)
			p.exited <- err
		default:
		}
		_ = p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("botgate %s log (last lines):\n%s", p.URL, strings.Join(tail(p.Log.lines(), 40), "\n"))
		}
	})
	harness.WaitFor(t, "botgate ready", 60*time.Second, func() bool {
		resp, err := http.Get(p.URL + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// admin calls the process's admin API and decodes a 2xx answer into out.
func (p *proc) admin(t *testing.T, method, path string, body, out any) {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, p.URL+path, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+harness.AdminToken)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s = %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

// newBot creates a Messenger bot for the harness's page calling back to
// callbackURL (the window policy off: these tests are about durability),
// and returns its id, an API key and its callback secret.
func (p *proc) newBot(t *testing.T, callbackURL string) (id, key, secret string) {
	t.Helper()
	var bot struct {
		ID             string `json:"id"`
		CallbackSecret string `json:"callback_secret"`
	}
	p.admin(t, http.MethodPost, "/admin/v1/bots", map[string]any{"name": "faults", "callback_url": callbackURL,
		"messenger": map[string]any{"page_id": harness.Page, "access_token": harness.PageToken, "app_secret": harness.AppSecret},
		"settings":  map[string]any{"window_policy": "off"}}, &bot)
	var k struct{ Key string }
	p.admin(t, http.MethodPost, "/admin/v1/bots/"+bot.ID+"/api-keys", nil, &k)
	return bot.ID, k.Key, bot.CallbackSecret
}

// gauges reads Prometheus gauges (by exact series name, no labels) from
// the process's /metrics.
func (p *proc) gauges(names ...string) (map[string]float64, error) {
	resp, err := client.Get(p.URL + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if ok && want[name] {
			if v, err := strconv.ParseFloat(value, 64); err == nil {
				out[name] = v
			}
		}
	}
	return out, sc.Err()
}

func tail(lines []string, n int) []string {
	return lines[max(0, len(lines)-n):]
}
