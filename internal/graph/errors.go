package graph

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// Error is a failed Graph call: Graph's error envelope, or a transport failure.
type Error struct {
	Status    int // HTTP status; 0 for transport failures
	Code      int
	Subcode   int
	Type      string
	Message   string
	Details   string // WhatsApp's error_data.details
	FBTraceID string
	Network   bool // the call failed before Graph answered
	Timeout   bool
	// RetryAfter is Graph's own hint of when to try again (throttling), or 0.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Network {
		return "graph unreachable: " + e.Message
	}
	if e.Subcode != 0 {
		return fmt.Sprintf("graph error %d/%d: %s", e.Code, e.Subcode, e.Message)
	}
	return fmt.Sprintf("graph error %d: %s", e.Code, e.Message)
}

// retryableCodes are Graph codes worth trying again (GRAPH-FACTS.md): temporary
// failures and throttling. WhatsApp's are included so both channels share one table.
var retryableCodes = map[int]bool{
	1: true, 2: true, 1200: true, // unknown, service, temporary send failure
	4: true, 17: true, 32: true, 613: true, // app, user, page, custom rate limits
	80007: true, 130429: true, 131048: true, 131056: true, 133016: true, // WhatsApp throttling
	131000: true, 131016: true, 133004: true, // WhatsApp transient
}

// throttlingCodes are the rate limits among retryableCodes: Graph asks the
// caller to slow down, the message itself is fine.
var throttlingCodes = map[int]bool{4: true, 17: true, 32: true, 613: true,
	80007: true, 130429: true, 131048: true, 131056: true, 133016: true}

// Throttled reports whether Graph refused the call for a rate limit.
func (e *Error) Throttled() bool {
	return !e.Network && (throttlingCodes[e.Code] || e.Subcode == 2018352)
}

// Retryable reports whether the same call may succeed later.
func (e *Error) Retryable() bool {
	switch {
	case e.Network:
		return true
	case e.Code == 0 && e.Status >= 500:
		return true // an answer that is not Graph's envelope, from a proxy or an outage
	case e.Subcode == 2018352:
		return true // too many actions: later
	}
	return retryableCodes[e.Code]
}

// Kind classifies the error for the faces. phoneRecipient says whether the
// send named its user by phone number, where "no matching user" means the
// number matched no Messenger user.
func (e *Error) Kind(phoneRecipient bool) core.Kind {
	switch {
	case e.Network || (e.Retryable() && e.Code != 100):
		return core.KindUnavailable
	case e.Code == 100 && e.Subcode == 2018001:
		if phoneRecipient {
			return core.KindPhoneNotMatched
		}
		return core.KindUnknownUser
	}
	return core.KindUpstream
}

// CoreError is the error as the core reports it, with Graph's envelope kept.
func (e *Error) CoreError(phoneRecipient bool) *core.Error {
	kind := e.Kind(phoneRecipient)
	detail := e.Message
	if e.Code == 0 && !e.Network {
		detail = e.Error()
	}
	prefix := map[core.Kind]string{
		core.KindUnavailable:     "Facebook did not take the message in time: ",
		core.KindPhoneNotMatched: "the phone number matches no Messenger user: ",
		core.KindUnknownUser:     "Facebook knows no such user: ",
	}[kind]
	if prefix == "" {
		prefix = "Facebook refused the message: "
	}
	return &core.Error{Kind: kind, Message: prefix + detail, Subcode: e.Subcode, Upstream: e.Upstream()}
}

// Upstream returns Graph's envelope in the core's terms, nil for transport failures.
func (e *Error) Upstream() *core.UpstreamError {
	if e.Network {
		return nil
	}
	return &core.UpstreamError{HTTPStatus: e.Status, Code: e.Code, Subcode: e.Subcode, Type: e.Type,
		Message: e.Message, Details: e.Details, FBTraceID: e.FBTraceID}
}

type envelope struct {
	Error *struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		Subcode   int    `json:"error_subcode"`
		FBTraceID string `json:"fbtrace_id"`
		ErrorData *struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"error"`
}

func parseError(status int, h http.Header, body []byte) *Error {
	e := &Error{Status: status, RetryAfter: retryAfter(h)}
	var env envelope
	if json.Unmarshal(body, &env) != nil || env.Error == nil {
		e.Message = fmt.Sprintf("HTTP %d: %.200s", status, body)
		return e
	}
	g := env.Error
	e.Code, e.Subcode, e.Type, e.Message, e.FBTraceID = g.Code, g.Subcode, g.Type, g.Message, g.FBTraceID
	if g.ErrorData != nil {
		e.Details = g.ErrorData.Details
	}
	return e
}

// retryAfter reads Graph's throttling hints: estimated_time_to_regain_access
// (minutes) in X-Business-Use-Case-Usage, or a plain Retry-After (seconds).
func retryAfter(h http.Header) time.Duration {
	var wait time.Duration
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var usage map[string][]struct {
			Minutes float64 `json:"estimated_time_to_regain_access"`
		}
		if json.Unmarshal([]byte(v), &usage) == nil {
			for _, entries := range usage {
				for _, u := range entries {
					wait = max(wait, time.Duration(u.Minutes*float64(time.Minute)))
				}
			}
		}
	}
	if v := h.Get("Retry-After"); v != "" {
		if secs, err := strconv.Atoi(v); err == nil {
			wait = max(wait, time.Duration(secs)*time.Second)
		}
	}
	return wait
}
