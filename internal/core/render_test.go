package core_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/core"
)

// everywhere builds a message (not a valid one: Render does not validate) in
// which every field Render fills holds r and every other string field holds u.
func everywhere(r, u string) core.Message {
	btn := func(typ string) core.Button {
		return core.Button{Type: typ, Title: "button " + r, URL: "https://example.com/" + u, Payload: "PAYLOAD_" + u,
			WebviewHeightRatio: "tall", MessengerExtensions: boolp(false), FallbackURL: "https://example.com/fb/" + u,
			WebviewShareButton: "hide"}
	}
	el := func() core.Element {
		return core.Element{Title: "title " + r, Subtitle: "subtitle " + r, ImageURL: "https://example.com/img/" + u,
			DefaultAction: &core.Button{Type: "web_url", URL: "https://example.com/da/" + u},
			Buttons:       []core.Button{btn("web_url"), btn("postback")},
			MediaType:     "image", URL: "https://example.com/media/" + u, AttachmentID: "att" + u,
			Quantity: num("1"), Price: num("2.50"), Currency: "USD" + u}
	}
	return core.Message{
		Text: "text " + r,
		Attachment: &core.Attachment{Type: "template", Payload: core.Payload{
			URL: "https://example.com/url/" + u, IsReusable: boolp(true), AttachmentID: "id" + u,
			TemplateType: "generic", Text: "payload text " + r, Buttons: []core.Button{btn("postback"), btn("phone_number")},
			Elements: []core.Element{el(), el()}, ImageAspectRatio: "square", Sharable: boolp(true),
			// A receipt's words are filled; its currency and timestamp are data.
			RecipientName: "recipient " + r, MerchantName: "merchant " + r, OrderNumber: "order " + r, Currency: "cur " + u,
			PaymentMethod: "pay " + r, OrderURL: "https://example.com/order/" + u, Timestamp: core.FlexString("ts " + u),
			Address: &core.Address{Street1: "s1 " + r, Street2: "s2 " + r, City: "c " + r, PostalCode: "p " + r, State: "st " + r, Country: "co " + r},
			Summary: &core.Summary{TotalCost: num("9")}, Adjustments: []core.Adjustment{{Name: "adj " + r, Amount: num("1")}},
			Title: "opt-in title " + r, ImageURL: "https://example.com/optin/" + u, Payload: "OPTIN_" + u,
			NotificationMessagesFrequency: "WEEKLY" + u, NotificationMessagesReoptin: "ENABLED" + u,
			NotificationMessagesTimezone: "tz " + u, NotificationMessagesCTAText: "cta " + u,
		}},
		QuickReplies: []core.QuickReply{
			{ContentType: "text", Title: "qr " + r, Payload: "QR_" + u, ImageURL: "https://example.com/qr/" + u},
			{ContentType: "user_email", Title: "qr " + r, Payload: "QR2_" + u},
		},
		Metadata: "metadata " + u,
	}
}

func TestRenderFillsOnlyTextFields(t *testing.T) {
	vars := core.Vars{Send: map[string]string{"k": "V"}}
	for _, mode := range []core.Unfilled{core.UnfilledReject, core.UnfilledEmpty, core.UnfilledKeep} {
		t.Run(string(mode), func(t *testing.T) {
			got, err := core.Render(everywhere("{{k}}", "{{k}}"), vars, mode, "message")
			if err != nil {
				t.Fatal(err)
			}
			if want := everywhere("V", "{{k}}"); !reflect.DeepEqual(got, want) {
				t.Fatalf("rendered\n %s\nwant\n %s", mustJSON(t, got), mustJSON(t, want))
			}
			// An unfilled key in a field Render does not fill is no error, even in reject mode.
			got, err = core.Render(everywhere("{{k}}", "{{missing}}"), vars, mode, "message")
			if err != nil {
				t.Fatalf("placeholder in a URL or payload refused: %v", err)
			}
			if want := everywhere("V", "{{missing}}"); !reflect.DeepEqual(got, want) {
				t.Fatalf("rendered\n %s\nwant\n %s", mustJSON(t, got), mustJSON(t, want))
			}
		})
	}
	if got := core.Placeholders(everywhere("{{k}}", "{{u}}")); !reflect.DeepEqual(got, []string{"k"}) {
		t.Fatalf("Placeholders = %q, want [k]: only rendered fields count", got)
	}
}

