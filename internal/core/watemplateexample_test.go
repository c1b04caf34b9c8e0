package core_test

import (
	"encoding/json"
	"testing"

	"github.com/botgate/botgate/internal/core"
)

// A template's examples become a send's parameters as the Cloud API takes
// them: numbered and named texts, a media header by link, a quick reply's
// payload, a URL button's suffix; a component without example gets none.
func TestTemplateExampleSend(t *testing.T) {
	for _, tc := range []struct {
		name, def, want string
	}{
		{"numbered body, quick reply",
			`{"name":"order_update","language":"en_US","category":"UTILITY","components":[
			  {"type":"BODY","text":"Order {{1}} for {{2}}","example":{"body_text":[["#1001","Ada"]]}},
			  {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Track it"}]}]}`,
			`{"name":"order_update","language":{"code":"en_US"},"components":[` +
				`{"type":"body","parameters":[{"type":"text","text":"#1001"},{"type":"text","text":"Ada"}]},` +
				`{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"Track it"}]}],"category":"UTILITY"}`},
		{"named header and body, URL button",
			`{"name":"n","language":"de","category":"MARKETING","parameter_format":"NAMED","components":[
			  {"type":"HEADER","format":"TEXT","text":"Hi {{first}}","example":{"header_text_named_params":[{"param_name":"first","example":"Ada"}]}},
			  {"type":"BODY","text":"{{item}}","example":{"body_text_named_params":[{"param_name":"item","example":"kettle"}]}},
			  {"type":"FOOTER","text":"bye"},
			  {"type":"BUTTONS","buttons":[{"type":"PHONE_NUMBER","text":"Call","phone_number":"+1555"},{"type":"URL","text":"Open","url":"https://s.example/{{1}}","example":["https://s.example/a1"]}]}]}`,
			`{"name":"n","language":{"code":"de"},"components":[` +
				`{"type":"header","parameters":[{"type":"text","parameter_name":"first","text":"Ada"}]},` +
				`{"type":"body","parameters":[{"type":"text","parameter_name":"item","text":"kettle"}]},` +
				`{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"https://s.example/a1"}]}],"category":"MARKETING"}`},
		{"image header, numbered text header, body without parameters",
			`{"name":"s","language":"en","category":"UTILITY","components":[
			  {"type":"HEADER","format":"IMAGE","example":{"header_handle":["https://example.com/p.jpg"]}},
			  {"type":"BODY","text":"On its way."}]}`,
			`{"name":"s","language":{"code":"en"},"components":[` +
				`{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/p.jpg"}}]}],"category":"UTILITY"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d core.WATemplateDef
			if err := json.Unmarshal([]byte(tc.def), &d); err != nil {
				t.Fatal(err)
			}
			send := d.ExampleSend()
			d.Status = core.TemplateApproved
			// What the preview shows is a send botgate itself would let out.
			if err := d.CheckSend(&send); err != nil {
				t.Fatalf("the example send is refused: %v", err)
			}
			got, err := json.Marshal(send)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
