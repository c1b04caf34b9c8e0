package core_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/core"
)

func TestDecodeStrictErrors(t *testing.T) {
	const generic = `{"attachment":{"type":"template","payload":{"template_type":"generic","elements":[%s]}}}`
	elements := func(s string) string { return strings.Replace(generic, "%s", s, 1) }
	tests := []struct {
		name string
		in   string
		want *wantErr
	}{
		// Unknown fields, named with their full path.
		{"unknown top-level field", `{"text":"hi","foo":1}`, badShape("message.foo", "is not a known field")},
		{"unknown field is case-sensitive", `{"Text":"hi"}`, badShape("message.Text", "is not a known field")},
		{"unknown field even when null", `{"text":"hi","foo":null}`, badShape("message.foo", "is not a known field")},
		{"unknown field in attachment", `{"attachment":{"type":"image","payload":{"url":"https://e.com/a"},"caption":"x"}}`,
			badShape("message.attachment.caption", "is not a known field")},
		{"unknown field in element 1", elements(`{"title":"a"},{"title":"b","colour":"red"}`),
			badShape("message.attachment.payload.elements[1].colour", "is not a known field")},
		{"unknown field in element button", elements(`{"title":"a","buttons":[{"type":"postback","title":"t","payload":"p"},{"type":"web_url","uri":"x"}]}`),
			badShape("message.attachment.payload.elements[0].buttons[1].uri", "is not a known field")},
		{"unknown field in default_action", elements(`{"title":"a","default_action":{"type":"web_url","url":"https://e.com","target":"_blank"}}`),
			badShape("message.attachment.payload.elements[0].default_action.target", "is not a known field")},
		{"unknown field in quick reply", `{"text":"hi","quick_replies":[{"content_type":"text","title":"a","payload":"b"},{"content_type":"text","label":"x"}]}`,
			badShape("message.quick_replies[1].label", "is not a known field")},
		{"unknown field in summary", `{"attachment":{"type":"template","payload":{"template_type":"receipt","summary":{"total":1}}}}`,
			badShape("message.attachment.payload.summary.total", "is not a known field")},
		{"unknown field in address", `{"attachment":{"type":"template","payload":{"address":{"street":"x"}}}}`,
			badShape("message.attachment.payload.address.street", "is not a known field")},
		{"unknown field in adjustment", `{"attachment":{"type":"template","payload":{"adjustments":[{},{"name":"a","value":1}]}}}`,
			badShape("message.attachment.payload.adjustments[1].value", "is not a known field")},

		// Wrong types: string fields.
		{"text number", `{"text":5}`, badShape("message.text", "must be a string")},
		{"text bool", `{"text":true}`, badShape("message.text", "must be a string")},
		{"text array", `{"text":["a"]}`, badShape("message.text", "must be a string")},
		{"text object", `{"text":{"a":1}}`, badShape("message.text", "must be a string")},
		{"element title number", elements(`{"title":"a"},{"title":7}`),
			badShape("message.attachment.payload.elements[1].title", "must be a string")},
		{"quick reply content_type bool", `{"text":"x","quick_replies":[{"content_type":false}]}`,
			badShape("message.quick_replies[0].content_type", "must be a string")},
		// Bool fields.
		{"is_reusable string", `{"attachment":{"type":"image","payload":{"url":"https://e.com/a","is_reusable":"true"}}}`,
			badShape("message.attachment.payload.is_reusable", "must be true or false")},
		{"is_reusable number", `{"attachment":{"type":"image","payload":{"is_reusable":1}}}`,
			badShape("message.attachment.payload.is_reusable", "must be true or false")},
		{"messenger_extensions string", elements(`{"title":"a","buttons":[{"type":"web_url","messenger_extensions":"yes"}]}`),
			badShape("message.attachment.payload.elements[0].buttons[0].messenger_extensions", "must be true or false")},
		// Number fields (json.Number).
		{"price string", elements(`{"title":"a","price":"75.00"}`),
			badShape("message.attachment.payload.elements[0].price", "must be a number")},
		{"quantity bool", elements(`{"title":"a","quantity":true}`),
			badShape("message.attachment.payload.elements[0].quantity", "must be a number")},
		{"total_cost string", `{"attachment":{"type":"template","payload":{"summary":{"total_cost":"56.14"}}}}`,
			badShape("message.attachment.payload.summary.total_cost", "must be a number")},
		{"adjustment amount object", `{"attachment":{"type":"template","payload":{"adjustments":[{"amount":{}}]}}}`,
			badShape("message.attachment.payload.adjustments[0].amount", "must be a number")},
		// FlexString.
		{"timestamp bool", `{"attachment":{"type":"template","payload":{"timestamp":true}}}`,
			badShape("message.attachment.payload.timestamp", "must be a string or a number")},
		{"timestamp array", `{"attachment":{"type":"template","payload":{"timestamp":[1]}}}`,
			badShape("message.attachment.payload.timestamp", "must be a string or a number")},
		{"timestamp object", `{"attachment":{"type":"template","payload":{"timestamp":{}}}}`,
			badShape("message.attachment.payload.timestamp", "must be a string or a number")},
		// Arrays.
		{"quick_replies object", `{"text":"x","quick_replies":{"content_type":"text"}}`,
			badShape("message.quick_replies", "must be an array")},
		{"quick_replies string", `{"text":"x","quick_replies":"text"}`, badShape("message.quick_replies", "must be an array")},
		{"elements object", `{"attachment":{"type":"template","payload":{"elements":{"title":"a"}}}}`,
			badShape("message.attachment.payload.elements", "must be an array")},
		{"buttons number", `{"attachment":{"type":"template","payload":{"buttons":3}}}`,
			badShape("message.attachment.payload.buttons", "must be an array")},
		// Objects.
		{"attachment array", `{"attachment":[]}`, badShape("message.attachment", "must be an object")},
		{"attachment string", `{"attachment":"image"}`, badShape("message.attachment", "must be an object")},
		{"payload number", `{"attachment":{"type":"image","payload":1}}`, badShape("message.attachment.payload", "must be an object")},
		{"element string", elements(`"card"`), badShape("message.attachment.payload.elements[0]", "must be an object")},
		{"quick reply array", `{"text":"x","quick_replies":[[]]}`, badShape("message.quick_replies[0]", "must be an object")},
		{"default_action string", elements(`{"title":"a","default_action":"https://e.com"}`),
			badShape("message.attachment.payload.elements[0].default_action", "must be an object")},
		{"top-level array", `[{"text":"hi"}]`, badShape("message", "must be an object")},
		{"top-level string", `"hi"`, badShape("message", "must be an object")},
		{"top-level number", `42`, badShape("message", "must be an object")},

		// Malformed JSON.
		{"empty input", ``, badShape("message", "is not valid JSON (EOF)")},
		{"whitespace only", " \n\t", badShape("message", "is not valid JSON (EOF)")},
		{"truncated", `{"text":`, badShape("message", "is not valid JSON (unexpected EOF)")},
		{"missing colon", `{"text" "a"}`,
			badShape("message", `is not valid JSON (invalid character '"' after object key at byte 9)`)},
		{"trailing comma", `{"text":"a",}`,
			badShape("message", "is not valid JSON (invalid character '}' looking for beginning of object key string at byte 13)")},
		{"single quotes", `{'text':'a'}`,
			badShape("message", "is not valid JSON (invalid character '\\'' looking for beginning of object key string at byte 2)")},
		{"comment (seed documents carry them)", "{\"text\":\"a\" // hi\n}",
			badShape("message", "is not valid JSON (invalid character '/' after object key:value pair at byte 13)")},
		{"trailing garbage", `{"text":"a"} x`, badShape("message", "invalid character 'x' after top-level value at byte 14")},
		{"two values", `{"text":"a"}{"text":"b"}`, badShape("message", "invalid character '{' after top-level value at byte 13")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m core.Message
			checkErr(t, core.DecodeStrict([]byte(tt.in), &m, "message"), tt.want)
		})
	}
}

