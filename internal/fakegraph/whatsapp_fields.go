package fakegraph

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// These read one Cloud API parameter and answer its (#100) error naming it
// the Cloud API way: text['body'], interactive['action']['buttons'][0].
// They mirror fields.go, whose names use Messenger's bracket form.

type waPath string

func (p waPath) key(k string) waPath {
	if p == "" {
		return waPath(k)
	}
	return p + "['" + waPath(k) + "']"
}

func (p waPath) at(i int) waPath {
	return p + "[" + waPath(strconv.Itoa(i)) + "]"
}

func waRequired(p waPath) *GraphError {
	return waInvalid("The parameter %s is required.", p)
}

func waObject(m map[string]any, parent waPath, key string, need bool) (map[string]any, *GraphError) {
	v, ok := m[key]
	if !ok || v == nil {
		if need {
			return nil, waRequired(parent.key(key))
		}
		return nil, nil
	}
	return waAsObject(v, parent.key(key))
}

func waAsObject(v any, p waPath) (map[string]any, *GraphError) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, waInvalid("Param %s must be a JSON object.", p)
	}
	return obj, nil
}

// waString reads a string of at most max characters (0 = no limit). An
// empty required string counts as absent; present reports whether the key
// was sent at all, for fields that are forbidden rather than limited.
func waString(m map[string]any, parent waPath, key string, need bool, max int) (s string, present bool, err *GraphError) {
	v, ok := m[key]
	if !ok || v == nil {
		if need {
			return "", false, waRequired(parent.key(key))
		}
		return "", false, nil
	}
	s, ok = v.(string)
	if !ok {
		return "", true, waInvalid("Param %s must be a string.", parent.key(key))
	}
	if s == "" && need {
		return "", true, waRequired(parent.key(key))
	}
	if max > 0 && len(s) > max && utf8.RuneCountInString(s) > max {
		return "", true, waInvalid("Param %s must be at most %d characters long.", parent.key(key), max)
	}
	return s, true, nil
}

func waEnum(m map[string]any, parent waPath, key string, need bool, allowed []string) (string, *GraphError) {
	s, _, err := waString(m, parent, key, need, 0)
	if err != nil || s == "" {
		return s, err
	}
	if !oneOf(s, allowed) {
		return "", waInvalid("Param %s must be one of {%s} - got %q.", parent.key(key), strings.Join(allowed, ", "), s)
	}
	return s, nil
}

// waID reads a media or catalog id, sent as a string or a number.
func waID(m map[string]any, parent waPath, key string) (string, *GraphError) {
	switch v := m[key].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	}
	return "", waInvalid("Param %s must be a valid ID string.", parent.key(key))
}

func waArray(m map[string]any, parent waPath, key string, need bool, min, max int) ([]any, *GraphError) {
	v, ok := m[key]
	if !ok || v == nil {
		if need {
			return nil, waRequired(parent.key(key))
		}
		return nil, nil
	}
	list, ok := v.([]any)
	p := parent.key(key)
	switch {
	case !ok:
		return nil, waInvalid("Param %s must be an array.", p)
	case len(list) < min:
		return nil, waInvalid("Param %s must have at least %s.", p, items(min))
	case max > 0 && len(list) > max:
		return nil, waInvalid("Param %s must have at most %s.", p, items(max))
	}
	return list, nil
}

// waBool reads an optional boolean; form bodies send "true" and "false".
func waBool(m map[string]any, parent waPath, key string) *GraphError {
	switch v := m[key].(type) {
	case nil, bool:
		return nil
	case string:
		if v == "true" || v == "false" {
			return nil
		}
	}
	return waInvalid("Param %s must be a boolean.", parent.key(key))
}

// waFloat reads a required number within [min, max]; a number written as
// a string is accepted, as Graph does.
func waFloat(m map[string]any, parent waPath, key string, min, max float64) *GraphError {
	var f float64
	var err error
	switch v := m[key].(type) {
	case nil:
		return waRequired(parent.key(key))
	case json.Number:
		f, err = v.Float64()
	case float64:
		f = v
	case string:
		f, err = strconv.ParseFloat(v, 64)
	default:
		err = strconv.ErrSyntax
	}
	if err != nil {
		return waInvalid("Param %s must be a number.", parent.key(key))
	}
	if f < min || f > max {
		return waInvalid("Param %s must be between %g and %g.", parent.key(key), min, max)
	}
	return nil
}
