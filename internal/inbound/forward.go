package inbound

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// forwardBody is what a bot's merchant receives for one webhook: Facebook's
// own envelope holding the bot's new items. When that is the whole body, the
// body goes out byte for byte as Facebook sent it; otherwise the envelope is
// rebuilt keeping each field's order and bytes, with only the bot's entries
// and, in them, only new items.
func forwardBody(body []byte, keep func(page string, item json.RawMessage) bool, total, kept int) ([]byte, error) {
	if kept == total {
		return body, nil
	}
	top, err := fields(body)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteByte('{')
	for i, f := range top {
		if i > 0 {
			out.WriteByte(',')
		}
		writeKey(&out, f.key)
		if f.key != "entry" {
			out.Write(f.raw)
			continue
		}
		if err := writeEntries(&out, f.raw, keep); err != nil {
			return nil, err
		}
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

func writeEntries(out *bytes.Buffer, raw json.RawMessage, keep func(string, json.RawMessage) bool) error {
	var entries []json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return err
	}
	out.WriteByte('[')
	written := 0
	for _, entry := range entries {
		efields, err := fields(entry)
		if err != nil {
			return err
		}
		var page string
		var items []json.RawMessage
		for _, f := range efields {
			switch f.key {
			case "id":
				_ = json.Unmarshal(f.raw, &page)
			case "messaging":
				if err := json.Unmarshal(f.raw, &items); err != nil {
					return err
				}
			}
		}
		var kept []json.RawMessage
		for _, it := range items {
			if keep(page, it) {
				kept = append(kept, it)
			}
		}
		if len(kept) == 0 {
			continue
		}
		if written > 0 {
			out.WriteByte(',')
		}
		written++
		out.WriteByte('{')
		for i, f := range efields {
			if i > 0 {
				out.WriteByte(',')
			}
			writeKey(out, f.key)
			if f.key != "messaging" {
				out.Write(f.raw)
				continue
			}
			out.WriteByte('[')
			for j, it := range kept {
				if j > 0 {
					out.WriteByte(',')
				}
				out.Write(it)
			}
			out.WriteByte(']')
		}
		out.WriteByte('}')
	}
	out.WriteByte(']')
	return nil
}

type field struct {
	key string
	raw json.RawMessage
}

// fields reads a JSON object's members in order, each value's bytes untouched.
func fields(raw []byte) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out []field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, field{key, v})
	}
	if _, err := dec.Token(); err != nil && err != io.EOF {
		return nil, err
	}
	return out, nil
}

func writeKey(out *bytes.Buffer, key string) {
	k, _ := json.Marshal(key)
	out.Write(k)
	out.WriteByte(':')
}
