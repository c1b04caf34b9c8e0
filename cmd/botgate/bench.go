package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/botgate/botgate/internal/load"
	"github.com/botgate/botgate/internal/seal"
)

// benchCmd measures botgate against a baseline taken in the same run: a
// bare net/http handler that decodes the same JSON and answers 200. Every
// server runs as its own process (this binary, re-executed), so the figures
// include what a deployment pays: HTTP, JSON, the database, the fake Graph.
type benchCmd struct {
	Postgres        string        `env:"BOTGATE_BENCH_POSTGRES" help:"PostgreSQL URL; when set, each measurement also runs on PostgreSQL (in a fresh schema)."`
	PostgresOnly    bool          `name:"postgres-only" help:"With --postgres: skip the SQLite runs."`
	Duration        time.Duration `default:"5s" help:"Length of each accept-rate run."`
	Concurrency     int           `default:"32" help:"Concurrent client connections."`
	Messages        int           `default:"20000" help:"Messages in the end-to-end run."`
	SyncRequests    int           `default:"2000" help:"Sequential sync requests in the latency run."`
	Queued          int           `default:"100000" help:"Messages held in the queue for the memory run (0 skips it)."`
	Keep            bool          `help:"Keep the work directory (databases, logs)."`
	WhatsAppOnly    bool          `name:"whatsapp-only" help:"Run only the WhatsApp pacing scenario."`
	ScaleOut        int           `name:"scale-out" help:"Run only the scale-out scenario on PostgreSQL: end to end with 1 up to this many botgates sharing one database."`
	RetentionLoad   int           `name:"retention-load" help:"Run only the retention scenario: seed this many old finished messages (e.g. 1000000), then measure end to end with and without pruning running."`
	Compare         string        `help:"Another botgate binary (an older build, say): every measurement runs on it and on this one, alternating, beside the same baseline."`
	Rounds          int           `default:"1" help:"How many times each measurement runs per binary (alternating with --compare)."`
	Broadcast       int           `name:"broadcast" help:"Run only the broadcast scenarios: a broadcast to this many recipients (e.g. 100000) beside as many plain async sends."`
	BroadcastExpand int           `name:"broadcast-expand" help:"With or without --broadcast: expand a broadcast of this many recipients (e.g. 1000000) with sending off, for its peak RSS."`
	PostgresRTT     time.Duration `name:"postgres-rtt" help:"With --postgres: botgate reaches PostgreSQL through a proxy on loopback that adds this to every round trip (e.g. 1ms), as if the database were on another host."`
}

// benchBaselineCmd is the bare handler the accept rate is compared with.
type benchBaselineCmd struct {
	Addr string `required:"" help:"Address to listen on."`
}

const (
	benchPage   = "990000000000001"
	benchToken  = "bench-page-token"
	benchUser   = "880000000000001"
	benchAdmin  = "bench-admin-token"
	benchSecret = "bench-app-secret"
)

func (c *benchBaselineCmd) Run(e *env) error {
	mux := http.NewServeMux()
	// It is also the merchant: botgate's callbacks land here and are counted,
	// so the bench knows when a run's work is fully done.
	var callbacks atomic.Int64
	mux.HandleFunc("POST /callbacks", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		callbacks.Add(1)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /callbacks/count", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"count":%d}`, callbacks.Load())
	})
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req, _ := body["request"].(map[string]any)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"request_id": req["id"]})
	})
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-e.ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type benchRun struct {
	cmd    *benchCmd
	e      *env
	self   string
	dir    string
	client *http.Client
	served string      // the botgate binary the gateways run: self, or --compare's
	pgRTT  *delayProxy // --postgres-rtt: what botgate dials for PostgreSQL
}

