// Package api holds what every face shares: reading bounded bodies and
// writing JSON. Each face (bothub, admin, …) lives in its own package below.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

// MaxBody bounds request bodies.
const MaxBody = 1 << 20

// ReadBody reads r's body up to MaxBody; a longer body is KindTooLarge.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, core.Errorf(core.KindTooLarge, "request body is larger than %d bytes (1 MiB)", MaxBody)
	}
	if err != nil {
		return nil, core.Errorf(core.KindInvalid, "could not read the request body: %v", err)
	}
	return data, nil
}

// DecodeJSON decodes a JSON object body into v, describing malformed JSON
// and mistyped fields as KindInvalid errors a client can act on.
func DecodeJSON(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return core.Errorf(core.KindInvalid, "the request body is empty; a JSON object is expected")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := dec.Decode(v)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		if dec.More() {
			return core.Errorf(core.KindInvalid, "malformed JSON: unexpected data after the object")
		}
		return nil
	case errors.As(err, &syn):
		return core.Errorf(core.KindInvalid, "malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		if typ.Field == "" {
			return core.Errorf(core.KindInvalid, "the request body must be a JSON object")
		}
		return core.Invalid(typ.Field, "must be %s, not a JSON %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return core.Errorf(core.KindInvalid, "malformed JSON: the body ends early")
	}
	return core.Errorf(core.KindInvalid, "malformed JSON: %v", err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	}
	return fmt.Sprintf("a %s", goKind)
}

// WriteJSON writes v with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
