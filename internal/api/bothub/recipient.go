package bothub

import (
	"encoding/json"
	"errors"

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
}

func parseRecipient(raw json.RawMessage) (core.Recipient, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return core.Recipient{}, core.Errorf(core.KindMissingRecipient, "recipient is required")
	}
	in, err := decodeRecipient(raw)
	if err != nil {
		return core.Recipient{}, err
	}
	r := core.Recipient{ID: string(in.ID), Username: string(in.Username), Email: in.Email}
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

func decodeRecipient(raw json.RawMessage) (recipientIn, error) {
	var in recipientIn
	if err := json.Unmarshal(raw, &in); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			return in, &core.Error{Kind: core.KindBadRecipient, Field: "recipient." + typ.Field,
				Message: "recipient." + typ.Field + " has the wrong type"}
		}
		return in, &core.Error{Kind: core.KindBadRecipient, Field: "recipient", Message: "recipient must be an object"}
	}
	return in, nil
}
