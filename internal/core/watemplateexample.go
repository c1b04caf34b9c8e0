package core

import (
	"encoding/json"
	"strconv"
	"strings"
)

// ExampleSend is the send that fills a template's parameters with the
// example values its definition carries (body_text, header_text,
// header_handle, the _named_params forms and URL buttons' examples): what
// a send of it would look like, for previews. A component without an
// example gets no parameters; a quick-reply button's payload is its text.
func (d *WATemplateDef) ExampleSend() WATemplate {
	t := WATemplate{Name: d.Name, Language: WALanguage{Code: d.Language}, Category: d.Category}
	for _, c := range d.Components {
		switch {
		case c.Type == "BODY":
			t.addExamples("body", exampleTexts(c.Example, "body_text", "body_text_named_params"))
		case c.Type == "HEADER" && (c.Format == "TEXT" || c.Format == ""):
			t.addExamples("header", exampleTexts(c.Example, "header_text", "header_text_named_params"))
		case c.Type == "HEADER":
			var ex struct {
				Handle []string `json:"header_handle"`
			}
			if json.Unmarshal(c.Example, &ex) == nil && len(ex.Handle) > 0 {
				p := WAParam{Type: strings.ToLower(c.Format)}
				media := &WAMediaRef{Link: ex.Handle[0]}
				switch p.Type {
				case "image":
					p.Image = media
				case "video":
					p.Video = media
				case "document":
					p.Document = media
				default:
					continue
				}
				t.Components = append(t.Components, WATemplateSendPart{Type: "header", Parameters: []WAParam{p}})
			}
		case c.Type == "BUTTONS":
			for i, b := range c.Buttons {
				part := WATemplateSendPart{Type: "button", Index: strconv.Itoa(i)}
				switch b.Type {
				case "QUICK_REPLY":
					part.SubType, part.Parameters = "quick_reply", []WAParam{{Type: "payload", Payload: b.Text}}
				case "URL":
					var ex []string
					if json.Unmarshal(b.Example, &ex) != nil || len(ex) == 0 {
						continue
					}
					part.SubType, part.Parameters = "url", []WAParam{{Type: "text", Text: ex[0]}}
				default:
					continue
				}
				t.Components = append(t.Components, part)
			}
		}
	}
	return t
}

// exampleTexts reads a text component's examples: numbered
// ({"body_text":[["a","b"]]} or {"header_text":["a"]}) or named
// ({"body_text_named_params":[{"param_name":"x","example":"a"}]}).
func exampleTexts(example json.RawMessage, numbered, named string) []WAParam {
	var m map[string]json.RawMessage
	if json.Unmarshal(example, &m) != nil {
		return nil
	}
	var out []WAParam
	var byName []struct {
		Name    string `json:"param_name"`
		Example string `json:"example"`
	}
	if json.Unmarshal(m[named], &byName) == nil {
		for _, p := range byName {
			out = append(out, WAParam{Type: "text", ParameterName: p.Name, Text: p.Example})
		}
		if len(out) > 0 {
			return out
		}
	}
	var rows [][]string
	if json.Unmarshal(m[numbered], &rows) != nil {
		var row []string
		if json.Unmarshal(m[numbered], &row) != nil {
			return nil
		}
		rows = [][]string{row}
	}
	if len(rows) > 0 {
		for _, v := range rows[0] {
			out = append(out, WAParam{Type: "text", Text: v})
		}
	}
	return out
}

func (t *WATemplate) addExamples(part string, params []WAParam) {
	if len(params) > 0 {
		t.Components = append(t.Components, WATemplateSendPart{Type: part, Parameters: params})
	}
}
