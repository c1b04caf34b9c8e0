package core

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Messenger's limits (GRAPH-FACTS.md). Lengths count characters, not bytes.
const (
	MaxTextLen         = 2000
	MaxQuickReplies    = 13
	MaxQuickReplyTitle = 20
	MaxPayloadLen      = 1000
	MaxMetadataLen     = 1000
	MaxButtonTitle     = 20
	MaxGenericElements = 10
	MaxElementTitle    = 80
	MaxElementSubtitle = 80
	MaxElementButtons  = 3
	MaxButtonText      = 640
	MaxReceiptElements = 100
	MaxOptInTitle      = 65
	MaxTemplateButtons = 3
	MaxMediaElements   = 1
	MaxMediaButtons    = 1
	MaxURLLen          = 2000
	MaxAttachmentIDLen = 100
	MaxReceiptFieldLen = 100
)

// ValidateMessage checks m against Messenger's rules, naming the first
// offending field below path. Shape errors (KindBadMessage) say a field is of
// the wrong kind; limit errors (KindInvalid) say a value breaks a rule.
func ValidateMessage(m *Message, path string) error {
	hasText, hasAttachment := m.Text != "", m.Attachment != nil
	switch {
	case hasText && hasAttachment:
		return BadShape(path, "has both text and attachment; a message carries exactly one")
	case !hasText && !hasAttachment:
		return BadShape(path, "needs text or attachment")
	}
	if err := maxLen(path+".text", m.Text, MaxTextLen); err != nil {
		return err
	}
	if err := maxLen(path+".metadata", m.Metadata, MaxMetadataLen); err != nil {
		return err
	}
	if err := validateQuickReplies(m.QuickReplies, path+".quick_replies"); err != nil {
		return err
	}
	if hasAttachment {
		return validateAttachment(m.Attachment, path+".attachment")
	}
	return nil
}

func validateQuickReplies(qrs []QuickReply, path string) error {
	if len(qrs) > MaxQuickReplies {
		return Invalid(path, "has %d quick replies; at most %d are allowed", len(qrs), MaxQuickReplies)
	}
	for i, qr := range qrs {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch qr.ContentType {
		case "text":
			if qr.Title == "" {
				return Invalid(p+".title", "is required for a text quick reply")
			}
			if qr.Payload == "" {
				return Invalid(p+".payload", "is required for a text quick reply")
			}
		case "user_phone_number", "user_email":
		case "":
			return Invalid(p+".content_type", "is required (text, user_phone_number or user_email)")
		default:
			return Invalid(p+".content_type", "must be text, user_phone_number or user_email, not %q", qr.ContentType)
		}
		if err := maxLen(p+".title", qr.Title, MaxQuickReplyTitle); err != nil {
			return err
		}
		if err := maxLen(p+".payload", qr.Payload, MaxPayloadLen); err != nil {
			return err
		}
		if err := optionalURL(p+".image_url", qr.ImageURL); err != nil {
			return err
		}
	}
	return nil
}

func validateAttachment(a *Attachment, path string) error {
	switch a.Type {
	case "image", "audio", "video", "file":
		return validateMedia(&a.Payload, path+".payload")
	case "template":
		return validateTemplate(&a.Payload, path+".payload")
	case "":
		return BadShape(path+".type", "is required (image, audio, video, file or template)")
	}
	return BadShape(path+".type", "must be image, audio, video, file or template, not %q", a.Type)
}

func validateMedia(p *Payload, path string) error {
	switch {
	case p.URL != "" && p.AttachmentID != "":
		return Invalid(path, "has both url and attachment_id; give exactly one")
	case p.URL == "" && p.AttachmentID == "":
		return Invalid(path, "needs url or attachment_id")
	case p.URL != "":
		return requiredURL(path+".url", p.URL)
	}
	return maxLen(path+".attachment_id", p.AttachmentID, MaxAttachmentIDLen)
}

func validateTemplate(p *Payload, path string) error {
	switch p.TemplateType {
	case "generic":
		return validateGeneric(p, path)
	case "button":
		return validateButtonTemplate(p, path)
	case "media":
		return validateMediaTemplate(p, path)
	case "receipt":
		return validateReceipt(p, path)
	case "notification_messages":
		return validateOptIn(p, path)
	case "":
		return BadShape(path+".template_type", "is required (generic, button, media, receipt or notification_messages)")
	}
	return BadShape(path+".template_type", "must be generic, button, media, receipt or notification_messages, not %q", p.TemplateType)
}

