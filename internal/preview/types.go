package preview

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// str is a JSON scalar read as text: a string as is, a number or boolean as
// written. Objects and arrays, where a scalar belongs, read as empty.
type str string

func (s *str) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0 || data[0] == '{' || data[0] == '[' || string(data) == "null":
		*s = ""
	case data[0] == '"':
		var v string
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		*s = str(v)
	default:
		*s = str(data)
	}
	return nil
}

// amount shows a price as the apps do, with two decimals when it is a
// number; other text is shown as written.
func amount(currency, value str) string {
	if value == "" {
		return ""
	}
	text := string(value)
	if f, err := strconv.ParseFloat(text, 64); err == nil {
		text = strconv.FormatFloat(f, 'f', 2, 64)
	}
	if currency != "" {
		return string(currency) + " " + text
	}
	return text
}

// Messenger Send API shapes (GRAPH-FACTS.md), only the fields shown.

type mMessage struct {
	Text         str           `json:"text"`
	Attachment   *mAttachment  `json:"attachment"`
	QuickReplies []mQuickReply `json:"quick_replies"`
	Message      *mMessage     `json:"message"`       // a whole send body
	SenderAction str           `json:"sender_action"` // a whole send body with no message
}

type mAttachment struct {
	Type    str      `json:"type"`
	Payload mPayload `json:"payload"`
}

type mPayload struct {
	URL          str `json:"url"`
	AttachmentID str `json:"attachment_id"`

	TemplateType str        `json:"template_type"`
	Text         str        `json:"text"`
	Elements     []mElement `json:"elements"`
	Buttons      []mButton  `json:"buttons"`
	AspectRatio  str        `json:"image_aspect_ratio"`

	RecipientName str           `json:"recipient_name"`
	OrderNumber   str           `json:"order_number"`
	Currency      str           `json:"currency"`
	PaymentMethod str           `json:"payment_method"`
	OrderURL      str           `json:"order_url"`
	Timestamp     str           `json:"timestamp"`
	Address       *mAddress     `json:"address"`
	Summary       *mSummary     `json:"summary"`
	Adjustments   []mAdjustment `json:"adjustments"`

	Title     str `json:"title"`
	Payload   str `json:"payload"`
	ImageURL  str `json:"image_url"`
	CTAText   str `json:"notification_messages_cta_text"`
	Frequency str `json:"notification_messages_frequency"`
}

type mElement struct {
	Title         str       `json:"title"`
	Subtitle      str       `json:"subtitle"`
	ImageURL      str       `json:"image_url"`
	DefaultAction *mButton  `json:"default_action"`
	Buttons       []mButton `json:"buttons"`

	Quantity str `json:"quantity"`
	Price    str `json:"price"`
	Currency str `json:"currency"`

	MediaType    str `json:"media_type"`
	URL          str `json:"url"`
	AttachmentID str `json:"attachment_id"`
}

type mButton struct {
	Type    str `json:"type"`
	Title   str `json:"title"`
	URL     str `json:"url"`
	Payload str `json:"payload"`
}

type mQuickReply struct {
	ContentType str `json:"content_type"`
	Title       str `json:"title"`
	Payload     str `json:"payload"`
	ImageURL    str `json:"image_url"`
}

type mAddress struct {
	Street1    str `json:"street_1"`
	Street2    str `json:"street_2"`
	City       str `json:"city"`
	PostalCode str `json:"postal_code"`
	State      str `json:"state"`
	Country    str `json:"country"`
}

type mSummary struct {
	Subtotal     str `json:"subtotal"`
	ShippingCost str `json:"shipping_cost"`
	TotalTax     str `json:"total_tax"`
	TotalCost    str `json:"total_cost"`
}

type mAdjustment struct {
	Name   str `json:"name"`
	Amount str `json:"amount"`
}

// WhatsApp Cloud API shapes.

type waMessage struct {
	Type        str            `json:"type"`
	Text        *waText        `json:"text"`
	Image       *waMedia       `json:"image"`
	Video       *waMedia       `json:"video"`
	Audio       *waMedia       `json:"audio"`
	Document    *waMedia       `json:"document"`
	Sticker     *waMedia       `json:"sticker"`
	Interactive *waInteractive `json:"interactive"`
	Template    *waTemplate    `json:"template"`
	Location    *waLocation    `json:"location"`
	Reaction    *waReaction    `json:"reaction"`
	Contacts    []waContact    `json:"contacts"`
}

type waText struct {
	Body       str  `json:"body"`
	PreviewURL bool `json:"preview_url"`
}

// waLine is an interactive message's body or footer.
type waLine struct {
	Text str `json:"text"`
}

type waMedia struct {
	ID       str `json:"id"`
	Link     str `json:"link"`
	Caption  str `json:"caption"`
	Filename str `json:"filename"`
}

type waInteractive struct {
	Type   str       `json:"type"`
	Header *waHeader `json:"header"`
	Body   *waLine   `json:"body"`
	Footer *waLine   `json:"footer"`
	Action waAction  `json:"action"`
}

type waHeader struct {
	Type     str      `json:"type"`
	Text     str      `json:"text"`
	Image    *waMedia `json:"image"`
	Video    *waMedia `json:"video"`
	Document *waMedia `json:"document"`
}

type waAction struct {
	Buttons    []waButton  `json:"buttons"`
	Button     str         `json:"button"`
	Sections   []waSection `json:"sections"`
	Name       str         `json:"name"`
	Parameters struct {
		DisplayText str `json:"display_text"`
		URL         str `json:"url"`
	} `json:"parameters"`
}

type waButton struct {
	Type  str `json:"type"`
	Reply struct {
		ID    str `json:"id"`
		Title str `json:"title"`
	} `json:"reply"`
}

type waSection struct {
	Title str     `json:"title"`
	Rows  []waRow `json:"rows"`
}

type waRow struct {
	ID          str `json:"id"`
	Title       str `json:"title"`
	Description str `json:"description"`
}

type waTemplate struct {
	Name     str `json:"name"`
	Language struct {
		Code str `json:"code"`
	} `json:"language"`
	Components []waComponent `json:"components"`
}

type waComponent struct {
	Type       str           `json:"type"`
	SubType    str           `json:"sub_type"`
	Index      str           `json:"index"`
	Parameters []waParameter `json:"parameters"`
}

type waParameter struct {
	Type          str      `json:"type"`
	ParameterName str      `json:"parameter_name"`
	Text          str      `json:"text"`
	Payload       str      `json:"payload"`
	Image         *waMedia `json:"image"`
	Video         *waMedia `json:"video"`
	Document      *waMedia `json:"document"`
	Currency      *struct {
		FallbackValue str `json:"fallback_value"`
		Code          str `json:"code"`
		Amount1000    str `json:"amount_1000"`
	} `json:"currency"`
	DateTime *struct {
		FallbackValue str `json:"fallback_value"`
	} `json:"date_time"`
}

type waLocation struct {
	Latitude  str `json:"latitude"`
	Longitude str `json:"longitude"`
	Name      str `json:"name"`
	Address   str `json:"address"`
}

type waReaction struct {
	MessageID str `json:"message_id"`
	Emoji     str `json:"emoji"`
}

type waContact struct {
	Name struct {
		FormattedName str `json:"formatted_name"`
	} `json:"name"`
	Phones []struct {
		Phone str `json:"phone"`
	} `json:"phones"`
}
