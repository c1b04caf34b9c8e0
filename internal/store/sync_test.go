package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/seal"
)

// TestSQLiteSyncSetting: the writer's connection runs with the synchronous
// level asked for, FULL unless told otherwise, since only FULL makes an
// answered request survive a power loss.
func TestSQLiteSyncSetting(t *testing.T) {
	box, err := seal.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode string
		want int // PRAGMA synchronous: 1 NORMAL, 2 FULL
	}{{"", 2}, {"full", 2}, {"normal", 1}} {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "b.db"), Options{Box: box, SQLiteSync: tc.mode})
		if err != nil {
			t.Fatalf("Open(%q): %v", tc.mode, err)
		}
		var got int
		if err := s.write.QueryRow(`PRAGMA synchronous`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if got != tc.want {
			t.Errorf("SQLiteSync %q: PRAGMA synchronous = %d, want %d", tc.mode, got, tc.want)
		}
	}
	if _, err := Open(context.Background(), filepath.Join(t.TempDir(), "b.db"), Options{Box: box, SQLiteSync: "off"}); err == nil {
		t.Error(`SQLiteSync "off" was accepted`)
	}
}

// TestSQLiteWALIsTruncated: a WAL grown past its frame limit is truncated
// by the checkpointer, so a burst of writes does not leave a large file
// behind for good (SQLite reuses the WAL from its start but never shrinks it).
func TestSQLiteWALIsTruncated(t *testing.T) {
	box, err := seal.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "b.db")
	s, err := Open(context.Background(), path, Options{Box: box, WALFrameLimit: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.write.Exec(`CREATE TABLE ballast (v BLOB)`); err != nil {
		t.Fatal(err)
	}
	// The checkpointer runs every second while the WAL fills; on a busy
	// machine it may truncate before the fill ends. The WAL file only ever
	// shrinks by a TRUNCATE checkpoint, which runs only past the limit, so
	// a shrink seen during the fill proves the same as one seen after it.
	var grown, last int64
	for range 50 { // about 2,000 pages of 4 KiB: ten times the limit
		if _, err := s.write.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
			INSERT INTO ballast SELECT randomblob(4000) FROM n`); err != nil {
			t.Fatal(err)
		}
		size := walSize(t, path)
		if size < last {
			return // truncated, past the limit
		}
		last, grown = size, max(grown, size)
	}
	if grown < 200*4096 {
		t.Fatalf("the WAL grew to %d bytes only; the test needs more than the limit", grown)
	}
	deadline := time.Now().Add(60 * time.Second)
	for walSize(t, path) >= 200*4096 {
		if time.Now().After(deadline) {
			t.Fatalf("the WAL is still %d bytes (grown to %d), past the limit of 200 frames", walSize(t, path), grown)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func walSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path + "-wal")
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