func TestRenderPlaceholderSyntax(t *testing.T) {
	vars := core.Vars{Send: map[string]string{"points": "120", "Points_2": "P2", "_": "U", "123": "N"}}
	tests := []struct {
		in, want string
	}{
		{"{{points}}", "120"},
		{"You have {{points}} points", "You have 120 points"},
		{"{{ points }}", "120"},
		{"{{   points}}", "120"},
		{"{{points\t}}", "120"},
		{"{{\npoints\r\n}}", "120"},
		{"{{points}}{{points}}", "120120"},
		{"{{points}}/{{ points }}", "120/120"},
		{"{{Points_2}} {{_}} {{123}}", "P2 U N"},
		{"{{{points}}}", "{120}"},
		{"{{points}}}}", "120}}"},
		// Not placeholders: left alone, even in reject mode.
		{"{{first-name}}", "{{first-name}}"},
		{"{{poi nts}}", "{{poi nts}}"},
		{"{{}}", "{{}}"},
		{"{{ }}", "{{ }}"},
		{"{points}", "{points}"},
		{"{{points}", "{{points}"},
		{"{ {points} }", "{ {points} }"},
		{"{{ñ}}", "{{ñ}}"},
		{"{{points.x}}", "{{points.x}}"},
		{"no braces at all", "no braces at all"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := core.Render(core.Message{Text: tt.in}, vars, core.UnfilledReject, "message")
			if err != nil {
				t.Fatal(err)
			}
			if got.Text != tt.want {
				t.Fatalf("Render(%q) = %q, want %q", tt.in, got.Text, tt.want)
			}
		})
	}
}

func TestRenderNamesAreCaseSensitive(t *testing.T) {
	vars := core.Vars{Send: map[string]string{"points": "120"}, Profile: map[string]string{"first_name": "Ann"}}
	for _, key := range []string{"Points", "POINTS", "First_name", "FIRST_NAME"} {
		in := core.Message{Text: "{{" + key + "}}"}
		_, err := core.Render(in, vars, core.UnfilledReject, "message")
		checkErr(t, err, invalid("message.text", "placeholder {{"+key+"}} has no value: pass it in params or set it on the contact"))
		got, err := core.Render(in, vars, core.UnfilledKeep, "message")
		if err != nil || got.Text != in.Text {
			t.Fatalf("keep: %q, %v; want %q", got.Text, err, in.Text)
		}
	}
}

