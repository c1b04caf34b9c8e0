package fakegraph

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// GraphError is one error answer of the Graph API: the HTTP status, the
// envelope fields and any headers Graph sends with it.
type GraphError struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string
	Message    string
	// Header is sent with the answer. In values, "{page-id}" is replaced by
	// the page the call was for, as Graph keys usage headers by business object.
	Header http.Header
	// Details is the WhatsApp Cloud API's error_data.details; an error with
	// details is answered with error_data{messaging_product, details}, and
	// its title in status webhooks is Message without the "(#code) " prefix.
	Details string
}

func (e GraphError) Error() string {
	if e.Subcode != 0 {
		return fmt.Sprintf("graph error %d/%d: %s", e.Code, e.Subcode, e.Message)
	}
	return fmt.Sprintf("graph error %d: %s", e.Code, e.Message)
}

// clone copies e so that later changes to the caller's Header do not leak in.
func (e GraphError) clone() GraphError {
	e.Header = e.Header.Clone()
	return e
}

// One value per row of the "Graph errors" table in GRAPH-FACTS.md.
var (
	ErrTemporary = GraphError{HTTPStatus: 400, Code: 1200, Type: "OAuthException",
		Message: "(#1200) Temporary send message failure. Please try again later"}
	ErrUnknown = GraphError{HTTPStatus: 500, Code: 1, Type: "OAuthException",
		Message: "An unknown error has occurred."}
	ErrService = GraphError{HTTPStatus: 500, Code: 2, Type: "OAuthException",
		Message: "An unexpected error has occurred. Please retry your request later."}
	ErrRateLimitApp = GraphError{HTTPStatus: 400, Code: 4, Type: "OAuthException",
		Message: "(#4) Application request limit reached", Header: appUsageHeader()}
	ErrRateLimitUser = GraphError{HTTPStatus: 400, Code: 17, Type: "OAuthException",
		Message: "(#17) User request limit reached", Header: businessUsageHeader()}
	ErrRateLimitPage = GraphError{HTTPStatus: 400, Code: 32, Type: "OAuthException",
		Message: "(#32) Page request limit reached", Header: businessUsageHeader()}
	ErrRateLimitCustom = GraphError{HTTPStatus: 400, Code: 613, Type: "OAuthException",
		Message: "(#613) Calls to this api have exceeded the rate limit.", Header: businessUsageHeader()}
	ErrOutsideWindow = GraphError{HTTPStatus: 400, Code: 10, Subcode: 2018278, Type: "OAuthException",
		Message: "(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview"}
	ErrUnavailable = GraphError{HTTPStatus: 400, Code: 10, Subcode: 2018108, Type: "OAuthException",
		Message: "(#10) This person isn't available right now."}
	ErrNoPermission = GraphError{HTTPStatus: 400, Code: 10, Type: "OAuthException",
		Message: "(#10) Application does not have permission for this action"}
	ErrInvalidParameter = GraphError{HTTPStatus: 400, Code: 100, Type: "OAuthException",
		Message: "(#100) Invalid parameter"}
	ErrNoMatchingUser = GraphError{HTTPStatus: 400, Code: 100, Subcode: 2018001, Type: "OAuthException",
		Message: "(#100) No matching user found"}
	ErrTooLarge = GraphError{HTTPStatus: 400, Code: 100, Subcode: 2018109, Type: "OAuthException",
		Message: "(#100) Attachment size exceeds allowable limit"}
	ErrInvalidToken = GraphError{HTTPStatus: 400, Code: 190, Type: "OAuthException",
		Message: "Invalid OAuth access token - Cannot parse access token"}
	ErrUnavailable200 = GraphError{HTTPStatus: 400, Code: 200, Subcode: 1545041, Type: "OAuthException",
		Message: "(#200) Message failed to send because the person is not available"}
	ErrUnavailable551 = GraphError{HTTPStatus: 400, Code: 551, Type: "OAuthException",
		Message: "(#551) This person isn't available right now."}
	ErrMarketingCooldown = GraphError{HTTPStatus: 400, Code: 10, Subcode: 2018354, Type: "OAuthException",
		Message: "(#10) A marketing message was sent to this person recently; wait before sending another"}
	ErrTooManyActions = GraphError{HTTPStatus: 400, Code: 10, Subcode: 2018352, Type: "OAuthException",
		Message: "(#10) Too many actions; try again later"}
)

