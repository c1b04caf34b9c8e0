package core

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
)

// Kind classifies a domain error. Faces map kinds to their vendor's codes in one
// table each; nothing else about an error decides what a client sees.
type Kind string

const (
	KindInternal            Kind = "internal"              // a bug or an unreachable database
	KindUnauthenticated     Kind = "unauthenticated"       // no credential given
	KindBadCredential       Kind = "bad_credential"        // unknown, disabled or revoked credential
	KindBotGone             Kind = "bot_gone"              // the credential's bot was deleted
	KindMissingRequestID    Kind = "missing_request_id"    // request id absent
	KindMissingMethod       Kind = "missing_method"        // vendor method name absent
	KindUnknownMethod       Kind = "unknown_method"        // vendor method name not served
	KindMissingRecipient    Kind = "missing_recipient"     // no recipient object
	KindBadRecipient        Kind = "bad_recipient"         // recipient present but malformed
	KindUnknownRecipientWay Kind = "unknown_recipient_way" // recipient names the user in no known way
	KindUnknownUser         Kind = "unknown_user"          // recipient cannot be resolved to a user
	KindDuplicate           Kind = "duplicate"             // request id seen before for this bot
	KindInvalid             Kind = "invalid"               // a parameter breaks a rule; Field says which
	KindMissingMessage      Kind = "missing_message"       // no message object
	KindBadMessage          Kind = "bad_message"           // message object of the wrong shape
	KindNoCallback          Kind = "no_callback"           // async asked for, but the bot has no callback URL
	KindPhoneNotMatched     Kind = "phone_not_matched"     // Graph found no Messenger user for the phone number
	KindPolicy              Kind = "policy"                // refused by messaging policy before sending
	KindUnknownBlock        Kind = "unknown_block"         // no block of that name to send
	KindMissing             Kind = "missing"               // a required field is absent; Field names it
	KindRateLimited         Kind = "rate_limited"          // a sync send waited its bound for the number's pace
	KindTierExhausted       Kind = "tier_exhausted"        // the number's daily tier of new users is used up
	KindUpstream            Kind = "upstream"              // Graph refused the send
	KindUnavailable         Kind = "unavailable"           // Graph unreachable or still failing when retries ran out; the database unreachable
	KindNotFound            Kind = "not_found"             // an admin resource does not exist
	KindConflict            Kind = "conflict"              // an admin change conflicts with existing state
	KindTooLarge            Kind = "too_large"             // request body over the limit
	KindForbidden           Kind = "forbidden"             // the credential lacks the scope the call needs
	KindBadText             Kind = "bad_text"              // a string that is not valid UTF-8 or holds NUL; Field names it
	KindBadContentType      Kind = "bad_content_type"      // a JSON endpoint was sent another Content-Type
)

// Error is the one error type that crosses from the core to the faces.
type Error struct {
	Kind    Kind   `json:"kind"`
	Message string `json:"message"`
	// Field is the path of the offending field, e.g. "message.attachment.payload.elements[0].title".
	Field string `json:"field,omitempty"`
	// Subcode refines Kind where a vendor shows one (2018278 for a closed messaging window).
	Subcode int `json:"subcode,omitempty"`
	// Upstream is Graph's own error when Graph refused or failed the call.
	Upstream *UpstreamError `json:"upstream,omitempty"`
}

// UpstreamError is Graph's error envelope, kept verbatim so clients can see it.
type UpstreamError struct {
	HTTPStatus int    `json:"http_status,omitempty"`
	Code       int    `json:"code"`
	Subcode    int    `json:"error_subcode,omitempty"`
	Type       string `json:"type,omitempty"`
	Message    string `json:"message"`
	Details    string `json:"details,omitempty"`
	FBTraceID  string `json:"fbtrace_id,omitempty"`
}

func (e *Error) Error() string {
	if e.Field != "" && e.Message == "" {
		return fmt.Sprintf("%s: %s", e.Kind, e.Field)
	}
	return e.Message
}

// Errorf builds an Error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports a parameter that breaks a rule, naming its path.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// BadShape reports a message field of the wrong shape, naming its path.
func BadShape(field, format string, args ...any) *Error {
	return &Error{Kind: KindBadMessage, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// ErrorKind returns the kind of err: "" for nil, KindInternal for errors
// that are not *Error.
func ErrorKind(err error) Kind {
	if err == nil {
		return ""
	}
	return AsError(err).Kind
}

// AsError returns err as *Error (nil for nil); errors of other types become
// internal errors whose message hides the detail (it is logged, not shown).
// A lost connection is not a bug: the database (the only dependency whose
// raw errors reach here; Graph's are classified by its client) is down or
// restarting, and the caller should retry.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if unreachable(err) {
		return &Error{Kind: KindUnavailable, Message: "the database is unavailable; retry shortly"}
	}
	return &Error{Kind: KindInternal, Message: "internal error"}
}

// unreachable reports errors that mean a connection failed or was cut.
// SafeToRetry is pgx's mark of an error that happened before anything was
// sent, such as a pooled connection found closed.
func unreachable(err error) bool {
	var ne net.Error
	var retry interface{ SafeToRetry() bool }
	return errors.As(err, &ne) || errors.As(err, &retry) && retry.SafeToRetry() || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || busyServer(err)
}

// busyServer reports a database refusing work for a while rather than for
// a bug: SQLSTATE class 08 (connection exception), 53 (insufficient
// resources: too many connections, out of memory, disk full) and 57P
// (shutting down, starting up). PostgreSQL's errors carry SQLState().
func busyServer(err error) bool {
	var coded interface{ SQLState() string }
	if !errors.As(err, &coded) {
		return false
	}
	code := coded.SQLState()
	return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "53") || strings.HasPrefix(code, "57P")
}
