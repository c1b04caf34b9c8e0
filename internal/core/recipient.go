package core

import (
	"regexp"
	"strconv"
	"strings"
)

// Recipient names one user, in exactly one way.
type Recipient struct {
	ID          string `json:"id,omitempty"`           // page-scoped id (PSID)
	PhoneNumber string `json:"phone_number,omitempty"` // E.164 with the plus sign (Customer Matching)
	FirstName   string `json:"first_name,omitempty"`   // optional name sent with PhoneNumber
	LastName    string `json:"last_name,omitempty"`
	// Linked-account ways, resolved to a PSID before sending.
	Username        string `json:"username,omitempty"`
	Email           string `json:"email,omitempty"`
	UserPhoneNumber string `json:"user_phone_number,omitempty"`
	// NotificationToken is a notification-messages token from an opt-in.
	NotificationToken string `json:"notification_messages_token,omitempty"`
}

// Recipient ways.
const (
	WayID                = "id"
	WayPhoneNumber       = "phone_number"
	WayUsername          = "username"
	WayEmail             = "email"
	WayUserPhoneNumber   = "user_phone_number"
	WayNotificationToken = "notification_messages_token"
)

// Ways lists the ways r names its user.
func (r Recipient) Ways() []string {
	var ways []string
	for _, w := range []struct{ name, value string }{
		{WayID, r.ID},
		{WayPhoneNumber, r.PhoneNumber},
		{WayUsername, r.Username},
		{WayEmail, r.Email},
		{WayUserPhoneNumber, r.UserPhoneNumber},
		{WayNotificationToken, r.NotificationToken},
	} {
		if w.value != "" {
			ways = append(ways, w.name)
		}
	}
	return ways
}

// Linked reports whether r names its user through a linked account.
func (r Recipient) Linked() bool {
	return r.Username != "" || r.Email != "" || r.UserPhoneNumber != ""
}

// Validate checks that r names exactly one user in exactly one way.
func (r Recipient) Validate(field string) error {
	switch ways := r.Ways(); len(ways) {
	case 0:
		return &Error{Kind: KindUnknownRecipientWay, Field: field,
			Message: field + " names the user in no known way (id, phone_number, username, email or user_phone_number)"}
	case 1:
		return nil
	default:
		return &Error{Kind: KindBadRecipient, Field: field,
			Message: field + " names the user in more than one way (" + strings.Join(ways, ", ") + "); give exactly one"}
	}
}

var (
	phoneStrip = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "", ".", "")
	e164RE     = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	digitsRE   = regexp.MustCompile(`^[0-9]+$`)
)

// NormalizePhone returns number in E.164 with the plus sign. A number that
// starts with + or 00 is international already; any other number is national
// and needs countryCode, which is prefixed after dropping trunk zeros.
func NormalizePhone(number, countryCode, field string) (string, error) {
	n := phoneStrip.Replace(strings.TrimSpace(number))
	switch {
	case strings.HasPrefix(n, "+"):
	case strings.HasPrefix(n, "00"):
		n = "+" + n[2:]
	case countryCode != "":
		code := strings.TrimPrefix(phoneStrip.Replace(strings.TrimSpace(countryCode)), "+")
		if !digitsRE.MatchString(code) {
			return "", &Error{Kind: KindBadRecipient, Field: field, Message: field + ": country phone code " + strconv.Quote(countryCode) + " is not a number"}
		}
		n = "+" + code + strings.TrimLeft(n, "0")
	default:
		return "", &Error{Kind: KindBadRecipient, Field: field,
			Message: field + ": " + strconv.Quote(number) + " needs the plus sign and country code (+8618900001111), or country.phone_code"}
	}
	if !e164RE.MatchString(n) {
		return "", &Error{Kind: KindBadRecipient, Field: field, Message: field + ": " + strconv.Quote(number) + " is not a valid phone number"}
	}
	return n, nil
}
