package fakegraph

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const benchBody = `{"recipient":{"id":"1254477777772919"},"messaging_type":"RESPONSE",` +
	`"message":{"text":"Your order 42 has shipped","quick_replies":[{"content_type":"text","title":"Track","payload":"TRACK_42"}]}}`

// benchServer records at most 1000 calls, so memory stays flat however long
// a benchmark runs.
func benchServer() *Server {
	s := New(Options{Seed: 1, MaxRecorded: 1000})
	s.AddPage(testPage, testToken)
	return s
}

// sendOnce pushes one valid JSON send through ServeHTTP, recording included.
func sendOnce(s *Server) int {
	req := httptest.NewRequest(http.MethodPost, sendPath, strings.NewReader(benchBody))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w.Code
}

func BenchmarkSend(b *testing.B) {
	s := benchServer()
	b.ReportAllocs()
	for b.Loop() {
		if code := sendOnce(s); code != http.StatusOK {
			b.Fatalf("HTTP %d", code)
		}
	}
}

// BenchmarkSendParallel shows how the one mutex holds up with every core sending.
func BenchmarkSendParallel(b *testing.B) {
	s := benchServer()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if code := sendOnce(s); code != http.StatusOK {
				b.Errorf("HTTP %d", code)
				return
			}
		}
	})
}
