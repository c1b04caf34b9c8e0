package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/logs"
	"github.com/botgate/botgate/internal/store"
)

// RequestLog records the last requests each face received, refused ones
// included, so that an integrator sees in the console why a call failed.
// Bodies are kept with secrets removed and truncated; the store keeps the
// newest store.APIRequestsKept per bot. Recording never delays an answer:
// requests wait in a bounded buffer for a background writer, and are
// dropped (and counted) when it is full.
type RequestLog struct {
	Store   *store.Store
	Log     *slog.Logger
	pending chan *store.APIRequest
	once    sync.Once
	Dropped atomic.Int64
	pruned  map[string]time.Time // when each bot's older requests were last pruned (Run's own)
}

// pruneEvery is how often a bot's requests past store.APIRequestsKept are
// pruned. Pruning reads a bot's newest thousand index entries to find where
// to cut, so pruning on every flush (each group commit, on a busy server)
// cost as much as the inserts. A bot may keep up to a second's requests
// past the limit, until its next request a second later.
const pruneEvery = time.Second

// MaxLoggedBody bounds each body kept in the log.
const MaxLoggedBody = 8 << 10

func (l *RequestLog) init() { l.once.Do(func() { l.pending = make(chan *store.APIRequest, 4096) }) }

// loggedAs names, for each face whose requests the log keeps, the face the
// console shows them under; other faces are not kept.
var loggedAs = map[string]string{"bothub": "bothub", "sobot": "sobot", "whatsapp": "whatsapp", "admin": "admin", "inbound": "webhook"}

// Wrap records the requests next serves on the faces' paths.
func (l *RequestLog) Wrap(next http.Handler) http.Handler {
	l.init()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		face := loggedAs[FaceOf(r.URL.Path)]
		if face == "" {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		var botID string // noted by the face once it recognised its caller (logs.SetBot)
		if lr := logs.FromContext(r.Context()); lr != nil {
			botID = lr.Bot()
		}
		if botID == "" && strings.Contains(r.Pattern, "/admin/v1/bots/{id}") {
			botID = r.PathValue("id") // the admin API names the bot in its path
		}
		now := l.Store.Now()
		entry := &store.APIRequest{
			ID: core.NewID("req_", now), BotID: botID, Face: face, Method: r.Method, Path: redactURL(r.URL),
			Status: rec.status, Request: redactBody(r.Header.Get("Content-Type"), body), Response: redactBody("application/json", rec.body.Bytes()),
			Remote: r.RemoteAddr, Duration: time.Since(start), At: now,
		}
		select {
		case l.pending <- entry:
		default:
			l.Dropped.Add(1)
		}
	})
}

// flushEvery is the least time between two writes of the log. Each write
// is a commit, an fsync on SQLite: written as they came, the log's commits
// were as many as the requests' own when requests came one at a time (a
// sync send waited behind them). The console shows a request at most this
// much later.
const flushEvery = 50 * time.Millisecond

// Run writes recorded requests in batches until ctx ends, then writes what
// is still buffered.
func (l *RequestLog) Run(ctx context.Context) {
	l.init()
	var last time.Time
	for {
		var batch []*store.APIRequest
		select {
		case e := <-l.pending:
			batch = append(batch, e)
		case <-ctx.Done():
			l.flush(drain(l.pending, nil, cap(l.pending)))
			return
		}
		if wait := flushEvery - time.Since(last); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
		last = time.Now()
		l.flush(drain(l.pending, batch, maxFlush))
	}
}

// maxFlush bounds one write of the log: at one write per flushEvery it
// keeps up with 20,000 requests a second, past which the buffer fills and
// requests go unrecorded (counted).
const maxFlush = 1024

func drain(ch chan *store.APIRequest, batch []*store.APIRequest, limit int) []*store.APIRequest {
	for len(batch) < limit {
		select {
		case e := <-ch:
			batch = append(batch, e)
		default:
			return batch
		}
	}
	return batch
}

// flushChunk is the most requests one operation of the writer inserts: the
// writer takes a send's result into its transaction between operations,
// so one long insert would hold that result, and the time a crash would
// repeat its send, back.
const flushChunk = 64

func (l *RequestLog) flush(batch []*store.APIRequest) {
	if len(batch) == 0 {
		return
	}
	if l.pruned == nil {
		l.pruned = map[string]time.Time{}
	}
	var prune []string
	now := time.Now()
	for _, r := range batch {
		if last, ok := l.pruned[r.BotID]; !ok || now.Sub(last) >= pruneEvery {
			l.pruned[r.BotID] = now
			prune = append(prune, r.BotID)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The chunks go to the writer together, as operations of one commit.
	var wg sync.WaitGroup
	for chunk := range slices.Chunk(batch, flushChunk) {
		bots := prune
		prune = nil // once, with the first chunk
		wg.Go(func() {
			if err := l.Store.InsertAPIRequests(ctx, chunk, bots); err != nil && l.Log != nil {
				l.Log.Warn("api: recording recent requests failed", "requests", len(chunk), "err", err)
			}
		})
	}
	wg.Wait()
}

// recorder keeps the status and the start of the body a handler answers.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	if room := MaxLoggedBody + 1 - r.body.Len(); room > 0 {
		r.body.Write(p[:min(len(p), room)])
	}
	return r.ResponseWriter.Write(p)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// removed replaces a secret's value.
const removed = "[removed]"

// secretName reports a field or parameter name whose value is a secret:
// tokens, keys, app secrets, passwords, signatures.
func secretName(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"token", "secret", "password", "key", "sign", "authorization"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

func redactURL(u *url.URL) string {
	if u.RawQuery == "" {
		return u.Path
	}
	q := u.Query()
	for k := range q {
		if secretName(k) {
			q[k] = []string{removed}
		}
	}
	return u.Path + "?" + q.Encode()
}

// redactBody returns a body fit to keep: JSON and forms with secret fields
// removed, other text as is, binary and multipart bodies described only;
// all truncated to MaxLoggedBody.
func redactBody(contentType string, body []byte) string {
	if len(body) == 0 {
		return ""
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		return "[" + mt + " body, " + strconv.Itoa(len(body)) + " bytes, not kept]"
	case mt == "application/x-www-form-urlencoded":
		if q, err := url.ParseQuery(string(body)); err == nil {
			for k := range q {
				if secretName(k) {
					q[k] = []string{removed}
				}
			}
			return truncate(q.Encode())
		}
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&v) == nil && redactJSON(v) {
		// Re-encoded only when a secret was removed: otherwise the body is kept byte for byte.
		if out, err := json.Marshal(v); err == nil {
			return truncate(string(out))
		}
	}
	if !json.Valid(body) && !isText(body) {
		return "[binary body, " + strconv.Itoa(len(body)) + " bytes, not kept]"
	}
	return truncate(string(body))
}

// redactJSON removes secret values in place and reports whether it did.
func redactJSON(v any) bool {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if _, isObj := val.(map[string]any); secretName(k) && !isObj {
				x[k], changed = removed, true
				continue
			}
			changed = redactJSON(val) || changed
		}
	case []any:
		for i := range x {
			changed = redactJSON(x[i]) || changed
		}
	}
	return changed
}

func isText(b []byte) bool {
	return !bytes.ContainsRune(b, 0) && strings.ToValidUTF8(string(b), "\uFFFD") == string(b)
}

func truncate(s string) string {
	if len(s) <= MaxLoggedBody {
		return s
	}
	cut := strings.ToValidUTF8(s[:MaxLoggedBody], "")
	return cut + "… [" + strconv.Itoa(len(s)-len(cut)) + " more bytes]"
}
