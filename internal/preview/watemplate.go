package preview

import (
	"strconv"
	"strings"

	"github.com/botgate/botgate/internal/core"
)

// Templates finds a WhatsApp template's definition by name and language,
// or returns nil. A send names its template and gives only the values: the
// text is the approved definition's, kept by WhatsApp, so showing what the
// user reads takes the definition.
type Templates func(name, language string) *core.WATemplateDef

// shownTemplate is a template send as the user's phone shows it: the
// definition's texts with the send's values in place.
type shownTemplate struct {
	Name, Language string
	Header         string   // a text header
	HeaderMedia    *waMedia // a media header's image, video or document
	HeaderVideo    bool
	Body, Footer   string
	Buttons        []shownButton
}

// shownButton is one of a template's buttons: a quick reply the user can
// tap (its payload from the send), a link, a phone number or a code to copy.
type shownButton struct {
	Kind    string // quick_reply, url, phone_number, copy_code
	Text    string
	Payload string // a quick reply's
	Target  string // a link's URL with its value in place, or a phone number
}

// showTemplate fills d's texts with t's values: positional parameters by
// their place ({{1}} is the first), named ones by name; a button's by its
// index.
func showTemplate(t *waTemplate, d *core.WATemplateDef) *shownTemplate {
	given := map[string]waComponent{}
	for _, c := range t.Components {
		key := strings.ToLower(string(c.Type))
		if key == "button" {
			key += string(c.Index)
		}
		given[key] = c
	}
	values := func(key string) map[string]string {
		out := map[string]string{}
		for i, p := range given[key].Parameters {
			name := strconv.Itoa(i + 1)
			if p.ParameterName != "" {
				name = string(p.ParameterName)
			}
			out[name] = param(p)
		}
		return out
	}
	s := &shownTemplate{Name: d.Name, Language: d.Language}
	for _, comp := range d.Components {
		switch comp.Type {
		case "HEADER":
			switch comp.Format {
			case "", "TEXT":
				s.Header = core.FillTemplate(comp.Text, values("header"))
			default:
				if ps := given["header"].Parameters; len(ps) > 0 {
					s.HeaderMedia, s.HeaderVideo = headerMedia(ps[0]), comp.Format == "VIDEO"
				}
			}
		case "BODY":
			s.Body = core.FillTemplate(comp.Text, values("body"))
		case "FOOTER":
			s.Footer = comp.Text
		case "BUTTONS":
			for i, b := range comp.Buttons {
				key := "button" + strconv.Itoa(i)
				sb := shownButton{Kind: strings.ToLower(b.Type), Text: b.Text}
				switch b.Type {
				case "QUICK_REPLY":
					// Without a payload in the send, WhatsApp reports the button's text.
					sb.Payload = b.Text
					if ps := given[key].Parameters; len(ps) > 0 && param(ps[0]) != "" {
						sb.Payload = param(ps[0])
					}
				case "URL":
					sb.Target = core.FillTemplate(b.URL, values(key))
				case "PHONE_NUMBER":
					sb.Target = b.PhoneNumber
				}
				s.Buttons = append(s.Buttons, sb)
			}
		}
	}
	return s
}
