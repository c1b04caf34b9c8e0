package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/botgate/botgate/internal/logs"
	"github.com/botgate/botgate/internal/metrics"
)

func TestSaneRequestID(t *testing.T) {
	for id, want := range map[string]bool{
		"trace-42": true, "4bf92f3577b34da6a3ce929d0e0e4736": true, "a:b/c=d+e~f.g_h": true,
		"": false, "has space": false, "tab\t": false, "new\nline": false, `quote"`: false, "ünïcode": false,
		strings.Repeat("x", 128): true, strings.Repeat("x", 129): false,
	} {
		if got := saneRequestID(id); got != want {
			t.Errorf("saneRequestID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestFaceOfRoute(t *testing.T) {
	for route, want := range map[string]string{
		"POST /api": "bothub", "POST /chat-facebook/api/messenger/send": "sobot", "GET /api/get_token": "sobot",
		"POST /channels/{bot_phone}/messages": "whatsapp", "GET /admin/v1/bots": "admin",
		"POST /webhooks/messenger/{bot}": "inbound", "GET /sandbox/inbox": "sandbox",
		"POST /v1/messages": "v1", "GET /v1/docs": "v1", "GET /v1x": "ops", "GET /console/keys": "console",
		"GET /healthz": "ops", "GET /metrics": "ops", "unmatched": "ops",
	} {
		if got := face(route); got != want {
			t.Errorf("face(%q) = %q, want %q", route, got, want)
		}
	}
}

// BenchmarkAccess is the middleware's cost per request at info level, with
// a JSON access line written (to nowhere) and the HTTP metrics recorded.
func BenchmarkAccess(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	log, _ := logs.New(io.Discard, "json", slog.LevelInfo)
	h := access(mux, log, metrics.New(prometheus.NewRegistry()))
	req := httptest.NewRequest(http.MethodPost, "/api", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
