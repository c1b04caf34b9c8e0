package core

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// What a team moving in from a vendor brings (docs/import.md): each import
// file row is checked here, field by field, into one of these records. A
// blank field is an absent one.

// Import kinds.
const (
	ImportContacts      = "contacts"
	ImportLinks         = "links"
	ImportParams        = "params"
	ImportSubscriptions = "subscriptions"
	ImportBlocks        = "blocks"
)

// ImportKinds lists every kind, in the order docs/import.md describes them.
var ImportKinds = []string{ImportContacts, ImportLinks, ImportParams, ImportSubscriptions, ImportBlocks}

// ImportFields are the fields a row of each kind may have: the CSV header
// names and the JSON Lines keys.
var ImportFields = map[string][]string{
	ImportContacts:      {"page_id", "number", "psid", "wa_id", "first_name", "last_name", "locale", "timezone", "last_interaction_at"},
	ImportLinks:         {"page_id", "psid", "username", "email", "user_phone_number"},
	ImportParams:        {"page_id", "psid", "key", "value"},
	ImportSubscriptions: {"page_id", "psid", "topic", "token", "status", "timezone", "expires_at", "updated_at"},
	ImportBlocks:        {"name", "cards"},
}

// Limits of imported text, in characters.
const (
	MaxImportID       = 256  // user ids, link values, tokens
	MaxImportName     = 200  // first and last names
	MaxParamValue     = 2000 // a parameter fills a text of at most 2,000 characters
	MaxImportTimezone = 64
)

// ImportRow is one record of an import file: its fields by name, as text.
type ImportRow map[string]string

