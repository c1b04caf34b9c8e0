package store_test

import (
	"context"
	"testing"

	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestContactReadPlansOnce: the contact read every accept makes (the
// messaging window) is prepared once per connection and, after PostgreSQL's
// five custom plans, runs on the generic plan it keeps, so a bind does not
// plan the query again. The statement log of a busy run had suggested
// planning on every call (docs/benchmarks.md); this pins down that it
// does not, and would catch a change of pgx's statement mode (unnamed
// statements plan every time) or of plan_cache_mode.
func TestContactReadPlansOnce(t *testing.T) {
	s := storetest.New(t, "postgres").Open(t, store.Options{})
	store.OneReader(s)
	ctx := context.Background()
	const calls = 20
	for range calls {
		if c, err := s.GetContact(ctx, "bot_1", "880000000000001"); err != nil || c != nil {
			t.Fatalf("GetContact: %+v, %v", c, err)
		}
	}
	var prepared, generic, custom int64
	err := s.ReadRow(ctx, `SELECT COUNT(*), COALESCE(SUM(generic_plans), 0), COALESCE(SUM(custom_plans), 0) FROM pg_prepared_statements
		WHERE statement LIKE '%FROM contacts WHERE bot_id = $1 AND psid = $2'`).Scan(&prepared, &generic, &custom)
	if err != nil {
		t.Fatal(err)
	}
	if prepared != 1 || custom != 5 || generic != calls-5 {
		t.Errorf("the contact read: %d prepared statements, %d custom plans, %d generic; want 1, 5, %d", prepared, custom, generic, calls-5)
	}
}
