// Package storetest runs tests against both databases: a fresh SQLite file,
// and, when BOTGATE_TEST_POSTGRES_URL is set, a fresh schema in PostgreSQL.
package storetest

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
)

// EnvPostgres names the variable holding the PostgreSQL URL for tests.
const EnvPostgres = "BOTGATE_TEST_POSTGRES_URL"

// DB is one database a test runs against.
type DB struct {
	Kind string // "sqlite" or "postgres"
	DSN  string
}

// Each runs fn once per available database, as subtests named after them.
func Each(t *testing.T, fn func(t *testing.T, db DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, New(t, "sqlite")) })
	t.Run("postgres", func(t *testing.T) { fn(t, New(t, "postgres")) })
}

// New returns a fresh, empty database of the given kind, removed when the
// test ends. The PostgreSQL kind skips, saying why, when no URL is set.
func New(t testing.TB, kind string) DB {
	t.Helper()
	if kind == "sqlite" {
		return DB{Kind: kind, DSN: "sqlite://" + filepath.Join(t.TempDir(), "botgate.db")}
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skipf("PostgreSQL half skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvPostgres)
	}
	schema := "t_" + strings.ToLower(core.NewID("", time.Now()))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return DB{Kind: kind, DSN: u.String()}
}

// Key is the sealing key tests use.
var Key = []byte("botgate-test-key-0123456789abcde")

// Open opens and migrates the database, closing it when the test ends.
func (db DB) Open(t testing.TB, opts store.Options) *store.Store {
	t.Helper()
	if opts.Box == nil {
		box, err := seal.New(Key)
		if err != nil {
			t.Fatal(err)
		}
		opts.Box = box
	}
	s, err := store.Open(context.Background(), db.DSN, opts)
	if err != nil {
		t.Fatalf("open %s: %v", db.Kind, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", db.Kind, err)
	}
	return s
}

// Clock is a clock tests set by hand, for store.Options.Now and the like.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// AtLeast moves the clock on to t, if t is later.
func (c *Clock) AtLeast(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}
