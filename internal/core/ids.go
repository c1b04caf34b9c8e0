package core

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// Crockford's base32: no I, L, O, U, so ids read aloud and sort as text.
const idAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewID returns prefix followed by a 26-character ULID: 48 bits of
// milliseconds and 80 random bits, so ids sort by creation time.
func NewID(prefix string, now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails on supported platforms
	out := make([]byte, len(prefix)+26)
	copy(out, prefix)
	// 128 bits in 26 five-bit groups, the first group holding the top 3 bits.
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	for i := 25; i >= 0; i-- {
		out[len(prefix)+i] = idAlphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out)
}

// FirstID is the smallest id NewID can give at t's millisecond: every id
// made earlier sorts before it, so "created before t" is a range of the
// primary key.
func FirstID(prefix string, t time.Time) string {
	return NewID(prefix, t)[:len(prefix)+10] + "0000000000000000"
}
