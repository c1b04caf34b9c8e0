package bothub

import (
	"encoding/json"
	"strings"

	"github.com/botgate/botgate/internal/core"
)

// recipientIn is seed 000's recipient: one of id, phone_number (with an
// optional name and country code), username, email or user_phone_number.
// Ids and numbers come as strings or numbers.
type recipientIn struct {
	ID          core.FlexString `json:"id"`
	PhoneNumber core.FlexString `json:"phone_number"`
	Name        *struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
	} `json:"name"`
	Country *struct {
		PhoneCode core.FlexString `json:"phone_code"`
	} `json:"country"`
	Username        core.FlexString `json:"username"`
	Email           string          `json:"email"`
	UserPhoneNumber core.FlexString `json:"user_phone_number"`
	// A notification-messages (marketing) token from the user's opt-in, as
	// Messenger's own recipient names it; Sobot's recipient_token.
	NotificationToken string `json:"notification_messages_token"`
}

func parseRecipient(raw json.RawMessage) (core.Recipient, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return core.Recipient{}, core.Errorf(core.KindMissingRecipient, "recipient is required")
	}
	in, err := decodeRecipient(raw)
	if err != nil {
		return core.Recipient{}, err
	}
	r := core.Recipient{ID: string(in.ID), Username: string(in.Username), Email: in.Email,
		NotificationToken: in.NotificationToken}
	if in.PhoneNumber != "" {
		code := ""
		if in.Country != nil {
			code = string(in.Country.PhoneCode)
		}
		phone, err := core.NormalizePhone(string(in.PhoneNumber), code, "recipient.phone_number")
		if err != nil {
			return core.Recipient{}, err
		}
		r.PhoneNumber = phone
		if in.Name != nil {
			r.FirstName, r.LastName = in.Name.FirstName, in.Name.LastName
		}
	}
	if in.UserPhoneNumber != "" {
		// Linked numbers must carry the plus sign and country code (seed 000).
		phone, err := core.NormalizePhone(string(in.UserPhoneNumber), "", "recipient.user_phone_number")
		if err != nil {
			return core.Recipient{}, err
		}
		r.UserPhoneNumber = phone
	}
	return r, nil
}

// decodeRecipient reads the recipient strictly: an unknown field is
// refused (10008) like an unknown message field, naming its path.
func decodeRecipient(raw json.RawMessage) (recipientIn, error) {
	var in recipientIn
	err := core.DecodeStrict(raw, &in, "recipient")
	if e := core.AsError(err); e != nil && core.IsUnknownField(e) && strings.Count(e.Field, ".") == 1 && !strings.Contains(e.Field, "[") {
		// A member recipient does not have is a way of naming the user botgate does not know.
		return in, &core.Error{Kind: core.KindUnknownRecipientWay, Field: e.Field,
			Message: e.Field + " is not a way to name the user; use id, phone_number, username, email, user_phone_number or notification_messages_token"}
	}
	return in, core.Rekind(err, core.KindBadRecipient)
}
