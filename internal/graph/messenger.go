package graph

import (
	"bytes"
	"encoding/json"

	"github.com/botgate/botgate/internal/core"
)

// MessengerBody is a Send API request body.
type MessengerBody struct {
	Recipient     MessengerRecipient `json:"recipient"`
	MessagingType string             `json:"messaging_type,omitempty"`
	Tag           string             `json:"tag,omitempty"`
	Message       core.Message       `json:"message"`
}

// MessengerRecipient names the user: exactly one of its fields is set.
type MessengerRecipient struct {
	ID                        string         `json:"id,omitempty"`
	PhoneNumber               string         `json:"phone_number,omitempty"`
	Name                      *RecipientName `json:"name,omitempty"`
	NotificationMessagesToken string         `json:"notification_messages_token,omitempty"`
}

// RecipientName goes with a phone_number recipient (Customer Matching).
type RecipientName struct {
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

// NewMessengerRecipient names the user the way Graph wants: by PSID when
// known (linked accounts resolve to one), else by phone number or opt-in token.
func NewMessengerRecipient(r core.Recipient, psid string) MessengerRecipient {
	switch {
	case psid != "":
		return MessengerRecipient{ID: psid}
	case r.PhoneNumber != "":
		out := MessengerRecipient{PhoneNumber: r.PhoneNumber}
		if r.FirstName != "" || r.LastName != "" {
			out.Name = &RecipientName{FirstName: r.FirstName, LastName: r.LastName}
		}
		return out
	}
	return MessengerRecipient{NotificationMessagesToken: r.NotificationToken}
}

// Encode marshals v without HTML escaping: Graph reads "<" as well as
// "\u003c", and the message log is easier to read this way.
func Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
