package server

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/logs"
	"github.com/botgate/botgate/internal/metrics"
	"github.com/botgate/botgate/internal/seal"
)

// access wraps the whole mux: it gives each request an id (the caller's
// X-Request-Id when sane), a logger naming it in the request's context, and
// after the handler one access line and the HTTP metrics. It logs no header
// and no body: those carry API keys, tokens and customers' messages.
func access(next http.Handler, log *slog.Logger, m *metrics.Set) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !saneRequestID(id) {
			id = "req_" + seal.Random(10)
		}
		w.Header().Set("X-Request-Id", id)
		req := logs.NewRequest(id, log)
		r = r.WithContext(logs.NewContext(r.Context(), req))
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r) // the mux sets r.Pattern to the route it chose
		route := r.Pattern
		if route == "" {
			route = "unmatched" // never the raw path: it would make a series per URL
		}
		d := time.Since(start)
		m.HTTP(route, rec.status, d)
		errKind := req.Error()
		if errKind != "" {
			m.APIError(face(route), errKind)
		}
		level := slog.LevelInfo
		if face(route) == "ops" {
			level = slog.LevelDebug // health checks and scrapes come every few seconds
		}
		if !log.Enabled(r.Context(), level) {
			return
		}
		args := []any{"method", r.Method, "route", route, "status", rec.status,
			"duration_ms", float64(d.Microseconds()) / 1000, "bytes", rec.bytes, "face", face(route),
			"bot", req.Bot(), "remote", r.RemoteAddr}
		if errKind != "" {
			args = append(args, "error", errKind)
		}
		req.Log().Log(r.Context(), level, "http request", args...)
	})
}

// saneRequestID accepts a caller's id of 1–128 printable token characters,
// so it can sit in a log line and a header unescaped.
func saneRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.:~+/=", c) >= 0) {
			return false
		}
	}
	return true
}

// face names the API a route ("METHOD /path") belongs to.
func face(route string) string {
	_, path, ok := strings.Cut(route, " ")
	if !ok {
		path = route
	}
	return api.FaceOf(path)
}

// retryAfter is the Retry-After of a 503, in seconds.
const retryAfter = "5"

// recorder notes the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (r *recorder) WriteHeader(status int) {
	// Every 503 is a passing outage (the database, Graph): say when to come
	// back, once for every face.
	if status == http.StatusServiceUnavailable && r.Header().Get("Retry-After") == "" {
		r.Header().Set("Retry-After", retryAfter)
	}
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flushes, deadlines).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