func TestDecodeStrictRoot(t *testing.T) {
	var m core.Message
	checkErr(t, core.DecodeStrict([]byte(`{"foo":1}`), &m, ""), badShape("foo", "is not a known field"))
	checkErr(t, core.DecodeStrict([]byte(`{"quick_replies":[{"x":1}]}`), &m, ""), badShape("quick_replies[0].x", "is not a known field"))
	checkErr(t, core.DecodeStrict([]byte(`{"text":1}`), &m, "cards[2]"), badShape("cards[2].text", "must be a string"))
}

// probe exercises the field kinds Message does not use.
type probe struct {
	N       int               `json:"n"`
	F       float64           `json:"f"`
	M       map[string]string `json:"m"`
	Any     any               `json:"any"`
	Raw     json.RawMessage   `json:"raw"`
	Skipped string            `json:"-"`
	NoTag   string
	Opt     string `json:",omitempty"`
	private string // unexported: never decodable
}

func TestDecodeStrictOtherKinds(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *wantErr
	}{
		{"all fine", `{"n":1,"f":1.5,"m":{"a":"b"},"any":[1,{"x":true}],"raw":{"y":[]},"NoTag":"t","Opt":"o"}`, nil},
		{"int string", `{"n":"1"}`, badShape("p.n", "must be a number")},
		{"float bool", `{"f":false}`, badShape("p.f", "must be a number")},
		{"map array", `{"m":["a"]}`, badShape("p.m", "must be an object")},
		{"map value number", `{"m":{"b":"x","a":1}}`, badShape("p.m.a", "must be a string")},
		{"map value null", `{"m":{"a":null}}`, nil},
		{"json:\"-\" field is unknown", `{"Skipped":"x"}`, badShape("p.Skipped", "is not a known field")},
		{"dash is unknown", `{"-":"x"}`, badShape("p.-", "is not a known field")},
		{"unexported field is unknown", `{"private":"x"}`, badShape("p.private", "is not a known field")},
		{"untagged name is exact", `{"notag":"x"}`, badShape("p.notag", "is not a known field")},
		// The shape check passes; encoding/json then refuses the fraction, reported at the root.
		{"int fraction", `{"n":1.5}`, &wantErr{core.KindBadMessage, "p",
			"p: cannot unmarshal number 1.5 into Go struct field probe.n of type int"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p probe
			checkErr(t, core.DecodeStrict([]byte(tt.in), &p, "p"), tt.want)
		})
	}
	var p probe
	if err := core.DecodeStrict([]byte(`{"n":3,"f":2.5,"m":{"a":"b"},"NoTag":"t","Opt":"o"}`), &p, "p"); err != nil {
		t.Fatal(err)
	}
	if p.N != 3 || p.F != 2.5 || p.M["a"] != "b" || p.NoTag != "t" || p.Opt != "o" {
		t.Fatalf("decoded %+v", p)
	}
}

