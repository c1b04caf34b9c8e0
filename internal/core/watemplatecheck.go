package core

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Template definition limits (GRAPH-FACTS "WhatsApp message templates").
const (
	MaxTemplateBody       = 1024
	MaxTemplateHeaderText = 60
	MaxTemplateFooter     = 60
	MaxWATemplateButtons  = 10
	MaxQuickReplyText     = 25
	MaxURLButtons         = 2
	MaxPhoneButtons       = 1
)

// TemplateCategories are the categories a template is submitted under.
var TemplateCategories = []string{"MARKETING", "UTILITY", "AUTHENTICATION"}

// Validate checks a template before it is submitted for review, as Meta's
// review would refuse it at once: the name, category and language, the
// components and their limits, parameters numbered in order ({{1}}, {{2}},
// …) or named with parameter_format NAMED, and an example for each.
func (d *WATemplateDef) Validate() error {
	switch {
	case d.Name == "":
		return Missing("name")
	case len(d.Name) > MaxWATemplateName || !templateNameRE.MatchString(d.Name):
		return Invalid("name", "must be lowercase letters, digits and underscores, at most %d, not %q", MaxWATemplateName, d.Name)
	case !slices.Contains(TemplateCategories, d.Category):
		return Invalid("category", "must be MARKETING, UTILITY or AUTHENTICATION, not %q", d.Category)
	case d.Language == "":
		return Missing("language")
	case !languageRE.MatchString(d.Language):
		return Invalid("language", "must be a language code such as en_US, en or pt_BR, not %q", d.Language)
	case d.ParameterFormat != "" && d.ParameterFormat != "POSITIONAL" && d.ParameterFormat != "NAMED":
		return Invalid("parameter_format", "must be POSITIONAL or NAMED, not %q", d.ParameterFormat)
	}
	seen := map[string]bool{}
	for i, c := range d.Components {
		at := fmt.Sprintf("components[%d]", i)
		if seen[c.Type] {
			return Invalid(at+".type", "a template has one %s", c.Type)
		}
		seen[c.Type] = true
		var err error
		switch c.Type {
		case "HEADER":
			err = d.validateHeader(c, at)
		case "BODY":
			err = d.validateTextPart(c, at, MaxTemplateBody, "body_text")
		case "FOOTER":
			err = maxLen(at+".text", c.Text, MaxTemplateFooter)
			if err == nil && len(TemplatePlaceholders(c.Text)) > 0 {
				err = Invalid(at+".text", "a footer takes no parameters")
			}
		case "BUTTONS":
			err = validateTemplateButtons(c.Buttons, at+".buttons")
		default:
			err = Invalid(at+".type", "must be HEADER, BODY, FOOTER or BUTTONS, not %q", c.Type)
		}
		if err != nil {
			return err
		}
	}
	if !seen["BODY"] {
		return Missing("components (a BODY)")
	}
	return nil
}

func (d *WATemplateDef) validateHeader(c WATemplateComponent, at string) error {
	switch c.Format {
	case "TEXT":
		if len(TemplatePlaceholders(c.Text)) > 1 {
			return Invalid(at+".text", "a text header has at most one parameter")
		}
		return d.validateTextPart(c, at, MaxTemplateHeaderText, "header_text")
	case "IMAGE", "VIDEO", "DOCUMENT":
		if !hasExample(c.Example, "header_handle") {
			return Missing(at + ".example.header_handle")
		}
		return nil
	case "LOCATION":
		return nil
	}
	return Invalid(at+".format", "must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION, not %q", c.Format)
}

// validateTextPart checks a text's length and its parameters: numbered
// from 1 in order, or named, with the example Meta's review needs.
func (d *WATemplateDef) validateTextPart(c WATemplateComponent, at string, max int, example string) error {
	if c.Text == "" {
		return Missing(at + ".text")
	}
	if err := maxLen(at+".text", c.Text, max); err != nil {
		return err
	}
	params := TemplatePlaceholders(c.Text)
	if len(params) == 0 {
		return nil
	}
	if d.ParameterFormat == "NAMED" {
		for _, p := range params {
			if !templateParamRE.MatchString(p) {
				return Invalid(at+".text", "named parameter {{%s}} must be lowercase letters, digits and underscores", p)
			}
		}
		example += "_named_params"
	} else {
		for i, p := range params {
			if p != strconv.Itoa(i+1) {
				return Invalid(at+".text", "parameters are numbered in order from {{1}}; the %d. is {{%s}} (set parameter_format NAMED for named ones)", i+1, p)
			}
		}
	}
	if !hasExample(c.Example, example) {
		return Missing(at + ".example." + example)
	}
	return nil
}

func validateTemplateButtons(buttons []WATemplateButton, at string) error {
	if len(buttons) == 0 || len(buttons) > MaxWATemplateButtons {
		return Invalid(at, "must have 1 to %d buttons, not %d", MaxWATemplateButtons, len(buttons))
	}
	count := map[string]int{}
	for i, b := range buttons {
		bat := fmt.Sprintf("%s[%d]", at, i)
		count[b.Type]++
		switch b.Type {
		case "QUICK_REPLY":
			if err := requiredLen(bat+".text", b.Text, MaxQuickReplyText); err != nil {
				return err
			}
		case "URL":
			if err := requiredLen(bat+".text", b.Text, MaxQuickReplyText); err != nil {
				return err
			}
			if err := requiredURL(bat+".url", templateVarRE.ReplaceAllString(b.URL, "x")); err != nil {
				return err
			}
			if len(TemplatePlaceholders(b.URL)) > 0 && len(b.Example) == 0 {
				return Missing(bat + ".example")
			}
		case "PHONE_NUMBER":
			if err := requiredLen(bat+".text", b.Text, MaxQuickReplyText); err != nil {
				return err
			}
			if _, err := NormalizePhone(b.PhoneNumber, "", bat+".phone_number"); err != nil {
				return err
			}
		case "COPY_CODE":
		default:
			return Invalid(bat+".type", "must be QUICK_REPLY, URL, PHONE_NUMBER or COPY_CODE, not %q", b.Type)
		}
	}
	switch {
	case count["URL"] > MaxURLButtons:
		return Invalid(at, "has %d URL buttons; at most %d are allowed", count["URL"], MaxURLButtons)
	case count["PHONE_NUMBER"] > MaxPhoneButtons:
		return Invalid(at, "has %d phone-number buttons; at most %d is allowed", count["PHONE_NUMBER"], MaxPhoneButtons)
	}
	return nil
}

// hasExample reports whether a component's example holds key, non-empty.
func hasExample(example json.RawMessage, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(example, &m) != nil {
		return false
	}
	v := m[key]
	return len(v) > 0 && string(v) != "null" && string(v) != "[]" && string(v) != `""` && utf8.Valid(v)
}