// CheckImportFields refuses a field the kind does not have, naming it.
func CheckImportFields(kind string, names []string) error {
	allowed, ok := ImportFields[kind]
	if !ok {
		return Invalid("kind", "must be one of %s, not %q", strings.Join(ImportKinds, ", "), kind)
	}
	for _, n := range names {
		if !slices.Contains(allowed, n) {
			return Invalid(n, "is not a field of %s (fields: %s)", kind, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// ImportedContact is what a vendor's export tells of a user. Blank names,
// locale and timezone keep the stored ones.
type ImportedContact struct {
	PSID            string // a Messenger PSID, or WAContact of a WhatsApp id
	FirstName       string
	LastName        string
	Locale          string
	Timezone        *float64
	LastInteraction *time.Time // when the user last wrote: opens the window like an inbound message
}

// ImportedParam is one personal parameter of a user.
type ImportedParam struct{ PSID, Key, Value string }

// ImportedSubscription is a user's notification-messages opt-in to a topic.
type ImportedSubscription struct {
	PSID      string
	Title     string // the topic
	Token     string
	Status    int // 1 subscribed, 0 stopped
	Timezone  string
	ExpiresAt *time.Time
	UpdatedAt time.Time // when the vendor last saw it change; zero when unknown
}

// ImportOutcome is what an import row did, or would do in a dry run.
type ImportOutcome string

const (
	ImportCreated   ImportOutcome = "created"
	ImportUpdated   ImportOutcome = "updated"
	ImportUnchanged ImportOutcome = "unchanged"
)

// ContactFromRow checks a contacts row of bot's.
func ContactFromRow(bot *Bot, r ImportRow, now time.Time) (ImportedContact, error) {
	var c ImportedContact
	id, err := r.user(bot, true)
	if err != nil {
		return c, err
	}
	c.PSID = id
	for _, f := range []struct {
		name string
		to   *string
	}{{"first_name", &c.FirstName}, {"last_name", &c.LastName}} {
		if *f.to, err = r.text(f.name, MaxImportName); err != nil {
			return c, err
		}
	}
	if c.Locale = r["locale"]; c.Locale != "" && !localeRE.MatchString(c.Locale) {
		return c, Invalid("locale", "%q is not a locale like en_US", c.Locale)
	}
	if tz := r["timezone"]; tz != "" {
		v, err := strconv.ParseFloat(tz, 64)
		if err != nil || v < -12 || v > 14 {
			return c, Invalid("timezone", "%q is not an offset from UTC in hours, -12 to 14 (as Messenger's profile gives it)", tz)
		}
		c.Timezone = &v
	}
	if c.LastInteraction, err = r.time("last_interaction_at", now); err != nil {
		return c, err
	}
	return c, nil
}

var localeRE = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)

// LinksFromRow checks a links row: a PSID and the account names linked to it.
func LinksFromRow(bot *Bot, r ImportRow) ([]Link, error) {
	psid, err := r.user(bot, false)
	if err != nil {
		return nil, err
	}
	var links []Link
	for _, kind := range []string{LinkUsername, LinkEmail, LinkUserPhoneNumber} {
		v, err := r.text(kind, MaxImportID)
		if err != nil || v == "" {
			if err != nil {
				return nil, err
			}
			continue
		}
		switch kind {
		case LinkEmail:
			if at := strings.IndexByte(v, '@'); at < 1 || at == len(v)-1 || strings.ContainsAny(v, " \t") {
				return nil, Invalid(kind, "%q is not an email address", v)
			}
		case LinkUserPhoneNumber:
			if v, err = NormalizePhone(v, "", kind); err != nil {
				return nil, Invalid(kind, "%s", AsError(err).Message)
			}
		}
		links = append(links, Link{BotID: bot.ID, Kind: kind, Value: v, PSID: psid})
	}
	if len(links) == 0 {
		return nil, &Error{Kind: KindMissing, Field: "username", Message: "a link needs username, email or user_phone_number beside psid"}
	}
	return links, nil
}

// ParamFromRow checks a params row: one parameter of one user.
func ParamFromRow(bot *Bot, r ImportRow) (ImportedParam, error) {
	psid, err := r.user(bot, false)
	if err != nil {
		return ImportedParam{}, err
	}
	if r["key"] == "" {
		return ImportedParam{}, &Error{Kind: KindMissing, Field: "key", Message: "key is required"}
	}
	if err := ValidateParamName("key", r["key"]); err != nil {
		return ImportedParam{}, err
	}
	v := r["value"]
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return ImportedParam{}, Invalid("value", "must be UTF-8 text without NUL characters")
	}
	if n := utf8.RuneCountInString(v); n > MaxParamValue {
		return ImportedParam{}, Invalid("value", "is %d characters; at most %d are allowed", n, MaxParamValue)
	}
	return ImportedParam{PSID: psid, Key: r["key"], Value: v}, nil
}

// SubscriptionFromRow checks a subscriptions row.
func SubscriptionFromRow(bot *Bot, r ImportRow, now time.Time) (ImportedSubscription, error) {
	var s ImportedSubscription
	var err error
	if s.PSID, err = r.user(bot, false); err != nil {
		return s, err
	}
	if s.Title, err = r.required("topic", MaxOptInTitle); err != nil {
		return s, err
	}
	if s.Token, err = r.required("token", MaxImportID); err != nil {
		return s, err
	}
	switch strings.ToLower(r["status"]) {
	case "", "1", "subscribed":
		s.Status = 1
	case "0", "stopped":
		s.Status = 0
	default:
		return s, Invalid("status", "must be 1 (or subscribed) or 0 (or stopped), not %q", r["status"])
	}
	if s.Timezone, err = r.text("timezone", MaxImportTimezone); err != nil {
		return s, err
	}
	if strings.ContainsAny(s.Timezone, " \t") {
		return s, Invalid("timezone", "%q is not a time zone name like Asia/Shanghai", s.Timezone)
	}
	if s.ExpiresAt, err = r.time("expires_at", time.Time{}); err != nil {
		return s, err
	}
	updated, err := r.time("updated_at", now)
	if updated != nil {
		s.UpdatedAt = *updated
	}
	return s, err
}

// BlockFromRow checks a blocks row: a name and its cards, as ValidateBlock does.
func BlockFromRow(r ImportRow) (string, []Message, error) {
	name, cards := r["name"], r["cards"]
	if name == "" {
		return "", nil, &Error{Kind: KindMissing, Field: "name", Message: "name is required"}
	}
	if cards == "" {
		return "", nil, &Error{Kind: KindMissing, Field: "cards", Message: "cards is required: a JSON array of Messenger messages"}
	}
	var in struct {
		Cards []Message `json:"cards"`
	}
	if err := DecodeStrict([]byte(`{"cards":`+cards+`}`), &in, ""); err != nil {
		e := *AsError(err)
		e.Kind = KindInvalid
		return "", nil, &e
	}
	return name, in.Cards, ValidateBlock(name, in.Cards)
}