func validateGeneric(p *Payload, path string) error {
	n := len(p.Elements)
	if n == 0 || n > MaxGenericElements {
		return Invalid(path+".elements", "has %d elements; a generic template takes 1 to %d", n, MaxGenericElements)
	}
	switch p.ImageAspectRatio {
	case "", "horizontal", "square":
	default:
		return Invalid(path+".image_aspect_ratio", "must be horizontal or square, not %q", p.ImageAspectRatio)
	}
	for i := range p.Elements {
		e := &p.Elements[i]
		ep := fmt.Sprintf("%s.elements[%d]", path, i)
		if e.Title == "" {
			return Invalid(ep+".title", "is required")
		}
		if err := maxLen(ep+".title", e.Title, MaxElementTitle); err != nil {
			return err
		}
		if err := maxLen(ep+".subtitle", e.Subtitle, MaxElementSubtitle); err != nil {
			return err
		}
		if err := optionalURL(ep+".image_url", e.ImageURL); err != nil {
			return err
		}
		if e.DefaultAction != nil {
			if err := validateDefaultAction(e.DefaultAction, ep+".default_action"); err != nil {
				return err
			}
		}
		if err := validateButtons(e.Buttons, ep+".buttons", 0, MaxElementButtons); err != nil {
			return err
		}
	}
	return nil
}

func validateButtonTemplate(p *Payload, path string) error {
	if p.Text == "" {
		return Invalid(path+".text", "is required for a button template")
	}
	if err := maxLen(path+".text", p.Text, MaxButtonText); err != nil {
		return err
	}
	return validateButtons(p.Buttons, path+".buttons", 1, MaxTemplateButtons)
}

func validateMediaTemplate(p *Payload, path string) error {
	if len(p.Elements) != MaxMediaElements {
		return Invalid(path+".elements", "has %d elements; a media template takes exactly 1", len(p.Elements))
	}
	e := &p.Elements[0]
	ep := path + ".elements[0]"
	if e.MediaType != "image" && e.MediaType != "video" {
		return Invalid(ep+".media_type", "must be image or video, not %q", e.MediaType)
	}
	switch {
	case e.URL != "" && e.AttachmentID != "":
		return Invalid(ep, "has both url and attachment_id; give exactly one")
	case e.URL == "" && e.AttachmentID == "":
		return Invalid(ep, "needs url or attachment_id")
	case e.URL != "":
		if err := requiredURL(ep+".url", e.URL); err != nil {
			return err
		}
	}
	return validateButtons(e.Buttons, ep+".buttons", 0, MaxMediaButtons)
}

func validateReceipt(p *Payload, path string) error {
	required := []struct{ name, value string }{
		{"recipient_name", p.RecipientName},
		{"order_number", p.OrderNumber},
		{"currency", p.Currency},
		{"payment_method", p.PaymentMethod},
	}
	for _, f := range required {
		if f.value == "" {
			return Invalid(path+"."+f.name, "is required for a receipt")
		}
		if err := maxLen(path+"."+f.name, f.value, MaxReceiptFieldLen); err != nil {
			return err
		}
	}
	if p.Summary == nil || p.Summary.TotalCost == nil {
		return Invalid(path+".summary.total_cost", "is required for a receipt")
	}
	if err := optionalURL(path+".order_url", p.OrderURL); err != nil {
		return err
	}
	if len(p.Elements) > MaxReceiptElements {
		return Invalid(path+".elements", "has %d elements; a receipt takes at most %d", len(p.Elements), MaxReceiptElements)
	}
	for i, e := range p.Elements {
		ep := fmt.Sprintf("%s.elements[%d]", path, i)
		if e.Title == "" {
			return Invalid(ep+".title", "is required")
		}
		if e.Price == nil {
			return Invalid(ep+".price", "is required")
		}
		if err := optionalURL(ep+".image_url", e.ImageURL); err != nil {
			return err
		}
	}
	for i, a := range p.Adjustments {
		if a.Name == "" || a.Amount == nil {
			return Invalid(fmt.Sprintf("%s.adjustments[%d]", path, i), "needs name and amount")
		}
	}
	return nil
}

