// Package store keeps botgate's state in SQLite (embedded, the default) or
// PostgreSQL (several botgate processes sharing one database). Both run the same
// SQL; the few statements that differ sit in dialect.go.
//
// Every write goes through Write, which commits concurrent callers' work in
// shared transactions (group commit): SQLite has one writer, and PostgreSQL
// pays a disk flush per commit, so batching is what makes accepting thousands
// of requests per second possible.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/botgate/botgate/internal/seal"
)

//go:embed migrations
var migrations embed.FS

// Options configure a Store.
type Options struct {
	Now func() time.Time // clock for every timestamp the store writes; default time.Now
	// DatabaseClock, on PostgreSQL, corrects Now by its offset from the
	// database server's clock (see clock.go), so that processes whose
	// clocks disagree still agree on leases and turns. For the real clock,
	// not a test's simulated one.
	DatabaseClock bool
	Box           *seal.Box // seals secrets at rest; required
	// BotCacheTTL bounds how long another process's change to a bot or key can
	// go unseen here; changes made through this Store are seen at once.
	BotCacheTTL time.Duration
	// SQLiteSync is SQLite's synchronous setting: "full" (the default) syncs
	// each group commit to disk, so a 200 survives a power loss; "normal"
	// survives a crash of botgate but not of the machine.
	SQLiteSync string
	// WALFrameLimit is how many frames SQLite's WAL may hold before a
	// checkpoint truncates it; 0 is DefaultWALFrameLimit.
	WALFrameLimit int64
	// PGMaxConns bounds the PostgreSQL connections this store opens, its
	// reading and writing pools together; 0 is DefaultPGMaxConns. Several
	// instances share one server's max_connections. SQLite ignores it.
	PGMaxConns int
	// PGWriters is how many group-commit writers run on PostgreSQL, each
	// with its own connection; 0 is a sixth of PGMaxConns, at most four.
	PGWriters int
}