func TestRenderLookupOrder(t *testing.T) {
	type m = map[string]string
	tests := []struct {
		name string
		key  string
		vars core.Vars
		want string // "" with wantUnfilled: no value
		// wantUnfilled: reject mode refuses the key.
		wantUnfilled bool
	}{
		{"send beats stored and profile", "points", core.Vars{Send: m{"points": "1"}, Stored: m{"points": "2"}, Profile: m{"points": "3"}}, "1", false},
		{"stored beats profile", "points", core.Vars{Stored: m{"points": "2"}, Profile: m{"points": "3"}}, "2", false},
		{"profile last", "points", core.Vars{Profile: m{"points": "3"}}, "3", false},
		{"empty send value still fills", "points", core.Vars{Send: m{"points": ""}, Stored: m{"points": "2"}}, "", false},
		{"send id beats profile id", "id", core.Vars{Send: m{"id": "S"}, Profile: m{"id": "PSID"}}, "S", false},
		{"stored locale beats profile locale", "locale", core.Vars{Stored: m{"locale": "fr_FR"}, Profile: m{"locale": "en_US"}}, "fr_FR", false},
		{"first_name only from profile", "first_name", core.Vars{Send: m{"first_name": "S"}, Stored: m{"first_name": "T"}, Profile: m{"first_name": "Ann"}}, "Ann", false},
		{"last_name only from profile", "last_name", core.Vars{Send: m{"last_name": "S"}, Stored: m{"last_name": "T"}, Profile: m{"last_name": "Lee"}}, "Lee", false},
		{"empty profile first_name fills", "first_name", core.Vars{Send: m{"first_name": "S"}, Profile: m{"first_name": ""}}, "", false},
		{"first_name in params only is unfilled", "first_name", core.Vars{Send: m{"first_name": "S"}, Stored: m{"first_name": "T"}}, "", true},
		{"last_name in params only is unfilled", "last_name", core.Vars{Send: m{"last_name": "S"}}, "", true},
		{"no vars at all", "points", core.Vars{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := core.Message{Text: "<{{" + tt.key + "}}>"}
			got, err := core.Render(in, tt.vars, core.UnfilledReject, "message")
			if tt.wantUnfilled {
				checkErr(t, err, invalid("message.text", "placeholder {{"+tt.key+"}} has no value: pass it in params or set it on the contact"))
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := "<" + tt.want + ">"; got.Text != want {
				t.Fatalf("rendered %q, want %q", got.Text, want)
			}
		})
	}
}

func TestRenderUnfilledModes(t *testing.T) {
	in := core.Message{Text: "Hi {{ name }}, {{points}} points, {{other}}!",
		QuickReplies: []core.QuickReply{{ContentType: "text", Title: "{{name}}?", Payload: "P"}}}
	vars := core.Vars{Stored: map[string]string{"points": "5"}}
	reject := invalid("message.text", "placeholder {{name}} has no value: pass it in params or set it on the contact")
	tests := []struct {
		mode      core.Unfilled
		wantText  string
		wantTitle string
		wantErr   *wantErr
	}{
		{core.UnfilledReject, "", "", reject},
		{core.UnfilledEmpty, "Hi , 5 points, !", "?", nil},
		{core.UnfilledKeep, "Hi {{ name }}, 5 points, {{other}}!", "{{name}}?", nil},
		// Settings.WithDefaults turns "" into reject; an unset or unknown mode rejects too.
		{"", "", "", reject},
		{"bogus", "", "", reject},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			got, err := core.Render(in, vars, tt.mode, "message")
			checkErr(t, err, tt.wantErr)
			if tt.wantErr != nil {
				if !reflect.DeepEqual(got, core.Message{}) {
					t.Fatalf("failed Render returned %+v, want the zero Message", got)
				}
				return
			}
			if got.Text != tt.wantText || got.QuickReplies[0].Title != tt.wantTitle || got.QuickReplies[0].Payload != "P" {
				t.Fatalf("got text %q title %q payload %q; want %q %q P",
					got.Text, got.QuickReplies[0].Title, got.QuickReplies[0].Payload, tt.wantText, tt.wantTitle)
			}
		})
	}
}

// The reject error names the key and the field it sits in; when several keys
// are missing it names the first in the order Render walks the message.
func TestRenderRejectNamesKeyAndPath(t *testing.T) {
	const root = "message"
	tests := []struct {
		name  string
		msg   func() core.Message
		key   string
		field string
	}{
		{"text", func() core.Message { return core.Message{Text: "a {{x}} {{y}}"} }, "x", "message.text"},
		{"button template text", func() core.Message {
			return withPayload(buttonMsg, func(p *core.Payload) { p.Text = "{{x}}"; p.Buttons[1].Title = "{{y}}" })()
		}, "x", pl + ".text"},
		{"opt-in title", func() core.Message {
			return withPayload(optInMsg, func(p *core.Payload) { p.Title = "{{x}}" })()
		}, "x", pl + ".title"},
		{"text before quick replies", func() core.Message {
			return core.Message{Text: "{{y}}", QuickReplies: []core.QuickReply{{ContentType: "text", Title: "{{x}}"}}}
		}, "y", "message.text"},
		{"button template button", func() core.Message {
			return withPayload(buttonMsg, func(p *core.Payload) { p.Buttons[1].Title = "{{x}}" })()
		}, "x", pl + ".buttons[1].title"},
		{"element title", func() core.Message {
			return withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].Title = "{{x}}" })()
		}, "x", pl + ".elements[1].title"},
		{"element subtitle", func() core.Message {
			return withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].Subtitle = "{{x}}" })()
		}, "x", pl + ".elements[1].subtitle"},
		{"element button", func() core.Message {
			return withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].Buttons[1].Title = "{{x}}" })()
		}, "x", pl + ".elements[1].buttons[1].title"},
		{"quick reply", func() core.Message {
			return with(textMsg, func(m *core.Message) {
				m.QuickReplies = quickReplies(3)
				m.QuickReplies[2].Title = "{{x}}"
			})()
		}, "x", "message.quick_replies[2].title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := core.Render(tt.msg(), core.Vars{}, core.UnfilledReject, root)
			want := invalid(tt.field, "placeholder {{"+tt.key+"}} has no value: pass it in params or set it on the contact")
			checkErr(t, err, want)
		})
	}
}

