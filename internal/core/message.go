package core

import "encoding/json"

// Message is a Messenger message object: the shape clients send and the shape
// Graph receives. Fields follow Graph's names so a body needs no translation,
// apart from block buttons, which become postbacks (see Button).
type Message struct {
	Text         string       `json:"text,omitempty"`
	Attachment   *Attachment  `json:"attachment,omitempty"`
	QuickReplies []QuickReply `json:"quick_replies,omitempty"`
	Metadata     string       `json:"metadata,omitempty"`
}

// Attachment is a media file or a structured template.
type Attachment struct {
	Type    string  `json:"type"`
	Payload Payload `json:"payload"`
}

// Payload holds the fields of every attachment type Graph accepts; each type
// uses its own subset and validation says which.
type Payload struct {
	// Media by URL or by a previously uploaded attachment.
	URL          string `json:"url,omitempty"`
	IsReusable   *bool  `json:"is_reusable,omitempty"`
	AttachmentID string `json:"attachment_id,omitempty"`

	TemplateType     string    `json:"template_type,omitempty"`
	Text             string    `json:"text,omitempty"`
	Buttons          []Button  `json:"buttons,omitempty"`
	Elements         []Element `json:"elements,omitempty"`
	ImageAspectRatio string    `json:"image_aspect_ratio,omitempty"`
	Sharable         *bool     `json:"sharable,omitempty"`

	// Receipt template.
	RecipientName string       `json:"recipient_name,omitempty"`
	MerchantName  string       `json:"merchant_name,omitempty"`
	OrderNumber   string       `json:"order_number,omitempty"`
	Currency      string       `json:"currency,omitempty"`
	PaymentMethod string       `json:"payment_method,omitempty"`
	OrderURL      string       `json:"order_url,omitempty"`
	Timestamp     FlexString   `json:"timestamp,omitempty"`
	Address       *Address     `json:"address,omitempty"`
	Summary       *Summary     `json:"summary,omitempty"`
	Adjustments   []Adjustment `json:"adjustments,omitempty"`

	// Notification-messages opt-in request.
	Title                         string `json:"title,omitempty"`
	ImageURL                      string `json:"image_url,omitempty"`
	Payload                       string `json:"payload,omitempty"`
	NotificationMessagesFrequency string `json:"notification_messages_frequency,omitempty"`
	NotificationMessagesReoptin   string `json:"notification_messages_reoptin,omitempty"`
	NotificationMessagesTimezone  string `json:"notification_messages_timezone,omitempty"`
	NotificationMessagesCTAText   string `json:"notification_messages_cta_text,omitempty"`
}

// Element is a card of a generic, media or receipt template.
type Element struct {
	Title         string   `json:"title,omitempty"`
	Subtitle      string   `json:"subtitle,omitempty"`
	ImageURL      string   `json:"image_url,omitempty"`
	DefaultAction *Button  `json:"default_action,omitempty"`
	Buttons       []Button `json:"buttons,omitempty"`

	// Media template.
	MediaType    string `json:"media_type,omitempty"`
	URL          string `json:"url,omitempty"`
	AttachmentID string `json:"attachment_id,omitempty"`

	// Receipt template. Numbers keep the client's literal text (75.00 stays 75.00).
	Quantity *json.Number `json:"quantity,omitempty"`
	Price    *json.Number `json:"price,omitempty"`
	Currency string       `json:"currency,omitempty"`
}

// Button is a template button or a default action. A "block" button is ours:
// Graph never sees it, it is sent as a postback whose payload names the block.
type Button struct {
	Type                string `json:"type"`
	Title               string `json:"title,omitempty"`
	URL                 string `json:"url,omitempty"`
	Payload             string `json:"payload,omitempty"`
	WebviewHeightRatio  string `json:"webview_height_ratio,omitempty"`
	MessengerExtensions *bool  `json:"messenger_extensions,omitempty"`
	FallbackURL         string `json:"fallback_url,omitempty"`
	WebviewShareButton  string `json:"webview_share_button,omitempty"`
	BlockName           string `json:"block_name,omitempty"`
}

// QuickReply is a button shown above the composer.
type QuickReply struct {
	ContentType string `json:"content_type"`
	Title       string `json:"title,omitempty"`
	Payload     string `json:"payload,omitempty"`
	ImageURL    string `json:"image_url,omitempty"`
}

// Address is a receipt's shipping address.
type Address struct {
	Street1    string `json:"street_1,omitempty"`
	Street2    string `json:"street_2,omitempty"`
	City       string `json:"city,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	State      string `json:"state,omitempty"`
	Country    string `json:"country,omitempty"`
}

// Summary is a receipt's totals.
type Summary struct {
	Subtotal     *json.Number `json:"subtotal,omitempty"`
	ShippingCost *json.Number `json:"shipping_cost,omitempty"`
	TotalTax     *json.Number `json:"total_tax,omitempty"`
	TotalCost    *json.Number `json:"total_cost,omitempty"`
}

// Adjustment is a receipt discount.
type Adjustment struct {
	Name   string       `json:"name,omitempty"`
	Amount *json.Number `json:"amount,omitempty"`
}

// FlexString accepts a JSON string or number and is sent as a string, because
// clients send receipt timestamps both ways while Graph documents a string.
type FlexString string

func (f *FlexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = FlexString(n.String())
	return nil
}

// BlockPayloadPrefix starts the postback payload of a block button.
const BlockPayloadPrefix = "BOTGATE_BLOCK:"

// BlockFromPayload returns the block a postback payload names, if it names one.
func BlockFromPayload(payload string) (string, bool) {
	if len(payload) > len(BlockPayloadPrefix) && payload[:len(BlockPayloadPrefix)] == BlockPayloadPrefix {
		return payload[len(BlockPayloadPrefix):], true
	}
	return "", false
}

// Normalize repairs what clients commonly write and Graph would refuse, in
// place: seed 000's own generic-template sample says "weburl" for a
// default action.
func Normalize(m *Message) {
	if m.Attachment == nil {
		return
	}
	p := &m.Attachment.Payload
	fix := func(b *Button) {
		if b.Type == "weburl" {
			b.Type = "web_url"
		}
	}
	for i := range p.Buttons {
		fix(&p.Buttons[i])
	}
	for i := range p.Elements {
		e := &p.Elements[i]
		if e.DefaultAction != nil {
			fix(e.DefaultAction)
		}
		for j := range e.Buttons {
			fix(&e.Buttons[j])
		}
	}
}
