package core

import "time"

// Bot is a merchant's bot: one Messenger page today, a WhatsApp number later,
// the URLs botgate reports to, and its policy settings.
type Bot struct {
	ID             string
	Name           string
	Messenger      *MessengerChannel
	WhatsApp       *WhatsAppChannel
	CallbackURL    string
	WebhookURL     string
	CallbackSecret string // whsec_… Standard Webhooks secret signing callbacks and forwarded events
	Settings       Settings
	// Forwarding sends inbound events to WebhookURL; a receiver answering
	// 410 Gone turns it off until an operator turns it on again.
	Forwarding bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Deleted    bool
}

// WhatsAppChannel is the bot's WhatsApp number, its credentials, limits and
// daily tier.
type WhatsAppChannel struct {
	Phone         string // E.164, as Bothub's WhatsApp API names it in its path
	PhoneNumberID string // Graph's id of the number
	AccessToken   string
	AppSecret     string
	VerifyToken   string
	Limits        WALimits
	Tier          int    // the rung of Limits.Tiers the number is on, from 1
	WABAID        string // the WhatsApp Business Account that owns the number and its templates
}

// MessengerChannel is the bot's Facebook page and its credentials.
type MessengerChannel struct {
	PageID      string
	AccessToken string
	AppSecret   string
	VerifyToken string
}

// WindowPolicy says what happens to a send outside the user's messaging window.
type WindowPolicy string

const (
	WindowEnforce WindowPolicy = "enforce" // refuse before sending
	WindowWarn    WindowPolicy = "warn"    // send, and record a warning
	WindowOff     WindowPolicy = "off"     // do not check
)

// Settings are a bot's policy choices.
type Settings struct {
	LegacyTags          LegacyTagMode `json:"legacy_tags"`
	WindowPolicy        WindowPolicy  `json:"window_policy"`
	UnfilledPlaceholder Unfilled      `json:"unfilled_placeholder"`
}

// WithDefaults fills unset settings with their defaults.
func (s Settings) WithDefaults() Settings {
	if s.LegacyTags == "" {
		s.LegacyTags = LegacyMap
	}
	if s.WindowPolicy == "" {
		s.WindowPolicy = WindowEnforce
	}
	if s.UnfilledPlaceholder == "" {
		s.UnfilledPlaceholder = UnfilledReject
	}
	return s
}

// Validate checks every setting is one of its values.
func (s Settings) Validate(path string) error {
	switch s.LegacyTags {
	case "", LegacyMap, LegacyReject:
	default:
		return Invalid(path+".legacy_tags", "must be map or reject, not %q", s.LegacyTags)
	}
	switch s.WindowPolicy {
	case "", WindowEnforce, WindowWarn, WindowOff:
	default:
		return Invalid(path+".window_policy", "must be enforce, warn or off, not %q", s.WindowPolicy)
	}
	switch s.UnfilledPlaceholder {
	case "", UnfilledReject, UnfilledEmpty, UnfilledKeep:
	default:
		return Invalid(path+".unfilled_placeholder", "must be reject, empty or keep, not %q", s.UnfilledPlaceholder)
	}
	return nil
}
