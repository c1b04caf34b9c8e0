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
	"github.com/botgate/botgate/internal/store"
)

// replayedHeaders are the headers of an answer stored with its
// idempotency key and sent again with it.
var replayedHeaders = []string{"Content-Type", "Location", "Preference-Applied"}

// idempotent runs a creating POST under its Idempotency-Key, as the IETF
// draft and Stripe do: the same key and body answer the first answer again;
// a different body is refused (422); a request arriving while the first
// runs is refused (409). Answers of botgate's own failures (5xx) are not
// kept, so a retry runs again.
//
// A message accept (POST /v1/messages without Prefer: wait) claims no key:
// its key is the message's request id, and the message row, written by the
// accept's own transaction, carries the request's hash; its answer is the
// message as accepted, rebuilt from the row. So a keyed accept costs what an
// unkeyed one does. Every other creating POST (and a message with Prefer:
// wait, whose answer is the send's outcome at that moment, which the row
// does not keep) claims the key first and stores its answer.
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
	k := &keyed{key: key, operation: operation, hash: hex.EncodeToString(sum[:])}
	r = r.WithContext(context.WithValue(r.Context(), keyedKey{}, k))
	if r.URL.Path == "/v1/messages" && r.Header.Get("Prefer") == "" {
		h.keyedAccept(w, r, bot, k)
		return
	}
	prior, err := h.Store.BeginIdempotent(r.Context(), bot.ID, key, operation, k.hash, h.IdempotencyTTL)
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	if prior != nil {
		h.answerPrior(w, r, k, prior)
		return
	}
	rec := &recorder{ResponseWriter: w}
	h.routes.ServeHTTP(rec, r)
	// The answer is kept even when the client hung up: its retry must see it.
	ctx := context.WithoutCancel(r.Context())
	if rec.status == 0 || rec.status >= 500 || k.fromRow {
		// An answer read from a message row stays the row's to give.
		if err := h.Store.ForgetIdempotent(ctx, bot.ID, key); err != nil {
			h.Log.Error("v1: releasing an idempotency key failed", "err", err)
		}
		return
	}
	if err := h.Store.FinishIdempotent(ctx, bot.ID, key, rec.status, replayed(w.Header()), rec.body.String()); err != nil {
		h.Log.Error("v1: storing an idempotent answer failed", "err", err)
	}
}

// keyedAccept runs a message accept under its key without claiming it: a
// key kept from an earlier request (a refusal, a send that waited) answers
// as kept; otherwise the accept runs, and a message already recorded under
// the key answers from its row (SendMessage). A refusal wrote no row, so its
// answer is kept under the key.
func (h *Server) keyedAccept(w http.ResponseWriter, r *http.Request, bot *core.Bot, k *keyed) {
	prior, err := h.Store.GetIdempotent(r.Context(), bot.ID, k.key, h.IdempotencyTTL)
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	if prior != nil {
		h.answerPrior(w, r, k, prior)
		return
	}
	rec := &recorder{ResponseWriter: w}
	h.routes.ServeHTTP(rec, r)
	if rec.status < 400 || rec.status >= 500 || k.fromRow {
		return
	}
	ctx := context.WithoutCancel(r.Context())
	if err := h.Store.KeepIdempotent(ctx, bot.ID, k.key, k.operation, k.hash, rec.status, replayed(w.Header()), rec.body.String()); err != nil {
		h.Log.Error("v1: storing an idempotent answer failed", "err", err)
	}
}

// answerPrior answers a request whose key is kept: refused when the body
// differs or the first request still runs, else the kept answer again.
func (h *Server) answerPrior(w http.ResponseWriter, r *http.Request, k *keyed, prior *store.Idempotent) {
	switch {
	case prior.RequestHash != k.hash:
		writeProblem(w, r, keyReused(k.key, prior.Operation), h.Log)
	case prior.Status == 0:
		writeProblem(w, r, keyInProgress(k.key), h.Log)
	default:
		var headers map[string]string
		_ = json.Unmarshal([]byte(prior.Headers), &headers)
		for name, v := range headers {
			w.Header().Set(name, v)
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(prior.Status)
		_, _ = io.WriteString(w, prior.Body)
	}
}

func keyReused(key, operation string) error {
	return &core.Error{Kind: kindKeyReused, Field: "Idempotency-Key",
		Message: "Idempotency-Key " + key + " was used for a different request (" + operation + " with another body)"}
}

func keyInProgress(key string) error {
	return &core.Error{Kind: kindKeyInProgress, Field: "Idempotency-Key",
		Message: "a request with Idempotency-Key " + key + " is still running; retry once it has answered"}
}

// keyed is a request's Idempotency-Key, for the handler: the hash goes on
// the message row; fromRow notes an answer the handler read from a row.
type keyed struct {
	key, operation, hash string
	fromRow              bool
}

type keyedKey struct{}

func keyedOf(ctx context.Context) *keyed { k, _ := ctx.Value(keyedKey{}).(*keyed); return k }

// replayed is the JSON of the answer's headers worth replaying.
func replayed(h http.Header) string {
	headers := map[string]string{}
	for _, name := range replayedHeaders {
		if v := h.Get(name); v != "" {
			headers[name] = v
		}
	}
	encoded, _ := json.Marshal(headers)
	return string(encoded)
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
