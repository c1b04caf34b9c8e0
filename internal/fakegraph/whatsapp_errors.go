package fakegraph

import (
	"fmt"
	"strconv"
	"strings"
)

// The WhatsApp Cloud API's errors, one per code in GRAPH-FACTS "WhatsApp
// Cloud API", with the titles and details of Meta's error-code reference.
// Real Cloud API answers report several of them (131047, 131026) in a
// "failed" status webhook rather than on the send: WhatsAppFail answers
// them on the send, WAStatus delivers them in a status.
var (
	ErrWAOutsideWindow = waError(400, 131047, "Re-engagement message",
		"Message failed to send because more than 24 hours have passed since the customer last replied to this number.")
	ErrWAThroughput = waError(400, 130429, "Rate limit hit",
		"Cloud API message throughput has been reached.")
	ErrWAPairLimit = waError(400, 131056, "(Business Account, Consumer Account) pair rate limit hit",
		"Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.")
	ErrWASpam = waError(400, 131048, "Spam rate limit hit",
		"Message failed to send because there are restrictions on how many messages can be sent from this phone number. "+
			"This may be because too many previous messages were blocked or flagged as spam.")
	ErrWAUndeliverable = waError(400, 131026, "Message undeliverable",
		"Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number; "+
			"the recipient has not accepted WhatsApp's new Terms of Service and Privacy Policy; "+
			"the recipient is using an old WhatsApp version.")
	ErrWAUnsupportedType = waError(400, 131051, "Unsupported message type",
		"Unsupported message type.")
	ErrWAMediaDownload = waError(400, 131052, "Media download error",
		"Unable to download the media sent by the user.")
	ErrWAMediaUpload = waError(400, 131053, "Media upload error",
		"Unable to upload the media used in the message.")
	ErrWATemplateParams = waError(400, 132000, "Number of parameters does not match the expected number of params",
		"The number of variable parameter values included in the request did not match the number of variable parameters defined in the template.")
	ErrWATemplateMissing = waError(404, 132001, "Template name does not exist in the translation",
		"The template does not exist in the specified language or the template has not been approved.")
	ErrWANotRegistered = waError(400, 133010, "Phone number not registered",
		"Phone number not registered on the WhatsApp Business Platform.")
	// 131000 is the one Cloud API error Meta lists with HTTP 500.
	ErrWATransient = waError(500, 131000, "Something went wrong",
		"Message failed to send due to an unknown error. Try again later.")
	ErrWARateLimit = waError(400, 80007, "Rate limit issues",
		"The WhatsApp Business Account has reached its rate limit.")
)

func waError(status, code int, title, details string) GraphError {
	return GraphError{HTTPStatus: status, Code: code, Type: "OAuthException",
		Message: fmt.Sprintf("(#%d) %s", code, title), Details: details}
}

// waInvalid is the Cloud API's code 100 answer; its details repeat the
// message, naming the parameter the Cloud API way (text['body']).
func waInvalid(format string, args ...any) *GraphError {
	text := fmt.Sprintf(format, args...)
	e := ErrInvalidParameter
	e.Message = "(#100) " + text
	e.Details = text
	return &e
}

// waUnsupportedType is 131051 naming the type that was asked for.
func waUnsupportedType(kind string) *GraphError {
	e := ErrWAUnsupportedType
	e.Details = fmt.Sprintf("Message type %s is not currently supported.", kind)
	return &e
}

// title is what a status webhook calls an error: its message without
// Graph's "(#code) " prefix.
func (e GraphError) title() string {
	return strings.TrimPrefix(e.Message, "(#"+strconv.Itoa(e.Code)+") ")
}