// Store is botgate's database.
type Store struct {
	dialect  Dialect
	read     *sql.DB // SQLite: a pool of reader connections; PostgreSQL: the one pool
	write    *sql.DB // SQLite: the single writer connection; PostgreSQL: the same pool
	writer   *writer
	box      *seal.Box
	now      func() time.Time
	clock    *dbClock // PostgreSQL with Options.DatabaseClock
	bots     *botCache
	migrator *goose.Provider
	writers  int           // group-commit writers
	alone    chan struct{} // PostgreSQL: a slot per WriteAlone transaction allowed at once

	readStmts, writeStmts *stmtCache

	stopCheckpoints chan struct{} // SQLite only
	walFrameLimit   int64         // SQLite: WAL frames past which a checkpoint truncates the WAL
	sqliteFull      bool          // SQLite at synchronous=FULL: commits wait for the fsync (except WriteUnsynced's)
	checkpoints     sync.WaitGroup
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// SQLitePath returns the file a SQLite dsn names ("sqlite://PATH" or a bare path).
func SQLitePath(dsn string) string {
	return strings.TrimPrefix(dsn, "sqlite://")
}

// Open connects to the database dsn names. It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.Box == nil {
		return nil, errors.New("store: a seal.Box is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BotCacheTTL == 0 {
		opts.BotCacheTTL = 5 * time.Second
	}
	s := &Store{box: opts.Box, now: opts.Now, walFrameLimit: opts.WALFrameLimit}
	var err error
	if IsPostgres(dsn) {
		err = s.openPostgres(dsn, opts.PGMaxConns, opts.PGWriters)
	} else {
		err = s.openSQLite(SQLitePath(dsn), opts.SQLiteSync)
	}
	if err != nil {
		return nil, err
	}
	if err := s.read.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if opts.DatabaseClock && s.dialect.name == postgresDialect.name {
		if err := s.useDatabaseClock(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("store: read the database's clock: %w", err)
		}
	}
	s.bots = newBotCache(opts.BotCacheTTL, opts.Now)
	pgxCaches := s.dialect.name == "postgres"
	s.readStmts, s.writeStmts = newStmtCache(s.read, pgxCaches, false), newStmtCache(s.write, pgxCaches, true)
	s.writer = newWriter(s, s.writers)
	if err := s.newMigrator(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// DefaultWALFrameLimit is how many frames SQLite's WAL may hold before a
// checkpoint truncates it: 16,384 pages of 4 KiB, 64 MiB.
const DefaultWALFrameLimit = 16384

// sqliteMmapSize is SQLite's mmap window: none. Each connection maps the
// database file on its own (up to the window's size), and every mapped page a
// query touches counts in the process's RSS, as file pages, for as long as
// the kernel leaves it there: with a 256 MiB window, a 1,000,000-recipient
// broadcast's expansion (its counts, polled every second, join every
// recipient with its message) had up to 175 MiB of the database file mapped
// and peaked at 368 MB RSS, with a Go heap of at most 23 MiB. Without it,
// reads go through pread into the page cache below, bounded by cache_size;
// the file's pages stay in the kernel's page cache, outside the process.
const sqliteMmapSize = 0

// sqliteTempStore is where SQLite keeps temporary data: FILE, SQLite's
// default. With MEMORY a sort that no index serves (a GROUP BY over a
// broadcast's million recipients, read on every poll of its counts) never
// spills: SQLite holds every row in memory, and that 1,000,000-recipient
// expansion held 65 to 114 MB outside the Go heap, growing with the
// recipients, while the page caches held at most 48. With FILE a sort keeps
// at most its connection's cache_size in memory and merges the rest from a
// temporary file (unlinked once opened, in SQLITE_TMPDIR, TMPDIR, /var/tmp or
// /tmp: the container image has a /tmp for it); statement journals stay in
// memory up to 64 KiB, and temporary tables in the page cache until it
// fills, so small ones never touch a file.
const sqliteTempStore = "FILE"

// sqliteCacheKiB is the page cache (SQLite's cache_size, in KiB) of the
// writer connection and of each reader: a cache is per connection and fills
// to its size as queries touch pages, so its size times the connections is
// what SQLite may hold (32 MiB each, the old setting, came to 160 MiB with 4
// readers, more with more cores). The writer keeps 16 MiB, for the B-tree
// pages every commit revisits (the tails of the message tables and their
// indexes); the readers share 32 MiB, at least SQLite's default 2 MiB each: a
// page they miss is a read from the kernel's page cache, not from the disk.
func sqliteCacheKiB(readers int) (writer, reader int) {
	return 16 << 10, max(2<<10, (32<<10)/readers)
}

func (s *Store) openSQLite(path, syncMode string) error {
	if path == "" {
		return errors.New("store: empty SQLite path")
	}
	switch syncMode {
	case "":
		syncMode = "full"
	case "full", "normal":
	default:
		return fmt.Errorf("store: SQLite sync %q: want full or normal", syncMode)
	}
	// synchronous FULL in WAL mode fsyncs the WAL once per commit, and the
	// group-commit writer makes that once per batch rather than per message.
	// No mmap (see sqliteMmapSize), a bounded page cache per connection (see
	// sqliteCacheKiB) and temporary data in files (see sqliteTempStore):
	// together they bound SQLite's share of the process's memory, whatever
	// the database's size.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(" + syncMode + ")&_pragma=foreign_keys(ON)" +
		"&_pragma=temp_store(" + sqliteTempStore + ")&_pragma=mmap_size(" + strconv.Itoa(sqliteMmapSize) + ")"
	readers := max(4, 2*runtime.GOMAXPROCS(0))
	writerCache, readerCache := sqliteCacheKiB(readers)
	// The writer never checkpoints: copying the WAL into the database file
	// and syncing it would stall every caller waiting on a commit. The
	// checkpointer does it beside the writer.
	w, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&"+pragmas+
		"&_pragma=cache_size(-"+strconv.Itoa(writerCache)+")&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		return err
	}
	// One writer connection: SQLite serialises writers anyway, and holding one
	// connection avoids busy waits between our own writers.
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?_txlock=deferred&"+pragmas+"&_pragma=cache_size(-"+strconv.Itoa(readerCache)+")")
	if err != nil {
		w.Close()
		return err
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	s.read, s.write, s.dialect, s.writers = r, w, sqliteDialect, sqliteDialect.writers
	s.sqliteFull = syncMode == "full"
	// The writer creates the file and switches it to WAL before readers open it.
	if err := w.Ping(); err != nil {
		return err
	}
	s.stopCheckpoints = make(chan struct{})
	if s.walFrameLimit == 0 {
		s.walFrameLimit = DefaultWALFrameLimit
	}
	s.checkpoints.Add(1)
	go s.checkpointer()
	return nil
}

// checkpointer copies the WAL into the database file every second, on a
// reader connection: PASSIVE checkpoints never wait on the writer. Under a
// steady stream of writes and reads the WAL is seldom reset, so the file
// keeps growing (a 30-minute soak left 1.25 GB beside a 65 MB database);
// once its frames pass walFrameLimit, a TRUNCATE checkpoint, which waits
// briefly for readers and the writer, resets it to empty.
func (s *Store) checkpointer() {
	defer s.checkpoints.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-s.stopCheckpoints:
			return
		case <-tick.C:
			var busy, frames, copied int64
			if err := s.read.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
				continue // a busy checkpoint tries again next tick
			}
			if frames > s.walFrameLimit {
				// Busy (readers or the writer held on past busy_timeout):
				// the next tick tries again.
				_, _ = s.read.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
			}
		}
	}
}

