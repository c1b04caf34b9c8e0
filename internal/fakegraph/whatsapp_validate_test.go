package fakegraph

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

const (
	waPhoneID = "106540352242922"
	waDisplay = "15550783881"
	waToken   = "wa-tok"
	waSend    = "/v25.0/" + waPhoneID + "/messages"
)

// newWAFake is newFake with a WhatsApp number too.
func newWAFake(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	s, base := newFake(t, opts)
	s.AddWhatsAppNumber(waPhoneID, waDisplay, waToken)
	return s, base
}

// waPost sends a Cloud API call with a Bearer token ("" = none).
func waPost(t *testing.T, url, token, body string) result {
	t.Helper()
	req := mustRequest(t, url, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return doRequest(t, req)
}

// waBody is a send to +16505551234 with the rest of the body after "to".
func waBody(rest string) string {
	return `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+16505551234",` + rest + `}`
}

// wantWAError asserts the Cloud API's error answer byte for byte: code 100
// and the WhatsApp codes carry error_data; details "" means none.
func wantWAError(t *testing.T, res result, status, code int, message, details string) {
	t.Helper()
	var e wireError
	json.Unmarshal([]byte(res.body), &e)
	data := ""
	if details != "" {
		d, _ := json.Marshal(details)
		data = `"error_data":{"messaging_product":"whatsapp","details":` + string(d) + `},`
	}
	m, _ := json.Marshal(message)
	want := `{"error":{"message":` + string(m) + `,"type":"OAuthException","code":` + itoa(code) + `,` + data +
		`"fbtrace_id":"` + e.Error.FBTraceID + `"}}`
	if res.status != status || res.body != want || e.Error.FBTraceID == "" {
		t.Errorf("got HTTP %d\n%s\nwant HTTP %d\n%s", res.status, res.body, status, want)
	}
}

// invalid100 is a code 100 answer whose details repeat the message.
func want100(t *testing.T, res result, text string) {
	t.Helper()
	wantWAError(t, res, 400, 100, "(#100) "+text, text)
}

func TestWhatsAppValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	media := func(kind, obj string) string { return waBody(`"type":"` + kind + `","` + kind + `":` + obj) }
	inter := func(obj string) string { return waBody(`"type":"interactive","interactive":` + obj) }
	body := `"body":{"text":"Pick"}`
	reply := func(title string) string {
		return `{"type":"reply","reply":{"id":"a","title":"` + title + `"}}`
	}
	row := `{"id":"r","title":"Row"}`
	cases := []struct {
		name string
		body string
		text string // the expected (#100) text; "" = accepted
	}{
		{"empty body", ``, "The parameter messaging_product is required."},
		{"bad JSON", `{"to":`, "Request body is not a valid JSON object"},
		{"wrong product", `{"messaging_product":"sms","to":"1","text":{"body":"hi"}}`,
			`Param messaging_product must be one of {whatsapp} - got "sms".`},
		{"product not a string", `{"messaging_product":1}`, "Param messaging_product must be a string."},
		{"group recipient", `{"messaging_product":"whatsapp","recipient_type":"group","to":"1"}`,
			`Param recipient_type must be one of {individual} - got "group".`},
		{"no recipient_type", `{"messaging_product":"whatsapp","to":"16505551234","text":{"body":"hi"}}`, ""},
		{"no to", `{"messaging_product":"whatsapp","text":{"body":"hi"}}`, "The parameter to is required."},
		{"to a number", `{"messaging_product":"whatsapp","to":16505551234}`, "Param to must be a string."},
		{"to with letters", `{"messaging_product":"whatsapp","to":"1650555abcd"}`,
			"Param to must be a phone number of up to 15 digits with an optional leading +."},
		{"to with spaces", `{"messaging_product":"whatsapp","to":"+1 650 555 1234"}`,
			"Param to must be a phone number of up to 15 digits with an optional leading +."},
		{"to of 16 digits", `{"messaging_product":"whatsapp","to":"1234567890123456"}`,
			"Param to must be a phone number of up to 15 digits with an optional leading +."},
		{"type not a string", waBody(`"type":5`), "Param type must be a string."},
		{"type defaults to text", waBody(`"text":{"body":"hi"}`), ""},
		{"no text", waBody(`"type":"text"`), "The parameter text is required."},
		{"text not an object", waBody(`"type":"text","text":"hi"`), "Param text must be a JSON object."},
		{"no body", waBody(`"type":"text","text":{}`), "The parameter text['body'] is required."},
		{"empty text body", waBody(`"type":"text","text":{"body":""}`), "The parameter text['body'] is required."},
		{"body not a string", waBody(`"type":"text","text":{"body":1}`), "Param text['body'] must be a string."},
		{"body of 4097", waBody(`"type":"text","text":{"body":"` + long(4097) + `"}`),
			"Param text['body'] must be at most 4096 characters long."},
		{"body of 4096 runes", waBody(`"type":"text","text":{"body":"` + strings.Repeat("é", 4096) + `"}`), ""},
		{"preview_url not a bool", waBody(`"type":"text","text":{"body":"hi","preview_url":"yes"}`),
			"Param text['preview_url'] must be a boolean."},
		{"preview_url", waBody(`"type":"text","text":{"body":"https://x","preview_url":true}`), ""},
		{"reply context without id", waBody(`"context":{},"text":{"body":"hi"}`), "The parameter context['message_id'] is required."},
		{"reply context", waBody(`"context":{"message_id":"wamid.X"},"text":{"body":"hi"}`), ""},

		{"image by link", media("image", `{"link":"https://x/a.png","caption":"A"}`), ""},
		{"video by numeric id", media("video", `{"id":1234567890}`), ""},
		{"document with filename", media("document", `{"id":"9","caption":"Bill","filename":"bill.pdf"}`), ""},
		{"audio", media("audio", `{"link":"http://x/a.ogg"}`), ""},
		{"sticker", media("sticker", `{"id":"5"}`), ""},
		{"no media object", waBody(`"type":"image"`), "The parameter image is required."},
		{"neither id nor link", media("image", `{"caption":"A"}`), "Param image must contain either id or link."},
		{"id and link", media("image", `{"id":"1","link":"https://x/a.png"}`), "Param image must contain either id or link, not both."},
		{"id not an id", media("image", `{"id":true}`), "Param image['id'] must be a valid ID string."},
		{"link not http", media("document", `{"link":"ftp://x/a.pdf"}`), "Param document['link'] must be an http or https URL."},
		{"caption of 1025", media("video", `{"id":"1","caption":"`+long(1025)+`"}`),
			"Param video['caption'] must be at most 1024 characters long."},
		{"audio caption", media("audio", `{"id":"1","caption":"A"}`), "Param audio['caption'] is not allowed for audio messages."},
		{"sticker caption", media("sticker", `{"id":"1","caption":""}`), "Param sticker['caption'] is not allowed for sticker messages."},
		{"image filename", media("image", `{"id":"1","filename":"a.png"}`), "Param image['filename'] is only allowed for document messages."},
		{"filename not a string", media("document", `{"id":"1","filename":3}`), "Param document['filename'] must be a string."},

		{"location", waBody(`"type":"location","location":{"latitude":37.48,"longitude":"-122.15","name":"HQ","address":"1 Way"}`), ""},
		{"no latitude", waBody(`"type":"location","location":{"longitude":1}`), "The parameter location['latitude'] is required."},
		{"latitude out of range", waBody(`"type":"location","location":{"latitude":91,"longitude":1}`),
			"Param location['latitude'] must be between -90 and 90."},
		{"longitude not a number", waBody(`"type":"location","location":{"latitude":1,"longitude":"east"}`),
			"Param location['longitude'] must be a number."},
		{"contacts", waBody(`"type":"contacts","contacts":[{"name":{"formatted_name":"Ann Lee","first_name":"Ann"}}]`), ""},
		{"contacts not an array", waBody(`"type":"contacts","contacts":{}`), "Param contacts must be an array."},
		{"no contacts", waBody(`"type":"contacts","contacts":[]`), "Param contacts must have at least 1 item."},
		{"contact without name", waBody(`"type":"contacts","contacts":[{}]`), "The parameter contacts[0]['name'] is required."},
		{"contact without formatted_name", waBody(`"type":"contacts","contacts":[{"name":{}}]`),
			"The parameter contacts[0]['name']['formatted_name'] is required."},

		{"buttons", inter(`{"type":"button","header":{"type":"text","text":"Hi"},` + body + `,"footer":{"text":"f"},"action":{"buttons":[` +
			reply("Yes") + `,` + reply("No") + `,` + reply("Maybe") + `]}}`), ""},
		{"no interactive type", inter(`{` + body + `}`), "The parameter interactive['type'] is required."},
		{"unknown interactive type", inter(`{"type":"carousel"}`),
			`Param interactive['type'] must be one of {button, list, cta_url, product, product_list, catalog_message, flow, location_request_message} - got "carousel".`},
		{"no body", inter(`{"type":"button","action":{}}`), "The parameter interactive['body'] is required."},
		{"body of 1025", inter(`{"type":"button","body":{"text":"` + long(1025) + `"},"action":{}}`),
			"Param interactive['body']['text'] must be at most 1024 characters long."},
		{"header text of 61", inter(`{"type":"button","header":{"type":"text","text":"` + long(61) + `"}}`),
			"Param interactive['header']['text'] must be at most 60 characters long."},
		{"header media without link", inter(`{"type":"button","header":{"type":"image","image":{}}}`),
			"Param interactive['header']['image'] must contain either id or link."},
		{"footer of 61", inter(`{"type":"button",` + body + `,"footer":{"text":"` + long(61) + `"}}`),
			"Param interactive['footer']['text'] must be at most 60 characters long."},
		{"no action", inter(`{"type":"button",` + body + `}`), "The parameter interactive['action'] is required."},
		{"four buttons", inter(`{"type":"button",` + body + `,"action":{"buttons":[` + repeat(reply("A"), 4) + `]}}`),
			"Param interactive['action']['buttons'] must have at most 3 items."},
		{"url button", inter(`{"type":"button",` + body + `,"action":{"buttons":[{"type":"url"}]}}`),
			`Param interactive['action']['buttons'][0]['type'] must be one of {reply} - got "url".`},
		{"button title of 21", inter(`{"type":"button",` + body + `,"action":{"buttons":[` + reply(long(21)) + `]}}`),
			"Param interactive['action']['buttons'][0]['reply']['title'] must be at most 20 characters long."},
		{"list", inter(`{"type":"list",` + body + `,"action":{"button":"Menu","sections":[{"title":"A","rows":[` + repeat(row, 5) +
			`]},{"title":"B","rows":[` + repeat(row, 5) + `]}]}}`), ""},
		{"list of 11 rows", inter(`{"type":"list",` + body + `,"action":{"button":"Menu","sections":[{"title":"A","rows":[` + repeat(row, 5) +
			`]},{"title":"B","rows":[` + repeat(row, 6) + `]}]}}`),
			"Param interactive['action']['sections'] must have at most 10 rows in all sections."},
		{"untitled sections", inter(`{"type":"list",` + body + `,"action":{"button":"Menu","sections":[{"rows":[` + row + `]},{"rows":[` + row + `]}]}}`),
			"The parameter interactive['action']['sections'][0]['title'] is required."},
		{"row title of 25", inter(`{"type":"list",` + body + `,"action":{"button":"Menu","sections":[{"rows":[{"id":"r","title":"` + long(25) + `"}]}]}}`),
			"Param interactive['action']['sections'][0]['rows'][0]['title'] must be at most 24 characters long."},
		{"cta_url without url", inter(`{"type":"cta_url",` + body + `,"action":{"name":"cta_url","parameters":{"display_text":"Open"}}}`),
			"The parameter interactive['action']['parameters']['url'] is required."},
		{"product without body", inter(`{"type":"product","action":{"catalog_id":"1","product_retailer_id":"sku"}}`), ""},
		{"product without catalog", inter(`{"type":"product","action":{"product_retailer_id":"sku"}}`),
			"The parameter interactive['action']['catalog_id'] is required."},
		{"flow without name", inter(`{"type":"flow",` + body + `,"action":{"parameters":{}}}`),
			"The parameter interactive['action']['name'] is required."},

		{"template", waBody(`"type":"template","template":{"name":"order_update","language":{"code":"en_US"},` +
			`"components":[{"type":"body","parameters":[{"type":"text","text":"42"}]}]}`), ""},
		{"template without name", waBody(`"type":"template","template":{"language":{"code":"en"}}`), "The parameter template['name'] is required."},
		{"template without language", waBody(`"type":"template","template":{"name":"x"}`), "The parameter template['language'] is required."},
		{"language without code", waBody(`"type":"template","template":{"name":"x","language":{}}`),
			"The parameter template['language']['code'] is required."},
		{"component without type", waBody(`"type":"template","template":{"name":"x","language":{"code":"en"},"components":[{}]}`),
			"The parameter template['components'][0]['type'] is required."},
		{"reaction", waBody(`"type":"reaction","reaction":{"message_id":"wamid.X","emoji":"👍"}`), ""},
		{"reaction removed", waBody(`"type":"reaction","reaction":{"message_id":"wamid.X","emoji":""}`), ""},
		{"reaction without emoji", waBody(`"type":"reaction","reaction":{"message_id":"wamid.X"}`), "The parameter reaction['emoji'] is required."},
		{"reaction without message", waBody(`"type":"reaction","reaction":{"emoji":"👍"}`), "The parameter reaction['message_id'] is required."},
	}
	s, base := newWAFake(t, Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := waPost(t, base+waSend, waToken, tc.body)
			if tc.text == "" {
				wantWASent(t, s, res)
				return
			}
			want100(t, res, tc.text)
		})
	}
}

