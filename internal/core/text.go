package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// botgate's one rule for the text it accepts, decided at the edge so that
// SQLite and PostgreSQL behave the same: every string is valid UTF-8 and
// holds no NUL character. PostgreSQL's text cannot store NUL or invalid
// UTF-8 (SQLite would), and no Messenger or WhatsApp field has a use for
// either; a string that breaks the rule is refused with KindBadText naming
// its field, never stored and never repaired.

// CheckString applies the text rule to one value, field naming it.
func CheckString(field, s string) error {
	switch {
	case !utf8.ValidString(s):
		return &Error{Kind: KindBadText, Field: field, Message: field + ": is not valid UTF-8"}
	case strings.IndexByte(s, 0) >= 0:
		return &Error{Kind: KindBadText, Field: field, Message: field + ": contains a NUL character (\\u0000)"}
	}
	return nil
}

// CheckJSON applies the text rule to every key and string of a JSON
// document, and refuses an object that gives a key twice (encoding/json
// would quietly keep the last, so a caller's first value would be lost).
// Fields are named by their path below root, e.g. "request.meta.note" or
// "message.quick_replies[1].title". Malformed JSON is left to the decoder
// that follows, which describes it better.
func CheckJSON(raw []byte, root string) error {
	if !json.Valid(raw) {
		return nil
	}
	type frame struct {
		path    string
		object  bool
		index   int
		key     string
		wantKey bool
		seen    map[string]bool
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or malformed (json.Valid said it is not)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if top != nil && top.object && top.wantKey {
			key := tok.(string)
			p := join(top.path, key)
			if err := checkRaw(raw[before:dec.InputOffset()], key, p); err != nil {
				return err
			}
			if top.seen[key] {
				return &Error{Kind: KindInvalid, Field: p, Message: p + ": appears more than once"}
			}
			top.seen[key], top.key, top.wantKey = true, key, false
			continue
		}
		path := root
		switch {
		case top != nil && top.object:
			path, top.wantKey = join(top.path, top.key), true
		case top != nil:
			path = fmt.Sprintf("%s[%d]", top.path, top.index)
			top.index++
		}
		switch v := tok.(type) {
		case json.Delim:
			stack = append(stack, &frame{path: path, object: v == '{', wantKey: v == '{', seen: map[string]bool{}})
		case string:
			if err := checkRaw(raw[before:dec.InputOffset()], v, path); err != nil {
				return err
			}
		}
	}
}

// checkRaw applies the rule to a string token: its raw bytes must be valid
// UTF-8 (the decoder replaces invalid bytes with U+FFFD, so the decoded
// value cannot tell), and its decoded value must hold no NUL.
func checkRaw(segment []byte, decoded, field string) error {
	if field == "" {
		field = "(body)"
	}
	if !utf8.Valid(segment) {
		return &Error{Kind: KindBadText, Field: field, Message: field + ": is not valid UTF-8"}
	}
	return CheckString(field, decoded)
}
