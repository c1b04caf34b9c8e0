package api

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestRequestLogWritesEverythingBufferedAtShutdown: requests still buffered
// when the log stops are written, however many (the log writes them in
// chunks of flushChunk, several writes of maxFlush), on both databases.
func TestRequestLogWritesEverythingBufferedAtShutdown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := db.Open(t, store.Options{})
		l := &RequestLog{Store: s}
		l.init()
		const bots, each = 15, 100 // 1,500 buffered: more than one write, no bot past APIRequestsKept
		at := time.Now()
		for i := range bots * each {
			at = at.Add(time.Microsecond)
			l.pending <- &store.APIRequest{ID: core.NewID("req_", at), BotID: fmt.Sprintf("bot_%02d", i%bots), Face: "bothub",
				Method: "POST", Path: "/api", Status: 200, Request: fmt.Sprintf(`{"n":%d}`, i), Response: "{}", At: at}
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		l.Run(ctx)
		for b := range bots {
			bot := fmt.Sprintf("bot_%02d", b)
			p, err := s.ListAPIRequests(context.Background(), store.APIRequestFilter{BotID: bot, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Requests) != each {
				t.Fatalf("%s: %d requests written, want %d", bot, len(p.Requests), each)
			}
		}
	})
}