func TestWhatsAppUnsupportedType(t *testing.T) {
	_, base := newWAFake(t, Options{})
	res := waPost(t, base+waSend, waToken, waBody(`"type":"sms","sms":{"body":"hi"}`))
	wantWAError(t, res, 400, 131051, "(#131051) Unsupported message type", "Message type sms is not currently supported.")
}

// wantWASent asserts the Cloud API's success answer for the last recorded send.
func wantWASent(t *testing.T, s *Server, res result) {
	t.Helper()
	sends := s.WhatsAppSends()
	if len(sends) == 0 {
		t.Fatal("no WhatsApp send recorded")
	}
	send := sends[len(sends)-1]
	want := `{"messaging_product":"whatsapp","contacts":[{"input":"` + send.To + `","wa_id":"` +
		strings.TrimPrefix(send.To, "+") + `"}],"messages":[{"id":"` + send.WAMID + `"}]}`
	if res.status != 200 || res.body != want {
		t.Fatalf("got HTTP %d %s\nwant 200 %s", res.status, res.body, want)
	}
}

// FuzzWhatsAppSend checks that no body makes the fake panic or answer
// anything but a Graph answer; its seeds run with every go test.
func FuzzWhatsAppSend(f *testing.F) {
	for _, body := range []string{
		``, `null`, `[]`, `{"messaging_product":null}`, waText,
		waBody(`"type":"contacts","contacts":[null]`),
		waBody(`"type":"interactive","interactive":{"type":"list","body":{"text":"b"},"action":{"button":"m","sections":[null,{"rows":[null]}]}}`),
		waBody(`"type":"interactive","interactive":{"type":"button","header":{"type":"video","video":null},"body":{"text":"b"}}`),
		waBody(`"type":"template","template":{"name":"n","language":{"code":"en"},"components":[1]}`),
		waBody(`"type":"location","location":{"latitude":"NaN","longitude":1e999}`),
		`messaging_product=whatsapp&to=1&text={"body":[]}`,
	} {
		f.Add(body)
	}
	s := New(Options{Seed: 1, MaxRecorded: 10})
	s.AddWhatsAppNumber(waPhoneID, waDisplay, waToken)
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, waSend+"?access_token="+waToken, strings.NewReader(body))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if (w.Code != 200 && w.Code != 400) || !json.Valid(w.Body.Bytes()) {
			t.Errorf("body %q: HTTP %d %s", body, w.Code, w.Body)
		}
	})
}

