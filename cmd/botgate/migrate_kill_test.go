package main

import (
	"context"
	"database/sql"
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// `botgate migrate` killed with SIGKILL in the middle of its migrations,
// again and again on one fresh database, leaves a database that the next
// run migrates further, and finally to the end: each migration commits whole or not at all, and
// PostgreSQL's migration lock dies with the killed session. The SQLite file
// passes integrity_check.
func TestKillDuringMigrationResumes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		args := []string{"migrate", "--database", db.DSN, "--secret-key", hex.EncodeToString(storetest.Key)}
		// Each run is killed as soon as it has applied one more migration
		// than the last, so the kills land all along the sequence.
		killed, versions := 0, []int64{}
		for done := false; !done; {
			before := migratedTo(t, db)
			cmd := exec.Command(binary, args...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			deadline := time.After(60 * time.Second)
		wait:
			for {
				select {
				case err := <-exited:
					if err != nil {
						t.Fatalf("migrate failed on its own after %d kills: %v", killed, err)
					}
					done = true
					break wait
				case <-deadline:
					t.Fatalf("migrate made no progress past version %d in 60s", before)
				case <-time.After(time.Millisecond):
				}
				if migratedTo(t, db) > before {
					_ = cmd.Process.Kill()
					<-exited
					killed++
					versions = append(versions, migratedTo(t, db))
					break
				}
			}
		}
		// SQLite migrates in a millisecond or two, so how many kills land
		// mid-way varies; the test's claim is that every run resumes.
		out, err := exec.Command(binary, args...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "is migrated") {
			t.Fatalf("migrate after the kills: %v\n%s", err, out)
		}
		s := db.Open(t, store.Options{})
		if err := s.Ready(context.Background()); err != nil {
			t.Fatalf("not ready after the kills: %v", err)
		}
		if db.Kind == "sqlite" {
			var check string
			if err := s.ReadRow(context.Background(), `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
				t.Fatalf("integrity_check: %q %v", check, err)
			}
		}
		t.Logf("%s: %d runs killed, each once it had applied one more migration (database left at versions %v); each next run resumed, the last finished",
			db.Kind, killed, versions)
	})
}

// migratedTo returns the highest migration applied, 0 before the first.
func migratedTo(t *testing.T, db storetest.DB) int64 {
	driver, dsn := "pgx", db.DSN
	if db.Kind == "sqlite" {
		driver, dsn = "sqlite", strings.TrimPrefix(db.DSN, "sqlite://")
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var v sql.NullInt64
	if err := conn.QueryRow(`SELECT MAX(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v); err != nil {
		return 0 // no table yet
	}
	return v.Int64
}