func TestDecodeStrictValues(t *testing.T) {
	const receipt = `{"attachment":{"type":"template","payload":{"template_type":"receipt",
		"recipient_name":"Stephane","order_number":"1","currency":"USD","payment_method":"Visa",
		"timestamp":%s,
		"summary":{"subtotal":75.00,"shipping_cost":4.950,"total_tax":0,"total_cost":-1.5e2},
		"adjustments":[{"name":"Discount","amount":20.00}],
		"elements":[{"title":"Shirt","quantity":2,"price":50.10,"currency":"USD"}]}}}`
	tests := []struct {
		timestamp     string
		wantTimestamp core.FlexString
	}{
		{`"1428444852"`, "1428444852"},
		{`1428444852`, "1428444852"},
		{`1.4e9`, "1.4e9"},
		{`"2015-04-07T22:14:12Z"`, "2015-04-07T22:14:12Z"},
		{`null`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.timestamp, func(t *testing.T) {
			in := strings.Replace(receipt, "%s", tt.timestamp, 1)
			var m core.Message
			if err := core.DecodeStrict([]byte(in), &m, "message"); err != nil {
				t.Fatal(err)
			}
			p := m.Attachment.Payload
			if p.Timestamp != tt.wantTimestamp {
				t.Errorf("timestamp = %q, want %q", p.Timestamp, tt.wantTimestamp)
			}
			got := map[string]string{
				"subtotal": p.Summary.Subtotal.String(), "shipping_cost": p.Summary.ShippingCost.String(),
				"total_tax": p.Summary.TotalTax.String(), "total_cost": p.Summary.TotalCost.String(),
				"amount": p.Adjustments[0].Amount.String(), "quantity": p.Elements[0].Quantity.String(),
				"price": p.Elements[0].Price.String(),
			}
			want := map[string]string{"subtotal": "75.00", "shipping_cost": "4.950", "total_tax": "0",
				"total_cost": "-1.5e2", "amount": "20.00", "quantity": "2", "price": "50.10"}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("numbers = %v, want %v", got, want)
			}
			if err := core.ValidateMessage(&m, "message"); err != nil {
				t.Errorf("decoded receipt invalid: %v", err)
			}
			// Re-marshalling keeps the client's literal numbers.
			out := mustJSON(t, m)
			for _, lit := range []string{`"subtotal":75.00`, `"shipping_cost":4.950`, `"total_cost":-1.5e2`,
				`"amount":20.00`, `"quantity":2`, `"price":50.10`} {
				if !strings.Contains(out, lit) {
					t.Errorf("re-marshalled %s lacks %s", out, lit)
				}
			}
			wantTS := `"timestamp":"` + string(tt.wantTimestamp) + `"`
			if tt.wantTimestamp == "" {
				if strings.Contains(out, `"timestamp"`) {
					t.Errorf("re-marshalled %s has a timestamp", out)
				}
			} else if !strings.Contains(out, wantTS) {
				t.Errorf("re-marshalled %s lacks %s", out, wantTS)
			}
		})
	}
}

