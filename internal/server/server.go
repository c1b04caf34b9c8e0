// Package server assembles botgate: the store, the queue runners, the Graph
// client, the faces and the admin API on one HTTP listener. Tests start it on
// port 0 in-process; `botgate serve` runs it until a signal.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/api/admin"
	"github.com/botgate/botgate/internal/api/bothub"
	"github.com/botgate/botgate/internal/api/sobot"
	v1 "github.com/botgate/botgate/internal/api/v1"
	"github.com/botgate/botgate/internal/api/whatsapp"
	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/console"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/dispatch"
	"github.com/botgate/botgate/internal/egress"
	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/graph"
	"github.com/botgate/botgate/internal/inbound"
	"github.com/botgate/botgate/internal/metrics"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/retention"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
)

// Config is everything `botgate serve` can be told.
type Config struct {
	Addr         string
	Database     string
	GraphURL     string
	GraphVersion string
	AdminToken   string
	Sandbox      bool
	// SandboxGraphAddr is where the sandbox's fake Graph listens; empty: the
	// port after Addr's (a system-chosen one when Addr's port is 0).
	SandboxGraphAddr string
	SecretKey        string // hex or base64 of 32 bytes; SQLite keeps one beside the database when empty
	EgressAllow      string // CIDRs merchant URLs may reach despite the SSRF guard
	Console          bool   // serve the web console under /console/
	TrustProxy       bool   // the client's address and scheme come from X-Forwarded-For/-Proto
	SQLiteSync       string // "full" (default: a 200 survives a power loss) or "normal" (survives a crash of botgate only)
	// PGMaxConns bounds this process's PostgreSQL connections, reading and
	// writing together (0: store.DefaultPGMaxConns); SQLite ignores it.
	PGMaxConns int
	// PGWriters is how many group-commit writers run on PostgreSQL (0: the
	// store's default, a sixth of PGMaxConns up to four).
	PGWriters int
	// MetricsAddr, when set, serves /metrics on a listener of its own too,
	// so Prometheus can scrape it on a private address.
	MetricsAddr string
	// LogFormat is text, json, or empty for text on a terminal and JSON
	// otherwise; `botgate serve` builds its logger with it (logs.New).
	LogFormat string

	SyncTimeout      time.Duration
	GraphTimeout     time.Duration
	SendWorkers      int
	SendAttempts     int
	SendRetryBase    time.Duration // first wait before an async send's retry; it doubles up to 10 minutes
	DeliveryWorkers  int
	CallbackTimeout  time.Duration
	CallbackSchedule []time.Duration
	ShutdownGrace    time.Duration
	// Retention is how long messages (with their attempts, history and
	// deliveries), other deliveries and dead jobs are kept; 0 keeps them
	// forever. Unfinished work is never pruned.
	Retention time.Duration
	// InboundRetention is how long received webhooks and the marks that drop
	// Meta's redeliveries are kept (Meta retries for hours; at least 48 h).
	InboundRetention time.Duration
	// ProfileTTL is how old a user's cached profile may get before the next
	// send that needs it fetches it again.
	ProfileTTL time.Duration
	// SobotTokenTTL is the lifetime of a token from GET /api/get_token;
	// SobotSignSkew how far its create_time may be from now.
	SobotTokenTTL time.Duration
	SobotSignSkew time.Duration
	// JobLease is how long a claimed job stays with its process: when the
	// process dies, others take its jobs once their leases end. It must
	// outlast the longest job (a sync send, or a profile fetch and a send).
	JobLease time.Duration
	// TemplateSync is how often the local copies of the WhatsApp Business
	// Accounts' templates are refreshed from Graph (0: only on demand, by
	// sends of unknown templates and by the template webhooks).
	TemplateSync time.Duration
	// IdempotencyTTL is how long /v1's idempotency keys are kept per bot.
	IdempotencyTTL time.Duration

	Now func() time.Time // injected clock for the records; default time.Now
	Out io.Writer        // where the sandbox prints its welcome; default os.Stdout

	realClock bool // Now is the process's clock, not one a test injected
}

// processClock is the process's clock: time.Now, set off by the hidden
// BOTGATE_TEST_CLOCK_OFFSET (a Go duration, e.g. "3s" or "-3s"), which
// lets tests run instances whose clocks disagree. It is read here only.
func processClock() func() time.Time {
	offset, _ := time.ParseDuration(os.Getenv("BOTGATE_TEST_CLOCK_OFFSET"))
	if offset == 0 {
		return time.Now
	}
	return func() time.Time { return time.Now().Add(offset) }
}

