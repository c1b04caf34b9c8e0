package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

func TestSandboxValuesAreSealedAndReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := db.Open(t, store.Options{})
		if v, err := s.SandboxValue(ctx, "admin-token"); err != nil || v != "" {
			t.Fatalf("absent value = %q, %v; want empty", v, err)
		}
		for _, v := range []string{"sandbox-abc", "sandbox-xyz"} {
			if err := s.SetSandboxValue(ctx, "admin-token", v); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetSandboxValue(ctx, "inbox", `[{"a":1}]`); err != nil {
			t.Fatal(err)
		}
		if v, err := s.SandboxValue(ctx, "admin-token"); err != nil || v != "sandbox-xyz" {
			t.Fatalf("value = %q, %v", v, err)
		}
		if v, err := s.SandboxValue(ctx, "inbox"); err != nil || v != `[{"a":1}]` {
			t.Fatalf("value = %q, %v", v, err)
		}
		if raw := rawSandboxValue(t, db, "admin-token"); raw == "" || strings.Contains(raw, "sandbox-xyz") {
			t.Fatalf("stored value %q is not sealed", raw)
		}
		box, _ := seal.New([]byte("another-key-0123456789abcdefghij"))
		if _, err := db.Open(t, store.Options{Box: box}).SandboxValue(ctx, "admin-token"); err == nil {
			t.Fatal("a value opened with another key")
		}
		if err := s.ResetSandbox(ctx); err != nil {
			t.Fatal(err)
		}
		if v, err := s.SandboxValue(ctx, "admin-token"); err != nil || v != "" {
			t.Fatalf("after reset = %q, %v", v, err)
		}
	})
}

func rawSandboxValue(t *testing.T, db storetest.DB, name string) string {
	t.Helper()
	driver, dsn := "pgx", db.DSN
	if db.Kind == "sqlite" {
		driver, dsn = "sqlite", store.SQLitePath(db.DSN)
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var v string
	if err := conn.QueryRow(`SELECT value FROM sandbox_values WHERE name = $1`, name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
