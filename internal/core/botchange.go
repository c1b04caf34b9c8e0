package core

import "strings"

// BotChange is a change to a bot as operators write it (admin API, console);
// nil fields keep their values. Field names in errors are its JSON names.
type BotChange struct {
	Name        *string          `json:"name"`
	Messenger   *MessengerChange `json:"messenger"`
	CallbackURL *string          `json:"callback_url"`
	WebhookURL  *string          `json:"webhook_url"`
	Settings    *SettingsChange  `json:"settings"`
	Forwarding  *bool            `json:"forwarding"` // turns event forwarding back on after a 410
	// RotateCallbackSecret asks for a new callback secret; the caller makes it.
	RotateCallbackSecret bool `json:"rotate_callback_secret"`
}

// MessengerChange sets a bot's page and its credentials; an absent secret
// keeps the stored one (secrets are write-only).
type MessengerChange struct {
	PageID      *string `json:"page_id"`
	AccessToken *string `json:"access_token"`
	AppSecret   *string `json:"app_secret"`
	VerifyToken *string `json:"verify_token"`
}

// SettingsChange sets some of a bot's policy settings.
type SettingsChange struct {
	LegacyTags          *LegacyTagMode `json:"legacy_tags"`
	WindowPolicy        *WindowPolicy  `json:"window_policy"`
	UnfilledPlaceholder *Unfilled      `json:"unfilled_placeholder"`
}

// CheckNew refuses a change that cannot create a bot.
func (c *BotChange) CheckNew() error {
	if c.Name == nil || strings.TrimSpace(*c.Name) == "" {
		return Invalid("name", "is required")
	}
	return nil
}

// Apply copies the given fields onto b and validates the result.
func (c *BotChange) Apply(b *Bot) error {
	if c.Name != nil {
		if strings.TrimSpace(*c.Name) == "" {
			return Invalid("name", "may not be empty")
		}
		if err := CheckName("name", *c.Name); err != nil {
			return err
		}
		b.Name = *c.Name
	}
	if c.Forwarding != nil {
		b.Forwarding = *c.Forwarding
	}
	if c.CallbackURL != nil {
		if err := CheckURL("callback_url", *c.CallbackURL); err != nil {
			return err
		}
		b.CallbackURL = *c.CallbackURL
	}
	if c.WebhookURL != nil {
		if err := CheckURL("webhook_url", *c.WebhookURL); err != nil {
			return err
		}
		b.WebhookURL = *c.WebhookURL
	}
	if m := c.Messenger; m != nil {
		if b.Messenger == nil {
			b.Messenger = &MessengerChannel{}
		}
		set := func(dst *string, src *string) {
			if src != nil {
				*dst = *src
			}
		}
		set(&b.Messenger.PageID, m.PageID)
		set(&b.Messenger.AccessToken, m.AccessToken)
		set(&b.Messenger.AppSecret, m.AppSecret)
		set(&b.Messenger.VerifyToken, m.VerifyToken)
		if b.Messenger.PageID == "" {
			return Invalid("messenger.page_id", "is required")
		}
		if err := CheckID("messenger.page_id", b.Messenger.PageID); err != nil {
			return err
		}
		if b.Messenger.AccessToken == "" {
			return Invalid("messenger.access_token", "is required")
		}
	}
	if s := c.Settings; s != nil {
		if s.LegacyTags != nil {
			b.Settings.LegacyTags = *s.LegacyTags
		}
		if s.WindowPolicy != nil {
			b.Settings.WindowPolicy = *s.WindowPolicy
		}
		if s.UnfilledPlaceholder != nil {
			b.Settings.UnfilledPlaceholder = *s.UnfilledPlaceholder
		}
		if err := b.Settings.Validate("settings"); err != nil {
			return err
		}
		b.Settings = b.Settings.WithDefaults()
	}
	return nil
}

// CheckURL accepts a merchant URL (ValidateURL), or "" to clear it.
func CheckURL(field, s string) error { return ValidateURL(field, s) }

// WhatsAppChange attaches a WhatsApp number to a bot or changes it. Secrets
// may be left out when replacing a number's settings: the stored ones are kept.
type WhatsAppChange struct {
	BotPhone      string    `json:"bot_phone"`
	PhoneNumberID string    `json:"phone_number_id"`
	AccessToken   *string   `json:"access_token"`
	AppSecret     *string   `json:"app_secret"`
	VerifyToken   *string   `json:"verify_token"`
	Limits        *WALimits `json:"limits"`
	Tier          *int      `json:"tier"`    // the rung the number is on at Meta; kept when absent (1 for a new number)
	WABAID        *string   `json:"waba_id"` // the WhatsApp Business Account; kept when absent
}

// Channel checks the change and merges it over the current number, if any.
func (in *WhatsAppChange) Channel(current *WhatsAppChannel) (*WhatsAppChannel, error) {
	phone, err := NormalizePhone(in.BotPhone, "", "bot_phone")
	switch {
	case strings.TrimSpace(in.BotPhone) == "":
		return nil, Invalid("bot_phone", "is required: the number in E.164, e.g. +15550001111")
	case err != nil:
		return nil, Invalid("bot_phone", "must be a phone number in E.164, e.g. +15550001111")
	case in.PhoneNumberID == "" || strings.Trim(in.PhoneNumberID, "0123456789") != "":
		return nil, Invalid("phone_number_id", "is required: Graph's numeric id of the number")
	}
	if err := CheckID("phone_number_id", in.PhoneNumberID); err != nil {
		return nil, err
	}
	// What is left out is kept: secrets, limits, and the tier — which is the
	// number's, so a new number starts at the first rung.
	ch := &WhatsAppChannel{Phone: phone, PhoneNumberID: in.PhoneNumberID}
	tier := 1
	if current != nil {
		ch.AccessToken, ch.AppSecret, ch.VerifyToken, ch.Limits = current.AccessToken, current.AppSecret, current.VerifyToken, current.Limits
		ch.WABAID = current.WABAID
		if current.PhoneNumberID == in.PhoneNumberID {
			tier = current.Tier
		}
	}
	for _, v := range []struct {
		field string
		in    *string
		out   *string
	}{{"access_token", in.AccessToken, &ch.AccessToken}, {"app_secret", in.AppSecret, &ch.AppSecret}, {"verify_token", in.VerifyToken, &ch.VerifyToken}} {
		if v.in != nil {
			*v.out = *v.in
		}
		if *v.out == "" {
			return nil, Invalid(v.field, "is required: webhooks and sends need it")
		}
	}
	if in.WABAID != nil {
		if *in.WABAID != "" && strings.Trim(*in.WABAID, "0123456789") != "" {
			return nil, Invalid("waba_id", "must be Graph's numeric id of the WhatsApp Business Account, not %q", *in.WABAID)
		}
		ch.WABAID = *in.WABAID
	}
	if in.Limits != nil {
		ch.Limits = *in.Limits
	}
	// Checked with the defaults filled in: a burst is only too small
	// against the rate it goes with.
	ch.Limits = ch.Limits.WithDefaults()
	if err := ch.Limits.Validate("limits"); err != nil {
		return nil, err
	}
	if in.Tier != nil {
		tier, ch.Tier = *in.Tier, *in.Tier // Tier 0 tells the store to keep the stored one
	}
	if tier < 1 || tier > len(ch.Limits.Tiers) {
		return nil, Invalid("tier", "must be between 1 and %d, a rung of the ladder", len(ch.Limits.Tiers))
	}
	return ch, nil
}
