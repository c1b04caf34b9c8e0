package core

import "unicode/utf8"

// WAFromCard is a block's card as a WhatsApp message, for a block a
// WhatsApp user's reply names: a text, or a text with up to three buttons
// (a button template's postback and block buttons, or a text's quick
// replies) as interactive reply buttons whose ids are the payloads, so a
// block button chains to its block as on Messenger. Other cards (media,
// generic and receipt templates) have no WhatsApp form here: ok is false.
func WAFromCard(card Message) (m *WAMessage, ok bool) {
	text := card.Text
	var buttons []WAReplyButton
	add := func(title, payload string) {
		if payload == "" || len(buttons) == MaxWAReplyButtons {
			return
		}
		if utf8.RuneCountInString(title) > MaxWAButtonTitle {
			title = string([]rune(title)[:MaxWAButtonTitle])
		}
		buttons = append(buttons, WAReplyButton{Type: "reply", Reply: WARow{ID: payload, Title: title}})
	}
	if a := card.Attachment; a != nil {
		if a.Type != "template" || a.Payload.TemplateType != "button" {
			return nil, false
		}
		text = a.Payload.Text
		for _, b := range a.Payload.Buttons {
			switch b.Type {
			case "postback":
				add(b.Title, b.Payload)
			case "block":
				add(b.Title, BlockPayloadPrefix+b.BlockName)
			}
		}
	}
	for _, q := range card.QuickReplies {
		if q.ContentType == "text" {
			add(q.Title, q.Payload)
		}
	}
	if text == "" {
		return nil, false
	}
	if len(buttons) == 0 {
		return &WAMessage{Type: "text", Body: text, Source: "botchat"}, true
	}
	return &WAMessage{Type: "interactive", Source: "botchat", Interactive: &WAInteractive{Type: "button",
		Body: &WAText{Text: text}, Action: WAAction{Buttons: buttons}}}, true
}
