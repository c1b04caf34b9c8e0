// Package api holds what every face shares: reading bounded bodies and
// writing JSON. Each face (bothub, admin, …) lives in its own package below.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"

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

// CheckRequest applies the core's text rule to the request's path and query:
// %00 or %ff in either is refused (KindBadText) before anything reads them.
func CheckRequest(r *http.Request) error {
	if err := core.CheckString("path", r.URL.Path); err != nil {
		return err
	}
	for key, values := range r.URL.Query() {
		if err := core.CheckString("query", key); err != nil {
			return err
		}
		for _, v := range values {
			if err := core.CheckString(key, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckContentType accepts a JSON body's Content-Type: application/json with
// any parameters (charset), a missing header, or one of the extra media
// types a face's seed shows; anything else is KindBadContentType.
func CheckContentType(r *http.Request, extra ...string) error {
	header := r.Header.Get("Content-Type")
	if header == "" {
		return nil
	}
	media, _, err := mime.ParseMediaType(header)
	if err == nil && (media == "application/json" || slices.Contains(extra, media)) {
		return nil
	}
	return core.Errorf(core.KindBadContentType, "Content-Type %q is not accepted; send the body as application/json", header)
}

// DecodeJSON decodes a JSON object body into v, describing malformed JSON
// and mistyped fields as KindInvalid errors a client can act on. The core's
// text rule (valid UTF-8, no NUL, no key given twice) runs first, over the
// whole body.
func DecodeJSON(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return core.Errorf(core.KindInvalid, "the request body is empty; a JSON object is expected")
	}
	if err := core.CheckJSON(data, ""); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := dec.Decode(v)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var own *core.Error
	switch {
	case errors.As(err, &own):
		return own // a field's own decoder (a strict part of the body) said why
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
