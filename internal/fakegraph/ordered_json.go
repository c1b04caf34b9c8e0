package fakegraph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// object is a JSON object that keeps its keys in the order written. Webhook
// bodies are forwarded to merchants and compared byte for byte with
// Facebook's samples, whose key order differs between event types; a Go map
// would sort the keys and a struct would fix one order.
type object []member

type member struct {
	key   string
	value any
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(marshal(m.key))
		b.WriteByte(':')
		b.Write(marshal(m.value))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal encodes v without Go's HTML escaping (\u003c for "<"), which
// Facebook does not do. The values are the fake's own strings, numbers and
// objects, which always encode.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte(fmt.Sprintf("%q", err.Error()))
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// metaEscape rewrites compact JSON the way Meta's encoder writes webhook
// bodies: every non-ASCII character as \uxxxx in lowercase hex (surrogate
// pairs beyond the BMP) and "/" as "\/". Both only occur inside strings, so
// the rewrite keeps the JSON valid and equal in meaning.
func metaEscape(body []byte) []byte {
	var b bytes.Buffer
	for len(body) > 0 {
		r, size := utf8.DecodeRune(body)
		switch {
		case r == '/':
			b.WriteString(`\/`)
		case r < utf8.RuneSelf:
			b.WriteByte(body[0])
		case r > 0xFFFF:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, hi, lo)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		body = body[size:]
	}
	return b.Bytes()
}
