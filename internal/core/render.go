package core

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Placeholders look like {{points}}; spaces inside the braces are tolerated
// ({{ points }}) because a customer must never receive one unreplaced.
var placeholderRE = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// ProfileFields are the placeholders filled from the user's Messenger profile.
var ProfileFields = []string{"first_name", "last_name", "id", "locale", "gender"}

// ReservedParams may not be set as parameters: they always hold the user's name.
var ReservedParams = []string{"first_name", "last_name"}

var paramNameRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// ValidateParamName checks a parameter key: [A-Za-z0-9_]+, case-sensitive, not reserved.
func ValidateParamName(path, name string) error {
	if err := CheckName(path, name); err != nil {
		return err
	}
	if !paramNameRE.MatchString(name) {
		return Invalid(path, "parameter name %q must consist of letters, digits and underscores", name)
	}
	for _, r := range ReservedParams {
		if name == r {
			return Invalid(path, "parameter name %q is reserved for the user's profile", name)
		}
	}
	return nil
}

// MaxBlockNameLen bounds block names, which travel in postback payloads.
const MaxBlockNameLen = 100

// ValidateName checks a block name: case-sensitive, spaces allowed (seed 000
// asks callers to match "spaces and case exactly"), no slashes or control characters.
func ValidateName(path, name string) error {
	if name == "" || strings.TrimSpace(name) != name {
		return Invalid(path, "block name %q must be non-empty without leading or trailing spaces", name)
	}
	if utf8.RuneCountInString(name) > MaxBlockNameLen {
		return Invalid(path, "block name is longer than %d characters", MaxBlockNameLen)
	}
	for _, r := range name {
		if r == '/' || unicode.IsControl(r) {
			return Invalid(path, "block name %q may not contain slashes or control characters", name)
		}
	}
	return nil
}

// Unfilled says what happens to a placeholder no variable fills.
type Unfilled string

const (
	UnfilledReject Unfilled = "reject" // refuse the send, naming the key
	UnfilledEmpty  Unfilled = "empty"  // replace with nothing
	UnfilledKeep   Unfilled = "keep"   // leave the placeholder as written
)

// Vars fills placeholders. Lookup order: per-send params, then stored contact
// params, then the profile; first_name and last_name come only from the profile.
type Vars struct {
	Profile map[string]string
	Stored  map[string]string
	Send    map[string]string
}

func (v Vars) lookup(key string) (string, bool) {
	if key != "first_name" && key != "last_name" {
		if s, ok := v.Send[key]; ok {
			return s, true
		}
		if s, ok := v.Stored[key]; ok {
			return s, true
		}
	}
	s, ok := v.Profile[key]
	return s, ok
}

// Render returns a copy of m with placeholders replaced in text, titles,
// subtitles and button titles (seed 001's rules). It never modifies m.
func Render(m Message, vars Vars, mode Unfilled, path string) (Message, error) {
	r := renderer{vars: vars, mode: mode}
	out := r.message(m, path)
	if r.err != nil {
		return Message{}, r.err
	}
	return out, nil
}

// Placeholders lists the distinct placeholder keys used in m, in order of first use.
func Placeholders(m Message) []string {
	r := renderer{mode: UnfilledKeep, used: map[string]bool{}}
	r.message(m, "")
	return r.keys
}

// renderer walks every field that may carry placeholders; Render and
// Placeholders share it so the two never disagree about which fields those are.
// Paths are built only for an error, as closures: rendering is on every send.
type renderer struct {
	vars Vars
	mode Unfilled
	err  error
	used map[string]bool // non-nil: collect keys into keys
	keys []string
}

func (r *renderer) message(m Message, path string) Message {
	out := m
	out.Text = r.fill(m.Text, func() string { return path + ".text" })
	if m.Attachment != nil {
		a := *m.Attachment
		a.Payload = r.payload(a.Payload, path+".attachment.payload")
		out.Attachment = &a
	}
	if m.QuickReplies != nil {
		out.QuickReplies = make([]QuickReply, len(m.QuickReplies))
		for i, qr := range m.QuickReplies {
			qr.Title = r.fill(qr.Title, func() string { return fmt.Sprintf("%s.quick_replies[%d].title", path, i) })
			out.QuickReplies[i] = qr
		}
	}
	return out
}

