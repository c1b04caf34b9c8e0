package v1

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

// Kinds of errors the v1 face itself finds, beside the core's.
const (
	kindKeyReused       core.Kind = "idempotency_key_reused"      // same Idempotency-Key, different request
	kindKeyInProgress   core.Kind = "idempotency_key_in_progress" // the first request with that key still runs
	kindNoRoute         core.Kind = "no_route"
	kindMethod          core.Kind = "method_not_allowed"
	kindUnsupportedType core.Kind = "unsupported_media_type"
)

// statuses is the one table from an error's kind to the HTTP status v1
// answers with; the kind itself is the problem's code. A kind missing here
// is a bug and answers 500.
var statuses = map[core.Kind]int{
	core.KindUnauthenticated:     http.StatusUnauthorized,
	core.KindBadCredential:       http.StatusUnauthorized,
	core.KindBotGone:             http.StatusUnauthorized,
	core.KindForbidden:           http.StatusForbidden,
	core.KindMissingRequestID:    http.StatusBadRequest,
	core.KindMissingRecipient:    http.StatusBadRequest,
	core.KindBadRecipient:        http.StatusBadRequest,
	core.KindUnknownRecipientWay: http.StatusBadRequest,
	core.KindMissingMessage:      http.StatusBadRequest,
	core.KindBadMessage:          http.StatusBadRequest,
	core.KindInvalid:             http.StatusBadRequest,
	core.KindBadText:             http.StatusBadRequest,
	core.KindBadContentType:      http.StatusUnsupportedMediaType,
	core.KindMissing:             http.StatusBadRequest,
	core.KindNoCallback:          http.StatusBadRequest,
	core.KindUnknownUser:         http.StatusNotFound,
	core.KindPhoneNotMatched:     http.StatusNotFound,
	core.KindUnknownBlock:        http.StatusNotFound,
	core.KindNotFound:            http.StatusNotFound,
	core.KindDuplicate:           http.StatusConflict,
	core.KindConflict:            http.StatusConflict,
	core.KindTooLarge:            http.StatusRequestEntityTooLarge,
	core.KindPolicy:              http.StatusUnprocessableEntity,
	core.KindRateLimited:         http.StatusTooManyRequests,
	core.KindTierExhausted:       http.StatusTooManyRequests,
	core.KindUpstream:            http.StatusBadGateway,
	core.KindUnavailable:         http.StatusServiceUnavailable,
	kindKeyReused:                http.StatusUnprocessableEntity,
	kindKeyInProgress:            http.StatusConflict,
	kindNoRoute:                  http.StatusNotFound,
	kindMethod:                   http.StatusMethodNotAllowed,
	kindUnsupportedType:          http.StatusUnsupportedMediaType,
}

// problem is an RFC 9457 problem with the core's kind as code.
type problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail,omitempty"`
	Instance string         `json:"instance,omitempty"`
	Code     string         `json:"code"`
	Errors   []fieldProblem `json:"errors,omitempty"`
	Upstream any            `json:"upstream,omitempty"`
	// GraphCode is Graph's code for the refusal (core.Error.GraphCode).
	GraphCode int `json:"graph_code,omitempty"`
}

type fieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// writeProblem answers err as a problem; internal errors are logged and
// shown without their detail.
func writeProblem(w http.ResponseWriter, r *http.Request, err error, log *slog.Logger) {
	e := core.AsError(err)
	status, ok := statuses[e.Kind]
	if !ok {
		status = http.StatusInternalServerError
		log.Error("v1: request failed", "path", r.URL.Path, "err", err)
		e = &core.Error{Kind: core.KindInternal, Message: "internal error"}
	}
	p := problem{Type: "urn:botgate:problem:" + string(e.Kind), Title: http.StatusText(status), Status: status,
		Detail: e.Message, Instance: r.URL.Path, Code: string(e.Kind)}
	if e.Field != "" {
		p.Errors = []fieldProblem{{Field: e.Field, Message: e.Message}}
	}
	if e.Upstream != nil {
		p.Upstream = e.Upstream
	}
	p.GraphCode = e.GraphCode()
	writeJSON(w, "application/problem+json", status, p)
}

func writeJSON(w http.ResponseWriter, contentType string, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"type":"urn:botgate:problem:internal","title":"Internal Server Error","status":500,"code":"internal"}`)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
