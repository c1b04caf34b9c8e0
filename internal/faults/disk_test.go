package faults

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// SQLite's disk fills up (a small tmpfs, filled by another file). Accepts
// answer 503 with Retry-After, never a 500; when space returns botgate
// accepts again by itself, everything accepted is sent and called back
// (each callback one delivery, however often it is POSTed), and the
// database passes integrity_check. It needs root to mount the tmpfs, and
// skips, saying so, where it cannot.
//
// It used to fail one run in three: a queue claim whose transaction failed
// to commit on the full disk still handed its jobs to workers, while the
// jobs stayed claimable, so a second claim sent the same message again,
// with a second callback. Claims that do not commit now run nothing.
func TestSQLiteDiskFullRecovers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("skipped: cannot mount a small tmpfs to fill (needs root, as in CI): %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	env := harness.Start(t, storetest.DB{Kind: "sqlite", DSN: "sqlite://" + filepath.Join(dir, "botgate.db")}, harness.Options{
		// Jobs whose outcome could not be written wait out their lease.
		Config: func(c *server.Config) { c.GraphTimeout, c.JobLease = 2*time.Second, 6*time.Second }})
	url := env.Server.URL()
	l := &ids{prefix: "d"}
	for range 10 {
		id := l.next()
		if status, body, err := send(url, env.APIKey, id, false); err != nil || status != http.StatusOK {
			t.Fatalf("accept %s before the disk fills: %d %s %v", id, status, body, err)
		}
		l.accept(id)
	}

	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			break
		}
	}
	f.Close()
	// Accepts until three are refused: the first may still find a free page.
	full := map[int]int{}
	for i := 0; i < 50 && full[http.StatusServiceUnavailable] < 3; i++ {
		status, body, retry, err := sendHeader(url, env.APIKey, fmt.Sprint("full-", i))
		if err != nil {
			t.Fatalf("accept on a full disk: %v", err)
		}
		full[status]++
		switch status {
		case http.StatusOK: // the page it needed was free after all; it is accepted
			l.accept(fmt.Sprint("full-", i))
		case http.StatusServiceUnavailable:
			if retry == "" {
				t.Errorf("503 without Retry-After: %s", body)
			}
		default:
			t.Errorf("accept on a full disk: %d %s, want 503", status, body)
		}
	}
	if full[http.StatusServiceUnavailable] == 0 {
		t.Errorf("the full disk refused nothing: %v", full)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	harness.WaitFor(t, "accepts succeed again once space returns", 60*time.Second, func() bool {
		id := l.next()
		status, _, err := send(url, env.APIKey, id, false)
		if err == nil && status == http.StatusOK {
			l.accept(id)
			return true
		}
		return false
	})
	accepted := l.list()
	// A callback POSTed while the disk was full could not be marked
	// delivered, so it goes again: the same delivery, one webhook-id.
	dups, repeated := accountForRepeats(t, env.Fake, env.Inbox, accepted, true)
	var check string
	if err := env.Server.Store.ReadRow(context.Background(), `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q %v", check, err)
	}
	t.Logf("%d accepted; on the full disk: %v; all sent and called back (%d sent twice, %d callbacks repeated as the same delivery); integrity_check ok",
		len(accepted), full, dups, repeated)
}
