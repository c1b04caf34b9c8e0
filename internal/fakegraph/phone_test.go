package fakegraph

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A conversation holds, in order, what the page sent (accepted sends with a
// message, as received) and what the user did; a refused send and a sender
// action are not on the phone.
func TestConversationMessenger(t *testing.T) {
	s, rc := hookFake(t, Options{})
	s.AddPage(testPage, testToken)
	base := newLoopback(t, s)
	s.AddUser(testPage, "7", Profile{FirstName: "Ann", LastName: "Lee"})

	if _, err := s.UserSendsText(testPage, "7", "Hi!"); err != nil {
		t.Fatal(err)
	}
	rc.next(t)
	card := `{"recipient":{"id":"7"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"template","payload":` +
		`{"template_type":"button","text":"Pick","buttons":[{"type":"postback","title":"Go","payload":"GO"}]}}}}`
	wantSent(t, s, postJSON(t, base+sendPath, card), "7")
	postJSON(t, base+sendPath, `{"recipient":{"id":"7"},"sender_action":"typing_on"}`)
	postJSON(t, base+sendPath, `{"recipient":{"id":"7"},"message":{}}`) // refused: no text or attachment
	if _, err := s.UserTapsPostback(testPage, "7", "Go", "GO"); err != nil {
		t.Fatal(err)
	}
	rc.next(t)
	if _, err := s.UserTapsQuickReply(testPage, "7", "Yes", "Y"); err != nil {
		t.Fatal(err)
	}
	rc.next(t)
	// A form body is kept as the JSON Graph read from it.
	wantSent(t, s, do(t, "POST", base+sendPath, "application/x-www-form-urlencoded",
		`recipient=%7B%22id%22%3A%227%22%7D&messaging_type=RESPONSE&message=%7B%22text%22%3A%22ok%22%7D`), "7")

	chat, turns := s.Conversation(ChannelMessenger, testPage, "7")
	if chat.Name != "Ann Lee" || chat.Turns != 5 {
		t.Errorf("chat %+v", chat)
	}
	sends := s.SentTo("7")
	type want struct {
		fromUser            bool
		kind, text, payload string
		body, mid           string
	}
	wants := []want{
		{fromUser: true, kind: "text", text: "Hi!"},
		{body: card, mid: sends[0].MessageID},
		{fromUser: true, kind: "postback", text: "Go", payload: "GO"},
		{fromUser: true, kind: "quick_reply", text: "Yes", payload: "Y"},
		{body: `{"message":{"text":"ok"},"messaging_type":"RESPONSE","recipient":{"id":"7"}}`, mid: sends[2].MessageID},
	}
	if len(turns) != len(wants) {
		t.Fatalf("%d turns, want %d: %+v", len(turns), len(wants), turns)
	}
	for i, w := range wants {
		got := turns[i]
		if got.FromUser != w.fromUser || got.Kind != w.kind || got.Text != w.text || got.Payload != w.payload ||
			string(got.Body) != w.body || (w.mid != "" && got.MessageID != w.mid) || got.MessageID == "" {
			t.Errorf("turn %d = %+v\nwant %+v", i, got, w)
		}
		if i > 0 && got.Seq <= turns[i-1].Seq {
			t.Errorf("turn %d out of order", i)
		}
	}

	chats := s.Chats()
	if len(chats) != 1 || chats[0].User != "7" || chats[0].Channel != ChannelMessenger || chats[0].Turns != 5 {
		t.Errorf("chats %+v", chats)
	}
	s.Reset()
	if _, turns := s.Conversation(ChannelMessenger, testPage, "7"); len(turns) != 0 {
		t.Errorf("after Reset: %+v", turns)
	}
	// A user added with AddUser is listed before writing anything.
	if chats := s.Chats(); len(chats) != 1 || chats[0].Name != "Ann Lee" || chats[0].Turns != 0 {
		t.Errorf("chats after Reset %+v", chats)
	}
}

// The WhatsApp user's replies to interactive and template messages arrive
// as Meta's samples show them, naming the message answered.
func TestWhatsAppReplies(t *testing.T) {
	contact := `"contacts":[{"profile":{"name":"Ann Lee"},"wa_id":"16505551234"}],`
	ctx := `"context":{"from":"` + waDisplay + `","id":"wamid.CTX"},`
	cases := []struct {
		name string
		act  func(s *Server) (Webhook, error)
		want string
		turn Turn
	}{
		{"button_reply", func(s *Server) (Webhook, error) {
			return s.WAUserTapsButton(waPhoneID, "+16505551234", "Ann Lee", "wamid.CTX", "yes-1", "Yes <b>")
		}, waEnvelope(contact + `"messages":[{` + ctx + `"from":"16505551234","id":"WAMID","timestamp":"1714120447",` +
			`"interactive":{"type":"button_reply","button_reply":{"id":"yes-1","title":"Yes <b>"}},"type":"interactive"}]`),
			Turn{Kind: "button_reply", Text: "Yes <b>", Payload: "yes-1"}},
		{"list_reply", func(s *Server) (Webhook, error) {
			return s.WAUserPicksRow(waPhoneID, "16505551234", "Ann Lee", "wamid.CTX", "slot-am", "Morning", "8 to 12")
		}, waEnvelope(contact + `"messages":[{` + ctx + `"from":"16505551234","id":"WAMID","timestamp":"1714120447",` +
			`"interactive":{"type":"list_reply","list_reply":{"id":"slot-am","title":"Morning","description":"8 to 12"}},"type":"interactive"}]`),
			Turn{Kind: "list_reply", Text: "Morning", Payload: "slot-am"}},
		{"button", func(s *Server) (Webhook, error) {
			return s.WAUserTapsTemplateButton(waPhoneID, "16505551234", "Ann Lee", "wamid.CTX", "STOP", "Stop promotions")
		}, waEnvelope(contact + `"messages":[{` + ctx + `"from":"16505551234","id":"WAMID","timestamp":"1714120447",` +
			`"button":{"payload":"STOP","text":"Stop promotions"},"type":"button"}]`),
			Turn{Kind: "button", Text: "Stop promotions", Payload: "STOP"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, rc := waHookFake(t, Options{})
			hook, err := tc.act(s)
			wantDelivered(t, rc, hook, err, strings.Replace(tc.want, `"id":"WAMID"`, `"id":"`+hook.MID+`"`, 1))
			chat, turns := s.Conversation(ChannelWhatsApp, waPhoneID, "16505551234")
			tc.turn.Seq, tc.turn.Time, tc.turn.FromUser, tc.turn.MessageID, tc.turn.Context = 1, time.UnixMilli(1714120447751), true, hook.MID, "wamid.CTX"
			if chat.Name != "Ann Lee" || len(turns) != 1 || !equalTurn(turns[0], tc.turn) {
				t.Errorf("chat %+v turns %+v, want %+v", chat, turns, tc.turn)
			}
		})
	}
	s, _ := waHookFake(t, Options{})
	if _, err := s.WAUserTapsButton(waPhoneID, "16505551234", "A", "", "x", "X"); err == nil {
		t.Error("a reply without context was delivered")
	}
}

func equalTurn(a, b Turn) bool {
	return a.Seq == b.Seq && a.Time.Equal(b.Time) && a.FromUser == b.FromUser && a.MessageID == b.MessageID &&
		string(a.Body) == string(b.Body) && a.Kind == b.Kind && a.Text == b.Text && a.Payload == b.Payload && a.Context == b.Context
}

// The WhatsApp sends to a user and their texts make one conversation, also
// through the control API.
func TestConversationWhatsAppControl(t *testing.T) {
	s, rc := waHookFake(t, Options{})
	base := newLoopback(t, s)
	if _, err := s.WAUserSendsText(waPhoneID, "+16505551234", "Ann", "Hi"); err != nil {
		t.Fatal(err)
	}
	rc.next(t)
	wantWASent(t, s, waPost(t, base+waSend, waToken, waText))
	res := do(t, "GET", base+"/_fake/chats/whatsapp/"+waPhoneID+"/16505551234", "", "")
	var turns []struct {
		FromUser bool            `json:"from_user"`
		Text     string          `json:"text"`
		Body     json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal([]byte(res.body), &turns); err != nil || len(turns) != 2 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if turns[0].Text != "Hi" || !turns[0].FromUser || turns[1].FromUser || string(turns[1].Body) != waText {
		t.Errorf("turns %s", res.body)
	}
	res = do(t, "GET", base+"/_fake/chats", "", "")
	if !strings.Contains(res.body, `"channel":"whatsapp","business":"`+waPhoneID+`","user":"16505551234","name":"Ann"`) {
		t.Errorf("chats %s", res.body)
	}
	res = postJSON(t, base+"/_fake/users/act", `{"action":"wa_list_reply","phone_number_id":"`+waPhoneID+
		`","from":"16505551234","name":"Ann","context":"wamid.X","id":"r1","title":"Row 1","description":"d"}`)
	if res.status != 200 || !strings.Contains(res.body, `"list_reply":{"id":"r1","title":"Row 1","description":"d"}`) {
		t.Errorf("act: %d %s", res.status, res.body)
	}
	rc.next(t)
}
