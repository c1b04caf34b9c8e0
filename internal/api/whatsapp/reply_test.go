package whatsapp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestRepliesTriggerBlocks: a reply button, a template's quick-reply button
// and a list row are recorded on the message they answer and forwarded; an
// id naming a block (BOTGATE_BLOCK:name) sends that block, its text card as
// a text and its block buttons as reply buttons that chain to their blocks.
func TestRepliesTriggerBlocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		hooks := harness.NewInbox(t)
		env := start(t, db, harness.Options{Bot: map[string]any{"webhook_url": hooks.URL}}, nil)
		hooks.Secret = env.Secret
		env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/blocks/track_order", map[string]any{"cards": []any{
			map[string]any{"text": "Your parcel is in Leeds"},
			map[string]any{"attachment": map[string]any{"type": "template", "payload": map[string]any{"template_type": "button",
				"text": "Anything else?", "buttons": []any{map[string]any{"type": "block", "title": "Talk to us", "block_name": "human"}}}}},
		}}, http.StatusCreated, nil)
		ask := `{"type":"button","body":{"text":"Track your order?"},"action":{"buttons":[{"type":"reply","reply":{"id":"BOTGATE_BLOCK:track_order","title":"Track"}},{"type":"reply","reply":{"id":"no","title":"No"}}]}}`
		if status, out := env.WhatsApp(interactiveBody("ask", ask)); status != 200 {
			t.Fatalf("ask: %d %s", status, out)
		}
		asked := env.Fake.WhatsAppSends()[0].WAMID
		if hook, err := env.Fake.WAUserTapsButton(harness.WANumberID, to, "Ada", asked, "BOTGATE_BLOCK:track_order", "Track"); err != nil || hook.Status != 200 {
			t.Fatalf("tap: %+v %v", hook, err)
		}
		if err := env.Fake.WaitWhatsAppSends(t.Context(), 3); err != nil {
			t.Fatal(err)
		}
		sends := env.Fake.WhatsAppSends()
		wantText := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"447700900123","type":"text","text":{"body":"Your parcel is in Leeds"}}`
		wantButtons := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"447700900123","type":"interactive","interactive":` +
			`{"type":"button","body":{"text":"Anything else?"},"action":{"buttons":[{"type":"reply","reply":{"id":"BOTGATE_BLOCK:human","title":"Talk to us"}}]}}}`
		got := []string{string(sends[1].Body), string(sends[2].Body)}
		if !(got[0] == wantText && got[1] == wantButtons) && !(got[1] == wantText && got[0] == wantButtons) {
			t.Fatalf("the block's reply:\n%s\n%s\nwant\n%s\n%s", got[0], got[1], wantText, wantButtons)
		}
		harness.WaitFor(t, "the reply on the message answered", 5*time.Second, func() bool {
			return strings.Contains(fmt.Sprint(message(t, env, "ask").History), `the user answered with button_reply "Track" (id "BOTGATE_BLOCK:track_order")`)
		})
		// A template's quick-reply button naming the block: the block again.
		if _, err := env.Fake.WAUserTapsTemplateButton(harness.WANumberID, to, "Ada", asked, "BOTGATE_BLOCK:track_order", "Track it"); err != nil {
			t.Fatal(err)
		}
		if err := env.Fake.WaitWhatsAppSends(t.Context(), 5); err != nil {
			t.Fatal(err)
		}
		// A row that names no block: recorded and forwarded only.
		if _, err := env.Fake.WAUserPicksRow(harness.WANumberID, to, "Ada", asked, "size_m", "Medium", "fits most"); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "the row on the message answered", 5*time.Second, func() bool {
			return strings.Contains(fmt.Sprint(message(t, env, "ask").History), `list_reply "Medium" (id "size_m")`)
		})
		forwarded := hooks.Wait(t, 3, 10*time.Second)
		var all string
		for _, f := range forwarded {
			all += string(f.Body)
		}
		for _, want := range []string{`"button_reply"`, `"list_reply"`, `"button":{"payload":"BOTGATE_BLOCK:track_order"`} {
			if !strings.Contains(all, want) {
				t.Errorf("forwarded events lack %s: %s", want, all)
			}
		}
		time.Sleep(200 * time.Millisecond)
		if n := len(env.Fake.WhatsAppSends()); n != 5 {
			t.Fatalf("%d sends; the row names no block", n)
		}
	})
}