func (c *benchCmd) Run(e *env) error {
	if c.PostgresOnly && c.Postgres == "" {
		return errors.New("--postgres-only needs --postgres")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "botgate-bench-")
	if err != nil {
		return err
	}
	if !c.Keep {
		defer os.RemoveAll(dir)
	}
	b := &benchRun{cmd: c, e: e, self: self, dir: dir, client: load.Client(c.Concurrency), served: self}
	if c.PostgresRTT > 0 && c.Postgres != "" {
		u, err := url.Parse(c.Postgres)
		if err != nil {
			return err
		}
		if b.pgRTT, err = startDelayProxy(u.Host, c.PostgresRTT); err != nil {
			return err
		}
		defer b.pgRTT.close()
		fmt.Fprintf(e.stdout, "PostgreSQL is reached through a proxy adding %v to every round trip\n", c.PostgresRTT)
	}
	fmt.Fprintf(e.stdout, "botgate bench: %d connections, %v accept runs, %d end-to-end messages, %d sync requests, %d queued (work dir %s)\n\n",
		c.Concurrency, c.Duration, c.Messages, c.SyncRequests, c.Queued, dir)

	fake, fakeURL, err := b.child("fakegraph", "fakegraph", "--page", benchPage+":"+benchToken, "--max-recorded", "1000")
	if err != nil {
		return err
	}
	defer fake.stop()
	base, baseURL, err := b.child("baseline", "bench-baseline")
	if err != nil {
		return err
	}
	defer base.stop()

	baseAccept := b.accept(baseURL+"/api", "")
	fakeSync := b.syncLatency(fakeURL+"/v25.0/me/messages?access_token="+benchToken, "", true)
	fmt.Fprintf(e.stdout, "baseline (bare net/http handler decoding the same JSON): %.0f requests/s\n", baseAccept.Rate())
	fmt.Fprintf(e.stdout, "fake Graph alone, sequential sends: p50 %v, p99 %v\n\n", fakeSync.Quantile(0.5), fakeSync.Quantile(0.99))

	dbs := []string{"sqlite"}
	if c.Postgres != "" {
		dbs = append(dbs, "postgres")
		if c.PostgresOnly {
			dbs = dbs[1:]
		}
	}
	bins := []string{self}
	if c.Compare != "" {
		bins = []string{c.Compare, self}
	}
	for _, kind := range dbs {
		for round := range max(c.Rounds, 1) {
			for _, bin := range bins {
				b.served = bin
				if len(bins) > 1 || c.Rounds > 1 {
					fmt.Fprintf(e.stdout, "# round %d, botgate %s\n", round+1, bin)
				}
				if err := b.measure(kind, fakeURL, baseURL, baseAccept, fakeSync); err != nil {
					return fmt.Errorf("%s: %w", kind, err)
				}
			}
		}
	}
	return nil
}

