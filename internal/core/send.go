package core

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// SendRequest is a send in the core's terms, whichever face accepted it.
type SendRequest struct {
	Face      string        `json:"-"` // dialect that accepted it; shapes the result callback
	Method    string        `json:"-"` // the vendor's method name, e.g. send_message
	RequestID string        `json:"-"`
	Sync      bool          `json:"-"`
	Wait      time.Duration `json:"-"` // a sync send's bound when the caller sets one (v1's Prefer: wait=N)
	// RequestHash identifies the request that used RequestID as an
	// Idempotency-Key (v1), to tell its retry from another request.
	RequestHash string          `json:"-"`
	Meta        json.RawMessage `json:"meta,omitempty"` // the caller's, echoed in the callback

	Recipient     Recipient         `json:"recipient"`
	MessagingType string            `json:"messaging_type,omitempty"`
	Tag           string            `json:"tag,omitempty"` // as requested
	Cards         []Message         `json:"cards"`         // sent in order: one for send_message, a block's cards for send_block
	Block         string            `json:"block,omitempty"`
	BlockVersion  int               `json:"block_version,omitempty"`
	WhatsApp      *WAMessage        `json:"whatsapp,omitempty"` // a WhatsApp send, instead of Cards
	Params        map[string]string `json:"params,omitempty"`   // this send's parameters

	// Set by the core when it accepts the request.
	EffectiveTag string            `json:"effective_tag,omitempty"`
	StoredParams map[string]string `json:"stored_params,omitempty"` // the contact's parameters at acceptance
	PSID         string            `json:"psid,omitempty"`          // the user, when known before sending
}

// FaceAuto is the face of sends botgate makes by itself (a block button's
// reply): they report to no callback.
const FaceAuto = "botgate"

// FaceV1 is botgate's own API: its results reach the bot's webhook
// endpoints as events, not a vendor-shaped callback.
const FaceV1 = "v1"

// ReportsToCallback reports whether an async send accepted by face gets
// its result posted to the bot's callback URL.
func ReportsToCallback(face string) bool { return face != FaceAuto && face != FaceV1 }

// Fields names a request's fields in the caller's dialect, so errors point at
// what the caller wrote.
type Fields struct {
	RequestID     string
	Recipient     string
	MessagingType string
	Tag           string
	Message       string
	Params        string
}

// Resolver finds the user a recipient names: its PSID (empty for users named
// by phone number or opt-in token) and, when wantParams, the parameters
// stored on it.
type Resolver func(r Recipient, wantParams bool) (psid string, stored map[string]string, err error)

// Check validates r for bot in the order vendors report errors (request id,
// recipient, message, parameters, tags), resolving the recipient through
// resolve, and sets EffectiveTag, PSID and StoredParams. Placeholders are
// checked against the parameters known now; profile fields are filled when sending.
func (r *SendRequest) Check(bot *Bot, f Fields, resolve Resolver) error {
	if r.RequestID == "" {
		return &Error{Kind: KindMissingRequestID, Field: f.RequestID, Message: f.RequestID + " is required"}
	}
	if err := r.Recipient.Validate(f.Recipient); err != nil {
		return err
	}
	psid, stored, err := resolve(r.Recipient, r.hasPlaceholders())
	if err != nil {
		return err
	}
	r.PSID, r.StoredParams = psid, stored
	if len(r.Cards) == 0 {
		return &Error{Kind: KindMissingMessage, Field: f.Message, Message: f.Message + " is required"}
	}
	// Each card's limits are checked as it will be sent: rendered with the
	// parameters known now and a one-character stand-in for each profile
	// field, which only sending knows; so they count what the template adds.
	vars := r.Vars(nil)
	for k, v := range vars.Profile {
		vars.Profile[k] = standIn(v)
	}
	for i, card := range r.Cards {
		rendered, _ := Render(card, vars, UnfilledKeep, "")
		if err := ValidateMessage(&rendered, r.cardPath(f, i)); err != nil {
			return err
		}
		if err := checkBlockButtons(card, r.cardPath(f, i)); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(r.Params)) {
		if err := ValidateParamName(f.Params, k); err != nil {
			return err
		}
	}
	// Marketing messages to an opt-in token may carry no messaging type.
	if r.Recipient.NotificationToken == "" || r.MessagingType != "" {
		tag, err := ResolveTag(r.MessagingType, r.Tag, bot.Settings.LegacyTags, f.MessagingType, f.Tag)
		if err != nil {
			return err
		}
		r.EffectiveTag = tag
	}
	for i, card := range r.Cards {
		if _, err := Render(card, vars, bot.Settings.UnfilledPlaceholder, r.cardPath(f, i)); err != nil {
			return err
		}
	}
	return nil
}

// Parts is how many sends to Graph the request makes: one per card, one for
// a WhatsApp message.
func (r *SendRequest) Parts() int {
	if r.WhatsApp != nil {
		return 1
	}
	return len(r.Cards)
}

func (r *SendRequest) hasPlaceholders() bool {
	for _, card := range r.Cards {
		if len(Placeholders(card)) > 0 {
			return true
		}
	}
	return false
}

// standIn keeps a known value and puts one character for an unknown one.
func standIn(v string) string {
	if v == "" {
		return "x"
	}
	return v
}

func (r *SendRequest) cardPath(f Fields, i int) string {
	if r.Block != "" {
		return fmt.Sprintf("block %q card[%d]", r.Block, i)
	}
	if len(r.Cards) == 1 {
		return f.Message
	}
	return fmt.Sprintf("%s[%d]", f.Message, i)
}

// Vars returns the placeholder values for this request. profile is nil when
// the profile is not fetched yet: every profile field then counts as known,
// since sending fills it (empty if Graph has none).
func (r *SendRequest) Vars(profile *Profile) Vars {
	p := map[string]string{}
	if profile != nil {
		p = profile.Fields()
	} else {
		for _, k := range ProfileFields {
			p[k] = ""
		}
	}
	// A phone-number recipient may carry its own name.
	if r.Recipient.FirstName != "" {
		p["first_name"] = r.Recipient.FirstName
	}
	if r.Recipient.LastName != "" {
		p["last_name"] = r.Recipient.LastName
	}
	if r.PSID != "" {
		p["id"] = r.PSID
	}
	return Vars{Profile: p, Stored: r.StoredParams, Send: r.Params}
}

// ValidWithoutProfile returns why a card would not be a valid message if
// the user's profile cannot be read and its placeholders render empty, as
// sending then falls back to; nil when every card stays valid.
func (r *SendRequest) ValidWithoutProfile(bot *Bot, f Fields) error {
	for i, card := range r.Cards {
		rendered, err := Render(card, r.Vars(nil), bot.Settings.UnfilledPlaceholder, r.cardPath(f, i))
		if err != nil {
			return err
		}
		if err := ValidateMessage(&rendered, r.cardPath(f, i)); err != nil {
			return err
		}
	}
	return nil
}

// NeedsProfile reports whether rendering uses profile fields the request does
// not already carry.
func (r *SendRequest) NeedsProfile() bool {
	for _, card := range r.Cards {
		for _, k := range Placeholders(card) {
			switch k {
			case "first_name":
				if r.Recipient.FirstName == "" {
					return true
				}
			case "last_name":
				if r.Recipient.LastName == "" {
					return true
				}
			case "locale", "gender":
				if _, own := r.Params[k]; !own {
					if _, stored := r.StoredParams[k]; !stored {
						return true
					}
				}
			}
		}
	}
	return false
}