// Defaults returns the configuration `botgate serve` starts from.
func Defaults() Config {
	return Config{
		Addr: "127.0.0.1:8080", Database: "./botgate.db", SQLiteSync: "full", PGMaxConns: store.DefaultPGMaxConns, GraphURL: "https://graph.facebook.com", GraphVersion: "v25.0",
		SyncTimeout: 10 * time.Second, GraphTimeout: 20 * time.Second, SendWorkers: 64, SendAttempts: 10, SendRetryBase: 2 * time.Second,
		DeliveryWorkers: 64, CallbackTimeout: 10 * time.Second, CallbackSchedule: notify.DefaultSchedule,
		Console: true, ShutdownGrace: 15 * time.Second, JobLease: 2 * time.Minute, Retention: 30 * 24 * time.Hour, InboundRetention: 7 * 24 * time.Hour,
		ProfileTTL: 7 * 24 * time.Hour, IdempotencyTTL: v1.DefaultIdempotencyTTL, SobotTokenTTL: 24 * time.Hour, SobotSignSkew: 5 * time.Minute, TemplateSync: time.Hour,
	}
}

// minInboundRetention keeps the redelivery marks while Meta retries a
// webhook: hours for Messenger, days for WhatsApp (GRAPH-FACTS), which the
// 7-day default covers.
const minInboundRetention = 48 * time.Hour

// check refuses settings that would quietly break a promise: a retention
// shorter than Meta's retries would act on a redelivered event twice.
func (c Config) check() error {
	switch {
	case c.InboundRetention < minInboundRetention:
		return fmt.Errorf("inbound retention %v is shorter than %v: Meta redelivers webhooks for hours (WhatsApp's for days), and each must act once", c.InboundRetention, minInboundRetention)
	case c.Retention < 0:
		return errors.New("retention must be 0 (keep forever) or more")
	case c.PGMaxConns != 0 && c.PGMaxConns < store.MinPGMaxConns:
		return fmt.Errorf("--pg-max-conns %d: at least %d are needed (a group-commit writer, a transaction alone, a spare for migrations, three readers)", c.PGMaxConns, store.MinPGMaxConns)
	case c.PGWriters < 0:
		return fmt.Errorf("--pg-writers %d: must be 0 (the default) or more", c.PGWriters)
	case c.ProfileTTL < 0 || c.SobotTokenTTL < 0 || c.SobotSignSkew < 0 || c.JobLease <= 0 || c.SyncTimeout <= 0:
		return errors.New("profile TTL, Sobot token TTL and sign skew must not be negative; the job lease and sync timeout must be positive")
	}
	if c.PGWriters > 0 && store.IsPostgres(c.Database) {
		if err := store.CheckPGWriters(c.PGMaxConns, c.PGWriters); err != nil {
			return fmt.Errorf("--pg-writers %d: %w; raise --pg-max-conns", c.PGWriters, err)
		}
	}
	return nil
}

// Server is a running botgate.
type Server struct {
	cfg        Config
	log        *slog.Logger
	Store      *store.Store
	Gateway    *gateway.Service
	Dispatch   *dispatch.Dispatcher
	Notify     *notify.Notifier
	Metrics    *prometheus.Registry
	stats      *metrics.Set
	sends      *queue.Runner
	deliveries *queue.Runner
	inbound    *queue.Runner
	replies    *queue.Runner
	uploads    *queue.Runner
	broadcasts *queue.Runner
	retention  *retention.Pruner
	// templateSync runs the periodic template sync job (templates.go).
	templateSync func(ctx context.Context)
	// Broadcasts creates and reports broadcasts; its runner sends them.
	Broadcasts *broadcast.Service
	listener   net.Listener
	metricsLn  net.Listener // MetricsAddr's, when set
	http       *http.Server
	sandbox    *sandbox
	Requests   *api.RequestLog // the recent API requests the console shows
	closeOnce  sync.Once
	closeErr   error
}

