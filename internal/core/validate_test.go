package core_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/core"
)

const (
	pl  = "message.attachment.payload"
	el1 = pl + ".elements[1]"
	bt1 = pl + ".buttons[1]"
)

func textMsg() core.Message { return core.Message{Text: "Hello"} }

func template(p core.Payload) core.Message {
	return core.Message{Attachment: &core.Attachment{Type: "template", Payload: p}}
}

func genericMsg() core.Message {
	el := func(n int) core.Element {
		return core.Element{
			Title:    fmt.Sprintf("Item %d", n),
			Subtitle: "A fine item",
			ImageURL: "https://example.com/item.png",
			DefaultAction: &core.Button{Type: "web_url", URL: "https://example.com/item",
				WebviewHeightRatio: "tall", FallbackURL: "https://example.com/fallback"},
			Buttons: []core.Button{
				{Type: "web_url", Title: "View", URL: "https://example.com/item"},
				{Type: "postback", Title: "Buy", Payload: "BUY_1"},
			},
		}
	}
	return template(core.Payload{TemplateType: "generic", ImageAspectRatio: "square",
		Elements: []core.Element{el(0), el(1)}})
}

func buttonMsg() core.Message {
	return template(core.Payload{TemplateType: "button", Text: "What next?", Buttons: []core.Button{
		{Type: "postback", Title: "Start", Payload: "START"},
		{Type: "web_url", Title: "Site", URL: "http://example.com"},
	}})
}

func mediaTplMsg() core.Message {
	return template(core.Payload{TemplateType: "media", Elements: []core.Element{{
		MediaType: "image", URL: "https://example.com/a.jpg",
		Buttons: []core.Button{{Type: "web_url", Title: "Open", URL: "https://example.com"}},
	}}})
}

func receiptMsg() core.Message {
	return template(core.Payload{
		TemplateType: "receipt", RecipientName: "Stephane Crozatier", MerchantName: "Peter's Apparel",
		OrderNumber: "12345678902", Currency: "USD", PaymentMethod: "Visa 2345",
		OrderURL: "https://example.com/order/1", Timestamp: "1428444852",
		Address:     &core.Address{Street1: "1 Hacker Way", City: "Menlo Park", PostalCode: "94025", State: "CA", Country: "US"},
		Summary:     &core.Summary{Subtotal: num("75.00"), ShippingCost: num("4.95"), TotalTax: num("6.19"), TotalCost: num("56.14")},
		Adjustments: []core.Adjustment{{Name: "New Customer Discount", Amount: num("20")}},
		Elements: []core.Element{
			{Title: "Classic White T-Shirt", Subtitle: "100% Soft", Quantity: num("2"), Price: num("50"), Currency: "USD",
				ImageURL: "https://example.com/shirt.png"},
			{Title: "Classic Gray T-Shirt", Price: num("25")},
		},
	})
}

func optInMsg() core.Message {
	return template(core.Payload{TemplateType: "notification_messages", Title: "Get our weekly deals",
		ImageURL: "https://example.com/deals.png", Payload: "DEALS", NotificationMessagesFrequency: "WEEKLY",
		NotificationMessagesReoptin: "ENABLED", NotificationMessagesTimezone: "Asia/Shanghai",
		NotificationMessagesCTAText: "SIGN_UP", ImageAspectRatio: "SQUARE"})
}

func mediaMsg(typ string, url, id string) core.Message {
	return core.Message{Attachment: &core.Attachment{Type: typ,
		Payload: core.Payload{URL: url, AttachmentID: id, IsReusable: boolp(true)}}}
}

func quickReplies(n int) []core.QuickReply {
	qrs := make([]core.QuickReply, n)
	for i := range qrs {
		qrs[i] = core.QuickReply{ContentType: "text", Title: fmt.Sprintf("Option %d", i), Payload: fmt.Sprintf("OPT_%d", i)}
	}
	return qrs
}

// with returns base after applying edit to a fresh copy.
func with(base func() core.Message, edit func(m *core.Message)) func() core.Message {
	return func() core.Message {
		m := base()
		edit(&m)
		return m
	}
}

// withPayload edits the attachment payload of base.
func withPayload(base func() core.Message, edit func(p *core.Payload)) func() core.Message {
	return with(base, func(m *core.Message) { edit(&m.Attachment.Payload) })
}

// withButton replaces button 1 of the button template.
func withButton(b core.Button) func() core.Message {
	return withPayload(buttonMsg, func(p *core.Payload) { p.Buttons[1] = b })
}

