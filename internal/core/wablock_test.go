package core_test

import (
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/core"
)

// TestWAFromCardRefuses: a card with no WhatsApp form is refused with its
// path, so a block reply names what to change.
func TestWAFromCardRefuses(t *testing.T) {
	for _, c := range []struct {
		card core.Message
		want string
	}{
		{core.Message{Attachment: &core.Attachment{Type: "video", Payload: core.Payload{URL: "https://x.example/a.mp4"}}}, "cards[1].attachment.type: a video attachment has no WhatsApp form"},
		{core.Message{Attachment: &core.Attachment{Type: "image", Payload: core.Payload{AttachmentID: "123"}}}, "cards[1].attachment.payload: media by attachment id"},
		{core.Message{Attachment: &core.Attachment{Type: "image", Payload: core.Payload{URL: "https://x.example/a.gif"}}}, "cards[1].attachment.payload.url: WhatsApp takes a image"},
		{core.Message{Attachment: &core.Attachment{Type: "template", Payload: core.Payload{TemplateType: "receipt"}}}, "cards[1].attachment.payload.template_type: a receipt template"},
		{core.Message{Text: "Your email?", QuickReplies: []core.QuickReply{{ContentType: "user_email"}}}, "cards[1].quick_replies[0].content_type: a user_email quick reply"},
		{core.Message{Attachment: &core.Attachment{Type: "template", Payload: core.Payload{TemplateType: "button", Text: "x",
			Buttons: []core.Button{{Type: "web_url", Title: "a", URL: "https://x.example"}, {Type: "postback", Title: "b", Payload: "B"}}}}},
			"cards[1].attachment.payload.buttons[0]: a web_url button beside other buttons"},
		{core.Message{Attachment: &core.Attachment{Type: "template", Payload: core.Payload{TemplateType: "button", Text: "x",
			Buttons: []core.Button{{Type: "phone_number", Title: "Call", Payload: "+441"}}}}}, "cards[1].attachment.payload.buttons[0].type: a phone_number button"},
	} {
		_, err := core.WAFromCard(c.card, "cards[1]")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.card, err, c.want)
		}
	}
}
