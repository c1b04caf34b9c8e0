package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// DecodeStrict decodes raw JSON into v (a pointer to a struct) and rejects
// unknown fields, repeated keys and values of the wrong type with a
// KindBadMessage error naming the field's full path below root, e.g.
// "message.attachment.payload.elements[1].title". encoding/json alone names
// neither unknown fields' paths nor array indexes, and quietly keeps the last
// of repeated keys; a field silently dropped would reach the customer as a
// different message.
func DecodeStrict(raw []byte, v any, root string) error {
	if !json.Valid(raw) {
		return syntaxError(raw, root)
	}
	if err := CheckJSON(raw, root); err != nil {
		return Rekind(err, KindBadMessage)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := walk(dec, reflect.TypeOf(v).Elem(), root); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return BadShape(root, "%v", jsonErrorText(err))
	}
	return nil
}

// syntaxError describes invalid JSON the way encoding/json's decoder does,
// with the byte offset.
func syntaxError(raw []byte, root string) error {
	var first any
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&first); err != nil {
		return BadShape(root, "is not valid JSON (%v)", jsonErrorText(err))
	}
	return BadShape(root, "%v", jsonErrorText(json.Unmarshal(raw, &first)))
}

var (
	numberType     = reflect.TypeOf(json.Number(""))
	flexStringType = reflect.TypeOf(FlexString(""))
	rawType        = reflect.TypeOf(json.RawMessage(nil))
	languageType   = reflect.TypeOf(WALanguage{}) // an object, or its code alone
)

// walk reads one JSON value from dec and checks it against t, in document order.
func walk(dec *json.Decoder, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return BadShape(path, "is not valid JSON (%v)", jsonErrorText(err))
	}
	if tok == nil {
		return nil // null leaves the field at its zero value, as encoding/json does
	}
	free := t == rawType || t.Kind() == reflect.Interface
	if d, ok := tok.(json.Delim); ok {
		switch {
		case free:
			return skip(dec, path)
		case d == '[' && t.Kind() == reflect.Slice:
			for i := 0; dec.More(); i++ {
				if err := walk(dec, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case d == '{' && (t.Kind() == reflect.Struct || t.Kind() == reflect.Map):
			return walkObject(dec, t, path)
		}
		return BadShape(path, "must be %s", describeType(t))
	}
	if free {
		return nil
	}
	switch tok.(type) {
	case string:
		if (t.Kind() == reflect.String && t != numberType) || t == languageType {
			return nil
		}
	case json.Number:
		if t == numberType || t == flexStringType || isNumber(t.Kind()) {
			return nil
		}
	case bool:
		if t.Kind() == reflect.Bool {
			return nil
		}
	}
	return BadShape(path, "must be %s", describeType(t))
}

func walkObject(dec *json.Decoder, t reflect.Type, path string) error {
	var fields map[string]reflect.Type
	if t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return BadShape(path, "is not valid JSON (%v)", jsonErrorText(err))
		}
		key, _ := tok.(string)
		p := join(path, key) // CheckJSON refused repeated keys already
		var ft reflect.Type
		if fields == nil {
			ft = t.Elem() // a map
		} else if ft = fields[key]; ft == nil {
			return BadShape(p, notKnown)
		}
		if err := walk(dec, ft, p); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

// skip consumes the rest of an object or array whose content is not checked.
func skip(dec *json.Decoder, path string) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return BadShape(path, "is not valid JSON (%v)", jsonErrorText(err))
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

const notKnown = "is not a known field"

// IsUnknownField reports whether e is DecodeStrict's refusal of a field the
// target type does not have.
func IsUnknownField(e *Error) bool {
	return e != nil && e.Field != "" && e.Message == e.Field+": "+notKnown
}

// Rekind gives a shape error (KindInvalid or KindBadMessage) the kind its
// caller reports such errors under; the text rule's KindBadText, and every
// other kind, stays as it is.
func Rekind(err error, kind Kind) error {
	var e *Error
	if errors.As(err, &e) && (e.Kind == KindInvalid || e.Kind == KindBadMessage) {
		e.Kind = kind
	}
	return err
}

func isNumber(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64:
		return true
	}
	return false
}

func describeType(t reflect.Type) string {
	switch {
	case t == numberType || isNumber(t.Kind()):
		return "a number"
	case t == flexStringType:
		return "a string or a number"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "an array"
	}
	return "an object"
}

func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func jsonErrorText(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("%s at byte %d", syn.Error(), syn.Offset)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