func TestDecodeStrictNullLeavesZero(t *testing.T) {
	in := `{"text":"hi","attachment":null,"quick_replies":null,"metadata":null}`
	var m core.Message
	if err := core.DecodeStrict([]byte(in), &m, "message"); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, core.Message{Text: "hi"}) {
		t.Fatalf("decoded %#v", m)
	}

	in = `{"attachment":{"type":"template","payload":{"template_type":"generic","is_reusable":null,"summary":null,
		"elements":[{"title":"a","price":null,"default_action":null,"buttons":[null]}]}}}`
	m = core.Message{}
	if err := core.DecodeStrict([]byte(in), &m, "message"); err != nil {
		t.Fatal(err)
	}
	p := m.Attachment.Payload
	e := p.Elements[0]
	if p.IsReusable != nil || p.Summary != nil || e.Price != nil || e.DefaultAction != nil ||
		len(e.Buttons) != 1 || e.Buttons[0] != (core.Button{}) {
		t.Fatalf("nulls not zero: %+v", p)
	}

	var top core.Message
	if err := core.DecodeStrict([]byte(`null`), &top, "message"); err != nil {
		t.Fatalf("top-level null: %v", err)
	}
	if !reflect.DeepEqual(top, core.Message{}) {
		t.Fatalf("top-level null decoded %#v", top)
	}
}

