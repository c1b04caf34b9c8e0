package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/botgate/botgate/internal/seal"
)

// TestSQLiteMemorySettings: every connection runs without an mmap window,
// with temporary data in files (so a large sort spills instead of growing in
// memory) and with the page cache its pool is given, so SQLite's share of the
// process's memory is bounded whatever the database's size. A 256 MiB mmap
// window, 32 MiB of cache per connection and in-memory sorts let a
// 1,000,000-recipient broadcast's expansion reach 368 MB of RSS (issue 14).
func TestSQLiteMemorySettings(t *testing.T) {
	box, err := seal.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "b.db"), Options{Box: box})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readers := max(4, 2*runtime.GOMAXPROCS(0))
	wantWriter, wantReader := sqliteCacheKiB(readers)
	for _, c := range []struct {
		pool      string
		db        *sql.DB
		cacheSize int64
	}{{"writer", s.write, -int64(wantWriter)}, {"reader", s.read, -int64(wantReader)}} {
		var mmap, cache, temp int64
		if err := c.db.QueryRow(`PRAGMA mmap_size`).Scan(&mmap); err != nil {
			t.Fatal(err)
		}
		if err := c.db.QueryRow(`PRAGMA temp_store`).Scan(&temp); err != nil {
			t.Fatal(err)
		}
		if temp != 1 {
			t.Errorf("%s: PRAGMA temp_store = %d, want 1 (FILE)", c.pool, temp)
		}
		if err := c.db.QueryRow(`PRAGMA cache_size`).Scan(&cache); err != nil {
			t.Fatal(err)
		}
		if mmap != 0 {
			t.Errorf("%s: PRAGMA mmap_size = %d, want 0", c.pool, mmap)
		}
		if cache != c.cacheSize {
			t.Errorf("%s: PRAGMA cache_size = %d, want %d (KiB, negative)", c.pool, cache, c.cacheSize)
		}
	}
	if got := s.read.Stats().MaxOpenConnections; got != readers {
		t.Errorf("reader pool: %d connections at most, want %d", got, readers)
	}
}

// TestSQLiteCacheBudget: the readers share one budget, so more cores (more
// reader connections) do not multiply the memory SQLite may hold, down to
// SQLite's own default of 2 MiB a connection.
func TestSQLiteCacheBudget(t *testing.T) {
	for _, tc := range []struct{ readers, writer, reader int }{
		{4, 16384, 8192},  // 2 cores: 48 MiB in all
		{8, 16384, 4096},  // 4 cores: 48 MiB
		{16, 16384, 2048}, // 8 cores: 48 MiB
		{32, 16384, 2048}, // 16 cores: the 2 MiB floor, 80 MiB
	} {
		w, r := sqliteCacheKiB(tc.readers)
		if w != tc.writer || r != tc.reader {
			t.Errorf("sqliteCacheKiB(%d) = %d, %d KiB; want %d, %d", tc.readers, w, r, tc.writer, tc.reader)
		}
	}
}

// TestSQLiteLargeSortSpills: a sort larger than its connection's page cache,
// which SQLite now merges from a temporary file instead of holding in memory,
// still returns every row in order. The connection's cache is cut to 1 MiB
// (the least a sort keeps in memory) so that 2.5 MB of rows spill: the
// readers' own 8 MiB would need four times the rows, slow under -race.
func TestSQLiteLargeSortSpills(t *testing.T) {
	box, err := seal.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "b.db"), Options{Box: box})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const rows = 1250 // of ~2,000 bytes
	if _, err := s.write.Exec(`CREATE TABLE ballast (k INTEGER, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.write.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO ballast SELECT (i * 7919) % 1009, hex(randomblob(1000)) FROM n`, rows); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := s.read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -1024`); err != nil {
		t.Fatal(err)
	}
	got, err := conn.QueryContext(ctx, `SELECT k, v FROM ballast ORDER BY k, v`)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	n, prevK, prevV := 0, int64(-1), ""
	for got.Next() {
		var k int64
		var v string
		if err := got.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		if k < prevK || k == prevK && v < prevV {
			t.Fatalf("row %d (%d, %s) sorts before the one above it (%d, %s)", n, k, v, prevK, prevV)
		}
		n, prevK, prevV = n+1, k, v
	}
	if err := got.Err(); err != nil {
		t.Fatal(err)
	}
	if n != rows {
		t.Errorf("the sort returned %d rows, want %d", n, rows)
	}
}