func TestRenderBlockButtons(t *testing.T) {
	block := core.Button{Type: "block", Title: "Menu {{first_name}}", BlockName: "Main menu",
		URL: "https://example.com/ignored", Payload: "IGNORED", WebviewHeightRatio: "tall"}
	want := core.Button{Type: "postback", Title: "Menu Ann", Payload: core.BlockPayloadPrefix + "Main menu"}
	in := withPayload(buttonMsg, func(p *core.Payload) { p.Buttons = []core.Button{block, p.Buttons[0]} })()
	gen := withPayload(genericMsg, func(p *core.Payload) { p.Elements[1].Buttons[0] = block })()
	vars := core.Vars{Profile: map[string]string{"first_name": "Ann"}}

	render := func(m core.Message) (core.Message, error) {
		out, err := core.Render(m, vars, core.UnfilledReject, "message")
		if err == nil && blockButtonCount(out) == 0 {
			t.Fatalf("Render converted block buttons; ForGraph does that")
		}
		return core.ForGraph(out), err
	}
	got, err := render(in)
	if err != nil {
		t.Fatal(err)
	}
	if b := got.Attachment.Payload.Buttons; !reflect.DeepEqual(b, []core.Button{want, in.Attachment.Payload.Buttons[1]}) {
		t.Fatalf("buttons = %+v", b)
	}
	got, err = render(gen)
	if err != nil {
		t.Fatal(err)
	}
	if b := got.Attachment.Payload.Elements[1].Buttons[0]; b != want {
		t.Fatalf("element button = %+v, want %+v", b, want)
	}
	if b := got.Attachment.Payload.Elements[0].Buttons[0]; b != gen.Attachment.Payload.Elements[0].Buttons[0] {
		t.Fatalf("non-block button changed: %+v", b)
	}
	name, ok := core.BlockFromPayload(want.Payload)
	if !ok || name != "Main menu" {
		t.Fatalf("BlockFromPayload(%q) = %q, %v", want.Payload, name, ok)
	}
	// The rendered message is what Graph receives: it must pass validation.
	if err := core.ValidateMessage(&got, "message"); err != nil {
		t.Fatalf("rendered block button invalid: %v", err)
	}
	// The block's name is copied verbatim, never rendered.
	odd := withPayload(buttonMsg, func(p *core.Payload) {
		p.Buttons = []core.Button{{Type: "block", Title: "T", BlockName: "{{first_name}}"}}
	})()
	got, err = render(odd)
	if err != nil || got.Attachment.Payload.Buttons[0].Payload != core.BlockPayloadPrefix+"{{first_name}}" {
		t.Fatalf("got %+v, %v", got.Attachment.Payload.Buttons, err)
	}
}

func TestRenderDoesNotModifyInput(t *testing.T) {
	build := func() core.Message {
		m := everywhere("{{k}} {{first_name}} {{missing}}", "{{k}}")
		m.Attachment.Payload.Buttons[1] = core.Button{Type: "block", Title: "{{k}}", BlockName: "Main"}
		m.Attachment.Payload.Elements[1].Buttons[0] = core.Button{Type: "block", Title: "{{k}}", BlockName: "Other"}
		return m
	}
	vars := core.Vars{Send: map[string]string{"k": "V"}, Profile: map[string]string{"first_name": "Ann"}}
	for _, mode := range []core.Unfilled{core.UnfilledReject, core.UnfilledEmpty, core.UnfilledKeep} {
		in := build()
		out, err := core.Render(in, vars, mode, "message")
		if (err != nil) != (mode == core.UnfilledReject) {
			t.Fatalf("%s: err = %v", mode, err)
		}
		if !reflect.DeepEqual(in, build()) {
			t.Fatalf("%s: Render modified its input:\n %s", mode, mustJSON(t, in))
		}
		if err != nil {
			continue
		}
		// The output's slices and attachment are its own.
		out.Attachment.Type = "changed"
		out.Attachment.Payload.Text = "changed"
		out.Attachment.Payload.Buttons[0].Title = "changed"
		out.Attachment.Payload.Elements[0].Title = "changed"
		out.Attachment.Payload.Elements[0].Buttons[0].Title = "changed"
		out.QuickReplies[0].Title = "changed"
		if !reflect.DeepEqual(in, build()) {
			t.Fatalf("%s: changing the output changed the input", mode)
		}
	}
}

