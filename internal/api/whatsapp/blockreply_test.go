package whatsapp_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestBlockReplyMapsEveryCard: a reply naming a block sends every card
// type the block format has, mapped to WhatsApp — a text with quick
// replies as reply buttons, an image, a lone web_url button as a CTA URL,
// a generic element as reply buttons under its image, many quick replies
// as a list, a file as a document — with placeholders filled from the
// contact's parameters, exactly as the Cloud API takes them.
func TestBlockReplyMapsEveryCard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := start(t, db, harness.Options{}, nil)
		qr := func(title, payload string) map[string]any {
			return map[string]any{"content_type": "text", "title": title, "payload": payload}
		}
		env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/blocks/parcel", map[string]any{"cards": []any{
			map[string]any{"text": "Order {{order_id}} is in {{city}}", "quick_replies": []any{qr("Thanks", "THANKS"), qr("Help", "BOTGATE_BLOCK:human")}},
			map[string]any{"attachment": map[string]any{"type": "image", "payload": map[string]any{"url": "https://cdn.example/parcel.jpg"}}},
			map[string]any{"attachment": map[string]any{"type": "template", "payload": map[string]any{"template_type": "button",
				"text": "Track {{order_id}}", "buttons": []any{map[string]any{"type": "web_url", "title": "Track", "url": "https://shop.example/t"}}}}},
			map[string]any{"attachment": map[string]any{"type": "template", "payload": map[string]any{"template_type": "generic",
				"elements": []any{map[string]any{"title": "Parcel {{order_id}}", "subtitle": "Due Monday", "image_url": "https://cdn.example/box.png",
					"buttons": []any{map[string]any{"type": "postback", "title": "Thanks", "payload": "THANKS"},
						map[string]any{"type": "block", "title": "Talk to us", "block_name": "human"}}}}}}},
			map[string]any{"text": "Pick a slot", "quick_replies": []any{qr("8-10", "S1"), qr("10-12", "S2"), qr("12-14", "S3"), qr("14-16", "S4")}},
			map[string]any{"attachment": map[string]any{"type": "file", "payload": map[string]any{"url": "https://cdn.example/invoice.pdf"}}},
		}}, http.StatusCreated, nil)
		ask := `{"type":"button","body":{"text":"Where is it?"},"action":{"buttons":[{"type":"reply","reply":{"id":"BOTGATE_BLOCK:parcel","title":"Track"}}]}}`
		if status, out := env.WhatsApp(interactiveBody("ask", ask)); status != 200 {
			t.Fatalf("ask: %d %s", status, out)
		}
		env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/contacts/wa:"+to+"/params", map[string]any{"params": map[string]string{"order_id": "A-7", "city": "Leeds"}}, http.StatusOK, nil)
		asked := env.Fake.WhatsAppSends()[0].WAMID
		if hook, err := env.Fake.WAUserTapsButton(harness.WANumberID, to, "Ada", asked, "BOTGATE_BLOCK:parcel", "Track"); err != nil || hook.Status != 200 {
			t.Fatalf("tap: %+v %v", hook, err)
		}
		if err := env.Fake.WaitWhatsAppSends(t.Context(), 7); err != nil {
			t.Fatal(err)
		}
		const p = `{"messaging_product":"whatsapp","recipient_type":"individual","to":"447700900123",`
		want := []string{
			p + `"type":"interactive","interactive":{"type":"button","body":{"text":"Order A-7 is in Leeds"},"action":{"buttons":[` +
				`{"type":"reply","reply":{"id":"THANKS","title":"Thanks"}},{"type":"reply","reply":{"id":"BOTGATE_BLOCK:human","title":"Help"}}]}}}`,
			p + `"type":"image","image":{"link":"https://cdn.example/parcel.jpg"}}`,
			p + `"type":"interactive","interactive":{"type":"cta_url","body":{"text":"Track A-7"},"action":{"name":"cta_url","parameters":{"display_text":"Track","url":"https://shop.example/t"}}}}`,
			p + `"type":"interactive","interactive":{"type":"button","header":{"type":"image","image":{"link":"https://cdn.example/box.png"}},` +
				`"body":{"text":"Parcel A-7\nDue Monday"},"action":{"buttons":[{"type":"reply","reply":{"id":"THANKS","title":"Thanks"}},` +
				`{"type":"reply","reply":{"id":"BOTGATE_BLOCK:human","title":"Talk to us"}}]}}}`,
			p + `"type":"interactive","interactive":{"type":"list","body":{"text":"Pick a slot"},"action":{"button":"Choose","sections":[{"rows":[` +
				`{"id":"S1","title":"8-10"},{"id":"S2","title":"10-12"},{"id":"S3","title":"12-14"},{"id":"S4","title":"14-16"}]}]}}}`,
			p + `"type":"document","document":{"link":"https://cdn.example/invoice.pdf","filename":"invoice.pdf"}}`,
		}
		var got []string
		for _, s := range env.Fake.WhatsAppSends()[1:] {
			got = append(got, string(s.Body))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("the block's reply:\n%s\nwant\n%s", got, want)
		}
	})
}
