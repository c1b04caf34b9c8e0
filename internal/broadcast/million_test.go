package broadcast

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestMillionRecipients uploads a million-row list, streamed, and expands
// a broadcast to it through the queue's jobs, then logs the time and the
// process's peak RSS, which must stay under 250 MiB. Minutes, not part of
// the default run: BOTGATE_BROADCAST_MILLION=1 (BOTGATE_BROADCAST_ROWS to
// change the size).
func TestMillionRecipients(t *testing.T) {
	if os.Getenv("BOTGATE_BROADCAST_MILLION") != "1" {
		t.Skip("set BOTGATE_BROADCAST_MILLION=1 to expand a million recipients on each database")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("BOTGATE_BROADCAST_ROWS")); err == nil {
		n = v
	}
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		box, _ := seal.New(storetest.Key)
		st := db.Open(t, store.Options{Box: box})
		ctx := context.Background()
		bot := &core.Bot{ID: "bot_million", Name: "Million", Messenger: &core.MessengerChannel{PageID: "104729384756", AccessToken: "t", AppSecret: "s", VerifyToken: "v"}}
		if err := st.CreateBot(ctx, bot); err != nil {
			t.Fatal(err)
		}
		s := &Service{Store: st}
		began := time.Now()
		pr, pw := io.Pipe()
		go func() {
			bw := bufio.NewWriterSize(pw, 1<<16)
			fmt.Fprintln(bw, "psid,name")
			for i := range n {
				fmt.Fprintf(bw, "%d,Name%d\n", 7000000000000+i, i)
			}
			bw.Flush()
			pw.Close()
		}()
		up, err := s.Upload(ctx, bot.ID, pr, "csv")
		if err != nil || up.Rows != int64(n) {
			t.Fatalf("upload: %+v %v", up, err)
		}
		uploaded := time.Since(began)
		later := st.Now().Add(24 * time.Hour)
		b, err := s.Create(ctx, bot, Spec{Name: "million", Channel: "messenger", MessagingType: "MESSAGE_TAG", Tag: "ACCOUNT_UPDATE",
			Content: Content{Message: json.RawMessage(`{"text":"Hi {{name}}"}`)}, Audience: Audience{Upload: up.ID}, Schedule: Schedule{At: &later}})
		if err != nil {
			t.Fatal(err)
		}
		for {
			var jobs []queue.Job
			if err := st.Write(ctx, func(tx *store.Tx) error {
				var err error
				jobs, err = queue.Claim(tx, JobKind, "test", time.Minute, 1)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if len(jobs) == 0 {
				break // the job sleeps until the broadcast's time
			}
			if err := s.Handle(ctx, jobs[0]); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Get(ctx, bot.ID, b.ID)
		if err != nil || got.Counts.Targeted != int64(n) || got.Counts.Scheduled != int64(n) {
			t.Fatalf("expanded: %+v %v", got, err)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		t.Logf("%s: %d rows uploaded in %s, expanded in %s; heap in use %d MiB, peak RSS %d MiB",
			db.Kind, n, uploaded.Round(time.Millisecond), (time.Since(began) - uploaded).Round(time.Millisecond), ms.HeapInuse>>20, ru.Maxrss>>10)
		if ru.Maxrss>>10 >= 250 {
			t.Errorf("peak RSS %d MiB, over 250", ru.Maxrss>>10)
		}
	})
}