// measure runs every scenario against fresh botgates on one database.
func (b *benchRun) measure(kind, fakeURL, baseURL string, baseAccept, fakeSync load.Result) error {
	out := b.e.stdout
	fmt.Fprintf(out, "## %s\n\n", kind)
	if b.cmd.WhatsAppOnly {
		return b.whatsApp(kind, baseURL+"/callbacks")
	}
	if b.cmd.RetentionLoad > 0 {
		return b.retentionLoad(kind, fakeURL, baseURL)
	}
	if b.cmd.ScaleOut > 0 {
		return b.scaleOut(kind, fakeURL, baseURL)
	}
	if b.cmd.Broadcast > 0 || b.cmd.BroadcastExpand > 0 {
		return b.broadcasts(kind, fakeURL, baseURL)
	}

	// The front door alone: a process that accepts while others would send.
	dsn, cleanup, err := b.database(kind, "front")
	if err != nil {
		return err
	}
	defer cleanup()
	front, frontURL, err := b.gateway(kind, dsn, fakeURL, "--send-workers", "0", "--delivery-workers", "0")
	if err != nil {
		return err
	}
	key, err := b.setup(frontURL, fakeURL, baseURL+"/callbacks")
	if err != nil {
		return err
	}
	acc := b.accept(frontURL+"/api", key)
	fmt.Fprintf(out, "accepted async requests (workers off): %.0f/s = %.0f%% of the baseline (%d errors)\n", acc.Rate(), 100*acc.Rate()/baseAccept.Rate(), acc.Errors)
	if b.cmd.Compare == "" { // an older build may have no v1 face
		accV1 := b.acceptV1(frontURL+"/v1/messages", key)
		fmt.Fprintf(out, "accepted v1 requests (POST /v1/messages with Idempotency-Key, workers off): %.0f/s = %.0f%% of the baseline (%d errors)\n",
			accV1.Rate(), 100*accV1.Rate()/baseAccept.Rate(), accV1.Errors)
	}
	front.stop()

	dsn, cleanup2, err := b.database(kind, "main")
	if err != nil {
		return err
	}
	defer cleanup2()
	gw, gwURL, err := b.gateway(kind, dsn, fakeURL)
	if err != nil {
		return err
	}
	defer gw.stop()
	if key, err = b.setup(gwURL, fakeURL, baseURL+"/callbacks"); err != nil {
		return err
	}
	cost0 := b.cost(gwURL, dsn, gw)
	e2e, err := b.endToEnd(gwURL+"/api", key, fakeURL, baseURL)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "end to end, %d async messages accepted and sent to the fake Graph: %.0f messages/s (accepting at %.0f/s meanwhile; all callbacks delivered at %.0f messages/s)\n",
		b.cmd.Messages, e2e.sent, e2e.accepted, e2e.calledBack)
	fmt.Fprintf(out, "per message, end to end: %s\n", b.cost(gwURL, dsn, gw).since(cost0, b.cmd.Messages))
	count, p50, p99, err := histogram(gwURL, "botgate_send_commit_window_seconds")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "commit window (Graph answered → our record committed) over those %d sends: p50 %v, p99 %v\n", count, p50, p99)
	// Most of the window is a write transaction's length: the one the
	// record joined, from its begin to its commit.
	if count, p50, p99, err = histogram(gwURL, "botgate_store_transaction_seconds"); err == nil {
		fmt.Fprintf(out, "group commits (begin → committed) over the whole run, %d: p50 %v, p99 %v\n", count, p50, p99)
	}
	if err := b.halfLoadWindow(gwURL, key, fakeURL, baseURL, e2e.sent); err != nil {
		return err
	}

	sync := b.syncLatency(gwURL+"/api", key, false)
	over := func(q float64) time.Duration { return sync.Quantile(q) - fakeSync.Quantile(q) }
	fmt.Fprintf(out, "sync send latency, one at a time: p50 %v, p99 %v; minus the fake Graph's own (p50 %v, p99 %v): overhead p50 %v, p99 %v\n",
		sync.Quantile(0.5).Round(time.Microsecond), sync.Quantile(0.99).Round(time.Microsecond),
		fakeSync.Quantile(0.5).Round(time.Microsecond), fakeSync.Quantile(0.99).Round(time.Microsecond),
		over(0.5).Round(time.Microsecond), over(0.99).Round(time.Microsecond))
	gw.stop()

	if b.cmd.Queued > 0 {
		peak, err := b.memory(kind, fakeURL, baseURL)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "peak RSS with %d messages queued: %.1f MB\n", b.cmd.Queued, float64(peak)/1e6)
	}
	if b.cmd.Compare == "" {
		if err := b.whatsApp(kind, baseURL+"/callbacks"); err != nil {
			return err
		}
	}
	fmt.Fprintln(out)
	return nil
}

// halfLoadWindow measures the commit window again with the requests
// coming at half the end-to-end rate just reached, for halfLoadTime. At
// saturation the window is mostly the writer waiting for a core; at half
// load it is what the design itself costs: the record's transaction and
// its commit.
func (b *benchRun) halfLoadWindow(gwURL, key, fakeURL, baseURL string, rate float64) error {
	const name = "botgate_send_commit_window_seconds"
	before, err := readHistogram(gwURL, name)
	if err != nil {
		return err
	}
	n := int(rate / 2 * halfLoadTime.Seconds())
	if _, err := b.endToEndAt([]string{gwURL + "/api"}, key, fakeURL, baseURL, n, rate/2); err != nil {
		return err
	}
	after, err := readHistogram(gwURL, name)
	if err != nil {
		return err
	}
	w := after.since(before)
	fmt.Fprintf(b.e.stdout, "commit window at half that rate (%d async messages at %.0f/s): p50 %v, p99 %v\n", w.count(), rate/2, w.quantile(0.5), w.quantile(0.99))
	return nil
}

// halfLoadTime is how long the half-load run sends.
const halfLoadTime = 5 * time.Second

