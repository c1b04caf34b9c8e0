// Package logs builds botgate's slog loggers and carries a request's logger
// through its context, so that every line a request causes names its
// request id, and the access line can name the bot the request acted for.
package logs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
)

// New returns a logger writing format ("text", "json", or "" to choose:
// text on a terminal, JSON otherwise) to w at level.
func New(w io.Writer, format string, level slog.Leveler) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	if format == "" {
		format = "json"
		if isTerminal(w) {
			format = "text"
		}
	}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

type ctxKey struct{}

// Request is what the access line learns while a request runs.
type Request struct {
	ID string

	base *slog.Logger
	log  *slog.Logger // base naming the request id, made when first needed
	mu   sync.Mutex
	bot  string
	err  string
}

// NewRequest returns request id's record, logging through base.
func NewRequest(id string, base *slog.Logger) *Request {
	return &Request{ID: id, base: base}
}

// Log is the request's logger: every line it writes names the request id.
func (r *Request) Log() *slog.Logger {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.log == nil {
		r.log = r.base.With("request_id", r.ID)
	}
	return r.log
}

// NewContext returns ctx carrying req.
func NewContext(ctx context.Context, req *Request) context.Context {
	return context.WithValue(ctx, ctxKey{}, req)
}

// FromContext returns the request ctx carries, or nil.
func FromContext(ctx context.Context) *Request {
	r, _ := ctx.Value(ctxKey{}).(*Request)
	return r
}

// From returns the logger of ctx's request, or fallback outside a request.
func From(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if r := FromContext(ctx); r != nil && r.base != nil {
		return r.Log()
	}
	if fallback == nil {
		return slog.Default()
	}
	return fallback
}

// SetBot tells the access line which bot the request acted for; the faces'
// authentication calls it.
func SetBot(ctx context.Context, id string) {
	if r := FromContext(ctx); r != nil {
		r.mu.Lock()
		r.bot = id
		r.mu.Unlock()
	}
}

// SetError tells the access line the kind of error the request was
// answered with (core.Kind), for faces whose envelope hides it behind HTTP
// 200. Only the kind: messages may quote what the caller sent.
func SetError(ctx context.Context, kind string) {
	if r := FromContext(ctx); r != nil {
		r.mu.Lock()
		r.err = kind
		r.mu.Unlock()
	}
}

// Error is the kind SetError named, or "".
func (r *Request) Error() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Bot is the bot SetBot named, or "".
func (r *Request) Bot() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bot
}
