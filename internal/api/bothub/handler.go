// Package bothub is the Bothub (and Meetbot) face: POST /api with an APIKEY
// header and a JSON body whose request.method picks the call. It parses the
// vendor's shapes into the core's types and maps the core's errors back to
// the vendor's codes; every rule lives in the core.
package bothub

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/logs"
)

// Face is the name results are formatted under.
const Face = "bothub"

// Handler serves POST /api.
type Handler struct {
	Service *gateway.Service
	Log     *slog.Logger
	methods map[string]method
}

type method func(ctx context.Context, bot *core.Bot, env *envelope) (any, int, error)

// New returns the face with its methods.
func New(svc *gateway.Service, log *slog.Logger) *Handler {
	h := &Handler{Service: svc, Log: log}
	h.methods = map[string]method{
		"send_message":   h.sendMessage,
		"send_block":     h.sendBlock,
		"set_params":     h.setParams,
		"link_account":   h.linkAccount,
		"unlink_account": h.unlinkAccount,
		"check_message":  h.checkMessage,
	}
	return h
}

// Register mounts the face.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /api", h.serve)
}

// envelope is the request body. Seed 000's table puts the recipient under
// request, its sample at the top level: both are read, the top level first.
type envelope struct {
	Request       requestIn       `json:"request"`
	Recipient     json.RawMessage `json:"recipient"`
	Message       json.RawMessage `json:"message"`
	MessagingType string          `json:"messaging_type"`
	MessageTag    string          `json:"message_tag"`
	// Params sits beside message in Meetbot's table (inside it in its sample)
	// and carries set_params' parameters.
	Params json.RawMessage `json:"params"`

	requestID string
}

// requestIn is the envelope's request object, read strictly: a field it
// does not know (a typo of "sync", say) is refused, not ignored.
type requestIn struct {
	Method    string          `json:"method"`
	ID        json.RawMessage `json:"id"`
	Sync      json.RawMessage `json:"sync"`
	Meta      json.RawMessage `json:"meta"`
	Recipient json.RawMessage `json:"recipient"`
}

func (r *requestIn) UnmarshalJSON(raw []byte) error {
	type plain requestIn
	return core.Rekind(core.DecodeStrict(raw, (*plain)(r), "request"), core.KindInvalid)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	env := &envelope{}
	out, status, err := h.call(r, w, env)
	if err != nil {
		body, status := NewErrorBody(err, env.requestID)
		logs.SetError(r.Context(), string(core.ErrorKind(err)))
		if status >= 500 {
			logs.From(r.Context(), h.Log).Error("bothub: request failed", "request_id", env.requestID, "err", err)
		}
		api.WriteJSON(w, status, body)
		return
	}
	api.WriteJSON(w, status, out)
}

// call checks in the order of seed 000's error table: key, request id,
// method, then the method's own fields.
func (h *Handler) call(r *http.Request, w http.ResponseWriter, env *envelope) (any, int, error) {
	bot, err := h.Service.Authenticate(r.Context(), r.Header.Get("APIKEY"))
	if err != nil {
		return nil, 0, err
	}
	if err := api.CheckRequest(r); err != nil {
		return nil, 0, err
	}
	// Seeds 000 and 001 list the fields as "Form Data" (their browser's
	// label) while the samples send JSON: a JSON body labelled as a form
	// is read as JSON.
	if err := api.CheckContentType(r, "application/x-www-form-urlencoded"); err != nil {
		return nil, 0, err
	}
	data, err := api.ReadBody(w, r)
	if err != nil {
		return nil, 0, err
	}
	if err := api.DecodeJSON(data, env); err != nil {
		return nil, 0, err
	}
	if env.requestID, err = requestID(env.Request.ID); err != nil {
		return nil, 0, err
	}
	name := strings.TrimSpace(env.Request.Method)
	if name == "" {
		return nil, 0, core.Errorf(core.KindMissingMethod, "request.method is required")
	}
	m, ok := h.methods[name]
	if !ok {
		return nil, 0, core.Errorf(core.KindUnknownMethod, "request.method %q is not a known method", name)
	}
	return m(r.Context(), bot, env)
}

// requestID reads request.id, a string or a number.
func requestID(raw json.RawMessage) (string, error) {
	var id string
	switch v := decodeScalar(raw).(type) {
	case nil:
	case string:
		id = strings.TrimSpace(v)
	case json.Number:
		id = v.String()
	default:
		return "", core.Invalid("request.id", "must be a string or a number")
	}
	if id == "" {
		return "", core.Errorf(core.KindMissingRequestID, "request.id is required")
	}
	return id, core.CheckID("request.id", id)
}

// ParseSync reads a sync flag (request.sync here): true or false, as JSON
// booleans or strings. When absent the request is sync, so a caller without
// a callback URL gets its result.
func ParseSync(raw json.RawMessage, field string) (bool, error) {
	switch v := decodeScalar(raw).(type) {
	case nil:
		return true, nil
	case bool:
		return v, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, core.Invalid(field, "must be true or false")
}

func decodeScalar(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return struct{}{}
	}
	return v
}

// fields names the request's fields as Bothub callers wrote them.
var fields = core.Fields{
	RequestID:     "request.id",
	Recipient:     "recipient",
	MessagingType: "messaging_type",
	Tag:           "message_tag",
	Message:       "message",
	Params:        "message.params",
}
