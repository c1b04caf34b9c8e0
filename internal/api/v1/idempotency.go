package v1

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"unicode"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/core"
)

// replayedHeaders are the headers of an answer stored with its
// idempotency key and sent again with it.
var replayedHeaders = []string{"Content-Type", "Location", "Preference-Applied"}

// idempotent runs a creating POST under its Idempotency-Key, as the IETF
// draft and Stripe do: the same key and body answer the first answer again;
// a different body is refused (422); a request arriving while the first
// runs is refused (409). Answers of botgate's own failures (5xx) are not
// kept, so a retry runs again.
func (h *Server) idempotent(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		h.routes.ServeHTTP(w, r)
		return
	}
	if err := checkKey(key); err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	body, err := api.ReadBody(w, r)
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	bot := botOf(r.Context())
	operation := r.Method + " " + r.URL.Path
	sum := sha256.Sum256(append([]byte(operation+"\n"), body...))
	hash := hex.EncodeToString(sum[:])
	prior, err := h.Store.BeginIdempotent(r.Context(), bot.ID, key, operation, hash, h.IdempotencyTTL)
	switch {
	case err != nil:
		writeProblem(w, r, err, h.Log)
		return
	case prior != nil && prior.RequestHash != hash:
		writeProblem(w, r, &core.Error{Kind: kindKeyReused, Field: "Idempotency-Key",
			Message: "Idempotency-Key " + key + " was used for a different request (" + prior.Operation + " with another body)"}, h.Log)
		return
	case prior != nil && prior.Status == 0:
		writeProblem(w, r, &core.Error{Kind: kindKeyInProgress, Field: "Idempotency-Key",
			Message: "a request with Idempotency-Key " + key + " is still running; retry once it has answered"}, h.Log)
		return
	case prior != nil:
		var headers map[string]string
		_ = json.Unmarshal([]byte(prior.Headers), &headers)
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(prior.Status)
		_, _ = io.WriteString(w, prior.Body)
		return
	}
	rec := &recorder{ResponseWriter: w}
	h.routes.ServeHTTP(rec, r)
	// The answer is kept even when the client hung up: its retry must see it.
	ctx := context.WithoutCancel(r.Context())
	if rec.status == 0 || rec.status >= 500 {
		if err := h.Store.ForgetIdempotent(ctx, bot.ID, key); err != nil {
			h.Log.Error("v1: releasing an idempotency key failed", "err", err)
		}
		return
	}
	headers := map[string]string{}
	for _, k := range replayedHeaders {
		if v := w.Header().Get(k); v != "" {
			headers[k] = v
		}
	}
	encoded, _ := json.Marshal(headers)
	if err := h.Store.FinishIdempotent(ctx, bot.ID, key, rec.status, string(encoded), rec.body.String()); err != nil {
		h.Log.Error("v1: storing an idempotent answer failed", "err", err)
	}
}

// checkKey accepts 1 to 255 printable ASCII characters.
func checkKey(key string) error {
	if len(key) > 255 {
		return core.Invalid("Idempotency-Key", "is %d characters; at most 255 are allowed", len(key))
	}
	for _, c := range key {
		if c > unicode.MaxASCII || !unicode.IsPrint(c) {
			return core.Invalid("Idempotency-Key", "must be printable ASCII")
		}
	}
	return nil
}

// recorder passes an answer through and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}
