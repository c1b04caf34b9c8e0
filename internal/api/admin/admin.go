// Package admin is botgate's own JSON API for operators: bots, API keys, the
// message log and the delivery log, under /admin/v1 with a bearer token. It
// is off while no admin token is configured.
package admin

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/graph"
	"github.com/botgate/botgate/internal/logs"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
)

// Handler serves /admin/v1.
type Handler struct {
	Store   *store.Store
	Gateway *gateway.Service
	Notify  *notify.Notifier
	Graph   *graph.Client // profile reads for rendering blocks
	// Broadcasts serves the broadcast routes; nil leaves them out.
	Broadcasts *broadcast.Service
	Token      string
	Log        *slog.Logger
	// TrustProxy: the audit log takes the caller's address from X-Forwarded-For.
	TrustProxy bool
}

// Register mounts the admin API when a token is set.
func (h *Handler) Register(mux *http.ServeMux) {
	if h.Token == "" {
		return
	}
	routes := map[string]func(ctx context.Context, r *http.Request) (int, any, error){
		"POST /admin/v1/bots":                   h.createBot,
		"GET /admin/v1/bots":                    h.listBots,
		"GET /admin/v1/bots/{id}":               h.getBot,
		"PATCH /admin/v1/bots/{id}":             h.updateBot,
		"DELETE /admin/v1/bots/{id}":            h.deleteBot,
		"POST /admin/v1/bots/{id}/api-keys":     h.createKey,
		"GET /admin/v1/bots/{id}/api-keys":      h.listKeys,
		"PATCH /admin/v1/api-keys/{id}":         h.updateKey,
		"DELETE /admin/v1/api-keys/{id}":        h.deleteKey,
		"GET /admin/v1/messages":                h.listMessages,
		"GET /admin/v1/messages/{id}":           h.getMessage,
		"GET /admin/v1/bots/{id}/deliveries":    h.listDeliveries,
		"GET /admin/v1/deliveries/{id}":         h.getDelivery,
		"POST /admin/v1/deliveries/{id}/replay": h.replayDelivery,
		"POST /admin/v1/bots/{id}/check":        h.checkSend,
		"PUT /admin/v1/bots/{id}/whatsapp":      h.putWhatsApp,
		"GET /admin/v1/bots/{id}/whatsapp":      h.getWhatsApp,
		"DELETE /admin/v1/bots/{id}/whatsapp":   h.deleteWhatsApp,

		"POST /admin/v1/bots/{id}/whatsapp/templates/sync":             h.syncTemplates,
		"GET /admin/v1/bots/{id}/whatsapp/templates":                   h.listTemplates,
		"GET /admin/v1/bots/{id}/whatsapp/templates/{name}/{language}": h.getTemplate,
		"POST /admin/v1/bots/{id}/whatsapp/templates":                  h.createTemplate,
		"DELETE /admin/v1/bots/{id}/whatsapp/templates/{name}":         h.deleteTemplate,
		"POST /admin/v1/apps":                                          h.createApp,
		"GET /admin/v1/apps":                                           h.listApps,
		"DELETE /admin/v1/apps/{id}":                                   h.deleteApp,

		"GET /admin/v1/bots/{id}/blocks":                  h.listBlocks,
		"PUT /admin/v1/bots/{id}/blocks/{name}":           h.putBlock,
		"GET /admin/v1/bots/{id}/blocks/{name}":           h.getBlock,
		"DELETE /admin/v1/bots/{id}/blocks/{name}":        h.deleteBlock,
		"GET /admin/v1/bots/{id}/blocks/{name}/versions":  h.blockVersions,
		"POST /admin/v1/bots/{id}/blocks/{name}/restore":  h.restoreBlock,
		"POST /admin/v1/bots/{id}/blocks/{name}/render":   h.renderBlock,
		"GET /admin/v1/bots/{id}/contacts/{psid}/params":  h.getParams,
		"PUT /admin/v1/bots/{id}/contacts/{psid}/params":  h.putParams,
		"GET /admin/v1/bots/{id}/links":                   h.listLinks,
		"DELETE /admin/v1/bots/{id}/links/{kind}/{value}": h.deleteLink,

		"GET /admin/v1/users":               h.listUsers,
		"POST /admin/v1/users":              h.createUser,
		"PATCH /admin/v1/users/{username}":  h.updateUser,
		"DELETE /admin/v1/users/{username}": h.deleteUser,
		"GET /admin/v1/audit":               h.listAudit,
	}
	if h.Broadcasts != nil {
		maps.Copy(routes, h.broadcastRoutes())
		mux.HandleFunc(uploadRoute, func(w http.ResponseWriter, r *http.Request) {
			h.wrap(uploadRoute, func(ctx context.Context, r *http.Request) (int, any, error) { return h.uploadRecipients(ctx, w, r) })(w, r)
		})
	}
	for pattern, fn := range routes {
		mux.HandleFunc(pattern, h.wrap(pattern, fn))
	}
	// Imports stream their body, so they reach the response writer.
	const imports = "POST /admin/v1/bots/{id}/import"
	mux.HandleFunc(imports, func(w http.ResponseWriter, r *http.Request) {
		h.wrap(imports, func(ctx context.Context, r *http.Request) (int, any, error) { return h.importRows(ctx, w, r) })(w, r)
	})
}

