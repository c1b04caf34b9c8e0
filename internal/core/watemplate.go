package core

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// WATemplate is a template send in the Cloud API's own shape (GRAPH-FACTS
// "WhatsApp message templates"): a name, a language and the components'
// parameters. Params is the Meetbot-style convenience: values for named
// parameters, turned into components before the send is accepted.
type WATemplate struct {
	Name       string               `json:"name"`
	Language   WALanguage           `json:"language"`
	Components []WATemplateSendPart `json:"components,omitempty"`
	Params     map[string]string    `json:"params,omitempty"`
	// Category is the template's, from the local copy of the WABA's
	// templates when known: the message log keeps it.
	Category string `json:"category,omitempty"`
}

// WALanguage is a template's language: {"code":"en_US"} as the Cloud API
// has it, or the code alone, which callers often write.
type WALanguage struct {
	Code string `json:"code"`
}

func (l *WALanguage) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &l.Code)
	}
	type plain WALanguage
	return json.Unmarshal(b, (*plain)(l))
}

// WATemplateSendPart is a component's parameters in a template send.
type WATemplateSendPart struct {
	Type       string    `json:"type"`               // header, body, button
	SubType    string    `json:"sub_type,omitempty"` // quick_reply, url, copy_code (buttons)
	Index      string    `json:"index,omitempty"`    // the button's position, "0" first
	Parameters []WAParam `json:"parameters,omitempty"`
}

// WAParam is one parameter value of a template send.
type WAParam struct {
	Type          string          `json:"type"`
	ParameterName string          `json:"parameter_name,omitempty"`
	Text          string          `json:"text,omitempty"`
	Payload       string          `json:"payload,omitempty"`
	Image         *WAMediaRef     `json:"image,omitempty"`
	Video         *WAMediaRef     `json:"video,omitempty"`
	Document      *WAMediaRef     `json:"document,omitempty"`
	Currency      json.RawMessage `json:"currency,omitempty"`
	DateTime      json.RawMessage `json:"date_time,omitempty"`
	CouponCode    string          `json:"coupon_code,omitempty"`
}

// WAMediaRef is media by link or by an uploaded id.
type WAMediaRef struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// Graph's codes for template sends it refuses (GRAPH-FACTS): botgate
// refuses the same sends before any request leaves, with the same code.
const (
	WATemplateParams   = 132000 // parameter count or names do not match
	WATemplateMissing  = 132001 // no such template in that language
	WATemplateTooLong  = 132005 // a parameter's text is too long
	WATemplatePending  = 132001 // not approved yet: Graph answers as for a missing one
	WATemplatePaused   = 132015
	WATemplateDisabled = 132016
	WAFrequencyCapped  = 131049 // a marketing template held back for the user's engagement
	WAMarketingStopped = 131050 // the user stopped marketing messages
)

// TemplateRefusal is a template send refused before sending, for what
// Graph would refuse it with code: a KindPolicy error whose Subcode is
// Graph's code, which the message names too.
func TemplateRefusal(code int, field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + ": " + msg
	}
	return &Error{Kind: KindPolicy, Field: field, Subcode: code, Message: fmt.Sprintf("(#%d) %s", code, msg)}
}

// Template limits (GRAPH-FACTS).
const (
	MaxWATemplateName  = 512
	MaxWATemplateParam = 1024 // a body parameter can be no longer than the body
	MaxWAHeaderParam   = 60
	MaxWAButtonParam   = 2000 // a URL suffix; Meta documents none tighter
)

var (
	templateNameRE  = regexp.MustCompile(`^[a-z0-9_]+$`)
	templateParamRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	languageRE      = regexp.MustCompile(`^[a-z]{2,3}(_[A-Za-z0-9]{2,4})?$`)
	paramTypes      = map[string][]string{
		"header": {"text", "image", "video", "document", "location"},
		"body":   {"text", "currency", "date_time"},
		"button": {"payload", "text", "coupon_code"},
	}
)

