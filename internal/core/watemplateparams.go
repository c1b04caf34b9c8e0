package core

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// FillParams turns the Meetbot-style Params into the send's components, by
// name, as the Cloud API takes named parameters (GRAPH-FACTS): a name in a
// text header fills the header, a name in the body fills the body, each as
// {"type":"text","parameter_name":…,"text":…}; a URL button's suffix is
// filled by its placeholder's name, or, when the suffix is numbered
// ({{1}}, as Meta writes URL buttons), by "button_<index>" — button
// parameters carry no parameter_name, a button having one suffix. A name
// the template does not have is refused (132000); so is a name also given
// in the components. Without the definition (a number without waba_id, so
// no local copy) every name fills the body, in the order of the names.
func (t *WATemplate) FillParams(d *WATemplateDef) error {
	if len(t.Params) == 0 {
		return nil
	}
	defer func() { t.Params = nil }()
	if d == nil {
		for _, k := range slices.Sorted(maps.Keys(t.Params)) {
			if err := t.addParam("body", "", WAParam{Type: "text", ParameterName: k, Text: t.Params[k]}, k); err != nil {
				return err
			}
		}
		return nil
	}
	used := map[string]bool{}
	take := func(name string) (string, bool) {
		v, ok := t.Params[name]
		if ok {
			used[name] = true
		}
		return v, ok
	}
	for _, c := range d.Components {
		switch {
		case c.Type == "HEADER" && (c.Format == "TEXT" || c.Format == ""), c.Type == "BODY":
			part := map[string]string{"HEADER": "header", "BODY": "body"}[c.Type]
			for _, name := range TemplatePlaceholders(c.Text) {
				if v, ok := take(name); ok {
					if err := t.addParam(part, "", WAParam{Type: "text", ParameterName: name, Text: v}, name); err != nil {
						return err
					}
				}
			}
		case c.Type == "BUTTONS":
			for i, b := range c.Buttons {
				if b.Type != "URL" {
					continue
				}
				for _, name := range TemplatePlaceholders(b.URL) {
					key := name
					if _, err := strconv.Atoi(name); err == nil {
						key = "button_" + strconv.Itoa(i)
					}
					if v, ok := take(key); ok {
						if err := t.addParam("button", strconv.Itoa(i), WAParam{Type: "text", Text: v}, key); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(t.Params)) {
		if !used[k] {
			return TemplateRefusal(WATemplateParams, "template.params."+k, "template %s (%s) has no parameter %q in its header, body or URL buttons", d.Name, d.Language, k)
		}
	}
	return nil
}

// addParam adds p to the send's component part (a button's at index),
// creating the component when the send has none.
func (t *WATemplate) addParam(part, index string, p WAParam, key string) error {
	i := slices.IndexFunc(t.Components, func(c WATemplateSendPart) bool { return c.Type == part && c.Index == index })
	if i < 0 {
		c := WATemplateSendPart{Type: part}
		if part == "button" {
			c.SubType, c.Index = "url", index
		}
		t.Components = append(t.Components, c)
		i = len(t.Components) - 1
	}
	c := &t.Components[i]
	if part == "button" && len(c.Parameters) > 0 {
		return Invalid("template.params."+key, "is also given in button %s's parameters; give it once", index)
	}
	for _, q := range c.Parameters {
		if p.ParameterName != "" && q.ParameterName == p.ParameterName {
			return Invalid("template.params."+key, "is also given in the %s's parameters; give it once", part)
		}
	}
	c.Parameters = append(c.Parameters, p)
	return validateParam(&c.Parameters[len(c.Parameters)-1], part, fmt.Sprintf("template.params.%s", key))
}
