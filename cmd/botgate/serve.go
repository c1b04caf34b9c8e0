package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"time"

	"github.com/botgate/botgate/internal/logs"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store"
)

type serveCmd struct {
	Addr             string          `default:"127.0.0.1:8080" env:"BOTGATE_ADDR" help:"Address to listen on."`
	Database         string          `default:"./botgate.db" env:"BOTGATE_DATABASE" help:"SQLite path, sqlite://PATH, or postgres://…"`
	GraphURL         string          `default:"https://graph.facebook.com" env:"BOTGATE_GRAPH_URL" help:"Graph API base URL."`
	GraphVersion     string          `default:"v25.0" env:"BOTGATE_GRAPH_VERSION" help:"Graph API version."`
	AdminToken       string          `env:"BOTGATE_ADMIN_TOKEN" help:"Bearer token of the admin API; the admin API is off while empty."`
	Sandbox          bool            `env:"BOTGATE_SANDBOX" help:"Run the fake Graph API in-process and provision a demo bot."`
	SandboxGraphAddr string          `env:"BOTGATE_SANDBOX_GRAPH_ADDR" help:"Address of the sandbox's fake Graph API; default: the port after --addr's."`
	SecretKey        string          `env:"BOTGATE_SECRET_KEY" help:"Key sealing bot secrets (64 hex characters). SQLite keeps one in DATABASE.key when unset; required with PostgreSQL."`
	EgressAllow      string          `env:"BOTGATE_EGRESS_ALLOW" help:"Comma-separated CIDRs that callback and webhook URLs may reach despite the SSRF guard."`
	Console          bool            `default:"true" negatable:"" env:"BOTGATE_CONSOLE" help:"Serve the web console under /console/ (--no-console: off, /console/ answers 404)."`
	TrustProxy       bool            `env:"BOTGATE_TRUST_PROXY" help:"botgate is behind a reverse proxy: take the client's address from X-Forwarded-For and https from X-Forwarded-Proto (console cookies become Secure)."`
	SQLiteSync       string          `name:"sqlite-sync" default:"full" enum:"full,normal" env:"BOTGATE_SQLITE_SYNC" help:"SQLite durability: full (a 200 survives a power loss) or normal (survives a crash of botgate, not of the machine)."`
	PGMaxConns       int             `name:"pg-max-conns" default:"25" env:"BOTGATE_PG_MAX_CONNS" help:"Most PostgreSQL connections this process opens, reading and writing together (at least 6). Instances sharing one PostgreSQL must fit its max_connections together."`
	PGWriters        int             `name:"pg-writers" env:"BOTGATE_PG_WRITERS" help:"Group-commit writers on PostgreSQL, each with a connection of its own (0: a sixth of --pg-max-conns, at most 4). With the database a millisecond or more away, more writers commit more; raise --pg-max-conns with them."`
	SyncTimeout      time.Duration   `default:"10s" env:"BOTGATE_SYNC_TIMEOUT" help:"Bound on a sync send, retries included."`
	GraphTimeout     time.Duration   `default:"20s" env:"BOTGATE_GRAPH_TIMEOUT" help:"Bound on one Graph API call."`
	SendWorkers      int             `default:"64" env:"BOTGATE_SEND_WORKERS" help:"Concurrent async sends; 0 makes this process accept only, while others on the same database send."`
	SendAttempts     int             `default:"10" env:"BOTGATE_SEND_ATTEMPTS" help:"Graph calls an async send gets before it fails."`
	SendRetryBase    time.Duration   `default:"2s" env:"BOTGATE_SEND_RETRY_BASE" help:"First wait before retrying an async send; it doubles up to 10m, and Graph's throttling hints are honoured."`
	DeliveryWorkers  int             `default:"64" env:"BOTGATE_DELIVERY_WORKERS" help:"Concurrent deliveries to merchant URLs; 0 leaves them to other processes."`
	CallbackTimeout  time.Duration   `default:"10s" env:"BOTGATE_CALLBACK_TIMEOUT" help:"Bound on one POST to a merchant URL."`
	CallbackSchedule []time.Duration `default:"5s,5m,30m,2h,5h,10h,14h" env:"BOTGATE_CALLBACK_SCHEDULE" help:"Waits between delivery attempts; attempts = waits + 1."`
	ShutdownGrace    time.Duration   `default:"15s" env:"BOTGATE_SHUTDOWN_GRACE" help:"How long in-flight work may finish after SIGTERM."`
	JobLease         time.Duration   `default:"2m" env:"BOTGATE_JOB_LEASE" help:"How long a claimed job stays with its process; after a crash, other processes take its jobs when this ends."`
	Retention        time.Duration   `default:"720h" env:"BOTGATE_RETENTION" help:"How long messages (with their attempts, history and callbacks), deliveries and dead jobs are kept; unfinished ones stay until done. 0 keeps them forever."`
	InboundRetention time.Duration   `default:"168h" env:"BOTGATE_INBOUND_RETENTION" help:"How long received webhooks and the marks that drop Meta's redeliveries are kept (at least 48h; Meta redelivers WhatsApp's for days)."`
	IdempotencyTTL   time.Duration   `default:"24h" env:"BOTGATE_IDEMPOTENCY_TTL" help:"How long /v1 keeps a bot's Idempotency-Key answers."`
	ProfileTTL       time.Duration   `default:"168h" env:"BOTGATE_PROFILE_TTL" help:"How old a cached user profile may get before a send that needs it fetches it again (0: never again)."`
	SobotTokenTTL    time.Duration   `default:"24h" env:"BOTGATE_SOBOT_TOKEN_TTL" help:"Lifetime of a Sobot API token (its expires_in)."`
	SobotSignSkew    time.Duration   `default:"5m" env:"BOTGATE_SOBOT_SIGN_SKEW" help:"How far a Sobot get_token create_time may be from now."`
	TemplateSync     time.Duration   `default:"1h" env:"BOTGATE_TEMPLATE_SYNC" help:"How often the copies of the WhatsApp Business Accounts' message templates are refreshed from Graph (0: only on demand)."`
	PprofAddr        string          `env:"BOTGATE_PPROF_ADDR" help:"Serve Go's profiler (net/http/pprof) on this address, for diagnosing performance; off when empty. Keep it on loopback."`
	LogLevel         slog.Level      `default:"info" env:"BOTGATE_LOG_LEVEL" help:"debug, info, warn or error."`
	LogFormat        string          `env:"BOTGATE_LOG_FORMAT" enum:",text,json" default:"" help:"text or json; default text on a terminal, json otherwise."`
	MetricsAddr      string          `env:"BOTGATE_METRICS_ADDR" help:"Also serve /metrics on this address, for a Prometheus on a private network; off when empty."`
}

