package importer_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/importer"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// MillionRows writes n contacts rows as JSON Lines: what `botgate import`
// is measured on (docs/import.md).
func MillionRows(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	base := start.Add(-48 * time.Hour).Unix()
	for i := range n {
		_, err := fmt.Fprintf(bw, `{"psid":"%d","first_name":"First%d","last_name":"Last%d","locale":"en_US","timezone":%d,"last_interaction_at":%d}`+"\n",
			7000000000+i, i, i, i%12, base+int64(i%86400))
		if err != nil {
			return err
		}
	}
	return bw.Flush()
}

// TestMillionRows imports a million contacts on each database and logs the
// time and the process's peak memory; run it with BOTGATE_IMPORT_MILLION=1
// (minutes, not part of the default run). A second run must change nothing.
func TestMillionRows(t *testing.T) {
	if os.Getenv("BOTGATE_IMPORT_MILLION") != "1" {
		t.Skip("set BOTGATE_IMPORT_MILLION=1 to import a million rows on each database")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("BOTGATE_IMPORT_ROWS")); err == nil {
		n = v
	}
	file := t.TempDir() + "/contacts.jsonl"
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := MillionRows(f, n); err != nil {
		t.Fatal(err)
	}
	f.Close()
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		st := db.Open(t, store.Options{Now: storetest.NewClock(start).Now})
		bot := newBot(t, st)
		for _, round := range []string{"first", "second"} {
			in, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			began := time.Now()
			sum, err := importer.Run(context.Background(), st, bot, in, importer.Options{Kind: core.ImportContacts, Format: importer.FormatJSONLines},
				func(r importer.Refusal) { t.Errorf("line %d refused: %s", r.Line, r.Reason) })
			in.Close()
			if err != nil {
				t.Fatal(err)
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			var ru syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			t.Logf("%s %s run: %d rows in %s: %+v; heap in use %d MiB, Go memory from the OS %d MiB, peak RSS %d MiB",
				db.Kind, round, n, time.Since(began).Round(time.Millisecond), sum, ms.HeapInuse>>20, ms.Sys>>20, ru.Maxrss>>10)
			want := n
			if round == "second" {
				want = 0
			}
			if sum.Created != want || sum.Rows != n {
				t.Errorf("%s run: %+v; want %d created of %d rows", round, sum, want, n)
			}
		}
	})
}