func TestValidateMessage(t *testing.T) {
	const cjk = '漢' // three bytes in UTF-8, one character
	urlErr := "must be an absolute http or https URL"
	tests := []struct {
		name string
		msg  func() core.Message
		want *wantErr
	}{
		// Text, attachment, metadata.
		{"text", textMsg, nil},
		{"text 2000 ascii", with(textMsg, func(m *core.Message) { m.Text = strings.Repeat("a", 2000) }), nil},
		{"text 2000 cjk runes (6000 bytes)", with(textMsg, func(m *core.Message) { m.Text = runes(cjk, 2000) }), nil},
		{"text 2001 cjk runes", with(textMsg, func(m *core.Message) { m.Text = runes(cjk, 2001) }),
			invalid("message.text", "is 2001 characters; at most 2000 are allowed")},
		{"text 2001 emoji", with(textMsg, func(m *core.Message) { m.Text = runes('😀', 2001) }),
			invalid("message.text", "is 2001 characters; at most 2000 are allowed")},
		{"both text and attachment", with(genericMsg, func(m *core.Message) { m.Text = "hi" }),
			badShape("message", "has both text and attachment; a message carries exactly one")},
		{"neither text nor attachment", func() core.Message { return core.Message{} },
			badShape("message", "needs text or attachment")},
		{"metadata without text", func() core.Message { return core.Message{Metadata: "m"} },
			badShape("message", "needs text or attachment")},
		{"quick replies without text", func() core.Message { return core.Message{QuickReplies: quickReplies(1)} },
			badShape("message", "needs text or attachment")},
		{"metadata 1000", with(textMsg, func(m *core.Message) { m.Metadata = runes(cjk, 1000) }), nil},
		{"metadata 1001", with(textMsg, func(m *core.Message) { m.Metadata = runes(cjk, 1001) }),
			invalid("message.metadata", "is 1001 characters; at most 1000 are allowed")},

		// Quick replies.
		{"13 quick replies", with(textMsg, func(m *core.Message) { m.QuickReplies = quickReplies(13) }), nil},
		{"14 quick replies", with(textMsg, func(m *core.Message) { m.QuickReplies = quickReplies(14) }),
			invalid("message.quick_replies", "has 14 quick replies; at most 13 are allowed")},
		{"quick replies on an attachment", with(genericMsg, func(m *core.Message) { m.QuickReplies = quickReplies(2) }), nil},
		{"quick reply user_phone_number without title", with(textMsg, func(m *core.Message) {
			m.QuickReplies = []core.QuickReply{{ContentType: "user_phone_number"}, {ContentType: "user_email"}}
		}), nil},
		{"quick reply content_type missing", with(textMsg, func(m *core.Message) {
			m.QuickReplies = quickReplies(2)
			m.QuickReplies[1].ContentType = ""
		}), invalid("message.quick_replies[1].content_type", "is required (text, user_phone_number or user_email)")},
		{"quick reply content_type location", with(textMsg, func(m *core.Message) {
			m.QuickReplies = quickReplies(2)
			m.QuickReplies[1].ContentType = "location"
		}), invalid("message.quick_replies[1].content_type", `must be text, user_phone_number or user_email, not "location"`)},
		{"text quick reply without title", with(textMsg, func(m *core.Message) {
			m.QuickReplies = quickReplies(3)
			m.QuickReplies[2].Title = ""
		}), invalid("message.quick_replies[2].title", "is required for a text quick reply")},
		{"text quick reply without payload", with(textMsg, func(m *core.Message) {
			m.QuickReplies = quickReplies(3)
			m.QuickReplies[2].Payload = ""
		}), invalid("message.quick_replies[2].payload", "is required for a text quick reply")},
		{"quick reply title 20", with(textMsg, func(m *core.Message) {
			m.QuickReplies = quickReplies(1)
			m.QuickReplies[0].Title = runes(cjk, 20)
		}), nil},
		{"quick reply title 21", with(textMsg, func(m *core.Message) {
			m.QuickReplies = quickReplies(1)
			m.QuickReplies[0].Title = runes(cjk, 21)
		}), invalid("message.quick_replies[0].title", "is 21 characters; at most 20 are allowed")},
		{"user_email quick reply title 21", with(textMsg, func(m *core.Message) {
			m.QuickReplies = []core.QuickReply{{ContentType: "user_email", Title: runes('a', 21)}}
		}), invalid("message.quick_replies[0].title", "is 21 characters; at most 20 are allowed")},
		{"quick reply payload 1000", with(textMsg, func(m *core.Message) {
			m.QuickReplies = quickReplies(1)
			m.QuickReplies[0].Payload = runes(cjk, 1000)
		}), nil},
		{"quick reply payload 1001", with(textMsg, func(m *core.Message) {
			m.QuickReplies = quickReplies(1)
			m.QuickReplies[0].Payload = runes(cjk, 1001)
		}), invalid("message.quick_replies[0].payload", "is 1001 characters; at most 1000 are allowed")},
		{"quick reply image_url", with(textMsg, func(m *core.Message) {
			m.QuickReplies = quickReplies(1)
			m.QuickReplies[0].ImageURL = "https://example.com/red.png"
		}), nil},
		{"quick reply relative image_url", with(textMsg, func(m *core.Message) {
			m.QuickReplies = quickReplies(1)
			m.QuickReplies[0].ImageURL = "/red.png"
		}), invalid("message.quick_replies[0].image_url", urlErr)},

		// Attachment types and media.
		{"attachment type missing", with(genericMsg, func(m *core.Message) { m.Attachment.Type = "" }),
			badShape("message.attachment.type", "is required (image, audio, video, file or template)")},
		{"attachment type sticker", with(genericMsg, func(m *core.Message) { m.Attachment.Type = "sticker" }),
			badShape("message.attachment.type", `must be image, audio, video, file or template, not "sticker"`)},
		{"attachment type is case-sensitive", with(genericMsg, func(m *core.Message) { m.Attachment.Type = "Template" }),
			badShape("message.attachment.type", `must be image, audio, video, file or template, not "Template"`)},
		{"image by url", func() core.Message { return mediaMsg("image", "https://example.com/a.png", "") }, nil},
		{"audio by url", func() core.Message { return mediaMsg("audio", "http://example.com/a.mp3", "") }, nil},
		{"video by attachment_id", func() core.Message { return mediaMsg("video", "", "1857777774821032") }, nil},
		{"file by attachment_id", func() core.Message { return mediaMsg("file", "", "1857777774821032") }, nil},
		{"media with url and attachment_id", func() core.Message { return mediaMsg("image", "https://example.com/a.png", "185") },
			invalid(pl, "has both url and attachment_id; give exactly one")},
		{"media with neither", func() core.Message { return mediaMsg("file", "", "") },
			invalid(pl, "needs url or attachment_id")},
		{"media ftp url", func() core.Message { return mediaMsg("image", "ftp://example.com/a.png", "") },
			invalid(pl+".url", urlErr)},
		{"attachment_id 100", func() core.Message { return mediaMsg("image", "", strings.Repeat("1", 100)) }, nil},
		{"attachment_id 101", func() core.Message { return mediaMsg("image", "", strings.Repeat("1", 101)) },
			invalid(pl+".attachment_id", "is 101 characters; at most 100 are allowed")},

		// Template types.
		{"template_type missing", withPayload(genericMsg, func(p *core.Payload) { p.TemplateType = "" }),
			badShape(pl+".template_type", "is required (generic, button, media, receipt or notification_messages)")},
		{"template_type list", withPayload(genericMsg, func(p *core.Payload) { p.TemplateType = "list" }),
			badShape(pl+".template_type", `must be generic, button, media, receipt or notification_messages, not "list"`)},

		// Generic template.
		{"generic", genericMsg, nil},
		{"generic 0 elements", withPayload(genericMsg, func(p *core.Payload) { p.Elements = nil }),
			invalid(pl+".elements", "has 0 elements; a generic template takes 1 to 10")},
		{"generic 10 elements", withPayload(genericMsg, func(p *core.Payload) {
			p.Elements = p.Elements[:0]
			for i := range 10 {
				p.Elements = append(p.Elements, core.Element{Title: fmt.Sprint(i)})
			}
		}), nil},
		{"generic 11 elements", withPayload(genericMsg, func(p *core.Payload) {
			p.Elements = p.Elements[:0]
			for i := range 11 {
				p.Elements = append(p.Elements, core.Element{Title: fmt.Sprint(i)})
			}
		}), invalid(pl+".elements", "has 11 elements; a generic template takes 1 to 10")},
		{"generic aspect horizontal", withPayload(genericMsg, func(p *core.Payload) { p.ImageAspectRatio = "horizontal" }), nil},
		{"generic aspect unset", withPayload(genericMsg, func(p *core.Payload) { p.ImageAspectRatio = "" }), nil},
		{"generic aspect SQUARE", withPayload(genericMsg, func(p *core.Payload) { p.ImageAspectRatio = "SQUARE" }),
			invalid(pl+".image_aspect_ratio", `must be horizontal or square, not "SQUARE"`)},
		{"generic element without title", withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].Title = "" }),
			invalid(el1+".title", "is required")},
		{"generic title 80", withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].Title = runes(cjk, 80) }), nil},
		{"generic title 81", withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].Title = runes(cjk, 81) }),
			invalid(el1+".title", "is 81 characters; at most 80 are allowed")},
		{"generic subtitle 80", withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].Subtitle = runes(cjk, 80) }), nil},
		{"generic subtitle 81", withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].Subtitle = runes(cjk, 81) }),
			invalid(el1+".subtitle", "is 81 characters; at most 80 are allowed")},
		{"generic image_url without scheme", withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].ImageURL = "example.com/a.png" }),
			invalid(el1+".image_url", urlErr)},
		{"generic element without buttons", withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].Buttons = nil }), nil},
		{"generic 3 buttons", withPayload(genericMsg, func(p *core.Payload) {
			p.Elements[1].Buttons = append(p.Elements[1].Buttons, core.Button{Type: "account_unlink"})
		}), nil},
		{"generic 4 buttons", withPayload(genericMsg, func(p *core.Payload) {
			p.Elements[1].Buttons = append(p.Elements[1].Buttons, core.Button{Type: "account_unlink"}, core.Button{Type: "account_unlink"})
		}), invalid(el1+".buttons", "has 4 buttons; at most 3 are allowed")},
		{"generic bad button", withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].Buttons[0].Title = "" }),
			invalid(el1+".buttons[0].title", "is required")},
		{"default_action postback", withPayload(genericMsg, func(p *core.Payload) {
			p.Elements[1].DefaultAction = &core.Button{Type: "postback", Payload: "X"}
		}), invalid(el1+".default_action.type", `must be web_url, not "postback"`)},
		{"default_action without type", withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].DefaultAction.Type = "" }),
			invalid(el1+".default_action.type", `must be web_url, not ""`)},
		{"default_action with title", withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].DefaultAction.Title = "Open" }),
			invalid(el1+".default_action.title", "is not allowed on a default action")},
		{"default_action without url", withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].DefaultAction.URL = "" }),
			invalid(el1+".default_action.url", "is required")},
		{"default_action relative url", withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].DefaultAction.URL = "/item" }),
			invalid(el1+".default_action.url", urlErr)},
		{"default_action height huge", withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].DefaultAction.WebviewHeightRatio = "huge" }),
			invalid(el1+".default_action.webview_height_ratio", `must be compact, tall or full, not "huge"`)},
		{"default_action fallback relative", withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].DefaultAction.FallbackURL = "fallback" }),
			invalid(el1+".default_action.fallback_url", urlErr)},

		// Button template.
		{"button template", buttonMsg, nil},
		{"button template without text", withPayload(buttonMsg, func(p *core.Payload) { p.Text = "" }),
			invalid(pl+".text", "is required for a button template")},
		{"button template text 640", withPayload(buttonMsg, func(p *core.Payload) { p.Text = runes(cjk, 640) }), nil},
		{"button template text 641", withPayload(buttonMsg, func(p *core.Payload) { p.Text = runes(cjk, 641) }),
			invalid(pl+".text", "is 641 characters; at most 640 are allowed")},
		{"button template 0 buttons", withPayload(buttonMsg, func(p *core.Payload) { p.Buttons = nil }),
			invalid(pl+".buttons", "has 0 buttons; 1 to 3 are allowed")},
		{"button template 1 button", withPayload(buttonMsg, func(p *core.Payload) { p.Buttons = p.Buttons[:1] }), nil},
		{"button template 3 buttons", withPayload(buttonMsg, func(p *core.Payload) {
			p.Buttons = append(p.Buttons, core.Button{Type: "account_unlink"})
		}), nil},
		{"button template 4 buttons", withPayload(buttonMsg, func(p *core.Payload) {
			p.Buttons = append(p.Buttons, core.Button{Type: "account_unlink"}, core.Button{Type: "account_unlink"})
		}), invalid(pl+".buttons", "has 4 buttons; 1 to 3 are allowed")},

		// Media template.
		{"media template", mediaTplMsg, nil},
		{"media template video by attachment_id", withPayload(mediaTplMsg, func(p *core.Payload) {
			p.Elements[0].MediaType, p.Elements[0].URL, p.Elements[0].AttachmentID = "video", "", "1857777774821032"
		}), nil},
		{"media template 0 elements", withPayload(mediaTplMsg, func(p *core.Payload) { p.Elements = nil }),
			invalid(pl+".elements", "has 0 elements; a media template takes exactly 1")},
		{"media template 2 elements", withPayload(mediaTplMsg, func(p *core.Payload) { p.Elements = append(p.Elements, p.Elements[0]) }),
			invalid(pl+".elements", "has 2 elements; a media template takes exactly 1")},
		{"media template media_type missing", withPayload(mediaTplMsg, func(p *core.Payload) { p.Elements[0].MediaType = "" }),
			invalid(pl+".elements[0].media_type", `must be image or video, not ""`)},
		{"media template media_type audio", withPayload(mediaTplMsg, func(p *core.Payload) { p.Elements[0].MediaType = "audio" }),
			invalid(pl+".elements[0].media_type", `must be image or video, not "audio"`)},
		{"media template url and attachment_id", withPayload(mediaTplMsg, func(p *core.Payload) { p.Elements[0].AttachmentID = "185" }),
			invalid(pl+".elements[0]", "has both url and attachment_id; give exactly one")},
		{"media template neither url nor attachment_id", withPayload(mediaTplMsg, func(p *core.Payload) { p.Elements[0].URL = "" }),
			invalid(pl+".elements[0]", "needs url or attachment_id")},
		{"media template relative url", withPayload(mediaTplMsg, func(p *core.Payload) { p.Elements[0].URL = "a.jpg" }),
			invalid(pl+".elements[0].url", urlErr)},
		{"media template no button", withPayload(mediaTplMsg, func(p *core.Payload) { p.Elements[0].Buttons = nil }), nil},
		{"media template 2 buttons", withPayload(mediaTplMsg, func(p *core.Payload) {
			p.Elements[0].Buttons = append(p.Elements[0].Buttons, core.Button{Type: "account_unlink"})
		}), invalid(pl+".elements[0].buttons", "has 2 buttons; at most 1 are allowed")},
		{"media template bad button", withPayload(mediaTplMsg, func(p *core.Payload) { p.Elements[0].Buttons[0].URL = "" }),
			invalid(pl+".elements[0].buttons[0].url", "is required")},

		// Receipt template.
		{"receipt", receiptMsg, nil},
		{"receipt minimal", func() core.Message {
			return template(core.Payload{TemplateType: "receipt", RecipientName: "A", OrderNumber: "1", Currency: "USD",
				PaymentMethod: "Visa", Summary: &core.Summary{TotalCost: num("0")}})
		}, nil},
		{"receipt without recipient_name", withPayload(receiptMsg, func(p *core.Payload) { p.RecipientName = "" }),
			invalid(pl+".recipient_name", "is required for a receipt")},
		{"receipt without order_number", withPayload(receiptMsg, func(p *core.Payload) { p.OrderNumber = "" }),
			invalid(pl+".order_number", "is required for a receipt")},
		{"receipt without currency", withPayload(receiptMsg, func(p *core.Payload) { p.Currency = "" }),
			invalid(pl+".currency", "is required for a receipt")},
		{"receipt without payment_method", withPayload(receiptMsg, func(p *core.Payload) { p.PaymentMethod = "" }),
			invalid(pl+".payment_method", "is required for a receipt")},
		{"receipt recipient_name 101", withPayload(receiptMsg, func(p *core.Payload) { p.RecipientName = runes(cjk, 101) }),
			invalid(pl+".recipient_name", "is 101 characters; at most 100 are allowed")},
		{"receipt payment_method 100", withPayload(receiptMsg, func(p *core.Payload) { p.PaymentMethod = runes(cjk, 100) }), nil},
		{"receipt without summary", withPayload(receiptMsg, func(p *core.Payload) { p.Summary = nil }),
			invalid(pl+".summary.total_cost", "is required for a receipt")},
		{"receipt summary without total_cost", withPayload(receiptMsg, func(p *core.Payload) { p.Summary.TotalCost = nil }),
			invalid(pl+".summary.total_cost", "is required for a receipt")},
		{"receipt relative order_url", withPayload(receiptMsg, func(p *core.Payload) { p.OrderURL = "order/1" }),
			invalid(pl+".order_url", urlErr)},
		{"receipt element without title", withPayload(receiptMsg, func(p *core.Payload) { p.Elements[1].Title = "" }),
			invalid(el1+".title", "is required")},
		{"receipt element without price", withPayload(receiptMsg, func(p *core.Payload) { p.Elements[1].Price = nil }),
			invalid(el1+".price", "is required")},
		{"receipt element bad image_url", withPayload(receiptMsg, func(p *core.Payload) { p.Elements[1].ImageURL = "shirt.png" }),
			invalid(el1+".image_url", urlErr)},
		{"receipt 100 elements", withPayload(receiptMsg, func(p *core.Payload) {
			p.Elements = make([]core.Element, 100)
			for i := range p.Elements {
				p.Elements[i] = core.Element{Title: "x", Price: num("1")}
			}
		}), nil},
		{"receipt 101 elements", withPayload(receiptMsg, func(p *core.Payload) {
			p.Elements = make([]core.Element, 101)
		}), invalid(pl+".elements", "has 101 elements; a receipt takes at most 100")},
		{"receipt adjustment without amount", withPayload(receiptMsg, func(p *core.Payload) { p.Adjustments[0].Amount = nil }),
			invalid(pl+".adjustments[0]", "needs name and amount")},
		{"receipt adjustment without name", withPayload(receiptMsg, func(p *core.Payload) {
			p.Adjustments = append(p.Adjustments, core.Adjustment{Amount: num("1")})
		}), invalid(pl+".adjustments[1]", "needs name and amount")},

		// Notification-messages opt-in request.
		{"opt-in", optInMsg, nil},
		{"opt-in minimal", func() core.Message {
			return template(core.Payload{TemplateType: "notification_messages", Title: "Deals"})
		}, nil},
		{"opt-in without title", withPayload(optInMsg, func(p *core.Payload) { p.Title = "" }),
			invalid(pl+".title", "is required for a notification_messages opt-in")},
		{"opt-in title 65", withPayload(optInMsg, func(p *core.Payload) { p.Title = runes(cjk, 65) }), nil},
		{"opt-in title 66", withPayload(optInMsg, func(p *core.Payload) { p.Title = runes(cjk, 66) }),
			invalid(pl+".title", "is 66 characters; at most 65 are allowed")},
		{"opt-in payload 1001", withPayload(optInMsg, func(p *core.Payload) { p.Payload = runes(cjk, 1001) }),
			invalid(pl+".payload", "is 1001 characters; at most 1000 are allowed")},
		{"opt-in bad image_url", withPayload(optInMsg, func(p *core.Payload) { p.ImageURL = "deals.png" }),
			invalid(pl+".image_url", urlErr)},
		{"opt-in frequency DAILY", withPayload(optInMsg, func(p *core.Payload) { p.NotificationMessagesFrequency = "DAILY" }), nil},
		{"opt-in frequency MONTHLY", withPayload(optInMsg, func(p *core.Payload) { p.NotificationMessagesFrequency = "MONTHLY" }), nil},
		{"opt-in frequency HOURLY", withPayload(optInMsg, func(p *core.Payload) { p.NotificationMessagesFrequency = "HOURLY" }),
			invalid(pl+".notification_messages_frequency", `must be one of DAILY, WEEKLY, MONTHLY, not "HOURLY"`)},
		{"opt-in frequency lowercase", withPayload(optInMsg, func(p *core.Payload) { p.NotificationMessagesFrequency = "weekly" }),
			invalid(pl+".notification_messages_frequency", `must be one of DAILY, WEEKLY, MONTHLY, not "weekly"`)},
		{"opt-in reoptin DISABLED", withPayload(optInMsg, func(p *core.Payload) { p.NotificationMessagesReoptin = "DISABLED" }), nil},
		{"opt-in reoptin YES", withPayload(optInMsg, func(p *core.Payload) { p.NotificationMessagesReoptin = "YES" }),
			invalid(pl+".notification_messages_reoptin", `must be one of ENABLED, DISABLED, not "YES"`)},
		{"opt-in cta BUY", withPayload(optInMsg, func(p *core.Payload) { p.NotificationMessagesCTAText = "BUY" }),
			invalid(pl+".notification_messages_cta_text", `must be one of ALLOW, GET, GET_UPDATES, OPT_IN, SIGN_UP, not "BUY"`)},
		{"opt-in aspect HORIZONTAL", withPayload(optInMsg, func(p *core.Payload) { p.ImageAspectRatio = "HORIZONTAL" }), nil},
		{"opt-in aspect lowercase square", withPayload(optInMsg, func(p *core.Payload) { p.ImageAspectRatio = "square" }),
			invalid(pl+".image_aspect_ratio", `must be one of SQUARE, HORIZONTAL, not "square"`)},

		// Buttons (button 1 of a button template).
		{"button type missing", withButton(core.Button{Title: "X"}), badShape(bt1+".type", "is required")},
		{"button type element_share", withButton(core.Button{Type: "element_share", Title: "X"}),
			invalid(bt1+".type", `must be web_url, postback, phone_number, block, account_link or account_unlink, not "element_share"`)},
		{"button type weburl (not normalized)", withButton(core.Button{Type: "weburl", Title: "X", URL: "https://example.com"}),
			invalid(bt1+".type", `must be web_url, postback, phone_number, block, account_link or account_unlink, not "weburl"`)},
		{"web_url", withButton(core.Button{Type: "web_url", Title: "Site", URL: "https://example.com/a?b=c#d",
			WebviewHeightRatio: "compact", MessengerExtensions: boolp(true), FallbackURL: "https://example.com/f"}), nil},
		{"web_url upper-case scheme", withButton(core.Button{Type: "web_url", Title: "Site", URL: "HTTPS://EXAMPLE.COM"}), nil},
		{"web_url height full", withButton(core.Button{Type: "web_url", Title: "Site", URL: "https://example.com", WebviewHeightRatio: "full"}), nil},
		{"web_url height bad", withButton(core.Button{Type: "web_url", Title: "Site", URL: "https://example.com", WebviewHeightRatio: "FULL"}),
			invalid(bt1+".webview_height_ratio", `must be compact, tall or full, not "FULL"`)},
		{"web_url without url", withButton(core.Button{Type: "web_url", Title: "Site"}), invalid(bt1+".url", "is required")},
		{"web_url without title", withButton(core.Button{Type: "web_url", URL: "https://example.com"}), invalid(bt1+".title", "is required")},
		{"web_url title 20", withButton(core.Button{Type: "web_url", Title: runes(cjk, 20), URL: "https://example.com"}), nil},
		{"web_url title 21", withButton(core.Button{Type: "web_url", Title: runes(cjk, 21), URL: "https://example.com"}),
			invalid(bt1+".title", "is 21 characters; at most 20 are allowed")},
		{"web_url relative", withButton(core.Button{Type: "web_url", Title: "S", URL: "/path"}), invalid(bt1+".url", urlErr)},
		{"web_url scheme-relative", withButton(core.Button{Type: "web_url", Title: "S", URL: "//example.com/a"}), invalid(bt1+".url", urlErr)},
		{"web_url no scheme", withButton(core.Button{Type: "web_url", Title: "S", URL: "www.example.com"}), invalid(bt1+".url", urlErr)},
		{"web_url no host", withButton(core.Button{Type: "web_url", Title: "S", URL: "https://"}), invalid(bt1+".url", urlErr)},
		{"web_url opaque https", withButton(core.Button{Type: "web_url", Title: "S", URL: "https:example.com"}), invalid(bt1+".url", urlErr)},
		{"web_url javascript", withButton(core.Button{Type: "web_url", Title: "S", URL: "javascript:alert(1)"}), invalid(bt1+".url", urlErr)},
		{"web_url mailto", withButton(core.Button{Type: "web_url", Title: "S", URL: "mailto:a@example.com"}), invalid(bt1+".url", urlErr)},
		{"web_url ftp", withButton(core.Button{Type: "web_url", Title: "S", URL: "ftp://example.com"}), invalid(bt1+".url", urlErr)},
		{"web_url unparsable", withButton(core.Button{Type: "web_url", Title: "S", URL: "https://exa mple.com"}), invalid(bt1+".url", urlErr)},
		{"web_url 2000 bytes", withButton(core.Button{Type: "web_url", Title: "S",
			URL: "https://example.com/" + strings.Repeat("a", 2000-len("https://example.com/"))}), nil},
		{"web_url 2001 bytes", withButton(core.Button{Type: "web_url", Title: "S",
			URL: "https://example.com/" + strings.Repeat("a", 2001-len("https://example.com/"))}),
			invalid(bt1+".url", "is longer than 2000 characters")},
		{"web_url bad fallback", withButton(core.Button{Type: "web_url", Title: "S", URL: "https://example.com", FallbackURL: "x"}),
			invalid(bt1+".fallback_url", urlErr)},
		{"postback without payload", withButton(core.Button{Type: "postback", Title: "Go"}),
			invalid(bt1+".payload", "is required for a postback button")},
		{"postback without title", withButton(core.Button{Type: "postback", Payload: "GO"}), invalid(bt1+".title", "is required")},
		{"postback payload 1000", withButton(core.Button{Type: "postback", Title: "Go", Payload: runes(cjk, 1000)}), nil},
		{"postback payload 1001", withButton(core.Button{Type: "postback", Title: "Go", Payload: runes(cjk, 1001)}),
			invalid(bt1+".payload", "is 1001 characters; at most 1000 are allowed")},
		{"phone_number", withButton(core.Button{Type: "phone_number", Title: "Call", Payload: "+8618900001111"}), nil},
		{"phone_number 8 chars", withButton(core.Button{Type: "phone_number", Title: "Call", Payload: "+1234567"}), nil},
		{"phone_number 15 digits", withButton(core.Button{Type: "phone_number", Title: "Call", Payload: "+" + strings.Repeat("1", 15)}), nil},
		{"phone_number with letters", withButton(core.Button{Type: "phone_number", Title: "Call", Payload: "+call me now"}),
			invalid(bt1+".payload", "must be a phone number in international format, like +15551234567")},
		{"phone_number without plus", withButton(core.Button{Type: "phone_number", Title: "Call", Payload: "8618900001111"}),
			invalid(bt1+".payload", "must be a phone number in international format, like +15551234567")},
		{"phone_number empty", withButton(core.Button{Type: "phone_number", Title: "Call"}),
			invalid(bt1+".payload", "must be a phone number in international format, like +15551234567")},
		{"phone_number 7 chars", withButton(core.Button{Type: "phone_number", Title: "Call", Payload: "+123456"}),
			invalid(bt1+".payload", "must be a phone number in international format, like +15551234567")},
		{"phone_number 16 digits", withButton(core.Button{Type: "phone_number", Title: "Call", Payload: "+" + strings.Repeat("1", 16)}),
			invalid(bt1+".payload", "must be a phone number in international format, like +15551234567")},
		{"phone_number without title", withButton(core.Button{Type: "phone_number", Payload: "+8618900001111"}),
			invalid(bt1+".title", "is required")},
		{"block", withButton(core.Button{Type: "block", Title: "Menu", BlockName: "Main menu"}), nil},
		{"block without block_name", withButton(core.Button{Type: "block", Title: "Menu"}),
			invalid(bt1+".block_name", "is required for a block button")},
		{"block name with leading space", withButton(core.Button{Type: "block", Title: "Menu", BlockName: " Main"}),
			invalid(bt1+".block_name", `block name " Main" must be non-empty without leading or trailing spaces`)},
		{"block name with slash", withButton(core.Button{Type: "block", Title: "Menu", BlockName: "a/b"}),
			invalid(bt1+".block_name", `block name "a/b" may not contain slashes or control characters`)},
		{"block without title", withButton(core.Button{Type: "block", BlockName: "Main"}), invalid(bt1+".title", "is required")},
		{"account_link without title", withButton(core.Button{Type: "account_link", URL: "https://example.com/login"}), nil},
		{"account_link without url", withButton(core.Button{Type: "account_link"}), invalid(bt1+".url", "is required")},
		{"account_link relative url", withButton(core.Button{Type: "account_link", URL: "/login"}), invalid(bt1+".url", urlErr)},
		{"account_unlink", withButton(core.Button{Type: "account_unlink"}), nil},
		{"account_unlink title 21", withButton(core.Button{Type: "account_unlink", Title: runes('a', 21)}),
			invalid(bt1+".title", "is 21 characters; at most 20 are allowed")},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		if seen[tt.name] {
			t.Fatalf("duplicate test name %q", tt.name)
		}
		seen[tt.name] = true
		t.Run(tt.name, func(t *testing.T) {
			m := tt.msg()
			checkErr(t, core.ValidateMessage(&m, "message"), tt.want)
		})
	}
}

