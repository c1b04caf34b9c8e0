package store

import (
	"context"
	"path/filepath"
	"testing"

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