func TestRenderKeepsNilAndEmpty(t *testing.T) {
	in := core.Message{Text: "x", QuickReplies: []core.QuickReply{}}
	got, err := core.Render(in, core.Vars{}, core.UnfilledReject, "message")
	if err != nil {
		t.Fatal(err)
	}
	if got.Attachment != nil || got.QuickReplies == nil || len(got.QuickReplies) != 0 {
		t.Fatalf("got %#v", got)
	}
	got, err = core.Render(core.Message{Text: "x"}, core.Vars{}, core.UnfilledReject, "message")
	if err != nil || !reflect.DeepEqual(got, core.Message{Text: "x"}) {
		t.Fatalf("got %#v, %v", got, err)
	}
	gen := withPayload(genericMsg, func(p *core.Payload) { p.Buttons = nil; p.Elements[0].Buttons = nil })()
	got, err = core.Render(gen, core.Vars{}, core.UnfilledReject, "message")
	if err != nil || !reflect.DeepEqual(got, gen) {
		t.Fatalf("a message without placeholders changed:\n %s\n %v", mustJSON(t, got), err)
	}
}

func TestPlaceholders(t *testing.T) {
	tests := []struct {
		name string
		msg  core.Message
		want []string
	}{
		{"none", textMsg(), nil},
		{"no text fields", core.Message{}, nil},
		{"not placeholders", core.Message{Text: "{{a-b}} {{}} {a}"}, nil},
		{"distinct, in order of first use", core.Message{Text: "{{b}} {{a}} {{ b }} {{a}}"}, []string{"b", "a"}},
		{"case-sensitive", core.Message{Text: "{{a}} {{A}}"}, []string{"a", "A"}},
		{"profile fields count", core.Message{Text: "{{first_name}} {{points}} {{last_name}}"}, []string{"first_name", "points", "last_name"}},
		{"walk order", func() core.Message {
			m := everywhere("", "{{zz}}")
			p0 := &m.Attachment.Payload // the receipt's words, filled after the title
			p0.RecipientName, p0.Address.City, p0.Adjustments[0].Name = "{{r1}}", "{{r2}} {{a}}", "{{r3}}"
			m.Text = "{{b}} {{a}} {{b}}"
			p := &m.Attachment.Payload
			p.Text = "{{c}}"
			p.Title = "{{d}} {{a}}"
			p.Buttons[0].Title, p.Buttons[1].Title = "{{e}}", "{{e2}}"
			p.Elements[0].Title, p.Elements[0].Subtitle = "{{f}}", "{{g}}"
			p.Elements[0].Buttons[1].Title = "{{h}}"
			p.Elements[1].Title = "{{i}} {{c}}"
			m.QuickReplies[1].Title = "{{j}} {{b}}"
			return m
		}(), []string{"b", "a", "c", "d", "r1", "r2", "r3", "e", "e2", "f", "g", "h", "i", "j"}},
		{"block button title", withPayload(buttonMsg, func(p *core.Payload) {
			p.Buttons[0] = core.Button{Type: "block", Title: "{{x}}", BlockName: "{{y}}"}
		})(), []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := core.Placeholders(tt.msg); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Placeholders = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestValidateParamName(t *testing.T) {
	chars := `parameter name %q must consist of letters, digits and underscores`
	reserved := `parameter name %q is reserved for the user's profile`
	tests := []struct {
		name string
		want string // printf format taking the name; "" for valid
	}{
		{"points", ""}, {"Points_2", ""}, {"_", ""}, {"9", ""}, {"First_Name", ""}, {"FIRST_NAME", ""},
		{"id", ""}, {"locale", ""}, {"gender", ""}, {strings.Repeat("a", 200), ""},
		{"", chars}, {"first-name", chars}, {"a b", chars}, {" a", chars}, {"a\n", chars}, {"ñ", chars},
		{"a.b", chars}, {"{{a}}", chars},
		{"first_name", reserved}, {"last_name", reserved},
	}
	for _, tt := range tests {
		var want *wantErr
		if tt.want != "" {
			want = invalid("params", fmt.Sprintf(tt.want, tt.name))
		}
		t.Run(tt.name, func(t *testing.T) { checkErr(t, core.ValidateParamName("params", tt.name), want) })
	}
	// Names are capped at 200 characters, as every stored name is.
	checkErr(t, core.ValidateParamName("params", strings.Repeat("a", 201)), invalid("params", "is 201 characters; at most 200 are allowed"))
}

func TestValidateName(t *testing.T) {
	spaces := `block name %q must be non-empty without leading or trailing spaces`
	chars := `block name %q may not contain slashes or control characters`
	tests := []struct {
		name string
		want string // "" valid; otherwise the message after "field: "
	}{
		{"Main menu", ""}, {"main MENU 2", ""}, {"Ménu ✓ 漢字", ""}, {"a  b", ""}, {"a\\b", ""}, {"{{x}}", ""},
		{runes('漢', 100), ""},
		{runes('漢', 101), "block name is longer than 100 characters"},
		{"", spaces}, {" Main", spaces}, {"Main ", spaces}, {"\tMain", spaces}, {"Main\n", spaces}, {" ", spaces},
		{"a/b", chars}, {"/", chars}, {"a\tb", chars}, {"a\x00b", chars}, {"a\u0085b", chars}, {"a\x7fb", chars},
	}
	for _, tt := range tests {
		var want *wantErr
		if tt.want != "" {
			text := tt.want
			if strings.Contains(text, "%q") {
				text = fmt.Sprintf(text, tt.name)
			}
			want = invalid("blocks[0].name", text)
		}
		t.Run(tt.name, func(t *testing.T) { checkErr(t, core.ValidateName("blocks[0].name", tt.name), want) })
	}
}

// Values are inserted verbatim: a value that looks like a placeholder (a user
// may call themselves "{{coupon}}") is never expanded in turn.
func TestRenderDoesNotExpandValues(t *testing.T) {
	vars := core.Vars{Profile: map[string]string{"first_name": "{{coupon}}"}, Send: map[string]string{"coupon": "SAVE10", "x": "{{ x }}"}}
	got, err := core.Render(core.Message{Text: "{{first_name}} {{x}} {{coupon}}"}, vars, core.UnfilledReject, "message")
	if err != nil || got.Text != "{{coupon}} {{ x }} SAVE10" {
		t.Fatalf("rendered %q, %v", got.Text, err)
	}
}

// Braces around a filled placeholder would make a new placeholder of its
// value ("{{120}}"): reject mode refuses the template.
func TestRenderRejectLeavesNoPlaceholder(t *testing.T) {
	vars := core.Vars{Stored: map[string]string{"points": "120"}, Profile: map[string]string{"first_name": "Ann", "last_name": "Lee"}}
	tests := []struct{ in, rendered string }{
		{"{{{{points}}}}", "{{120}}"},
		{"{{ {{points}} }}", "{{ 120 }}"},
		{"{{x{{points}}}}", "{{x120}}"},
		{"Dear {{{{first_name}}}}", "Dear {{Ann}}"},
		{"{{00{{last_name}}}}", "{{00Lee}}"}, // found by FuzzRender
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := core.Render(core.Message{Text: tt.in}, vars, core.UnfilledReject, "message")
			checkErr(t, err, invalid("message.text", "braces around a placeholder would reach the customer as raw {{…}}; remove the extra braces"))
			// The other modes send what they are told to.
			out, err := core.Render(core.Message{Text: tt.in}, vars, core.UnfilledKeep, "message")
			if err != nil || out.Text != tt.rendered {
				t.Fatalf("keep mode: %q, %v; want %q", out.Text, err, tt.rendered)
			}
		})
	}
}

func blockButtonCount(m core.Message) int {
	if m.Attachment == nil {
		return 0
	}
	n := 0
	count := func(bs []core.Button) {
		for _, b := range bs {
			if b.Type == "block" {
				n++
			}
		}
	}
	count(m.Attachment.Payload.Buttons)
	for _, e := range m.Attachment.Payload.Elements {
		count(e.Buttons)
	}
	return n
}