// New opens and migrates the database, builds every part and starts
// listening; Run serves.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Server, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now, cfg.realClock = processClock(), true
	}
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if off := st.ClockOffset(); off > time.Second || off < -time.Second {
		log.Warn("botgate: this process's clock is off the database server's; leases and WhatsApp turns follow the database's",
			"offset", (-off).Round(time.Millisecond).String())
	}
	generatedToken := cfg.Sandbox && cfg.AdminToken == ""
	if generatedToken {
		// Kept in the database and printed in the sandbox's welcome.
		if cfg.AdminToken, err = sandboxAdminToken(ctx, st); err != nil {
			st.Close()
			return nil, err
		}
	}
	s := &Server{cfg: cfg, log: log, Metrics: prometheus.NewRegistry(), Store: st}
	s.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.Metrics.MustRegister(st.Collectors()...)
	s.Metrics.MustRegister(&metrics.Scraped{Store: st, TTL: 5 * time.Second, Log: log,
		Kinds: []string{dispatch.JobKind, notify.JobKind, inbound.JobKind, inbound.ReplyJobKind, sobot.UploadJobKind, broadcast.JobKind}})
	s.stats = metrics.New(s.Metrics)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		s.Store.Close()
		return nil, err
	}
	s.listener = ln
	if cfg.MetricsAddr != "" {
		if s.metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			s.Store.Close()
			return nil, fmt.Errorf("metrics address: %w", err)
		}
	}
	if cfg.Sandbox {
		if s.sandbox, err = startSandbox(ctx, s, generatedToken); err != nil {
			ln.Close()
			s.Store.Close()
			return nil, err
		}
	}
	if err := s.build(); err != nil {
		s.Close()
		return nil, err
	}
	if s.sandbox != nil {
		if err := s.sandbox.provision(ctx, s); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// OpenStore opens and migrates the database cfg names, with its sealing key.
func OpenStore(ctx context.Context, cfg Config) (*store.Store, error) {
	key, err := secretKey(cfg)
	if err != nil {
		return nil, err
	}
	box, err := seal.New(key)
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now, cfg.realClock = processClock(), true
	}
	st, err := store.Open(ctx, cfg.Database, store.Options{Now: cfg.Now, DatabaseClock: cfg.realClock, Box: box, SQLiteSync: cfg.SQLiteSync, PGMaxConns: cfg.PGMaxConns,
		PGWriters: cfg.PGWriters})
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// secretKey is the configured key, or for SQLite a key file beside the
// database, created on first start. PostgreSQL deployments share one key
// across processes, so it must be configured.
func secretKey(cfg Config) ([]byte, error) {
	if cfg.SecretKey != "" {
		return seal.ParseKey(cfg.SecretKey)
	}
	if store.IsPostgres(cfg.Database) {
		return nil, errors.New("set --secret-key (BOTGATE_SECRET_KEY): processes sharing PostgreSQL must share the key that seals bot secrets")
	}
	path := store.SQLitePath(cfg.Database) + ".key"
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return seal.LoadOrCreateKeyFile(path)
}

func (s *Server) build() error {
	if s.cfg.SendWorkers < 0 || s.cfg.DeliveryWorkers < 0 {
		return errors.New("send and delivery workers must be 0 or more")
	}
	if longest := max(s.cfg.SyncTimeout, 2*s.cfg.GraphTimeout, s.cfg.CallbackTimeout); s.cfg.JobLease <= longest {
		return fmt.Errorf("job lease %v must be longer than the longest job (%v): sync timeout, two Graph calls, or a callback", s.cfg.JobLease, longest)
	}
	allow := s.cfg.EgressAllow
	if s.cfg.Sandbox {
		// The sandbox's merchant is on this machine.
		allow = strings.Trim(allow+",127.0.0.0/8,::1/128", ",")
	}
	guard, err := egress.New(allow)
	if err != nil {
		return err
	}
	owner := instanceID()
	s.Notify = &notify.Notifier{
		Store: s.Store, Client: guard.Client(s.cfg.CallbackTimeout), Timeout: s.cfg.CallbackTimeout,
		Schedule: queue.Schedule{Waits: s.cfg.CallbackSchedule, Jitter: 0.1}, Log: s.log, Stats: s.stats,
		Enqueued: queue.NewHandoff[*core.Delivery](handoffSize),
	}
	s.deliveries = &queue.Runner{Store: s.Store, Kind: notify.JobKind, Table: notify.Jobs, Handler: s.Notify.Handle, Owner: owner,
		Concurrency: s.cfg.DeliveryWorkers, Lease: s.cfg.JobLease, Grace: s.cfg.ShutdownGrace, Log: s.log}
	s.Notify.Wake = s.deliveries.Wake
	graphClient := graph.New(s.graphURL(), s.cfg.GraphVersion, graph.NewHTTPClient(s.cfg.GraphTimeout))
	graphClient.Stats = s.stats
	s.Dispatch = &dispatch.Dispatcher{
		Store: s.Store, Accepted: queue.NewHandoff[*core.MessageRecord](handoffSize), Graph: graphClient, Stats: s.stats,
		Notify:      s.Notify,
		Results:     map[string]dispatch.ResultFunc{bothub.Face: bothub.ResultBody, whatsapp.Face: whatsapp.ResultBody},
		Backoff:     queue.Backoff{Base: s.cfg.SendRetryBase, Max: 10 * time.Minute, Jitter: 0.2},
		SyncBackoff: queue.Backoff{Base: 100 * time.Millisecond, Max: 2 * time.Second, Jitter: 0.2},
		Metrics:     dispatch.NewMetrics(s.Metrics), ProfileTTL: s.cfg.ProfileTTL, CallTimeout: s.cfg.GraphTimeout, Log: s.log,
	}
	lease := s.cfg.JobLease
	s.templateSync = func(ctx context.Context) { s.runTemplateSync(ctx, owner, lease) }
	s.sends = &queue.Runner{Store: s.Store, Kind: dispatch.JobKind, Table: queue.Messages, Handler: s.Dispatch.Handle, Owner: owner,
		Concurrency: s.cfg.SendWorkers, Lease: lease, Grace: s.cfg.ShutdownGrace, Log: s.log}
	s.Gateway = &gateway.Service{Store: s.Store, Dispatch: s.Dispatch, Sends: s.sends, Owner: owner,
		Lease: lease, SyncTimeout: s.cfg.SyncTimeout, MaxAttempts: s.cfg.SendAttempts, TemplatesChanged: s.templatesChanged}
	in := &inbound.Handler{Store: s.Store, Gateway: s.Gateway, Notify: s.Notify,
		Received: queue.NewHandoff[*store.Webhook](handoffSize), Log: s.log, Stats: s.stats}
	s.inbound = &queue.Runner{Store: s.Store, Kind: inbound.JobKind, Handler: in.Handle, Owner: owner,
		Concurrency: 4, Lease: lease, Grace: s.cfg.ShutdownGrace, Log: s.log}
	s.replies = &queue.Runner{Store: s.Store, Kind: inbound.ReplyJobKind, Handler: in.HandleReply, Owner: owner,
		Concurrency: 8, Lease: lease, Grace: s.cfg.ShutdownGrace, Log: s.log}
	in.Wake = s.inbound.Wake
	sb := &sobot.Handler{Store: s.Store, Gateway: s.Gateway, Graph: s.Dispatch.Graph, Notify: s.Notify,
		TokenTTL: s.cfg.SobotTokenTTL, SignSkew: s.cfg.SobotSignSkew, Log: s.log}
	s.uploads = &queue.Runner{Store: s.Store, Kind: sobot.UploadJobKind, Handler: sb.HandleUpload, Owner: owner,
		Concurrency: 8, Lease: lease, Grace: s.cfg.ShutdownGrace, Log: s.log}
	sb.WakeJobs = s.uploads.Wake
	s.Broadcasts = &broadcast.Service{Store: s.Store, Gateway: s.Gateway, Notify: s.Notify, Lease: lease}
	// A broadcast worker's sends are async accepts: a few workers keep
	// the send workers busy. With no send workers this process only accepts.
	s.broadcasts = &queue.Runner{Store: s.Store, Kind: broadcast.JobKind, Handler: s.Broadcasts.Handle, Owner: owner,
		Concurrency: min(s.cfg.SendWorkers, 4), Lease: lease, Grace: s.cfg.ShutdownGrace, Log: s.log}
	s.Broadcasts.Wake = s.broadcasts.Wake
	s.retention = &retention.Pruner{Store: s.Store, Keep: s.cfg.Retention, KeepInbound: s.cfg.InboundRetention,
		Owner: owner, Lease: lease, Log: s.log, Also: func(ctx context.Context) error {
			if err := console.Prune(ctx, s.Store); err != nil {
				return err
			}
			return s.Store.PruneIdempotent(ctx, s.cfg.IdempotencyTTL)
		}}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /metrics", s.metricsHandler())
	bothub.New(s.Gateway, s.log).Register(mux)
	(&whatsapp.Handler{Service: s.Gateway, Log: s.log}).Register(mux)
	in.Register(mux)
	sb.Register(mux)
	(&admin.Handler{Store: s.Store, Gateway: s.Gateway, Notify: s.Notify, Broadcasts: s.Broadcasts, Graph: s.Dispatch.Graph, Token: s.cfg.AdminToken, Log: s.log, TrustProxy: s.cfg.TrustProxy}).Register(mux)
	own := &v1.Server{Service: s.Gateway, Store: s.Store, Notify: s.Notify, Broadcasts: s.Broadcasts, Log: s.log, IdempotencyTTL: s.cfg.IdempotencyTTL}
	if err := own.Register(mux); err != nil {
		return err
	}
	if s.sandbox != nil {
		s.sandbox.register(mux)
	}
	s.Requests = &api.RequestLog{Store: s.Store, Log: s.log}
	if s.cfg.Console {
		if err := s.mountConsole(mux); err != nil {
			return err
		}
	}
	s.http = &http.Server{
		Handler:           access(s.Requests.Wrap(mux), s.log, s.stats), // inside access: the request log reads the bot it notes
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      s.cfg.SyncTimeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return nil
}

// mountConsole serves the console under /console/ and sends / there.
func (s *Server) mountConsole(mux *http.ServeMux) error {
	d := console.Deps{Store: s.Store, Gateway: s.Gateway, Notify: s.Notify, Graph: s.Dispatch.Graph,
		Broadcasts: s.Broadcasts,
		TrustProxy: s.cfg.TrustProxy, Log: s.log, Now: s.cfg.Now}
	if s.sandbox != nil {
		d.Sandbox, d.Fake = true, s.sandbox.fake
	}
	c, err := console.New(d)
	if err != nil {
		return err
	}
	mux.Handle("/console/", c.Handler())
	mux.Handle("GET /{$}", http.RedirectHandler("/console/", http.StatusFound))
	return nil
}

func (s *Server) graphURL() string {
	if s.sandbox != nil {
		return s.sandbox.graphURL
	}
	return s.cfg.GraphURL
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Store.Ready(ctx); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// URL is the server's base URL.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Run serves until ctx ends, then shuts down: it stops accepting, lets
// in-flight requests and sends finish within the grace period, and leaves
// queued work in the database for the next start.
func (s *Server) Run(ctx context.Context) error {
	work, stopWork := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, r := range []*queue.Runner{s.sends, s.deliveries, s.inbound, s.replies, s.uploads, s.broadcasts} {
		wg.Add(1)
		go func() { defer wg.Done(); r.Run(work) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); s.retention.Run(work) }()
	if s.cfg.TemplateSync > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); s.templateSync(work) }()
	}
	requests, stopRequests := context.WithCancel(context.Background())
	var logged sync.WaitGroup
	logged.Add(1)
	go func() { defer logged.Done(); s.Requests.Run(requests) }()
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.http.Serve(s.listener) }()
	var metricsSrv *http.Server
	if s.metricsLn != nil {
		metricsSrv = s.serveMetrics()
	}
	if s.sandbox != nil {
		go s.sandbox.start(work, s)
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	s.log.Info("botgate: shutting down")
	stopWork() // stop claiming new work at once
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	if serr := s.http.Shutdown(shutdownCtx); serr != nil {
		s.log.Warn("botgate: requests still running at the end of the grace period", "err", serr)
	}
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(shutdownCtx)
	}
	wg.Wait()
	stopRequests() // after the last request: its record is written before the store closes
	logged.Wait()
	if cerr := s.Close(); err == nil && !errors.Is(err, http.ErrServerClosed) {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close releases the database and the sandbox; Run calls it on the way out.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.sandbox != nil {
			s.sandbox.close()
		}
		if s.listener != nil {
			s.listener.Close()
		}
		if s.metricsLn != nil {
			s.metricsLn.Close()
		}
		s.closeErr = s.Store.Close()
	})
	return s.closeErr
}

// handoffSize bounds the records handed from accept to send in memory:
// enough for the seconds between the two at full speed.
const handoffSize = 4096

func instanceID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), seal.Random(5))
}
