package core

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// WATemplateDef is a template of a WhatsApp Business Account, as botgate
// keeps its copy: what Graph lists (GRAPH-FACTS), keyed by name and language.
type WATemplateDef struct {
	ID              string                `json:"id,omitempty"`
	Name            string                `json:"name"`
	Language        string                `json:"language"`
	Category        string                `json:"category"`
	Status          string                `json:"status,omitempty"`
	ParameterFormat string                `json:"parameter_format,omitempty"` // POSITIONAL (default) or NAMED
	Components      []WATemplateComponent `json:"components"`
	Quality         string                `json:"quality,omitempty"` // GREEN, YELLOW, RED, UNKNOWN
	Reason          string                `json:"reason,omitempty"`  // why rejected or paused
	UpdatedAt       time.Time             `json:"updated_at,omitzero"`
}

// WATemplateComponent is a component of a template's definition.
type WATemplateComponent struct {
	Type    string             `json:"type"`             // HEADER, BODY, FOOTER, BUTTONS
	Format  string             `json:"format,omitempty"` // a header's: TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION
	Text    string             `json:"text,omitempty"`
	Buttons []WATemplateButton `json:"buttons,omitempty"`
	Example json.RawMessage    `json:"example,omitempty"`
}

// WATemplateButton is a button of a template's definition.
type WATemplateButton struct {
	Type        string          `json:"type"` // QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE
	Text        string          `json:"text,omitempty"`
	URL         string          `json:"url,omitempty"`
	PhoneNumber string          `json:"phone_number,omitempty"`
	Example     json.RawMessage `json:"example,omitempty"`
}

// Template statuses (GRAPH-FACTS).
const (
	TemplateApproved = "APPROVED"
	TemplatePending  = "PENDING"
	TemplateRejected = "REJECTED"
	TemplatePaused   = "PAUSED"
	TemplateDisabled = "DISABLED"
)

// CategoryMarketing is the category a user may stop (131050).
const CategoryMarketing = "MARKETING"

var templateVarRE = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// FillTemplate puts values in a template text's placeholders, each by its
// name or number ({{1}} is values["1"]); one without a value is left empty,
// as Graph would refuse the send before anyone saw it.
func FillTemplate(text string, values map[string]string) string {
	return templateVarRE.ReplaceAllStringFunc(text, func(m string) string { return values[templateVarRE.FindStringSubmatch(m)[1]] })
}