func TestDecodeStrictAcceptsValidMessage(t *testing.T) {
	in := `{"attachment":{"type":"template","payload":{"template_type":"generic","image_aspect_ratio":"square",
		"elements":[{"title":"Hi {{first_name}}","subtitle":"s","image_url":"https://e.com/i.png",
		"default_action":{"type":"web_url","url":"https://e.com","webview_height_ratio":"tall"},
		"buttons":[{"type":"block","title":"Menu","block_name":"Main menu"},{"type":"postback","title":"P","payload":"X"}]}]}},
		"quick_replies":[{"content_type":"text","title":"Yes","payload":"Y","image_url":"https://e.com/y.png"}],
		"metadata":"m-1"}`
	var m core.Message
	if err := core.DecodeStrict([]byte(in), &m, "message"); err != nil {
		t.Fatal(err)
	}
	want := core.Message{
		Attachment: &core.Attachment{Type: "template", Payload: core.Payload{TemplateType: "generic", ImageAspectRatio: "square",
			Elements: []core.Element{{Title: "Hi {{first_name}}", Subtitle: "s", ImageURL: "https://e.com/i.png",
				DefaultAction: &core.Button{Type: "web_url", URL: "https://e.com", WebviewHeightRatio: "tall"},
				Buttons: []core.Button{{Type: "block", Title: "Menu", BlockName: "Main menu"},
					{Type: "postback", Title: "P", Payload: "X"}}}}}},
		QuickReplies: []core.QuickReply{{ContentType: "text", Title: "Yes", Payload: "Y", ImageURL: "https://e.com/y.png"}},
		Metadata:     "m-1",
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("decoded\n %s\nwant\n %s", mustJSON(t, m), mustJSON(t, want))
	}
	if err := core.ValidateMessage(&m, "message"); err != nil {
		t.Fatal(err)
	}
}

// With several fields wrong, the same one is reported every time, whatever
// order Go's map iteration takes.
func TestDecodeStrictFirstErrorDeterministic(t *testing.T) {
	tests := []struct {
		in   string
		want *wantErr
	}{
		// The first problem in document order is reported.
		{`{"zeta":1,"text":5,"metadata":true,"quick_replies":"x","attachment":[],"alpha":2}`,
			badShape("message.zeta", "is not a known field")},
		{`{"text":5,"metadata":true,"quick_replies":"x","attachment":[]}`,
			badShape("message.text", "must be a string")},
		{`{"text":"a","quick_replies":[{"title":1,"payload":2,"content_type":3,"image_url":4}]}`,
			badShape("message.quick_replies[0].title", "must be a string")},
		{`{"attachment":{"type":"template","payload":{"elements":[{"title":1,"subtitle":2,"buttons":3,"price":"x","zz":0}]}}}`,
			badShape("message.attachment.payload.elements[0].title", "must be a string")},
	}
	for _, tt := range tests {
		for range 20 {
			var m core.Message
			checkErr(t, core.DecodeStrict([]byte(tt.in), &m, "message"), tt.want)
		}
	}
}

func TestDecodeStrictDuplicateKeys(t *testing.T) {
	// A repeated key is refused at its second appearance, whatever the copies
	// hold: encoding/json would silently keep the last, dropping the first
	// copy's content.
	for _, tt := range []struct{ in, field, msg string }{
		{`{"text":"a","text":"b"}`, "message.text", "message.text: appears more than once"},
		{`{"text":"hi","quick_replies":[{"content_type":"text","title":"A","payload":"P","colour":"red"}]}`,
			"message.quick_replies[0].colour", "message.quick_replies[0].colour: is not a known field"},
		{`{"text":"hi","quick_replies":[{"content_type":"text","title":"A","payload":"P"}],"quick_replies":[]}`,
			"message.quick_replies", "message.quick_replies: appears more than once"},
		{`{"attachment":{"type":"image","payload":{"url":"https://e.com/a.png"}},"attachment":{"type":"image"}}`,
			"message.attachment", "message.attachment: appears more than once"},
		{`{"attachment":{"type":"template","payload":{"summary":{"total_cost":1,"total_cost":1}}}}`,
			"message.attachment.payload.summary.total_cost", "message.attachment.payload.summary.total_cost: appears more than once"},
		// The repetition is refused before any value is read.
		{`{"text":1,"text":"a"}`, "message.text", "message.text: appears more than once"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			var m core.Message
			err := core.DecodeStrict([]byte(tt.in), &m, "message")
			e := core.AsError(err)
			if err == nil || e.Kind != core.KindBadMessage || e.Field != tt.field || e.Message != tt.msg {
				t.Fatalf("DecodeStrict(%s) = %v (field %q); want %q", tt.in, err, e.Field, tt.msg)
			}
		})
	}
}
