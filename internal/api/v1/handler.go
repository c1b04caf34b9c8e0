// Package v1 is botgate's own API, /v1: its routes and types are generated
// from api/openapi.yaml (gen.go), and the contract also drives what every
// route shares — the scope a call needs, the query parameters it accepts,
// idempotency keys — in front of the generated router.
package v1

//go:generate go tool oapi-codegen -config oapi.yaml ../../../api/openapi.yaml

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	apispec "github.com/botgate/botgate/api"
	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
)

// Server serves /v1.
type Server struct {
	Service *gateway.Service
	Store   *store.Store
	Notify  *notify.Notifier // replays webhook deliveries
	// Broadcasts creates and reports on broadcasts.
	Broadcasts *broadcast.Service
	Log        *slog.Logger
	// IdempotencyTTL is how long a bot's idempotency keys are kept (24 h).
	IdempotencyTTL time.Duration
	// MaxWait bounds Prefer: wait=N.
	MaxWait time.Duration

	doc    *openapi3.T
	json   []byte
	routes *http.ServeMux
}

// DefaultIdempotencyTTL is how long idempotency keys are kept by default.
const DefaultIdempotencyTTL = 24 * time.Hour

// Register mounts /v1 on mux.
func (h *Server) Register(mux *http.ServeMux) error {
	doc, err := openapi3.NewLoader().LoadFromData(apispec.OpenAPI)
	if err != nil {
		return err
	}
	if h.json, err = doc.MarshalJSON(); err != nil {
		return err
	}
	if h.IdempotencyTTL <= 0 {
		h.IdempotencyTTL = DefaultIdempotencyTTL
	}
	if h.MaxWait <= 0 {
		h.MaxWait = 30 * time.Second
	}
	h.doc, h.routes = doc, http.NewServeMux()
	HandlerWithOptions(h, StdHTTPServerOptions{BaseRouter: h.routes, ErrorHandlerFunc: h.paramError})
	mux.Handle("/v1/", http.HandlerFunc(h.front))
	mux.Handle("GET /v1/docs", serveDocs("docs/index.html", "text/html; charset=utf-8"))
	mux.Handle("GET /v1/docs/redoc.standalone.js", serveDocs("docs/redoc.standalone.js", "text/javascript; charset=utf-8"))
	return nil
}

type botKey struct{}

// botOf is the authenticated bot of a request that passed front.
func botOf(ctx context.Context) *core.Bot { b, _ := ctx.Value(botKey{}).(*core.Bot); return b }

// front does, from the contract, what every route shares: finds the
// operation, authenticates the key with the scope the operation names,
// refuses query parameters the operation does not name, and keeps
// idempotency keys; then the generated router parses and calls the handler.
func (h *Server) front(w http.ResponseWriter, r *http.Request) {
	if w.Header().Get("X-Request-Id") == "" {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 200 {
			id = "req_" + seal.Random(12)
		}
		w.Header().Set("X-Request-Id", id)
	}
	op, err := h.operation(r)
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	if scope := h.scope(op); scope != "" {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			writeProblem(w, r, core.Errorf(core.KindUnauthenticated, "an API key is required: Authorization: Bearer bgk_…"), h.Log)
			return
		}
		bot, err := h.Service.AuthenticateScope(r.Context(), strings.TrimSpace(token), scope)
		if err != nil {
			writeProblem(w, r, err, h.Log)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), botKey{}, bot))
	}
	if err := checkQuery(r, op); err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	if r.Method == http.MethodPost && op.Parameters.GetByInAndName("header", "Idempotency-Key") != nil {
		h.idempotent(w, r)
		return
	}
	h.routes.ServeHTTP(w, r)
}

// operation finds the contract's operation for r through the generated
// router's patterns.
func (h *Server) operation(r *http.Request) (*openapi3.Operation, error) {
	_, pattern := h.routes.Handler(r)
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, p := h.routes.Handler(probe); p != "" {
				return nil, core.Errorf(kindMethod, "%s is not allowed on %s", r.Method, r.URL.Path)
			}
		}
		return nil, core.Errorf(kindNoRoute, "no route %s %s; the routes are in /v1/openapi.yaml", r.Method, r.URL.Path)
	}
	item := h.doc.Paths.Value(path)
	if item == nil || item.GetOperation(method) == nil {
		return nil, core.Errorf(core.KindInternal, "route %s is not in the contract", pattern)
	}
	return item.GetOperation(method), nil
}

// scope is the scope the operation's bearer requirement names, "" for a
// public operation.
func (h *Server) scope(op *openapi3.Operation) string {
	reqs := h.doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	for _, req := range reqs {
		if scopes, ok := req["bearer"]; ok && len(scopes) > 0 {
			return scopes[0]
		}
	}
	return ""
}

// checkQuery refuses query parameters the operation does not name: a
// misspelt filter must not quietly list everything.
func checkQuery(r *http.Request, op *openapi3.Operation) error {
	for name := range r.URL.Query() {
		if p := op.Parameters.GetByInAndName("query", name); p == nil {
			return core.Invalid(name, "is not a parameter of %s %s", r.Method, r.URL.Path)
		}
	}
	return nil
}

// paramError answers a parameter the generated router could not parse.
func (h *Server) paramError(w http.ResponseWriter, r *http.Request, err error) {
	field := ""
	switch e := err.(type) {
	case *InvalidParamFormatError:
		field = e.ParamName
	case *RequiredParamError:
		field = e.ParamName
	case *TooManyValuesForParamError:
		field = e.ParamName
	case *RequiredHeaderError:
		field = e.ParamName
	}
	writeProblem(w, r, &core.Error{Kind: core.KindInvalid, Field: field, Message: field + ": " + err.Error()}, h.Log)
}

// GetOpenAPIYAML serves the contract as written.
func (h *Server) GetOpenAPIYAML(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(apispec.OpenAPI)
}

// GetOpenAPIJSON serves the contract as JSON.
func (h *Server) GetOpenAPIJSON(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(h.json)
}
