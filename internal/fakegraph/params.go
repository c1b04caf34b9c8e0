package fakegraph

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

// parseParams reads a call's body into Graph's parameter map. Graph takes a
// JSON object or form fields whose values are JSON; both give the same map.
// A form or JSON access_token becomes the call's token if none came before.
func parseParams(c *call) (map[string]any, *GraphError) {
	if c.bodyErr != nil {
		return map[string]any{}, invalid("Request body could not be read: %v", c.bodyErr)
	}
	params, err := decodeBody(c.req.Header.Get("Content-Type"), c.body)
	if err != nil {
		return params, err
	}
	if t, ok := params["access_token"].(string); ok {
		delete(params, "access_token")
		if c.token == "" {
			c.token = t
		}
	}
	return params, nil
}

func decodeBody(contentType string, body []byte) (map[string]any, *GraphError) {
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return map[string]any{}, nil
	case strings.HasPrefix(contentType, "multipart/"):
		return map[string]any{}, invalid("Multipart bodies are not supported by this fake")
	case trimmed[0] == '{' || strings.HasPrefix(contentType, "application/json"):
		params, err := decodeJSON(trimmed)
		if err != nil {
			return map[string]any{}, invalid("Request body is not a valid JSON object")
		}
		return params, nil
	}
	return decodeForm(string(trimmed))
}

// decodeJSON keeps numbers as json.Number so that long ids such as PSIDs
// survive exactly.
func decodeJSON(data []byte) (map[string]any, error) {
	var params map[string]any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&params); err != nil {
		return nil, err
	}
	if params == nil {
		params = map[string]any{}
	}
	return params, nil
}

func decodeForm(body string) (map[string]any, *GraphError) {
	values, err := url.ParseQuery(body)
	if err != nil {
		return map[string]any{}, invalid("Request body is not a valid form")
	}
	params := make(map[string]any, len(values))
	for key, vs := range values {
		params[key] = formValue(vs[0])
	}
	return params, nil
}

// formValue decodes a JSON object or array; anything else, such as
// messaging_type=RESPONSE, stays a string, as Graph reads it.
func formValue(v string) any {
	t := strings.TrimSpace(v)
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return v
	}
	var out any
	d := json.NewDecoder(strings.NewReader(t))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		return v
	}
	return out
}