// queryParams are the query parameters each route reads; any other is
// refused, so a misspelt filter is never silently ignored.
var queryParams = map[string][]string{
	"GET /admin/v1/messages":                              {"bot_id", "request_id", "status", "recipient", "since", "until", "limit", "before"},
	"GET /admin/v1/bots/{id}/deliveries":                  {"before"},
	"GET /admin/v1/bots/{id}/blocks/{name}":               {"version"},
	"GET /admin/v1/bots/{id}/links":                       {"psid"},
	"GET /admin/v1/audit":                                 {"limit", "before"},
	"POST /admin/v1/bots/{id}/import":                     {"kind", "format", "dry_run"},
	"GET /admin/v1/bots/{id}/broadcasts":                  {"cursor", "limit"},
	"GET /admin/v1/bots/{id}/broadcasts/{bid}/recipients": {"state", "reason", "cursor", "limit"},
	uploadRoute: {"format"},
}

// wrap checks the bearer token and the query parameters, audits changes and
// writes the handler's result or error.
func (h *Handler) wrap(pattern string, fn func(ctx context.Context, r *http.Request) (int, any, error)) http.HandlerFunc {
	params := queryParams[pattern]
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !seal.Equal(token, h.Token) {
			writeError(w, r, core.Errorf(core.KindUnauthenticated, "a valid admin token is required (Authorization: Bearer …)"), h.Log)
			return
		}
		if err := api.CheckRequest(r); err != nil {
			writeError(w, r, err, logs.From(r.Context(), h.Log))
			return
		}
		// An import's body is CSV or JSON Lines, as its format parameter says.
		if r.Method != http.MethodGet && r.Method != http.MethodDelete && !streamed[pattern] {
			if err := api.CheckContentType(r); err != nil {
				writeError(w, r, err, logs.From(r.Context(), h.Log))
				return
			}
		}
		if strings.Contains(r.Pattern, "/bots/{id}") {
			logs.SetBot(r.Context(), r.PathValue("id")) // for the access line
		}
		var unknown []string
		for k := range r.URL.Query() {
			if !slices.Contains(params, k) {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			slices.Sort(unknown)
			known := "none"
			if len(params) > 0 {
				known = strings.Join(params, ", ")
			}
			writeError(w, r, &core.Error{Kind: core.KindInvalid, Field: unknown[0],
				Message: "unknown query parameter: " + strings.Join(unknown, ", ") + " (this endpoint takes: " + known + ")"}, logs.From(r.Context(), h.Log))
			return
		}
		status, body, err := h.audited(pattern, r, func() (int, any, error) { return fn(r.Context(), r) })
		if err != nil {
			writeError(w, r, err, logs.From(r.Context(), h.Log))
			return
		}
		if body == nil {
			w.WriteHeader(status)
			return
		}
		api.WriteJSON(w, status, body)
	}
}

// statuses maps error kinds to HTTP statuses; the kind itself is the code.
var statuses = map[core.Kind]int{
	core.KindUnauthenticated: http.StatusUnauthorized,
	core.KindBadCredential:   http.StatusUnauthorized,
	core.KindInvalid:         http.StatusBadRequest,
	core.KindBadMessage:      http.StatusBadRequest,
	core.KindTooLarge:        http.StatusRequestEntityTooLarge,
	core.KindBadText:         http.StatusBadRequest,
	core.KindBadContentType:  http.StatusUnsupportedMediaType,
	core.KindNotFound:        http.StatusNotFound,
	core.KindUnknownBlock:    http.StatusNotFound,
	core.KindUnknownUser:     http.StatusNotFound,
	core.KindDuplicate:       http.StatusConflict,
	core.KindPolicy:          http.StatusForbidden,
	// Request-shape kinds the core reports for dry runs and renders.
	core.KindMissingMessage:      http.StatusBadRequest,
	core.KindMissingRecipient:    http.StatusBadRequest,
	core.KindBadRecipient:        http.StatusBadRequest,
	core.KindUnknownRecipientWay: http.StatusBadRequest,
	core.KindMissingRequestID:    http.StatusBadRequest,
	core.KindNoCallback:          http.StatusBadRequest,
	core.KindConflict:            http.StatusConflict,
	core.KindMissing:             http.StatusBadRequest,
	core.KindUpstream:            http.StatusUnprocessableEntity, // Graph refused a template call
	core.KindUnavailable:         http.StatusServiceUnavailable,  // Graph could not be reached
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, r *http.Request, err error, log *slog.Logger) {
	e := core.AsError(err)
	logs.SetError(r.Context(), string(e.Kind))
	status, ok := statuses[e.Kind]
	if !ok {
		status = http.StatusInternalServerError
		log.Error("admin: request failed", "err", err)
	}
	var body errorBody
	body.Error.Code, body.Error.Message, body.Error.Field = string(e.Kind), e.Message, e.Field
	api.WriteJSON(w, status, body)
}

// decode reads a JSON body strictly: an unknown field is an error naming it,
// so a typo in an operator's request is never silently ignored.
func decode(r *http.Request, v any) error {
	data, err := api.ReadBody(nil, r)
	if err != nil {
		return err
	}
	if err := api.DecodeJSON(data, new(map[string]any)); err != nil {
		return err
	}
	if err := core.DecodeStrict(data, v, ""); err != nil {
		return core.Rekind(err, core.KindInvalid)
	}
	return nil
}
