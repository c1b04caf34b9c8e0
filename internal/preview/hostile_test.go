package preview

import (
	"encoding/json"
	"strings"
	"testing"
)

// hostile is what a merchant's body may carry in any field.
const hostile = `"><script>alert(1)</script><img src=x onerror=alert(1)>{{.}}`

// kinds keep their values so that every part of a body is rendered with
// the hostile text in its fields; every other string becomes hostile, and
// every URL also becomes a javascript: URL.
var kinds = map[string]bool{"type": true, "template_type": true, "content_type": true, "media_type": true,
	"sub_type": true, "messaging_product": true, "image_aspect_ratio": true}

func poison(v any, key string) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = poison(x, k)
		}
	case []any:
		for i, x := range v {
			v[i] = poison(x, key)
		}
	case string:
		if kinds[key] {
			return v
		}
		if strings.Contains(key, "url") || key == "link" {
			return "javascript:alert(1)//" + hostile
		}
		return hostile
	case float64:
		if key != "index" {
			return hostile
		}
	}
	return v
}

// TestHostileFields renders every golden body with every text field and URL
// replaced by markup and script, plain and tappable: none of it may reach
// the page as markup or as a followable javascript: URL.
func TestHostileFields(t *testing.T) {
	for _, b := range bodies(t) {
		var v any
		if err := json.Unmarshal(b.data, &v); err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
		b.data, _ = json.Marshal(poison(v, ""))
		for _, taps := range []Taps{{}, {URL: "/act", Fields: map[string]string{"csrf": hostile}}} {
			got, err := render(b, taps)
			if err != nil {
				t.Errorf("%s: %v", b.name, err)
				continue
			}
			// An audio clip shows only its file name, which a javascript: URL lacks;
			// an unknown type shows none of its fields.
			silent := strings.HasSuffix(b.name, "audio") || strings.HasSuffix(b.name, "unknown")
			if !silent && !strings.Contains(got, "&lt;script&gt;") && !strings.Contains(got, "&#34;&gt;&lt;script") &&
				!strings.Contains(got, "\\u003cscript") {
				t.Errorf("%s: the hostile text is not shown escaped anywhere:\n%s", b.name, got)
			}
			for _, bad := range []string{"<script", "<img src=x", `href="javascript:`, `src="javascript:`} {
				if strings.Contains(strings.ToLower(got), bad) {
					t.Errorf("%s: %q reached the page:\n%s", b.name, bad, got)
				}
			}
		}
	}
}

// FuzzMessenger and FuzzWhatsApp: any bytes render without a panic; any
// JSON object renders without an error; nothing in the input becomes a
// script element.
func FuzzMessenger(f *testing.F) { fuzz(f, false) }
func FuzzWhatsApp(f *testing.F)  { fuzz(f, true) }

func fuzz(f *testing.F, whatsApp bool) {
	for _, b := range bodies(f) {
		if b.whatsApp == whatsApp {
			f.Add(b.data)
		}
	}
	f.Add([]byte(`{"text":{"a":1},"attachment":[],"quick_replies":[null,1,"x"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := render(body{whatsApp: whatsApp, data: data}, Taps{URL: "/act"})
		var obj map[string]any
		if err != nil && json.Unmarshal(data, &obj) == nil {
			t.Fatalf("a JSON object failed to render: %v\n%s", err, data)
		}
		if strings.Contains(strings.ToLower(got), "<script") {
			t.Fatalf("a script element reached the page:\n%s", got)
		}
	})
}
