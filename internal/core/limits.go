package core

import (
	"net/url"
	"strconv"
	"unicode/utf8"
)

// Caps on what botgate stores, checked here once for every face so that no
// identifier, name or URL reaches the database unbounded. Counted in
// characters (runes); the caller's field is named.
const (
	MaxIDLen   = 256  // request ids, recipient ids, page ids, phone number ids, linked usernames and emails
	MaxNameLen = 200  // bot, app and parameter names
	MaxLinkLen = 2048 // merchant URLs (callback, webhook) and URLs in messages
)

// CheckID caps an identifier.
func CheckID(field, s string) error {
	if n := utf8.RuneCountInString(s); n > MaxIDLen {
		return Invalid(field, "is %d characters; at most %d are allowed", n, MaxIDLen)
	}
	return nil
}

// CheckName caps a name.
func CheckName(field, s string) error {
	if n := utf8.RuneCountInString(s); n > MaxNameLen {
		return Invalid(field, "is %d characters; at most %d are allowed", n, MaxNameLen)
	}
	return nil
}

// ValidateURL checks a URL botgate stores or calls: "" (none), or an
// absolute http or https URL of at most MaxLinkLen characters whose port,
// when given, is 1–65535.
func ValidateURL(field, s string) error {
	if s == "" {
		return nil
	}
	if n := utf8.RuneCountInString(s); n > MaxLinkLen {
		return Invalid(field, "is %d characters; at most %d are allowed", n, MaxLinkLen)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return Invalid(field, "must be an absolute http or https URL")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return Invalid(field, "has port %s; a port is 1–65535", p)
		}
	}
	return nil
}

// CheckIDs caps the identifiers of a send: its request id and every way
// its recipient is named.
func (r *SendRequest) CheckIDs(f Fields) error {
	requestField := f.RequestID
	if requestField == "" {
		requestField = "request_id"
	}
	if err := CheckID(requestField, r.RequestID); err != nil {
		return err
	}
	recipient := f.Recipient
	if recipient == "" {
		recipient = "recipient"
	}
	return r.Recipient.CheckIDs(recipient)
}

// CheckIDs caps every way r names its user.
func (r Recipient) CheckIDs(field string) error {
	for _, w := range []struct{ name, value string }{{"id", r.ID}, {"phone_number", r.PhoneNumber}, {"username", r.Username},
		{"email", r.Email}, {"user_phone_number", r.UserPhoneNumber}, {WayNotificationToken, r.NotificationToken}} {
		if err := CheckID(field+"."+w.name, w.value); err != nil {
			return err
		}
	}
	return nil
}