// TemplatePlaceholders are the parameters a text names, in order.
func TemplatePlaceholders(text string) []string {
	var out []string
	for _, m := range templateVarRE.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// CheckSend checks a send of the template as Graph would, before it leaves:
// the status (132001 not approved, 132015 paused, 132016 disabled), each
// component's parameters in count and names (132000), media headers, and
// the hydrated texts' lengths (132005). It records the category on t.
func (d *WATemplateDef) CheckSend(t *WATemplate) error {
	name := fmt.Sprintf("template %s (%s)", d.Name, d.Language)
	switch d.Status {
	case TemplateApproved:
	case TemplatePaused:
		return TemplateRefusal(WATemplatePaused, "", "%s is paused for low quality%s; it cannot be sent until WhatsApp unpauses it", name, reason(d.Reason))
	case TemplateDisabled:
		return TemplateRefusal(WATemplateDisabled, "", "%s is disabled%s", name, reason(d.Reason))
	default:
		return TemplateRefusal(WATemplatePending, "", "%s is %s, not approved%s; only approved templates can be sent", name, d.Status, reason(d.Reason))
	}
	t.Category = d.Category
	given := map[string]*WATemplateSendPart{}
	for i := range t.Components {
		c := &t.Components[i]
		key := c.Type
		if c.Type == "button" {
			key = "button" + c.Index
		}
		if given[key] != nil {
			return TemplateRefusal(WATemplateParams, fmt.Sprintf("template.components[%d]", i), "gives the %s's parameters a second time", key)
		}
		given[key] = c
	}
	for _, comp := range d.Components {
		switch comp.Type {
		case "HEADER":
			if err := d.checkHeader(comp, given["header"]); err != nil {
				return err
			}
			delete(given, "header")
		case "BODY":
			if err := d.checkText("body", comp.Text, given["body"], MaxWATemplateParam); err != nil {
				return err
			}
			delete(given, "body")
		case "BUTTONS":
			for i, b := range comp.Buttons {
				key := "button" + strconv.Itoa(i)
				if err := checkButton(b, i, given[key]); err != nil {
					return err
				}
				delete(given, key)
			}
		}
	}
	for key, c := range given {
		if len(c.Parameters) > 0 {
			return TemplateRefusal(WATemplateParams, "template.components", "%s has no %s with parameters, but %d are given", name, key, len(c.Parameters))
		}
	}
	return nil
}

func reason(r string) string {
	if r == "" || r == "NONE" {
		return ""
	}
	return " (" + r + ")"
}

// checkText compares a text component's placeholders with the parameters
// given for it and checks the text they make.
func (d *WATemplateDef) checkText(part, text string, given *WATemplateSendPart, max int) error {
	want := TemplatePlaceholders(text)
	var params []WAParam
	if given != nil {
		params = given.Parameters
	}
	field := "template.components(" + part + ").parameters"
	if len(params) != len(want) {
		return TemplateRefusal(WATemplateParams, field, "the %s has %d parameters (%s), %d are given", part, len(want), strings.Join(want, ", "), len(params))
	}
	values := map[string]string{}
	for i, p := range params {
		key := strconv.Itoa(i + 1)
		if d.ParameterFormat == "NAMED" {
			if !slices.Contains(want, p.ParameterName) {
				return TemplateRefusal(WATemplateParams, field, "the %s has no parameter %q; it has %s", part, p.ParameterName, strings.Join(want, ", "))
			}
			key = p.ParameterName
		} else if p.ParameterName != "" {
			return TemplateRefusal(WATemplateParams, field, "the template's parameters are positional; %q is a name", p.ParameterName)
		}
		values[key] = p.Text
	}
	hydrated := FillTemplate(text, values)
	if n := utf8.RuneCountInString(hydrated); n > max {
		return TemplateRefusal(WATemplateTooLong, field, "the %s with its parameters is %d characters; at most %d are allowed", part, n, max)
	}
	return nil
}

func (d *WATemplateDef) checkHeader(comp WATemplateComponent, given *WATemplateSendPart) error {
	switch comp.Format {
	case "", "TEXT":
		return d.checkText("header", comp.Text, given, MaxWAHeaderParam)
	case "IMAGE", "VIDEO", "DOCUMENT":
		kind := strings.ToLower(comp.Format)
		if given == nil || len(given.Parameters) != 1 || given.Parameters[0].Type != kind {
			return TemplateRefusal(WATemplateParams, "template.components(header).parameters",
				"the header is an %s: give one parameter {\"type\":%q,%q:{\"link\":…} or {\"id\":…}}", kind, kind, kind)
		}
	}
	return nil
}

func checkButton(b WATemplateButton, i int, given *WATemplateSendPart) error {
	field := fmt.Sprintf("template.components(button %d).parameters", i)
	n := 0
	if given != nil {
		n = len(given.Parameters)
	}
	switch b.Type {
	case "URL":
		if want := len(TemplatePlaceholders(b.URL)); n != want {
			return TemplateRefusal(WATemplateParams, field, "URL button %d has %d parameters, %d are given", i, want, n)
		}
	case "COPY_CODE":
		if n != 1 {
			return TemplateRefusal(WATemplateParams, field, "copy-code button %d needs its coupon_code parameter", i)
		}
	case "QUICK_REPLY":
		if n > 1 {
			return TemplateRefusal(WATemplateParams, field, "quick-reply button %d takes one payload, %d are given", i, n)
		}
	default:
		if n > 0 {
			return TemplateRefusal(WATemplateParams, field, "%s button %d takes no parameters", strings.ToLower(b.Type), i)
		}
	}
	return nil
}

// TemplateStatusEvent is what the merchant's webhook URL receives when a
// template's status changes (a review's result, a pause, a sync finding a
// change): botgate's own event, beside the Meta events it forwards.
type TemplateStatusEvent struct {
	Event    string    `json:"event,omitempty"`  // template.status_changed; in the webhook URL's body only
	BotID    string    `json:"bot_id,omitempty"` // likewise
	WABAID   string    `json:"waba_id"`
	Name     string    `json:"name"`
	Language string    `json:"language"`
	From     string    `json:"from,omitempty"` // the status before, when known
	Status   string    `json:"status"`
	Reason   string    `json:"reason,omitempty"`
	At       time.Time `json:"at"`
}

// EventTemplateStatus names TemplateStatusEvent.
const EventTemplateStatus = "template.status_changed"
