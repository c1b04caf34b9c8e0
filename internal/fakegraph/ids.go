package fakegraph

import (
	"encoding/base64"
	"strings"
)

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func (s *Server) randomStringLocked(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[s.ids.IntN(len(idAlphabet))]
	}
	return string(b)
}

func (s *Server) randomDigitsLocked(n int) string {
	b := make([]byte, n)
	b[0] = byte('1' + s.ids.IntN(9))
	for i := 1; i < n; i++ {
		b[i] = byte('0' + s.ids.IntN(10))
	}
	return string(b)
}

// newMIDLocked is a Messenger message id such as seed 002's
// "m_hAxxtkOsBG8UEtO0RQNcwPgfxWKYaLWowT0Z7iLv".
func (s *Server) newMIDLocked() string {
	return "m_" + s.randomStringLocked(40)
}

// newWAMIDLocked is a WhatsApp message id. Real ones are base64 of a small
// record holding the user's number and 18 hex digits, e.g.
// "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"; the fake
// builds them the same way so that ids have the length and look of real ones.
func (s *Server) newWAMIDLocked(waID string) string {
	if len(waID) > 255 {
		waID = waID[:255]
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.WriteString("\x1c\x18")
	b.WriteByte(byte(len(waID)))
	b.WriteString(waID)
	b.WriteString("\x15\x02\x00\x11\x18\x12")
	for range 18 {
		b.WriteByte(hex[s.ids.IntN(16)])
	}
	b.WriteByte(0)
	return "wamid." + base64.StdEncoding.EncodeToString([]byte(b.String()))
}