// FuzzWebhookBodies checks that whatever a test makes the user say, the
// webhook is valid JSON that says it back, plain or escaped as Meta does.
func FuzzWebhookBodies(f *testing.F) {
	for _, text := range []string{"", "hi", "äöå 😀 a/b", "<&>\"\\\n", "\xff\xfe", "\u2028"} {
		f.Add(text)
	}
	plain, escaped := New(Options{Seed: 1}), New(Options{Seed: 1, EscapeWebhooks: true})
	escaped.AddWhatsAppNumber(waPhoneID, waDisplay, waToken)
	f.Fuzz(func(t *testing.T, text string) {
		for _, hook := range []func() (Webhook, error){
			func() (Webhook, error) { return plain.UserSendsText("1", "2", text) },
			func() (Webhook, error) { return escaped.UserSendsText("1", "2", text) },
			func() (Webhook, error) { return escaped.WAUserSendsText(waPhoneID, "1", text, text) },
		} {
			h, _ := hook() // no target: the body is built, not sent
			var v any
			if err := json.Unmarshal(h.Body, &v); err != nil {
				t.Fatalf("%q gave invalid JSON %s: %v", text, h.Body, err)
			}
			if utf8.ValidString(text) && !strings.Contains(string(mustMarshal(v)), string(mustMarshal(text))) {
				t.Errorf("%q is not in %s", text, h.Body)
			}
		}
	})
}

func mustMarshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
