package whatsapp

import (
	"net/http"

	"github.com/botgate/botgate/internal/api/bothub"
	"github.com/botgate/botgate/internal/core"
)

// missingCodes are seed 003's codes for a field that is absent.
var missingCodes = map[string]int{
	"id": 41006, "to": 41007, "type": 41008, "timestamp": 41009,
	"image": 41010, "document": 41011, "text": 41012, "audio": 41013,
	"text.body":        41015,
	"document.caption": 41016, "document.url": 41017, "document.extension": 41018,
	"image.caption": 41019, "image.url": 41021, "image.extension": 41022,
	"audio.caption": 41023, "audio.url": 41024, "audio.extension": 41025,
	"source": 41035,
}

// invalidCodes are seed 003's codes for a field whose value is wrong; a
// wrong value of any other field is 10100, "parameter invalid".
var invalidCodes = map[string]int{"type": 41014, "source": 41036}

// The seed has no codes for its own limits; botgate adds two beside its
// WhatsApp codes (docs/whatsapp.md).
const (
	CodeRateLimited   = 41040 // a sync send found no turn under the number's pace within its bound
	CodeTierExhausted = 41041 // the number's daily tier of users reached outside a window is used up
	CodeUpstream      = 80001 // "BSP error": WhatsApp refused the message; its code and details go along
	CodeNetwork       = 80002 // "network error": WhatsApp could not be reached
	// CodeTemplate: WhatsApp would refuse the template send (or a marketing
	// one to a user who stopped them); error_subcode is WhatsApp's code.
	CodeTemplate = 41042
)

// Code is seed 003's code and botgate's HTTP status for an error; what the
// seed shares with Bothub's send API keeps Bothub's code.
func Code(e *core.Error) (code, status int) {
	switch e.Kind {
	case core.KindMissing:
		if c, ok := missingCodes[e.Field]; ok {
			return c, http.StatusBadRequest
		}
		return 10100, http.StatusBadRequest
	case core.KindMissingRequestID:
		return missingCodes["id"], http.StatusBadRequest
	case core.KindInvalid:
		if c, ok := invalidCodes[e.Field]; ok {
			return c, http.StatusBadRequest
		}
	case core.KindBadMessage, core.KindBadRecipient:
		return 10100, http.StatusBadRequest
	case core.KindPolicy:
		if e.Subcode >= core.WAFrequencyCapped && e.Subcode < 133000 {
			return CodeTemplate, http.StatusUnprocessableEntity
		}
	case core.KindRateLimited:
		return CodeRateLimited, http.StatusTooManyRequests
	case core.KindTierExhausted:
		return CodeTierExhausted, http.StatusTooManyRequests
	case core.KindUpstream:
		return CodeUpstream, http.StatusUnprocessableEntity
	case core.KindUnavailable:
		// Retried until the bound ran out: WhatsApp's own 4xx refusal
		// (throttling) is a BSP error; a 5xx, no answer or a timeout is a
		// network error, as docs/whatsapp.md promises.
		if e.Upstream != nil && e.Upstream.Code != 0 && e.Upstream.HTTPStatus > 0 && e.Upstream.HTTPStatus < 500 {
			return CodeUpstream, http.StatusUnprocessableEntity
		}
		return CodeNetwork, http.StatusServiceUnavailable
	}
	return bothub.Code(e)
}

// NewErrorBody renders err in Bothub's error envelope with seed 003's code.
// A repeated id answers the seed's own words.
func NewErrorBody(err error, id string) (bothub.ErrorBody, int) {
	e := core.AsError(err)
	code, status := Code(e)
	out := bothub.ErrorBodyWith(e, id, code, status)
	if e.Kind == core.KindDuplicate {
		out.Error.Message = "Request already processed"
	}
	return out, status
}