func (b *benchRun) accept(u, key string) load.Result {
	ctx, cancel := context.WithTimeout(b.e.ctx, b.cmd.Duration)
	defer cancel()
	prefix := seal.Random(4)
	return load.Run(ctx, b.cmd.Concurrency, 0, func(ctx context.Context, w, seq int) error {
		return b.post(ctx, u, key, asyncRequest(fmt.Sprintf("acc-%s-%d", prefix, seq)))
	})
}

// e2eRates are the end-to-end run's rates, in messages per second.
type e2eRates struct {
	accepted   float64 // requests accepted while sending
	sent       float64 // first request to the last message at the fake Graph
	calledBack float64 // first request to the last callback at the merchant
}

// endToEnd sends Messages async requests and measures until the last was
// sent to the fake Graph, and until its callback was delivered.
func (b *benchRun) endToEnd(u, key, fakeURL, baseURL string) (e2eRates, error) {
	return b.endToEndOn([]string{u}, key, fakeURL, baseURL)
}

// endToEndOn is endToEnd with the requests spread over several botgates
// sharing one database.
func (b *benchRun) endToEndOn(us []string, key, fakeURL, baseURL string) (e2eRates, error) {
	return b.endToEndAt(us, key, fakeURL, baseURL, b.cmd.Messages, 0)
}

// endToEndAt sends n async requests, at rate per second when rate > 0,
// and measures until the last was sent and its callback delivered.
func (b *benchRun) endToEndAt(us []string, key, fakeURL, baseURL string, n int, rate float64) (e2eRates, error) {
	var r e2eRates
	sent0, err := fakeCount(fakeURL)
	if err != nil {
		return r, err
	}
	calls0, err := count(baseURL + "/callbacks/count")
	if err != nil {
		return r, err
	}
	prefix := seal.Random(4) // the retention run loads the same botgate twice
	start := time.Now()
	res := load.RunAt(b.e.ctx, b.cmd.Concurrency, n, rate, func(ctx context.Context, w, seq int) error {
		return b.post(ctx, us[w%len(us)], key, asyncRequest(fmt.Sprintf("e2e-%s-%d", prefix, seq)))
	})
	if res.Errors > 0 {
		return r, fmt.Errorf("end-to-end run: %d of %d requests failed", res.Errors, res.Requests)
	}
	r.accepted = res.Rate()
	if err := waitFor(fakeURL+"/_fake/sends/count", sent0+n, 10*time.Minute); err != nil {
		return r, err
	}
	r.sent = float64(n) / time.Since(start).Seconds()
	if err := waitFor(baseURL+"/callbacks/count", calls0+n, 10*time.Minute); err != nil {
		return r, err
	}
	r.calledBack = float64(n) / time.Since(start).Seconds()
	return r, nil
}

// syncLatency sends sequential sync requests: to botgate, or with direct set,
// the Graph body itself straight to the fake Graph.
func (b *benchRun) syncLatency(u, key string, direct bool) load.Result {
	return load.Run(b.e.ctx, 1, b.cmd.SyncRequests, func(ctx context.Context, _, seq int) error {
		body := fmt.Sprintf(`{"request":{"method":"send_message","id":"sync-%d","sync":true},"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"text":"Your order has shipped"}}`, seq, benchUser)
		if direct {
			body = fmt.Sprintf(`{"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"text":"Your order has shipped"}}`, benchUser)
		}
		return b.post(ctx, u, key, body)
	})
}

// memory fills a fresh botgate's queue while the fake Graph holds every send
// for a minute, and reads the process's peak resident memory.
func (b *benchRun) memory(kind, fakeURL, baseURL string) (int64, error) {
	dsn, cleanup, err := b.database(kind, "memory")
	if err != nil {
		return 0, err
	}
	defer cleanup()
	gw, gwURL, err := b.gateway(kind, dsn, fakeURL)
	if err != nil {
		return 0, err
	}
	defer gw.stop()
	key, err := b.setup(gwURL, fakeURL, baseURL+"/callbacks")
	if err != nil {
		return 0, err
	}
	// After the setup, whose warm-up send must get through.
	if err := fakeRules(fakeURL, `{"latency_ms":60000}`); err != nil {
		return 0, err
	}
	defer fakeRules(fakeURL, `{"latency_ms":0}`)
	res := load.Run(b.e.ctx, b.cmd.Concurrency, b.cmd.Queued, func(ctx context.Context, w, seq int) error {
		return b.post(ctx, gwURL+"/api", key, asyncRequest(fmt.Sprintf("mem-%d", seq)))
	})
	if res.Errors > 0 {
		return 0, fmt.Errorf("memory run: %d of %d requests failed", res.Errors, res.Requests)
	}
	return peakRSS(gw.cmd.Process.Pid)
}

