package bothub

import (
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

// codes maps the core's error kinds to Bothub's codes (seed 000's table) and
// the HTTP status botgate answers with. Bothub's document gives no statuses;
// docs/bothub.md lists these.
var codes = map[core.Kind]struct {
	code   int
	status int
}{
	core.KindInternal:            {10000, http.StatusInternalServerError},
	core.KindUnauthenticated:     {10001, http.StatusUnauthorized},
	core.KindBadCredential:       {10002, http.StatusUnauthorized},
	core.KindMissingRequestID:    {10003, http.StatusBadRequest},
	core.KindMissingMethod:       {10004, http.StatusBadRequest},
	core.KindUnknownMethod:       {10005, http.StatusBadRequest},
	core.KindBotGone:             {10006, http.StatusNotFound},
	core.KindMissingRecipient:    {10007, http.StatusBadRequest},
	core.KindBadRecipient:        {10008, http.StatusBadRequest},
	core.KindUnknownRecipientWay: {10009, http.StatusBadRequest},
	core.KindUnknownUser:         {10010, http.StatusNotFound},
	core.KindDuplicate:           {10011, http.StatusConflict},
	core.KindInvalid:             {10100, http.StatusBadRequest},
	core.KindTooLarge:            {10100, http.StatusRequestEntityTooLarge},
	core.KindBadText:             {10100, http.StatusBadRequest},
	core.KindBadContentType:      {10100, http.StatusUnsupportedMediaType},
	core.KindPolicy:              {10100, http.StatusForbidden},
	core.KindNotFound:            {10100, http.StatusNotFound},
	core.KindConflict:            {10100, http.StatusConflict},
	core.KindUnavailable:         {18000, http.StatusServiceUnavailable},
	core.KindMissingMessage:      {20001, http.StatusBadRequest},
	core.KindNoCallback:          {20002, http.StatusBadRequest},
	core.KindPhoneNotMatched:     {20003, http.StatusNotFound},
	core.KindBadMessage:          {20004, http.StatusBadRequest},
	// The seed's scheme has no code for an unknown block; botgate adds 20005
	// beside the other message errors (docs/bothub.md).
	core.KindUnknownBlock: {20005, http.StatusNotFound},
	// Facebook refused a message botgate found valid: 10000 as in Bothub's own
	// failure sample, with Graph's envelope kept whole under "upstream".
	core.KindUpstream: {10000, http.StatusUnprocessableEntity},
}

// Code is the Bothub code and HTTP status for an error.
func Code(e *core.Error) (code, status int) {
	c, ok := codes[e.Kind]
	if !ok {
		c = codes[core.KindInternal]
	}
	return c.code, c.status
}

// ErrorBody is Bothub's error envelope.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
	Meta  any         `json:"meta,omitempty"`
}

// ErrorDetail is the inside of the envelope. Upstream is botgate's addition:
// Graph's own error, verbatim, when Facebook refused the message.
type ErrorDetail struct {
	Message   string              `json:"message"`
	Type      string              `json:"type"`
	Code      int                 `json:"code"`
	Subcode   int                 `json:"error_subcode"`
	RequestID string              `json:"request_id"`
	Upstream  *core.UpstreamError `json:"upstream,omitempty"`
	// MessageIDs are the cards of a block sent before one failed.
	MessageIDs []string `json:"message_ids,omitempty"`
}

// NewErrorBody renders err for a request.
func NewErrorBody(err error, requestID string) (ErrorBody, int) {
	e := core.AsError(err)
	code, status := Code(e)
	return ErrorBodyWith(e, requestID, code, status), status
}

// ErrorBodyWith renders e in the envelope with a code and status of the
// caller's choosing: Bothub's other APIs share the envelope, not the codes.
func ErrorBodyWith(e *core.Error, requestID string, code, status int) ErrorBody {
	typ := "InvalidRequest"
	switch {
	case e.Upstream != nil && e.Upstream.Type != "":
		typ = e.Upstream.Type
	case status >= 500:
		typ = "RuntimeException"
	case e.Kind == core.KindUnauthenticated || e.Kind == core.KindBadCredential:
		typ = "AuthException"
	}
	subcode := e.Subcode
	if subcode == 0 && e.Upstream != nil {
		subcode = e.Upstream.Subcode
	}
	return ErrorBody{Error: ErrorDetail{Message: e.Message, Type: typ, Code: code, Subcode: subcode, RequestID: requestID, Upstream: e.Upstream}}
}
