package preview

import (
	"html/template"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var funcs = template.FuncMap{
	"amount":    amount,
	"host":      host,
	"base":      base,
	"ext":       ext,
	"lower":     func(v any) string { return strings.ToLower(text(v)) },
	"firstURL":  firstURL,
	"date":      date,
	"address":   address,
	"inc":       func(i int) int { return i + 1 },
	"param":     param,
	"media":     headerMedia,
	"dict":      dict,
	"arg":       func(v any, t *Taps) argument { return argument{V: v, Taps: t} },
	"negative":  negative,
	"formatted": formatted,
	"cta":       cta,
}

// argument passes a value and the taps to a nested template.
type argument struct {
	V    any
	Taps *Taps
}

// dict builds a map from key, value pairs for a nested template; an odd
// trailing key is dropped (the templates are ours, never a merchant's).
func dict(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
	return m
}

// host is what an app shows under a link: its host name.
func host(v any) string {
	s := text(v)
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// base is a media URL's file name, which is what the apps show for files.
func base(v any) string {
	u, err := url.Parse(text(v))
	if err != nil || u.Path == "" || u.Path == "/" {
		return ""
	}
	name, err := url.PathUnescape(path.Base(u.Path))
	if err != nil {
		return path.Base(u.Path)
	}
	return name
}

// ext is a file's type as WhatsApp's document icon shows it.
func ext(names ...any) string {
	for _, n := range names {
		if e := strings.TrimPrefix(path.Ext(text(n)), "."); e != "" && len(e) <= 4 {
			return strings.ToUpper(e)
		}
	}
	return "FILE"
}

var urlPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// firstURL is the link WhatsApp previews when preview_url is set.
func firstURL(v any) string {
	return urlPattern.FindString(text(v))
}

// date shows a receipt's timestamp (seconds since 1970) as a day, in UTC:
// the preview does not know the viewer's phone's time zone.
func date(v any) string {
	s := text(v)
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return s
	}
	return time.Unix(sec, 0).UTC().Format("2 Jan 2006")
}

func address(a *mAddress) string {
	if a == nil {
		return ""
	}
	var parts []string
	for _, p := range []str{a.Street1, a.Street2, a.City, a.State, a.PostalCode, a.Country} {
		if p != "" {
			parts = append(parts, string(p))
		}
	}
	return strings.Join(parts, ", ")
}

// param is a template parameter's value as the user reads it. Currency and
// date parameters show their fallback value, as WhatsApp does where it does
// not localise.
func param(p waParameter) string {
	switch {
	case p.Text != "":
		return string(p.Text)
	case p.Payload != "":
		return string(p.Payload)
	case p.Currency != nil && p.Currency.FallbackValue != "":
		return string(p.Currency.FallbackValue)
	case p.Currency != nil:
		if f, err := strconv.ParseFloat(string(p.Currency.Amount1000), 64); err == nil {
			return amount(p.Currency.Code, str(strconv.FormatFloat(f/1000, 'f', 2, 64)))
		}
	case p.DateTime != nil:
		return string(p.DateTime.FallbackValue)
	}
	if m := headerMedia(p); m != nil {
		return string(m.Link)
	}
	return ""
}

// headerMedia is the image, video or document a parameter carries.
func headerMedia(p waParameter) *waMedia {
	switch {
	case p.Image != nil:
		return p.Image
	case p.Video != nil:
		return p.Video
	default:
		return p.Document
	}
}

var formatting = regexp.MustCompile("```[^`]+```|\\*[^*\\n]+\\*|_[^_\\n]+_|~[^~\\n]+~")

// formatted applies WhatsApp's *bold*, _italic_, ~strike~ and ```mono```
// to text, escaping every character of it first.
func formatted(v any) template.HTML {
	text := text(v)
	var b strings.Builder
	last := 0
	for _, m := range formatting.FindAllStringIndex(text, -1) {
		b.WriteString(template.HTMLEscapeString(text[last:m[0]]))
		match := text[m[0]:m[1]]
		tag, inner := "strong", match[1:len(match)-1]
		switch match[0] {
		case '_':
			tag = "em"
		case '~':
			tag = "s"
		case '`':
			tag, inner = "code", match[3:len(match)-3]
		}
		b.WriteString("<" + tag + ">" + template.HTMLEscapeString(inner) + "</" + tag + ">")
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(b.String())
}

// negative shows a receipt adjustment as the deduction it is.
func negative(s str) str {
	if s == "" || strings.HasPrefix(string(s), "-") {
		return s
	}
	return "-" + s
}

// text is a template value as a string: the templates mix str fields and
// the strings funcs return.
func text(v any) string {
	switch v := v.(type) {
	case str:
		return string(v)
	case string:
		return v
	}
	return ""
}

// ctaTexts are the button labels Messenger shows for an opt-in request's
// notification_messages_cta_text.
var ctaTexts = map[string]string{"ALLOW": "Allow messages", "GET": "Get messages", "GET_UPDATES": "Get updates",
	"OPT_IN": "Opt in to messages", "SIGN_UP": "Sign up for messages"}

func cta(v any) string {
	if t, ok := ctaTexts[strings.ToUpper(text(v))]; ok {
		return t
	}
	if text(v) != "" {
		return text(v)
	}
	return "Get messages"
}
