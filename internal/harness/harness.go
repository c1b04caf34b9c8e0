// Package harness starts a real botgate for tests: its HTTP server on
// loopback, the fake Graph server, a merchant's callback receiver, and a bot
// with an API key made through the admin API.
package harness

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/logs"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The test page and users known to the fake Graph.
const (
	Page       = "110661988000000"
	PageToken  = "page-token-110661988"
	User       = "524807506000000" // Ada Lovelace
	OtherUser  = "524807506000001" // Alan Turing
	AdminToken = "admin-test-token"
	AppSecret  = "app-secret"

	// The test WhatsApp number, attached by AttachWhatsApp.
	WAPhone    = "+15550001111"
	WANumberID = "109876543210"
	WAToken    = "wa-token-109876543210"
	WAUser     = "+447700900123"
)

// Env is a running botgate with its surroundings.
type Env struct {
	T        testing.TB
	Server   *server.Server
	Fake     *fakegraph.Server
	GraphURL string
	Inbox    *Inbox
	BotID    string
	Secret   string // the bot's callback secret
	APIKey   string
	cfg      server.Config
	log      io.Writer
	stop     func()
}

// Options adjust an Env.
type Options struct {
	Config func(*server.Config) // changes to the server configuration
	Bot    map[string]any       // extra fields of the bot created through the admin API
	// NewListener leaves out the record that botgate has received the
	// page's and number's webhooks for a month, so that users who never
	// wrote have an unknown window (a bot just moved over from a vendor).
	NewListener bool
	Log         io.Writer // receives botgate's JSON log at debug level; discarded when nil
}

// Start runs botgate on db until the test ends.
func Start(t testing.TB, db storetest.DB, opts Options) *Env {
	t.Helper()
	fake := fakegraph.New(fakegraph.Options{Seed: 1})
	fake.AddPage(Page, PageToken)
	fake.AddUser(Page, User, fakegraph.Profile{FirstName: "Ada", LastName: "Lovelace", Locale: "en_GB", Gender: "female"})
	fake.AddUser(Page, OtherUser, fakegraph.Profile{FirstName: "Alan", LastName: "Turing", Locale: "en_GB", Gender: "male"})
	fake.AddWhatsAppNumber(WANumberID, strings.TrimPrefix(WAPhone, "+"), WAToken)
	graphSrv := httptest.NewServer(fake)
	t.Cleanup(graphSrv.Close)

	cfg := server.Defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.Database = db.DSN
	cfg.GraphURL = graphSrv.URL
	cfg.AdminToken = AdminToken
	cfg.SecretKey = hex.EncodeToString(storetest.Key)
	cfg.EgressAllow = "127.0.0.0/8,::1/128"
	cfg.SyncTimeout = 5 * time.Second
	cfg.SendRetryBase = 20 * time.Millisecond
	cfg.CallbackTimeout = 2 * time.Second
	cfg.CallbackSchedule = []time.Duration{20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond,
		20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond}
	cfg.ShutdownGrace = 5 * time.Second
	cfg.Out = io.Discard
	if opts.Config != nil {
		opts.Config(&cfg)
	}
	srv, stop := run(t, cfg, opts.Log)
	e := &Env{T: t, Server: srv, Fake: fake, GraphURL: graphSrv.URL, Inbox: NewInbox(t), cfg: cfg, log: opts.Log, stop: stop}
	t.Cleanup(e.Stop)

	// The fake Graph's users act through signed webhooks to this botgate.
	fake.SetMessengerWebhook(srv.URL()+"/webhooks/messenger", AppSecret)
	fake.SetWhatsAppWebhook(srv.URL()+"/webhooks/whatsapp", AppSecret)
	// Tests send to users who never wrote unless they test the window, so
	// the window policy is off unless a test asks for it.
	bot := map[string]any{
		"name":         "Test shop",
		"messenger":    map[string]any{"page_id": Page, "access_token": PageToken, "app_secret": AppSecret, "verify_token": "verify-token"},
		"callback_url": e.Inbox.URL,
		"settings":     map[string]any{"window_policy": "off"},
	}
	for k, v := range opts.Bot {
		bot[k] = v
	}
	var created struct {
		ID             string `json:"id"`
		CallbackSecret string `json:"callback_secret"`
	}
	e.Admin(http.MethodPost, "/admin/v1/bots", bot, http.StatusCreated, &created)
	e.BotID, e.Secret = created.ID, created.CallbackSecret
	e.Inbox.Secret = created.CallbackSecret
	var key struct {
		Key string `json:"key"`
	}
	e.Admin(http.MethodPost, "/admin/v1/bots/"+e.BotID+"/api-keys", nil, http.StatusCreated, &key)
	e.APIKey = key.Key
	if !opts.NewListener {
		e.ListeningSince(srv.Store.Now().Add(-30 * 24 * time.Hour))
	}
	return e
}

