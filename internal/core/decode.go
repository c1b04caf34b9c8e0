package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// DecodeStrict decodes raw JSON into v (a pointer to a struct) and rejects
// unknown fields and values of the wrong type with a KindBadMessage error
// naming the field's full path below root, e.g. "message.attachment.payload.elements[1].title".
// encoding/json alone names neither unknown fields' paths nor array indexes, and
// a field silently dropped would reach the customer as a different message.
func DecodeStrict(raw []byte, v any, root string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return BadShape(root, "is not valid JSON (%v)", jsonErrorText(err))
	}
	if err := checkShape(generic, reflect.TypeOf(v).Elem(), root); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return BadShape(root, "%v", jsonErrorText(err))
	}
	return nil
}

var (
	numberType     = reflect.TypeOf(json.Number(""))
	flexStringType = reflect.TypeOf(FlexString(""))
	rawType        = reflect.TypeOf(json.RawMessage(nil))
)

func checkShape(value any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if value == nil {
		return nil // null leaves the field at its zero value, as encoding/json does
	}
	switch {
	case t == rawType || t.Kind() == reflect.Interface:
		return nil
	case t == numberType:
		if _, ok := value.(json.Number); !ok {
			return BadShape(path, "must be a number")
		}
		return nil
	case t == flexStringType:
		switch value.(type) {
		case string, json.Number:
			return nil
		}
		return BadShape(path, "must be a string or a number")
	}
	switch t.Kind() {
	case reflect.String:
		if _, ok := value.(string); !ok {
			return BadShape(path, "must be a string")
		}
	case reflect.Bool:
		if _, ok := value.(bool); !ok {
			return BadShape(path, "must be true or false")
		}
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64:
		if _, ok := value.(json.Number); !ok {
			return BadShape(path, "must be a number")
		}
	case reflect.Slice:
		items, ok := value.([]any)
		if !ok {
			return BadShape(path, "must be an array")
		}
		for i, item := range items {
			if err := checkShape(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := value.(map[string]any)
		if !ok {
			return BadShape(path, "must be an object")
		}
		for k, item := range obj {
			if err := checkShape(item, t.Elem(), join(path, k)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		obj, ok := value.(map[string]any)
		if !ok {
			return BadShape(path, "must be an object")
		}
		fields := jsonFields(t)
		// Sorted so that the first error reported is the same on every run.
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			ft, known := fields[k]
			if !known {
				return BadShape(join(path, k), "is not a known field")
			}
			if err := checkShape(obj[k], ft, join(path, k)); err != nil {
				return err
			}
		}
	}
	return nil
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