func (c *serveCmd) Run(e *env) error {
	log, err := logs.New(e.stderr, c.LogFormat, c.LogLevel)
	if err != nil {
		return err
	}
	gcDefaults(os.LookupEnv)
	cfg := c.config()
	cfg.Out = e.stdout
	s, err := server.New(e.ctx, cfg, log)
	if err != nil {
		return err
	}
	if c.PprofAddr != "" {
		go func() {
			// The profiler gets its own listener so it is never on the public address.
			if err := http.ListenAndServe(c.PprofAddr, pprofMux()); err != nil {
				log.Warn("botgate: profiler not served", "addr", c.PprofAddr, "err", err)
			}
		}()
	}
	log.Info("botgate: listening", "addr", s.URL(), "metrics", s.MetricsURL(), "database", store.RedactDSN(c.Database), "sandbox", c.Sandbox)
	return s.Run(e.ctx)
}

// botgate's garbage collector settings, unless the environment's GOGC or
// GOMEMLIMIT says otherwise. botgate's live heap is small (8-25 MB whether
// sending thousands a second or holding a million queued), so Go's default
// (collect when the heap doubles) collected ten times a second end to end
// and spent a tenth of the CPU doing it. Letting the heap grow to four
// times its live size collects a quarter as often; the soft limit keeps
// the heap from growing past it when the live heap is large, so memory
// stays bounded (docs/operations.md, beside SQLite's memory).
const (
	gcPercent   = 300
	memoryLimit = 128 << 20
)

func gcDefaults(lookup func(string) (string, bool)) {
	if _, set := lookup("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	if _, set := lookup("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// config is the server configuration the flags give; every field of
// server.Config that serve sets is here, so none is left at a zero value.
func (c *serveCmd) config() server.Config {
	return server.Config{
		Addr: c.Addr, Database: c.Database, GraphURL: c.GraphURL, GraphVersion: c.GraphVersion,
		AdminToken: c.AdminToken, Sandbox: c.Sandbox, SandboxGraphAddr: c.SandboxGraphAddr, SecretKey: c.SecretKey, EgressAllow: c.EgressAllow,
		SQLiteSync: c.SQLiteSync, PGMaxConns: c.PGMaxConns, PGWriters: c.PGWriters, Console: c.Console, TrustProxy: c.TrustProxy,
		SyncTimeout: c.SyncTimeout, GraphTimeout: c.GraphTimeout, SendWorkers: c.SendWorkers, SendAttempts: c.SendAttempts, SendRetryBase: c.SendRetryBase,
		DeliveryWorkers: c.DeliveryWorkers, CallbackTimeout: c.CallbackTimeout, CallbackSchedule: c.CallbackSchedule,
		ShutdownGrace: c.ShutdownGrace, JobLease: c.JobLease, Retention: c.Retention, InboundRetention: c.InboundRetention, ProfileTTL: c.ProfileTTL, IdempotencyTTL: c.IdempotencyTTL,
		SobotTokenTTL: c.SobotTokenTTL, SobotSignSkew: c.SobotSignSkew, MetricsAddr: c.MetricsAddr, LogFormat: c.LogFormat,
		TemplateSync: c.TemplateSync,
	}
}

type migrateCmd struct {
	Database  string `default:"./botgate.db" env:"BOTGATE_DATABASE" help:"SQLite path, sqlite://PATH, or postgres://…"`
	SecretKey string `env:"BOTGATE_SECRET_KEY" help:"Key sealing bot secrets (see serve)."`
}

func (c *migrateCmd) Run(e *env) error {
	cfg := server.Defaults()
	cfg.Database, cfg.SecretKey = c.Database, c.SecretKey
	st, err := server.OpenStore(context.WithoutCancel(e.ctx), cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(e.stdout, "database %s is migrated\n", store.RedactDSN(c.Database))
	return nil
}

func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

type sandboxCmd struct {
	Reset sandboxResetCmd `cmd:"" help:"Start the sandbox over: a new demo bot, API key and admin token, an empty inbox, the fake Graph's own pages and users only."`
}

type sandboxResetCmd struct {
	Database  string `default:"./botgate.db" env:"BOTGATE_DATABASE" help:"SQLite path, sqlite://PATH, or postgres://…"`
	SecretKey string `env:"BOTGATE_SECRET_KEY" help:"Key sealing bot secrets (see serve)."`
}

func (c *sandboxResetCmd) Run(e *env) error {
	cfg := server.Defaults()
	cfg.Database, cfg.SecretKey = c.Database, c.SecretKey
	if err := server.ResetSandbox(context.WithoutCancel(e.ctx), cfg); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "sandbox reset: the next `botgate serve --sandbox` on %s starts over\n", store.RedactDSN(c.Database))
	return nil
}