// ListeningSince records that botgate has received the test page's and
// WhatsApp number's webhooks since at: a user who never wrote since then
// is outside the window, not unknown.
func (e *Env) ListeningSince(at time.Time) {
	e.T.Helper()
	err := e.Server.Store.Write(context.Background(), func(tx *store.Tx) error {
		if err := tx.RecordSource(core.ChannelMessenger, Page, at); err != nil {
			return err
		}
		return tx.RecordSource(core.ChannelWhatsApp, WANumberID, at)
	})
	if err != nil {
		e.T.Fatalf("record the webhook sources: %v", err)
	}
}

// StartPeer runs a second botgate on the same database and fake Graph, as
// a second instance of a scaled-out deployment, until the test ends.
func (e *Env) StartPeer() *server.Server {
	e.T.Helper()
	srv, stop := run(e.T, e.cfg, e.log)
	e.T.Cleanup(stop)
	return srv
}

// run starts a botgate with cfg and returns it with the function that
// stops it and reports how it ended.
func run(t testing.TB, cfg server.Config, logTo io.Writer) (*server.Server, func()) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	if logTo != nil {
		var err error
		if log, err = logs.New(logTo, "json", slog.LevelDebug); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := server.New(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("start botgate: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	return srv, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("botgate stopped with: %v", err)
		}
	}
}

// Stop shuts botgate down (once); tests call it to check shutdown behaviour.
func (e *Env) Stop() {
	if e.stop != nil {
		stop := e.stop
		e.stop = nil
		stop()
	}
}

// Do sends a request to botgate and returns the status and body.
func (e *Env) Do(method, path string, header http.Header, body []byte) (int, []byte) {
	e.T.Helper()
	req, err := http.NewRequest(method, e.Server.URL()+path, bytes.NewReader(body))
	if err != nil {
		e.T.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.T.Fatal(err)
	}
	return resp.StatusCode, data
}

// Bothub posts a Bothub request body with the bot's API key.
func (e *Env) Bothub(body string) (int, []byte) {
	e.T.Helper()
	return e.Do(http.MethodPost, "/api", http.Header{"Apikey": {e.APIKey}, "Content-Type": {"application/json"}}, []byte(body))
}

// AttachWhatsApp gives the bot the test WhatsApp number, with limits
// (nil: seed 003's).
func (e *Env) AttachWhatsApp(limits map[string]any) {
	e.T.Helper()
	body := map[string]any{"bot_phone": WAPhone, "phone_number_id": WANumberID, "access_token": WAToken,
		"app_secret": AppSecret, "verify_token": "wa-verify-token"}
	if limits != nil {
		body["limits"] = limits
	}
	e.Admin(http.MethodPut, "/admin/v1/bots/"+e.BotID+"/whatsapp", body, http.StatusOK, nil)
}

// WhatsApp posts a WhatsApp send body for the test number with the bot's key.
func (e *Env) WhatsApp(body string) (int, []byte) {
	e.T.Helper()
	return e.Do(http.MethodPost, "/channels/"+WAPhone+"/messages", http.Header{"Apikey": {e.APIKey}, "Content-Type": {"application/json"}}, []byte(body))
}

// Admin calls the admin API, expecting status, and decodes the answer into out.
func (e *Env) Admin(method, path string, body any, status int, out any) []byte {
	e.T.Helper()
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			e.T.Fatal(err)
		}
	}
	got, resp := e.Do(method, path, http.Header{"Authorization": {"Bearer " + AdminToken}}, data)
	if got != status {
		e.T.Fatalf("%s %s = %d %s, want %d", method, path, got, resp, status)
	}
	if out != nil {
		if err := json.Unmarshal(resp, out); err != nil {
			e.T.Fatalf("%s %s: %v in %s", method, path, err, resp)
		}
	}
	return resp
}

// Compact returns JSON without insignificant spaces, for exact comparisons.
func Compact(t testing.TB, data []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		t.Fatalf("not JSON: %v: %s", err, data)
	}
	return buf.String()
}

// WaitFor polls cond until it holds or the deadline passes. It is for state
// that another process or a queue worker changes, where no event exists to wait on.
func WaitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
