package bothub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/load"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The benchmarks run botgate in-process against the fake Graph. Each
// database's figures sit beside BenchmarkBaseline, a bare net/http handler
// decoding the same JSON, measured in the same run:
//
//	go test -run '^$' -bench . -benchtime 5000x ./internal/api/bothub/
//
// `botgate bench` measures the same things across processes (docs/benchmarks.md).

func asyncRequest(id string) []byte {
	return []byte(fmt.Sprintf(`{"request":{"method":"send_message","id":%q,"sync":false},"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"text":"Your order has shipped"}}`, id, harness.User))
}

func post(b *testing.B, client *http.Client, url, key string, body []byte) {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("APIKEY", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("HTTP %d", resp.StatusCode)
	}
}

func BenchmarkBaseline(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		req, _ := v["request"].(map[string]any)
		_ = json.NewEncoder(w).Encode(map[string]any{"request_id": req["id"]})
	}))
	defer srv.Close()
	client := load.Client(64)
	var seq atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			post(b, client, srv.URL, "", asyncRequest(fmt.Sprint(seq.Add(1))))
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// forEachDB runs a benchmark on SQLite and, when configured, PostgreSQL.
func forEachDB(b *testing.B, fn func(b *testing.B, env *harness.Env)) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			fn(b, harness.Start(b, storetest.New(b, kind), harness.Options{}))
		})
	}
}

// BenchmarkAcceptAsync measures accepted async requests per second, with
// the send workers and callbacks running as they would in production.
func BenchmarkAcceptAsync(b *testing.B) {
	forEachDB(b, func(b *testing.B, env *harness.Env) {
		client := load.Client(64)
		var seq atomic.Int64
		b.SetParallelism(16)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				post(b, client, env.Server.URL()+"/api", env.APIKey, asyncRequest(fmt.Sprint("acc-", seq.Add(1))))
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
}

// BenchmarkEndToEnd measures messages per second from the first request to
// the last message reaching the fake Graph.
func BenchmarkEndToEnd(b *testing.B) {
	forEachDB(b, func(b *testing.B, env *harness.Env) {
		client := load.Client(64)
		var seq atomic.Int64
		b.SetParallelism(16)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				post(b, client, env.Server.URL()+"/api", env.APIKey, asyncRequest(fmt.Sprint("e2e-", seq.Add(1))))
			}
		})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := env.Fake.WaitSends(ctx, b.N); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
	})
}

// BenchmarkSyncSend measures one sync request at a time; compare with
// BenchmarkFakeGraphDirect for the fake Graph's own share.
func BenchmarkSyncSend(b *testing.B) {
	forEachDB(b, func(b *testing.B, env *harness.Env) {
		client := load.Client(1)
		b.ResetTimer()
		for i := range b.N {
			body := fmt.Sprintf(`{"request":{"method":"send_message","id":"sync-%d","sync":true},"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"text":"Your order has shipped"}}`, i, harness.User)
			post(b, client, env.Server.URL()+"/api", env.APIKey, []byte(body))
		}
	})
}

// BenchmarkFakeGraphDirect is the same send posted straight to the fake Graph.
func BenchmarkFakeGraphDirect(b *testing.B) {
	env := harness.Start(b, storetest.New(b, "sqlite"), harness.Options{})
	client := load.Client(1)
	body := []byte(fmt.Sprintf(`{"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"text":"Your order has shipped"}}`, harness.User))
	b.ResetTimer()
	for range b.N {
		req, _ := http.NewRequest(http.MethodPost, env.GraphURL+"/v25.0/me/messages?access_token="+harness.PageToken, bytes.NewReader(body))
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}
