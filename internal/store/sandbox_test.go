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

func TestSandboxStateKeepsSecretsSealedAndValuesPlain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := db.Open(t, store.Options{})
		if v, err := s.SandboxSecret(ctx, "admin-token"); err != nil || v != "" {
			t.Fatalf("absent secret = %q, %v; want empty", v, err)
		}
		if err := s.SetSandboxSecret(ctx, "admin-token", "sandbox-abc"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSandboxSecret(ctx, "admin-token", "sandbox-xyz"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSandboxValue(ctx, "inbox", []byte(`[{"a":1}]`)); err != nil {
			t.Fatal(err)
		}
		if v, err := s.SandboxSecret(ctx, "admin-token"); err != nil || v != "sandbox-xyz" {
			t.Fatalf("secret = %q, %v", v, err)
		}
		if v, err := s.SandboxValue(ctx, "inbox"); err != nil || string(v) != `[{"a":1}]` {
			t.Fatalf("value = %q, %v", v, err)
		}
		if _, err := s.SandboxValue(ctx, "admin-token"); err == nil {
			t.Fatal("a secret was read as a plain value")
		}

		raw := rawSandboxValue(t, db, "admin-token")
		if strings.Contains(raw, "sandbox-xyz") || raw == "" {
			t.Fatalf("stored secret %q is not sealed", raw)
		}
		// Another key cannot open it.
		box, _ := seal.New([]byte("another-key-0123456789abcdefghij"))
		other := db.Open(t, store.Options{Box: box})
		if _, err := other.SandboxSecret(ctx, "admin-token"); err == nil {
			t.Fatal("a secret opened with another key")
		}

		if err := s.ResetSandbox(ctx); err != nil {
			t.Fatal(err)
		}
		if v, err := s.SandboxSecret(ctx, "admin-token"); err != nil || v != "" {
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
	if err := conn.QueryRow(`SELECT value FROM sandbox_state WHERE name = $1`, name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
