package fakegraph

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// msg builds a send to PSID 1 around a message object.
func msg(message string) string {
	return `{"recipient":{"id":"1"},"messaging_type":"RESPONSE","message":` + message + `}`
}

// tpl builds a send of a template payload.
func tpl(payload string) string {
	return msg(`{"attachment":{"type":"template","payload":` + payload + `}}`)
}

func repeat(item string, n int) string {
	return strings.TrimSuffix(strings.Repeat(item+",", n), ",")
}

const (
	qr       = `{"content_type":"text","title":"Yes","payload":"Y"}`
	postback = `{"type":"postback","title":"Go","payload":"GO"}`
	element  = `{"title":"Shoe","subtitle":"Red","image_url":"https://x/shoe.png","buttons":[` + postback + `]}`
	receipt  = `"template_type":"receipt","recipient_name":"Ann","order_number":"42","currency":"USD","payment_method":"Visa"`
	notify   = `"template_type":"notification_messages","payload":"P"`
)

func TestSendValidation(t *testing.T) {
	const pp = "message[attachment][payload]"
	cases := []struct {
		name    string
		body    string
		subcode int
		message string
	}{
		{"empty body", ``, 0, "The parameter recipient is required"},
		{"recipient not an object", `{"recipient":"1","messaging_type":"RESPONSE","message":{"text":"hi"}}`, 0,
			"Param recipient must be a JSON object"},
		{"recipient without id", `{"recipient":{},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 0,
			"Param recipient must contain one of {id, user_ref, phone_number, notification_messages_token, comment_id, post_id}"},
		{"two recipients", `{"recipient":{"id":"1","phone_number":"+1555"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 0,
			"Param recipient must contain only one of {id, user_ref, phone_number, notification_messages_token, comment_id, post_id} - got id and phone_number"},
		{"recipient id not an id", `{"recipient":{"id":true},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 0,
			`Param recipient[id] must be a valid ID string (e.g., "123")`},
		{"name without phone", `{"recipient":{"id":"1","name":{"first_name":"A"}},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, 0,
			"Param recipient[name] is only allowed with recipient[phone_number]"},
		{"message and sender_action", `{"recipient":{"id":"1"},"messaging_type":"RESPONSE","message":{"text":"hi"},"sender_action":"typing_on"}`, 0,
			"Params message and sender_action cannot be sent together"},
		{"neither message nor sender_action", `{"recipient":{"id":"1"},"messaging_type":"RESPONSE"}`, 0,
			"One of the parameters message or sender_action is required"},
		{"bad sender_action", `{"recipient":{"id":"1"},"sender_action":"typing"}`, 0,
			`Param sender_action must be one of {typing_on, typing_off, mark_seen} - got "typing"`},
		{"sender_action by phone", `{"recipient":{"phone_number":"+1555"},"sender_action":"typing_on"}`, 0,
			"Param recipient[id] is required with sender_action"},
		{"no messaging_type", `{"recipient":{"id":"1"},"message":{"text":"hi"}}`, 0,
			"The parameter messaging_type is required"},
		{"bad messaging_type", `{"recipient":{"id":"1"},"messaging_type":"PROMO","message":{"text":"hi"}}`, 0,
			`Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG} - got "PROMO"`},
		{"MESSAGE_TAG without tag", `{"recipient":{"id":"1"},"messaging_type":"MESSAGE_TAG","message":{"text":"hi"}}`, 0,
			"Param tag is required when messaging_type is MESSAGE_TAG"},
		{"retired tag", `{"recipient":{"id":"1"},"messaging_type":"MESSAGE_TAG","tag":"SHIPPING_UPDATE","message":{"text":"hi"}}`, 0,
			"Param tag: the tag SHIPPING_UPDATE was retired on 2020-03-04; use one of {ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE, HUMAN_AGENT}"},
		{"retired tag with RESPONSE", `{"recipient":{"id":"1"},"messaging_type":"RESPONSE","tag":"PAYMENT_UPDATE","message":{"text":"hi"}}`, 0,
			"Param tag: the tag PAYMENT_UPDATE was retired on 2020-03-04; use one of {ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE, HUMAN_AGENT}"},
		{"unknown tag", `{"recipient":{"id":"1"},"messaging_type":"MESSAGE_TAG","tag":"PROMO","message":{"text":"hi"}}`, 0,
			`Param tag must be one of {ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE, HUMAN_AGENT} - got "PROMO"`},
		{"bad notification_type", `{"recipient":{"id":"1"},"messaging_type":"RESPONSE","notification_type":"LOUD","message":{"text":"hi"}}`, 0,
			`Param notification_type must be one of {REGULAR, SILENT_PUSH, NO_PUSH} - got "LOUD"`},
		{"message not an object", msg(`"hi"`), 0, "Param message must be a JSON object"},
		{"empty message", msg(`{}`), 0, "Message cannot be empty, must provide valid attachment or text"},
		{"empty text", msg(`{"text":""}`), 0, "Message cannot be empty, must provide valid attachment or text"},
		{"text not a string", msg(`{"text":5}`), 0, "Param message[text] must be a string"},
		{"text and attachment", msg(`{"text":"hi","attachment":{"type":"image","payload":{"url":"https://x/a.png"}}}`), 0,
			"Param message must contain text or attachment, not both"},
		{"text too long", msg(`{"text":"` + strings.Repeat("é", 2001) + `"}`), 0,
			"Length of param message[text] must be less than or equal to 2000"},
		{"metadata too long", msg(`{"text":"hi","metadata":"` + strings.Repeat("m", 1001) + `"}`), 0,
			"Length of param message[metadata] must be less than or equal to 1000"},
		{"14 quick replies", msg(`{"text":"hi","quick_replies":[` + repeat(qr, 14) + `]}`), 0,
			"Param message[quick_replies] must have at most 13 items"},
		{"quick replies not an array", msg(`{"text":"hi","quick_replies":{}}`), 0,
			"Param message[quick_replies] must be an array"},
		{"quick reply not an object", msg(`{"text":"hi","quick_replies":["yes"]}`), 0,
			"Param message[quick_replies][0] must be a JSON object"},
		{"quick reply title too long", msg(`{"text":"hi","quick_replies":[` + qr + `,{"content_type":"text","title":"` + strings.Repeat("t", 21) + `","payload":"P"}]}`), 0,
			"Length of param message[quick_replies][1][title] must be less than or equal to 20"},
		{"quick reply payload too long", msg(`{"text":"hi","quick_replies":[{"content_type":"text","title":"T","payload":"` + strings.Repeat("p", 1001) + `"}]}`), 0,
			"Length of param message[quick_replies][0][payload] must be less than or equal to 1000"},
		{"quick reply without title", msg(`{"text":"hi","quick_replies":[{"content_type":"text","payload":"P"}]}`), 0,
			"The parameter message[quick_replies][0][title] is required"},
		{"quick reply without payload", msg(`{"text":"hi","quick_replies":[{"content_type":"text","title":"T"}]}`), 0,
			"The parameter message[quick_replies][0][payload] is required"},
		{"quick reply bad content_type", msg(`{"text":"hi","quick_replies":[{"content_type":"location"}]}`), 0,
			`Param message[quick_replies][0][content_type] must be one of {text, user_phone_number, user_email} - got "location"`},
		{"bad attachment type", msg(`{"attachment":{"type":"sticker","payload":{"url":"https://x/a.png"}}}`), 0,
			`Param message[attachment][type] must be one of {image, audio, video, file, template} - got "sticker"`},
		{"attachment without payload", msg(`{"attachment":{"type":"image"}}`), 0,
			"The parameter message[attachment][payload] is required"},
		{"media without url or id", msg(`{"attachment":{"type":"image","payload":{"is_reusable":true}}}`), 0,
			"Param message[attachment][payload] must contain url or attachment_id"},
		{"media with url and id", msg(`{"attachment":{"type":"file","payload":{"url":"https://x/a.pdf","attachment_id":"1"}}}`), 0,
			"Param message[attachment][payload] must contain url or attachment_id, not both"},
		{"unknown attachment id", msg(`{"attachment":{"type":"image","payload":{"attachment_id":"999"}}}`), 0,
			"Param attachment_id: 999 is not a valid attachment id for this page"},
		{"asset too large", msg(`{"attachment":{"type":"video","payload":{"url":"https://x/too-large.mp4"}}}`), 2018109,
			"Attachment size exceeds allowable limit"},
		{"bad template type", tpl(`{"template_type":"list"}`), 0,
			`Param ` + pp + `[template_type] must be one of {generic, button, media, receipt, notification_messages} - got "list"`},
		{"generic without elements", tpl(`{"template_type":"generic"}`), 0,
			"The parameter " + pp + "[elements] is required"},
		{"generic with no element", tpl(`{"template_type":"generic","elements":[]}`), 0,
			"Param " + pp + "[elements] must have at least 1 item"},
		{"generic with 11 elements", tpl(`{"template_type":"generic","elements":[` + repeat(element, 11) + `]}`), 0,
			"Param " + pp + "[elements] must have at most 10 items"},
		{"generic element without title", tpl(`{"template_type":"generic","elements":[` + element + `,{"subtitle":"s"}]}`), 0,
			"The parameter " + pp + "[elements][1][title] is required"},
		{"generic title too long", tpl(`{"template_type":"generic","elements":[{"title":"` + strings.Repeat("t", 81) + `"}]}`), 0,
			"Length of param " + pp + "[elements][0][title] must be less than or equal to 80"},
		{"generic subtitle too long", tpl(`{"template_type":"generic","elements":[{"title":"t","subtitle":"` + strings.Repeat("s", 81) + `"}]}`), 0,
			"Length of param " + pp + "[elements][0][subtitle] must be less than or equal to 80"},
		{"generic with 4 buttons", tpl(`{"template_type":"generic","elements":[{"title":"t","buttons":[` + repeat(postback, 4) + `]}]}`), 0,
			"Param " + pp + "[elements][0][buttons] must have at most 3 items"},
		{"generic bad aspect ratio", tpl(`{"template_type":"generic","image_aspect_ratio":"wide","elements":[` + element + `]}`), 0,
			`Param ` + pp + `[image_aspect_ratio] must be one of {horizontal, square} - got "wide"`},
		{"default_action without url", tpl(`{"template_type":"generic","elements":[{"title":"t","default_action":{"type":"web_url"}}]}`), 0,
			"The parameter " + pp + "[elements][0][default_action][url] is required"},
		{"button template text too long", tpl(`{"template_type":"button","text":"` + strings.Repeat("x", 641) + `","buttons":[` + postback + `]}`), 0,
			"Length of param " + pp + "[text] must be less than or equal to 640"},
		{"button template without text", tpl(`{"template_type":"button","buttons":[` + postback + `]}`), 0,
			"The parameter " + pp + "[text] is required"},
		{"button template without buttons", tpl(`{"template_type":"button","text":"x","buttons":[]}`), 0,
			"Param " + pp + "[buttons] must have at least 1 item"},
		{"button template with 4 buttons", tpl(`{"template_type":"button","text":"x","buttons":[` + repeat(postback, 4) + `]}`), 0,
			"Param " + pp + "[buttons] must have at most 3 items"},
		{"bad button type", tpl(`{"template_type":"button","text":"x","buttons":[{"type":"element_share"}]}`), 0,
			`Param ` + pp + `[buttons][0][type] must be one of {web_url, postback, phone_number, account_link, account_unlink} - got "element_share"`},
		{"button title too long", tpl(`{"template_type":"button","text":"x","buttons":[{"type":"postback","title":"` + strings.Repeat("t", 21) + `","payload":"P"}]}`), 0,
			"Length of param " + pp + "[buttons][0][title] must be less than or equal to 20"},
		{"button without title", tpl(`{"template_type":"button","text":"x","buttons":[{"type":"web_url","url":"https://x"}]}`), 0,
			"The parameter " + pp + "[buttons][0][title] is required"},
		{"web_url without url", tpl(`{"template_type":"button","text":"x","buttons":[{"type":"web_url","title":"Go"}]}`), 0,
			"The parameter " + pp + "[buttons][0][url] is required"},
		{"postback payload too long", tpl(`{"template_type":"button","text":"x","buttons":[{"type":"postback","title":"Go","payload":"` + strings.Repeat("p", 1001) + `"}]}`), 0,
			"Length of param " + pp + "[buttons][0][payload] must be less than or equal to 1000"},
		{"phone button without +", tpl(`{"template_type":"button","text":"x","buttons":[{"type":"phone_number","title":"Call","payload":"15550100"}]}`), 0,
			"Param " + pp + "[buttons][0][payload] must be a phone number starting with +"},
		{"account_link without url", tpl(`{"template_type":"button","text":"x","buttons":[{"type":"account_link"}]}`), 0,
			"The parameter " + pp + "[buttons][0][url] is required"},
		{"media with 2 elements", tpl(`{"template_type":"media","elements":[{"media_type":"image","url":"https://x"},{"media_type":"image","url":"https://x"}]}`), 0,
			"Param " + pp + "[elements] must have at most 1 item"},
		{"media bad media_type", tpl(`{"template_type":"media","elements":[{"media_type":"audio","url":"https://x"}]}`), 0,
			`Param ` + pp + `[elements][0][media_type] must be one of {image, video} - got "audio"`},
		{"media without url", tpl(`{"template_type":"media","elements":[{"media_type":"image"}]}`), 0,
			"Param " + pp + "[elements][0] must contain url or attachment_id"},
		{"media with 2 buttons", tpl(`{"template_type":"media","elements":[{"media_type":"image","url":"https://x","buttons":[` + repeat(postback, 2) + `]}]}`), 0,
			"Param " + pp + "[elements][0][buttons] must have at most 1 item"},
		{"receipt without order_number", tpl(`{"template_type":"receipt","recipient_name":"Ann","currency":"USD","payment_method":"Visa","summary":{"total_cost":1}}`), 0,
			"The parameter " + pp + "[order_number] is required"},
		{"receipt without summary", tpl(`{` + receipt + `}`), 0,
			"The parameter " + pp + "[summary] is required"},
		{"receipt without total_cost", tpl(`{` + receipt + `,"summary":{"subtotal":1}}`), 0,
			"The parameter " + pp + "[summary][total_cost] is required"},
		{"receipt total_cost not a number", tpl(`{` + receipt + `,"summary":{"total_cost":"lots"}}`), 0,
			"Param " + pp + "[summary][total_cost] must be a number"},
		{"notification title too long", tpl(`{` + notify + `,"title":"` + strings.Repeat("t", 66) + `"}`), 0,
			"Length of param " + pp + "[title] must be less than or equal to 65"},
		{"notification without payload", tpl(`{"template_type":"notification_messages","title":"T"}`), 0,
			"The parameter " + pp + "[payload] is required"},
		{"notification bad frequency", tpl(`{` + notify + `,"title":"T","notification_messages_frequency":"HOURLY"}`), 0,
			`Param ` + pp + `[notification_messages_frequency] must be one of {DAILY, WEEKLY, MONTHLY} - got "HOURLY"`},
		{"notification bad cta", tpl(`{` + notify + `,"title":"T","notification_messages_cta_text":"YES"}`), 0,
			`Param ` + pp + `[notification_messages_cta_text] must be one of {ALLOW, GET, GET_UPDATES, OPT_IN, SIGN_UP} - got "YES"`},
		{"notification bad aspect ratio", tpl(`{` + notify + `,"title":"T","image_aspect_ratio":"square"}`), 0,
			`Param ` + pp + `[image_aspect_ratio] must be one of {SQUARE, HORIZONTAL} - got "square"`},
	}
	s, base := newFake(t, Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := postJSON(t, base+sendPath, tc.body)
			wantError(t, res, 400, 100, tc.subcode, "(#100) "+tc.message)
			send := lastSend(t, s)
			if send.Status != 400 || send.Err == nil || send.Err.Code != 100 || send.MessageID != "" {
				t.Errorf("recorded send %+v", send)
			}
		})
	}
}

func TestValidSends(t *testing.T) {
	cases := []struct {
		name        string
		body        string
		recipientID string
	}{
		{"text", msg(`{"text":"hi"}`), "1"},
		{"text of 2000 characters", msg(`{"text":"` + strings.Repeat("é", 2000) + `"}`), "1"},
		{"numeric psid", `{"recipient":{"id":1234567890123456789},"messaging_type":"UPDATE","message":{"text":"hi"}}`, "1234567890123456789"},
		{"13 quick replies and metadata", msg(`{"text":"hi","metadata":"` + strings.Repeat("m", 1000) + `","quick_replies":[` +
			repeat(qr, 11) + `,{"content_type":"user_email"},{"content_type":"user_phone_number"}]}`), "1"},
		{"tagged", `{"recipient":{"id":"1"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT","message":{"text":"hi"}}`, "1"},
		{"image by url", msg(`{"attachment":{"type":"image","payload":{"url":"https://x/a.png"}}}`), "1"},
		{"generic", tpl(`{"template_type":"generic","image_aspect_ratio":"square","elements":[` + repeat(element, 10) + `]}`), "1"},
		{"every button type", tpl(`{"template_type":"button","text":"` + strings.Repeat("x", 640) + `","buttons":[` +
			`{"type":"web_url","url":"https://x","title":"` + strings.Repeat("t", 20) + `"},` +
			`{"type":"phone_number","title":"Call","payload":"+15550100"},{"type":"account_unlink"}]}`), "1"},
		{"account link", tpl(`{"template_type":"button","text":"x","buttons":[{"type":"account_link","url":"https://x/login"}]}`), "1"},
		{"media", tpl(`{"template_type":"media","elements":[{"media_type":"video","url":"https://www.facebook.com/x/videos/1","buttons":[` + postback + `]}]}`), "1"},
		{"receipt", tpl(`{` + receipt + `,"summary":{"total_cost":56.14}}`), "1"},
		{"notification opt-in request", tpl(`{` + notify + `,"title":"` + strings.Repeat("t", 65) + `","image_url":"https://x/i.png",` +
			`"notification_messages_frequency":"WEEKLY","notification_messages_reoptin":"ENABLED","notification_messages_timezone":"UTC",` +
			`"notification_messages_cta_text":"GET_UPDATES","image_aspect_ratio":"SQUARE"}`), "1"},
		{"phone number", `{"recipient":{"phone_number":"+15550100","name":{"first_name":"Ann","last_name":"Lee"}},"messaging_type":"UPDATE","message":{"text":"hi"}}`, ""},
		{"user_ref", `{"recipient":{"user_ref":"ref-1"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, ""},
		{"notification token without messaging_type", `{"recipient":{"notification_messages_token":"nt-1"},"message":{"text":"sale"}}`, ""},
		{"private reply", `{"recipient":{"comment_id":"c_1"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, commenterPSID("c_1")},
	}
	s, base := newFake(t, Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantSent(t, s, postJSON(t, base+sendPath, tc.body), tc.recipientID)
			if send := lastSend(t, s); send.Err != nil || send.Status != 200 || string(send.Body) != tc.body {
				t.Errorf("recorded send %+v", send)
			}
		})
	}
}

func TestSenderAction(t *testing.T) {
	s, base := newFake(t, Options{})
	res := postJSON(t, base+sendPath, `{"recipient":{"id":"7"},"sender_action":"typing_on"}`)
	if res.status != 200 || res.body != `{"recipient_id":"7"}` {
		t.Fatalf("got HTTP %d %s", res.status, res.body)
	}
	if send := lastSend(t, s); send.MessageID != "" || send.Status != 200 {
		t.Errorf("recorded send %+v", send)
	}
}

func TestNotificationTitleLimitIsConfigurable(t *testing.T) {
	s, base := newFake(t, Options{NotificationTitleMax: 100})
	title := strings.Repeat("t", 100)
	wantSent(t, s, postJSON(t, base+sendPath, tpl(`{`+notify+`,"title":"`+title+`"}`)), "1")
	res := postJSON(t, base+sendPath, tpl(`{`+notify+`,"title":"`+title+`t"}`))
	wantError(t, res, 400, 100, 0, fmt.Sprintf(
		"(#100) Length of param message[attachment][payload][title] must be less than or equal to %d", 100))
}

func TestCommenterPSIDIsStable(t *testing.T) {
	a, b := commenterPSID("c_1"), commenterPSID("c_1")
	if a != b || len(a) != 16 || a == commenterPSID("c_2") {
		t.Errorf("commenterPSID gave %q, %q, %q", a, b, commenterPSID("c_2"))
	}
}

// FuzzSend checks that no body makes the fake panic or answer anything but a
// Graph answer; its seeds run with every go test.
func FuzzSend(f *testing.F) {
	for _, body := range []string{
		``, `null`, `[]`, `{"recipient":null}`, `{"recipient":{"id":null}}`, validText,
		msg(`{"text":"hi","quick_replies":[null]}`),
		tpl(`{"template_type":"media","elements":[null]}`),
		tpl(`{"template_type":"generic","elements":[{"title":"t","buttons":[{"type":"phone_number","title":"x","payload":7}]}]}`),
		tpl(`{"template_type":"receipt","summary":[]}`),
		`recipient={"id":"1"}&message=[1]&messaging_type=RESPONSE`,
	} {
		f.Add(body)
	}
	s := New(Options{Seed: 1, MaxRecorded: 10})
	s.AddPage(testPage, testToken)
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, sendPath, strings.NewReader(body))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if (w.Code != 200 && w.Code != 400) || !json.Valid(w.Body.Bytes()) {
			t.Errorf("body %q: HTTP %d %s", body, w.Code, w.Body)
		}
	})
}