func asyncRequest(id string) string {
	return fmt.Sprintf(`{"request":{"method":"send_message","id":%q,"sync":false},"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"text":"Your order has shipped"}}`, id, benchUser)
}

func (b *benchRun) post(ctx context.Context, u, key, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("APIKEY", key)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// child is a process this binary runs.
type child struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func (c *child) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// child starts this binary with a sub-command on a free port, logging to the
// work directory, and waits until it answers HTTP.
func (b *benchRun) child(name string, args ...string) (*child, string, error) {
	return b.childOf(b.self, name, args...)
}

// childOf is child running bin.
func (b *benchRun) childOf(bin, name string, args ...string) (*child, string, error) {
	addr, err := freePort()
	if err != nil {
		return nil, "", err
	}
	logFile, err := os.Create(filepath.Join(b.dir, name+".log"))
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(bin, append(append(args[:1:1], "--addr", addr), args[1:]...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); logFile.Close(); close(c.done) }()
	u := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(u + "/healthz"); err == nil {
			resp.Body.Close()
			return c, u, nil
		}
		select {
		case <-c.done:
			return nil, "", fmt.Errorf("%s exited at start; see %s", name, logFile.Name())
		default:
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, "", fmt.Errorf("%s did not start; see %s", name, logFile.Name())
		}
	}
}

func (b *benchRun) gateway(kind, dsn, fakeURL string, extra ...string) (*child, string, error) {
	return b.childOf(b.served, "botgate-"+kind, append([]string{"serve", "--database", dsn, "--graph-url", fakeURL, "--admin-token", benchAdmin,
		"--secret-key", hex.EncodeToString([]byte("botgate-bench-key-0123456789abcd")), "--egress-allow", "127.0.0.0/8",
		"--log-level", "warn"}, extra...)...)
}

// setup creates the bot with its callback URL, has the bench user write to
// it (so the messaging window, checked on every send, is open) and returns
// an API key.
func (b *benchRun) setup(gwURL, fakeURL, callbackURL string) (string, error) {
	var bot struct{ ID string }
	if err := adminPost(gwURL+"/admin/v1/bots", map[string]any{"name": "bench", "callback_url": callbackURL,
		"messenger": map[string]any{"page_id": benchPage, "access_token": benchToken, "app_secret": benchSecret}}, &bot); err != nil {
		return "", err
	}
	var key struct{ Key string }
	if err := adminPost(gwURL+"/admin/v1/bots/"+bot.ID+"/api-keys", nil, &key); err != nil {
		return "", err
	}
	if err := fakePost(fakeURL+"/_fake/webhooks/messenger", map[string]any{"url": gwURL + "/webhooks/messenger", "app_secret": benchSecret}); err != nil {
		return "", err
	}
	if err := fakePost(fakeURL+"/_fake/users/act", map[string]any{"action": "text", "page_id": benchPage, "psid": benchUser, "text": "hi"}); err != nil {
		return "", err
	}
	// The greeting is processed from the queue: wait until a send is allowed.
	deadline := time.Now().Add(10 * time.Second)
	for try := 0; ; try++ {
		err := b.post(b.e.ctx, gwURL+"/api", key.Key, fmt.Sprintf(`{"request":{"method":"send_message","id":"warm-%d","sync":true},"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"text":"x"}}`, try, benchUser))
		if err == nil {
			return key.Key, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("the bench user's window did not open: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func fakePost(u string, body any) error {
	data, _ := json.Marshal(body)
	resp, err := http.Post(u, "application/json", bytes.NewReader(data))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST %s: HTTP %d %s", u, resp.StatusCode, msg)
	}
	return nil
}

func adminPost(u string, body, out any) error {
	return adminDo(http.MethodPost, u, body, http.StatusCreated, out)
}

// adminDo calls the admin API, expecting status want, and decodes the
// answer into out unless it is nil.
func adminDo(method, u string, body any, want int, out any) error {
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, u, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+benchAdmin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s %s: HTTP %d %s", method, u, resp.StatusCode, msg)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// database returns a fresh database of kind and a function removing it.
func (b *benchRun) database(kind, name string) (string, func(), error) {
	if kind == "sqlite" {
		// Unique, as a PostgreSQL schema is: with --compare or --rounds each run needs a fresh one.
		return "sqlite://" + filepath.Join(b.dir, fmt.Sprintf("%s-%d.db", name, time.Now().UnixNano())), func() {}, nil
	}
	schema := fmt.Sprintf("bench_%s_%d", name, time.Now().UnixNano())
	db, err := sql.Open("pgx", b.cmd.Postgres)
	if err != nil {
		return "", nil, err
	}
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		db.Close()
		return "", nil, err
	}
	u, err := url.Parse(b.cmd.Postgres)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema) // the bench finds this botgate's backends by it, to read their CPU time
	u.RawQuery = q.Encode()
	if b.pgRTT != nil {
		u.Host = b.pgRTT.addr()
	}
	return u.String(), func() { _, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); db.Close() }, nil
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// count reads {"count": N} from u.
func count(u string) (int, error) {
	resp, err := http.Get(u)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct{ Count int }
	return out.Count, json.NewDecoder(resp.Body).Decode(&out)
}

func fakeCount(fakeURL string) (int, error) { return count(fakeURL + "/_fake/sends/count") }

func fakeRules(fakeURL, rules string) error {
	resp, err := http.Post(fakeURL+"/_fake/rules", "application/json", strings.NewReader(rules))
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("fake rules: HTTP %d", resp.StatusCode)
	}
	return nil
}

