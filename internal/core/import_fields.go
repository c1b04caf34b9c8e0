package core

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The fields every kind of import row shares: users, text, times.

// user checks the row's user and that any page or number it names is
// bot's. Only contacts may name a WhatsApp user (wa_id), kept as WAContact.
func (r ImportRow) user(bot *Bot, whatsapp bool) (string, error) {
	if p := r["page_id"]; p != "" && (bot.Messenger == nil || p != bot.Messenger.PageID) {
		return "", Invalid("page_id", "%q is not the page of bot %s", p, bot.ID)
	}
	psid, wa := r["psid"], r["wa_id"]
	switch {
	case psid != "" && wa != "":
		return "", Invalid("psid", "name the user by psid or by wa_id, not both")
	case wa != "":
		if !whatsapp {
			return "", Invalid("wa_id", "is not a field of this kind; name the Messenger user by psid")
		}
		if r["page_id"] != "" {
			return "", Invalid("page_id", "a WhatsApp user (wa_id) belongs to a number, not a page")
		}
		return r.whatsAppUser(bot)
	case psid == "":
		return "", &Error{Kind: KindMissing, Field: "psid", Message: "psid is required: the user's page-scoped id"}
	case r["number"] != "":
		return "", Invalid("number", "a Messenger user (psid) belongs to a page, not a number")
	case bot.Messenger == nil:
		return "", Invalid("psid", "bot %s has no Messenger page", bot.ID)
	}
	return r.required("psid", MaxImportID)
}

func (r ImportRow) whatsAppUser(bot *Bot) (string, error) {
	if bot.WhatsApp == nil {
		return "", Invalid("wa_id", "bot %s has no WhatsApp number", bot.ID)
	}
	if n := r["number"]; n != "" {
		phone, err := NormalizePhone(n, "", "number")
		if err != nil || phone != bot.WhatsApp.Phone {
			return "", Invalid("number", "%q is not the WhatsApp number of bot %s", n, bot.ID)
		}
	}
	// WhatsApp gives its ids as digits without the plus sign.
	wa := strings.TrimPrefix(r["wa_id"], "+")
	phone, err := NormalizePhone("+"+wa, "", "wa_id")
	if err != nil || "+"+wa != phone {
		return "", Invalid("wa_id", "%q is not a WhatsApp id: the user's number in digits, with the country code", r["wa_id"])
	}
	return WAContact(phone), nil
}

// required is text that may not be blank.
func (r ImportRow) required(field string, max int) (string, error) {
	if r[field] == "" {
		return "", &Error{Kind: KindMissing, Field: field, Message: field + " is required"}
	}
	return r.text(field, max)
}

// text is a field of at most max characters of printable UTF-8, without
// surrounding spaces: what both databases store alike.
func (r ImportRow) text(field string, max int) (string, error) {
	v := r[field]
	switch {
	case !utf8.ValidString(v):
		return "", Invalid(field, "is not valid UTF-8")
	case utf8.RuneCountInString(v) > max:
		return "", Invalid(field, "is %d characters; at most %d are allowed", utf8.RuneCountInString(v), max)
	case strings.TrimSpace(v) != v:
		return "", Invalid(field, "%q has leading or trailing spaces", v)
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return "", Invalid(field, "may not contain control characters")
	}
	return v, nil
}

// time reads an RFC 3339 time or Unix seconds (10 digits or fewer) or
// milliseconds (13 digits); a time after notAfter (when set) is refused.
func (r ImportRow) time(field string, notAfter time.Time) (*time.Time, error) {
	v := r[field]
	if v == "" {
		return nil, nil
	}
	var t time.Time
	digits := strings.Trim(v, "0123456789") == ""
	switch {
	case digits && len(v) <= 10:
		n, _ := strconv.ParseInt(v, 10, 64)
		t = time.Unix(n, 0)
	case digits && len(v) == 13:
		n, _ := strconv.ParseInt(v, 10, 64)
		t = time.UnixMilli(n)
	case digits:
		return nil, Invalid(field, "%q has %d digits: give Unix seconds (10 digits) or milliseconds (13)", v, len(v))
	default:
		var err error
		if t, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return nil, Invalid(field, "%q is not a time: give RFC 3339 with a zone (2026-11-30T08:15:00Z) or Unix seconds or milliseconds", v)
		}
	}
	t = t.UTC().Truncate(time.Millisecond)
	if !notAfter.IsZero() && t.After(notAfter) {
		return nil, Invalid(field, "%s is in the future", t.Format(time.RFC3339))
	}
	return &t, nil
}