func (s *Store) openPostgres(dsn string, maxConns, writers int) error {
	if maxConns == 0 {
		maxConns = DefaultPGMaxConns
	}
	budget, err := splitPG(maxConns, writers)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	// Writers get their own connections: sharing one pool with the reads of
	// dozens of workers left commits queued behind reads for connections.
	w, err := openPgx(dsn, "write")
	if err != nil {
		return err
	}
	// Beyond the writers: transactions of their own (WriteAlone) that wait
	// on contended rows without stalling a batch, and a spare for
	// migrations and readiness checks.
	w.SetMaxOpenConns(budget.writes())
	w.SetMaxIdleConns(budget.writes())
	r, err := openPgx(dsn, "read")
	if err != nil {
		w.Close()
		return err
	}
	r.SetMaxOpenConns(budget.reads)
	r.SetMaxIdleConns(budget.reads)
	r.SetConnMaxIdleTime(5 * time.Minute)
	s.read, s.write, s.dialect = r, w, postgresDialect
	s.writers, s.alone = budget.writers, make(chan struct{}, budget.alone)
	return nil
}

func (s *Store) newMigrator() error {
	sub, err := fs.Sub(migrations, "migrations/"+s.dialect.name)
	if err != nil {
		return err
	}
	var opts []goose.ProviderOption
	if s.dialect.name == "postgres" {
		// Several processes may start at once against one database.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(s.dialect.goose, s.write, sub, opts...)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	s.migrator = p
	return nil
}

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context) error {
	if _, err := s.migrator.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// Ready reports an error unless the database answers and is fully migrated.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	pending, err := s.migrator.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("database migration state unknown: %w", err)
	}
	if pending {
		return errors.New("database has pending migrations")
	}
	return nil
}

// Dialect names the database: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect.name }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// Close stops the writer and closes the connections.
func (s *Store) Close() error {
	if s.clock != nil {
		close(s.clock.stop)
		<-s.clock.done
	}
	if s.writer != nil {
		s.writer.close()
	}
	if s.stopCheckpoints != nil {
		close(s.stopCheckpoints)
		s.checkpoints.Wait()
		_, _ = s.read.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`) // leave a small WAL behind
	}
	if s.readStmts != nil {
		s.readStmts.close()
		s.writeStmts.close()
	}
	var errs []error
	if s.read != nil {
		errs = append(errs, s.read.Close())
	}
	if s.write != nil && s.write != s.read {
		errs = append(errs, s.write.Close())
	}
	return errors.Join(errs...)
}

// RedactDSN hides a PostgreSQL password for logs.
func RedactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func microseconds(us int64) time.Duration { return time.Duration(us) * time.Microsecond }