// waitFor polls a {"count": N} endpoint until it reaches n.
func waitFor(u string, n int, timeout time.Duration) error {
	for deadline := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		got, err := count(u)
		if err != nil {
			return err
		}
		if got >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s reached %d of %d in %v", u, got, n, timeout)
		}
	}
}

// histogram reads a histogram from botgate's /metrics: how many it
// counted, and its p50 and p99 (interpolated within buckets).
func histogram(gwURL, name string) (int, time.Duration, time.Duration, error) {
	h, err := readHistogram(gwURL, name)
	if err != nil {
		return 0, 0, 0, err
	}
	return h.count(), h.quantile(0.5), h.quantile(0.99), nil
}

// buckets is a Prometheus histogram's cumulative buckets, by upper bound.
type buckets []struct {
	le    float64
	count float64
}

func readHistogram(gwURL, name string) (buckets, error) {
	resp, err := http.Get(gwURL + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var h buckets
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), name+`_bucket{le="`)
		if !ok {
			continue
		}
		le, count, _ := strings.Cut(rest, `"} `)
		l, _ := strconv.ParseFloat(le, 64)
		n, _ := strconv.ParseFloat(count, 64)
		h = append(h, struct{ le, count float64 }{l, n})
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("no %s histogram in /metrics", name)
	}
	return h, nil
}

// since is what h counted after before, an earlier reading of it.
func (h buckets) since(before buckets) buckets {
	out := slices.Clone(h)
	for i := range out {
		if i < len(before) {
			out[i].count -= before[i].count
		}
	}
	return out
}

func (h buckets) count() int { return int(h[len(h)-1].count) }

func (h buckets) quantile(p float64) time.Duration {
	rank := p * h[len(h)-1].count
	lower, below := 0.0, 0.0
	for _, bk := range h {
		if bk.count >= rank {
			if math.IsInf(bk.le, 1) {
				return time.Duration(lower * float64(time.Second)).Round(time.Microsecond)
			}
			frac := 1.0
			if bk.count > below {
				frac = (rank - below) / (bk.count - below)
			}
			return time.Duration((lower + frac*(bk.le-lower)) * float64(time.Second)).Round(time.Microsecond)
		}
		lower, below = bk.le, bk.count
	}
	return 0
}

// peakRSS reads a process's peak resident set size (VmHWM) from /proc.
func peakRSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}
