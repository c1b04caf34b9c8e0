package store_test

import (
	"context"
	"testing"

	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// openAt opens db migrated to version, for a migration's test to seed rows
// in the schema before it; exec runs a statement in a write.
func openAt(t *testing.T, db storetest.DB, version int64) (s *store.Store, exec func(q string, args ...any)) {
	t.Helper()
	ctx := context.Background()
	box, err := seal.New(storetest.Key)
	if err != nil {
		t.Fatal(err)
	}
	s, err = store.Open(ctx, db.DSN, store.Options{Box: box})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.MigrateTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	return s, func(q string, args ...any) {
		t.Helper()
		if err := s.Write(ctx, func(tx *store.Tx) error { _, err := tx.Exec(q, args...); return err }); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
