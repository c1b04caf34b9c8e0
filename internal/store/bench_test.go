package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// BenchmarkAccept measures the accept transaction alone (message and its
// job), from concurrent callers as the HTTP handlers make it:
//
//	go test -run '^$' -bench Accept ./internal/store/
func BenchmarkAccept(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			s := storetest.New(b, kind).Open(b, store.Options{})
			var seq atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := seq.Add(1)
					m := &core.MessageRecord{ID: fmt.Sprintf("msg_%012d", n), BotID: "bot_1", Channel: core.ChannelMessenger,
						Request: core.SendRequest{Face: "bothub", Method: "send_message", RequestID: fmt.Sprint(n),
							Recipient: core.Recipient{ID: "524807506000000"}, MessagingType: "RESPONSE", Cards: []core.Message{{Text: "Your order has shipped"}}}}
					err := s.Write(context.Background(), func(tx *store.Tx) error {
						return tx.InsertMessage(m, mustEncode(m), queue.Messages.NewJob(10, tx.Now())...)
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
		})
	}
}