// validateWATemplate checks a template send's own shape, before the local
// copy of the template says more: the name, the language, each component's
// type and each parameter's value. Params are filled in once the
// template's definition is known (FillParams).
func validateWATemplate(t *WATemplate) error {
	const at = "template"
	switch {
	case t == nil:
		return Missing(at)
	case t.Name == "":
		return Missing(at + ".name")
	case len(t.Name) > MaxWATemplateName || !templateNameRE.MatchString(t.Name):
		return Invalid(at+".name", "must be lowercase letters, digits and underscores, at most %d, not %q", MaxWATemplateName, t.Name)
	case t.Language.Code == "":
		return Missing(at + ".language.code")
	case !languageRE.MatchString(t.Language.Code):
		return Invalid(at+".language.code", "must be a language code such as en_US, en or pt_BR, not %q", t.Language.Code)
	}
	for _, k := range slices.Sorted(maps.Keys(t.Params)) {
		if !templateParamRE.MatchString(k) {
			return Invalid("template.params."+k, "a template parameter's name is lowercase letters, digits and underscores")
		}
	}
	for i := range t.Components {
		if err := validateTemplatePart(&t.Components[i], fmt.Sprintf("%s.components[%d]", at, i)); err != nil {
			return err
		}
	}
	return nil
}

func validateTemplatePart(c *WATemplateSendPart, at string) error {
	c.Type = strings.ToLower(c.Type)
	types, ok := paramTypes[c.Type]
	if !ok {
		return Invalid(at+".type", "must be header, body or button, not %q", c.Type)
	}
	if c.Type == "button" {
		if !slices.Contains([]string{"quick_reply", "url", "copy_code"}, c.SubType) {
			return Invalid(at+".sub_type", "must be quick_reply, url or copy_code, not %q", c.SubType)
		}
		if c.Index == "" || strings.Trim(c.Index, "0123456789") != "" || len(c.Index) > 1 {
			return Invalid(at+".index", "must be the button's position, \"0\" to \"9\", not %q", c.Index)
		}
	}
	named := 0
	for i := range c.Parameters {
		p := &c.Parameters[i]
		pat := fmt.Sprintf("%s.parameters[%d]", at, i)
		if !slices.Contains(types, p.Type) {
			return Invalid(pat+".type", "must be one of %s in a %s, not %q", strings.Join(types, ", "), c.Type, p.Type)
		}
		if p.ParameterName != "" {
			named++
		}
		if err := validateParam(p, c.Type, pat); err != nil {
			return err
		}
	}
	if named != 0 && named != len(c.Parameters) {
		return Invalid(at+".parameters", "are all named (parameter_name) or all positional, not both")
	}
	return nil
}

func validateParam(p *WAParam, part, at string) error {
	switch p.Type {
	case "text":
		max := map[string]int{"header": MaxWAHeaderParam, "body": MaxWATemplateParam, "button": MaxWAButtonParam}[part]
		if p.Text == "" {
			return Missing(at + ".text")
		}
		if n := utf8.RuneCountInString(p.Text); n > max {
			return TemplateRefusal(WATemplateTooLong, at+".text", "is %d characters; a %s parameter may have at most %d", n, part, max)
		}
	case "payload":
		if p.Payload == "" {
			return Missing(at + ".payload")
		}
	case "image", "video", "document":
		ref := map[string]*WAMediaRef{"image": p.Image, "video": p.Video, "document": p.Document}[p.Type]
		switch {
		case ref == nil:
			return Missing(at + "." + p.Type)
		case ref.ID == "" && ref.Link == "":
			return Missing(at + "." + p.Type + ".link")
		case ref.ID != "" && ref.Link != "":
			return Invalid(at+"."+p.Type, "has both id and link; give one")
		case ref.Link != "":
			return requiredURL(at+"."+p.Type+".link", ref.Link)
		}
	case "currency", "date_time":
		raw := map[string]json.RawMessage{"currency": p.Currency, "date_time": p.DateTime}[p.Type]
		if len(raw) == 0 || string(raw) == "null" {
			return Missing(at + "." + p.Type)
		}
	case "coupon_code":
		if p.CouponCode == "" {
			return Missing(at + ".coupon_code")
		}
	}
	return nil
}

// GraphCode is Graph's error code for e: Graph's own refusal's code, or,
// for a WhatsApp send botgate refused before sending as Graph would (a
// template refusal: WhatsApp's codes are 130000–133999), that code; 0 when
// e says nothing of Graph.
func (e *Error) GraphCode() int {
	switch {
	case e.Upstream != nil:
		return e.Upstream.Code
	case e.Subcode >= 130000 && e.Subcode < 134000:
		return e.Subcode
	}
	return 0
}