func (r *renderer) payload(p Payload, path string) Payload {
	p.Text = r.fill(p.Text, func() string { return path + ".text" })
	p.Title = r.fill(p.Title, func() string { return path + ".title" })
	// A receipt's words reach the customer as they are.
	p.RecipientName = r.fill(p.RecipientName, func() string { return path + ".recipient_name" })
	p.MerchantName = r.fill(p.MerchantName, func() string { return path + ".merchant_name" })
	p.OrderNumber = r.fill(p.OrderNumber, func() string { return path + ".order_number" })
	p.PaymentMethod = r.fill(p.PaymentMethod, func() string { return path + ".payment_method" })
	if p.Address != nil {
		a := *p.Address
		for _, f := range []struct {
			name string
			v    *string
		}{{"street_1", &a.Street1}, {"street_2", &a.Street2}, {"city", &a.City}, {"postal_code", &a.PostalCode}, {"state", &a.State}, {"country", &a.Country}} {
			*f.v = r.fill(*f.v, func() string { return path + ".address." + f.name })
		}
		p.Address = &a
	}
	if p.Adjustments != nil {
		adjustments := make([]Adjustment, len(p.Adjustments))
		for i, adj := range p.Adjustments {
			adj.Name = r.fill(adj.Name, func() string { return fmt.Sprintf("%s.adjustments[%d].name", path, i) })
			adjustments[i] = adj
		}
		p.Adjustments = adjustments
	}
	p.Buttons = r.buttons(p.Buttons, func() string { return path + ".buttons" })
	if p.Elements != nil {
		elements := make([]Element, len(p.Elements))
		for i, e := range p.Elements {
			ep := func() string { return fmt.Sprintf("%s.elements[%d]", path, i) }
			e.Title = r.fill(e.Title, func() string { return ep() + ".title" })
			e.Subtitle = r.fill(e.Subtitle, func() string { return ep() + ".subtitle" })
			e.Buttons = r.buttons(e.Buttons, func() string { return ep() + ".buttons" })
			elements[i] = e
		}
		p.Elements = elements
	}
	return p
}

func (r *renderer) buttons(buttons []Button, path func() string) []Button {
	if buttons == nil {
		return nil
	}
	out := make([]Button, len(buttons))
	for i, b := range buttons {
		b.Title = r.fill(b.Title, func() string { return fmt.Sprintf("%s[%d].title", path(), i) })
		out[i] = b
	}
	return out
}

func (r *renderer) fill(s string, path func() string) string {
	if r.err != nil || !strings.Contains(s, "{{") {
		return s
	}
	out := placeholderRE.ReplaceAllStringFunc(s, func(ph string) string {
		key := placeholderRE.FindStringSubmatch(ph)[1]
		if r.used != nil && !r.used[key] {
			r.used[key] = true
			r.keys = append(r.keys, key)
		}
		if v, ok := r.vars.lookup(key); ok {
			return v
		}
		switch r.mode {
		case UnfilledEmpty:
			return ""
		case UnfilledKeep:
			return ph
		}
		if r.err == nil {
			r.err = Invalid(path(), "placeholder {{%s}} has no value: pass it in params or set it on the contact", key)
		}
		return ph
	})
	// Braces around a placeholder ({{{{points}}}}) make a new placeholder of
	// its value ("{{120}}"); in reject mode none may reach the customer.
	if r.mode == UnfilledReject && r.err == nil && enclosedRE.MatchString(placeholderRE.ReplaceAllString(s, "\x00")) {
		r.err = Invalid(path(), "braces around a placeholder would reach the customer as raw {{…}}; remove the extra braces")
	}
	return out
}

// enclosedRE finds braces enclosing a placeholder once each placeholder is
// replaced by a NUL, which cannot occur in a name.
var enclosedRE = regexp.MustCompile(`\{\{[^{}]*\x00[^{}]*\}\}`)

// ForGraph returns m as Graph takes it: block buttons become postbacks whose
// payload names the block. It never modifies m.
func ForGraph(m Message) Message {
	if m.Attachment == nil {
		return m
	}
	a := *m.Attachment
	a.Payload.Buttons = postbacks(a.Payload.Buttons)
	if a.Payload.Elements != nil {
		elements := slices.Clone(a.Payload.Elements)
		for i := range elements {
			elements[i].Buttons = postbacks(elements[i].Buttons)
		}
		a.Payload.Elements = elements
	}
	m.Attachment = &a
	return m
}

func postbacks(buttons []Button) []Button {
	if !slices.ContainsFunc(buttons, func(b Button) bool { return b.Type == "block" }) {
		return buttons
	}
	out := slices.Clone(buttons)
	for i, b := range out {
		if b.Type == "block" {
			out[i] = Button{Type: "postback", Title: b.Title, Payload: BlockPayloadPrefix + b.BlockName}
		}
	}
	return out
}
