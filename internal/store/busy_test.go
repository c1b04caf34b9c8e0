package store_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"testing"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestBusyDatabaseIsUnavailable: PostgreSQL refusing a connection for lack
// of slots ("too many connections", SQLSTATE 53300) is a passing condition
// a client may retry (503), not a bug (500). A role allowed no connections
// gets that refusal from the real server.
func TestBusyDatabaseIsUnavailable(t *testing.T) {
	base := os.Getenv(storetest.EnvPostgres)
	if base == "" {
		t.Skipf("set %s to run against PostgreSQL", storetest.EnvPostgres)
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `DO $$ BEGIN
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'botgate_no_slots') THEN
			CREATE ROLE botgate_no_slots LOGIN CONNECTION LIMIT 0;
		END IF; END $$`); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User("botgate_no_slots")
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.PingContext(ctx)
	if err == nil {
		t.Fatal("a role with CONNECTION LIMIT 0 connected")
	}
	if got := core.AsError(err); got.Kind != core.KindUnavailable {
		t.Errorf("AsError(%v) = %+v, want kind %q", err, got, core.KindUnavailable)
	}
}