// The path argument is the root of every reported field.
func TestValidateMessagePathRoot(t *testing.T) {
	m := withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].Buttons[0].Title = "" })()
	checkErr(t, core.ValidateMessage(&m, "cards[3]"),
		invalid("cards[3].attachment.payload.elements[1].buttons[0].title", "is required"))
	empty := core.Message{}
	checkErr(t, core.ValidateMessage(&empty, `block "Welcome" card[0]`),
		badShape(`block "Welcome" card[0]`, "needs text or attachment"))
}

// ValidateMessage reports, it does not repair: it leaves m as it was.
func TestValidateMessageDoesNotModify(t *testing.T) {
	for _, build := range []func() core.Message{textMsg, genericMsg, buttonMsg, mediaTplMsg, receiptMsg, optInMsg} {
		m := build()
		before := mustJSON(t, m)
		_ = core.ValidateMessage(&m, "message")
		if after := mustJSON(t, m); after != before {
			t.Errorf("ValidateMessage changed the message:\n before %s\n after  %s", before, after)
		}
	}
}

func TestNormalize(t *testing.T) {
	m := genericMsg()
	m.Attachment.Payload.Elements[0].DefaultAction.Type = "weburl"
	m.Attachment.Payload.Elements[1].Buttons[0].Type = "weburl"
	m.Attachment.Payload.Buttons = []core.Button{{Type: "weburl"}, {Type: "postback"}}
	core.Normalize(&m)
	p := m.Attachment.Payload
	got := []string{p.Elements[0].DefaultAction.Type, p.Elements[1].DefaultAction.Type, p.Elements[1].Buttons[0].Type,
		p.Elements[1].Buttons[1].Type, p.Buttons[0].Type, p.Buttons[1].Type}
	want := []string{"web_url", "web_url", "web_url", "postback", "web_url", "postback"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("types after Normalize = %v, want %v", got, want)
	}
	if err := core.ValidateMessage(&m, "message"); err != nil {
		// Buttons[0] of a generic payload is ignored by generic validation.
		t.Fatalf("normalized message invalid: %v", err)
	}

	text := textMsg()
	core.Normalize(&text) // no attachment: nothing to do, no panic
	if text.Text != "Hello" || text.Attachment != nil {
		t.Fatalf("Normalize changed a text message: %+v", text)
	}
}

func TestBlockFromPayload(t *testing.T) {
	tests := []struct {
		payload string
		name    string
		ok      bool
	}{
		{core.BlockPayloadPrefix + "Main menu", "Main menu", true},
		{core.BlockPayloadPrefix + core.BlockPayloadPrefix, core.BlockPayloadPrefix, true},
		{core.BlockPayloadPrefix, "", false},
		{"BOTGATE_BLOCK", "", false},
		{"botgate_block:Main", "", false},
		{"START", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		name, ok := core.BlockFromPayload(tt.payload)
		if name != tt.name || ok != tt.ok {
			t.Errorf("BlockFromPayload(%q) = %q, %v; want %q, %v", tt.payload, name, ok, tt.name, tt.ok)
		}
	}
}
