package fakegraph

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// These helpers read one parameter of a decoded body and answer Graph's
// (#100) error naming it in bracket form, e.g. message[attachment][type].
// Paths are built only when an error is reported, to keep valid sends cheap.

func param(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "[" + key + "]"
}

func index(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

func required(name string) *GraphError {
	return invalid("The parameter %s is required", name)
}

// getObject reads a JSON object; absent is nil unless need is set.
func getObject(m map[string]any, parent, key string, need bool) (map[string]any, *GraphError) {
	v, ok := m[key]
	if !ok || v == nil {
		if need {
			return nil, required(param(parent, key))
		}
		return nil, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("Param %s must be a JSON object", param(parent, key))
	}
	return obj, nil
}

// getString reads a string of at most max characters (0 = no limit); an
// empty string counts as absent, as it does on Graph.
func getString(m map[string]any, parent, key string, need bool, max int) (string, *GraphError) {
	v, ok := m[key]
	if !ok || v == nil {
		if need {
			return "", required(param(parent, key))
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", invalid("Param %s must be a string", param(parent, key))
	}
	if s == "" && need {
		return "", required(param(parent, key))
	}
	if max > 0 && len(s) > max && utf8.RuneCountInString(s) > max {
		return "", invalid("Length of param %s must be less than or equal to %d", param(parent, key), max)
	}
	return s, nil
}

// getEnum reads a string that must be one of allowed.
func getEnum(m map[string]any, parent, key string, need bool, allowed []string) (string, *GraphError) {
	s, err := getString(m, parent, key, need, 0)
	if err != nil || s == "" {
		return s, err
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", invalid("Param %s must be one of {%s} - got %q", param(parent, key), strings.Join(allowed, ", "), s)
}

// getID reads an id, which JSON senders write as a string or a number.
func getID(m map[string]any, parent, key string) (string, *GraphError) {
	switch v := m[key].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	}
	return "", invalid("Param %s must be a valid ID string (e.g., \"123\")", param(parent, key))
}

// getArray reads an array of min to max items (max 0 = no limit).
func getArray(m map[string]any, parent, key string, need bool, min, max int) ([]any, *GraphError) {
	v, ok := m[key]
	if !ok || v == nil {
		if need {
			return nil, required(param(parent, key))
		}
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, invalid("Param %s must be an array", param(parent, key))
	}
	if len(list) < min {
		return nil, invalid("Param %s must have at least %s", param(parent, key), items(min))
	}
	if max > 0 && len(list) > max {
		return nil, invalid("Param %s must have at most %s", param(parent, key), items(max))
	}
	return list, nil
}

func items(n int) string {
	if n == 1 {
		return "1 item"
	}
	return strconv.Itoa(n) + " items"
}

// asObject reads one array item that must be an object.
func asObject(v any, path string) (map[string]any, *GraphError) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("Param %s must be a JSON object", path)
	}
	return obj, nil
}

// getNumber reads a number; Graph also takes one written as a string.
func getNumber(m map[string]any, parent, key string) *GraphError {
	switch v := m[key].(type) {
	case nil:
		return required(param(parent, key))
	case json.Number, float64:
		return nil
	case string:
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return nil
		}
	}
	return invalid("Param %s must be a number", param(parent, key))
}

func isTrue(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}