func validateOptIn(p *Payload, path string) error {
	if p.Title == "" {
		return Invalid(path+".title", "is required for a notification_messages opt-in")
	}
	if err := maxLen(path+".title", p.Title, MaxOptInTitle); err != nil {
		return err
	}
	if err := maxLen(path+".payload", p.Payload, MaxPayloadLen); err != nil {
		return err
	}
	if err := optionalURL(path+".image_url", p.ImageURL); err != nil {
		return err
	}
	enums := []struct {
		name, value string
		allowed     []string
	}{
		{"notification_messages_frequency", p.NotificationMessagesFrequency, []string{"DAILY", "WEEKLY", "MONTHLY"}},
		{"notification_messages_reoptin", p.NotificationMessagesReoptin, []string{"ENABLED", "DISABLED"}},
		{"notification_messages_cta_text", p.NotificationMessagesCTAText, OptInCTATexts},
		{"image_aspect_ratio", p.ImageAspectRatio, ImageAspectRatios},
	}
	for _, e := range enums {
		if e.value != "" && !slices.Contains(e.allowed, e.value) {
			return Invalid(path+"."+e.name, "must be one of %s, not %q", strings.Join(e.allowed, ", "), e.value)
		}
	}
	return nil
}

// OptInCTATexts and ImageAspectRatios are the opt-in template's enums.
var (
	OptInCTATexts     = []string{"ALLOW", "GET", "GET_UPDATES", "OPT_IN", "SIGN_UP"}
	ImageAspectRatios = []string{"SQUARE", "HORIZONTAL"}
)

func validateDefaultAction(b *Button, path string) error {
	if b.Type != "web_url" {
		return Invalid(path+".type", "must be web_url, not %q", b.Type)
	}
	if b.Title != "" {
		return Invalid(path+".title", "is not allowed on a default action")
	}
	return validateWebview(b, path)
}

func validateButtons(buttons []Button, path string, least, most int) error {
	if len(buttons) < least || len(buttons) > most {
		if least == most || least == 0 {
			return Invalid(path, "has %d buttons; at most %d are allowed", len(buttons), most)
		}
		return Invalid(path, "has %d buttons; %d to %d are allowed", len(buttons), least, most)
	}
	for i := range buttons {
		if err := validateButton(&buttons[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

func validateButton(b *Button, path string) error {
	needsTitle := true
	switch b.Type {
	case "web_url":
		if err := validateWebview(b, path); err != nil {
			return err
		}
	case "postback":
		if b.Payload == "" {
			return Invalid(path+".payload", "is required for a postback button")
		}
		if err := maxLen(path+".payload", b.Payload, MaxPayloadLen); err != nil {
			return err
		}
	case "phone_number":
		if !e164RE.MatchString(b.Payload) {
			return Invalid(path+".payload", "must be a phone number in international format, like +15551234567")
		}
	case "block":
		if b.BlockName == "" {
			return Invalid(path+".block_name", "is required for a block button")
		}
		if err := ValidateName(path+".block_name", b.BlockName); err != nil {
			return err
		}
	case "account_link":
		needsTitle = false
		if err := requiredURL(path+".url", b.URL); err != nil {
			return err
		}
	case "account_unlink":
		needsTitle = false
	case "":
		return BadShape(path+".type", "is required")
	default:
		return Invalid(path+".type", "must be web_url, postback, phone_number, block, account_link or account_unlink, not %q", b.Type)
	}
	if needsTitle && b.Title == "" {
		return Invalid(path+".title", "is required")
	}
	return maxLen(path+".title", b.Title, MaxButtonTitle)
}

func validateWebview(b *Button, path string) error {
	if err := requiredURL(path+".url", b.URL); err != nil {
		return err
	}
	switch b.WebviewHeightRatio {
	case "", "compact", "tall", "full":
	default:
		return Invalid(path+".webview_height_ratio", "must be compact, tall or full, not %q", b.WebviewHeightRatio)
	}
	return optionalURL(path+".fallback_url", b.FallbackURL)
}

func maxLen(path, s string, limit int) error {
	if n := utf8.RuneCountInString(s); n > limit {
		return Invalid(path, "is %d characters; at most %d are allowed", n, limit)
	}
	return nil
}

func requiredURL(path, s string) error {
	if s == "" {
		return Invalid(path, "is required")
	}
	return optionalURL(path, s)
}

func optionalURL(path, s string) error {
	if len(s) > MaxURLLen {
		return Invalid(path, "is longer than %d characters", MaxURLLen)
	}
	return ValidateURL(path, s)
}