// knownErrors lists the predefined errors, so the control API can name one by code.
func knownErrors() []GraphError {
	return []GraphError{ErrTemporary, ErrUnknown, ErrService, ErrRateLimitApp, ErrRateLimitUser,
		ErrRateLimitPage, ErrRateLimitCustom, ErrOutsideWindow, ErrUnavailable, ErrNoPermission,
		ErrInvalidParameter, ErrNoMatchingUser, ErrTooLarge, ErrInvalidToken, ErrUnavailable200,
		ErrUnavailable551, ErrMarketingCooldown, ErrTooManyActions,
		ErrWAOutsideWindow, ErrWAThroughput, ErrWAPairLimit, ErrWASpam, ErrWAUndeliverable,
		ErrWAUnsupportedType, ErrWAMediaDownload, ErrWAMediaUpload, ErrWATemplateParams,
		ErrWATemplateMissing, ErrWANotRegistered, ErrWATransient, ErrWARateLimit}
}

// errorFor finds the predefined error with this code and subcode, or makes a
// plain one shaped like Graph's so that any code can be injected.
func errorFor(code, subcode int) GraphError {
	for _, e := range knownErrors() {
		if e.Code == code && e.Subcode == subcode {
			return e.clone()
		}
	}
	status := http.StatusBadRequest
	if code == 1 || code == 2 {
		status = http.StatusInternalServerError
	}
	return GraphError{HTTPStatus: status, Code: code, Subcode: subcode, Type: "OAuthException",
		Message: fmt.Sprintf("(#%d) Injected error", code)}
}

// estimated_time_to_regain_access is in minutes.
func businessUsageHeader() http.Header {
	return http.Header{"X-Business-Use-Case-Usage": {`{"{page-id}":[{"type":"messenger","call_count":100,"total_cputime":10,"total_time":10,"estimated_time_to_regain_access":1}]}`}}
}

func appUsageHeader() http.Header {
	return http.Header{"X-App-Usage": {`{"call_count":100,"total_cputime":10,"total_time":10}`}}
}

// invalid makes a code 100 error whose message names the offending parameter.
func invalid(format string, args ...any) *GraphError {
	e := ErrInvalidParameter
	e.Message = "(#100) " + fmt.Sprintf(format, args...)
	return &e
}

type errorEnvelope struct {
	Error errorBody `json:"error"`
}

// errorBody keeps the key order of Graph's answers; error_data comes
// before error_subcode in the Cloud API's.
type errorBody struct {
	Message   string     `json:"message"`
	Type      string     `json:"type"`
	Code      int        `json:"code"`
	ErrorData *errorData `json:"error_data,omitempty"`
	Subcode   int        `json:"error_subcode,omitempty"`
	FBTraceID string     `json:"fbtrace_id"`
}

type errorData struct {
	MessagingProduct string `json:"messaging_product"`
	Details          string `json:"details"`
}

func errorReply(e GraphError, traceID, pageID string) reply {
	eb := errorBody{Message: e.Message, Type: e.Type, Code: e.Code, Subcode: e.Subcode, FBTraceID: traceID}
	if e.Details != "" {
		eb.ErrorData = &errorData{"whatsapp", e.Details}
	}
	body, _ := json.Marshal(errorEnvelope{eb})
	header := make(http.Header, len(e.Header))
	for k, vs := range e.Header {
		for _, v := range vs {
			header.Add(k, strings.ReplaceAll(v, "{page-id}", pageID))
		}
	}
	status := e.HTTPStatus
	if status == 0 {
		status = http.StatusBadRequest
	}
	return reply{status: status, header: header, body: body}
}
