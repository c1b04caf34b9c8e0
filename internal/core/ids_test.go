package core_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
)

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// ulidMillis decodes the 48-bit millisecond timestamp of a 26-character ULID.
func ulidMillis(t *testing.T, ulid string) int64 {
	t.Helper()
	var hi, lo uint64 // 128 bits
	for _, c := range ulid {
		v := strings.IndexRune(crockford, c)
		if v < 0 {
			t.Fatalf("%q: %q is not a Crockford base32 character", ulid, c)
		}
		hi = hi<<5 | lo>>59
		lo = lo<<5 | uint64(v)
	}
	return int64(hi >> 16)
}

func TestNewIDShape(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 123_000_000, time.UTC)
	for _, prefix := range []string{"msg_", "", "bot_", "dlv-"} {
		id := core.NewID(prefix, now)
		if !strings.HasPrefix(id, prefix) || len(id) != len(prefix)+26 {
			t.Fatalf("NewID(%q) = %q: want the prefix and 26 characters", prefix, id)
		}
		ulid := id[len(prefix):]
		if strings.ContainsFunc(ulid, func(r rune) bool { return !strings.ContainsRune(crockford, r) }) {
			t.Fatalf("NewID(%q) = %q: not Crockford base32", prefix, id)
		}
		if ulid[0] > '7' {
			t.Fatalf("%q: the first character holds only 3 bits", id)
		}
		if got := ulidMillis(t, ulid); got != now.UnixMilli() {
			t.Fatalf("%q encodes %d ms, want %d", id, got, now.UnixMilli())
		}
	}
}

// The ULID specification's example: 1469918176385 ms encodes as 01ARYZ6S41.
func TestNewIDTimestampEncoding(t *testing.T) {
	tests := []struct {
		ms   int64
		want string
	}{
		{1469918176385, "01ARYZ6S41"},
		{0, "0000000000"},
		{1, "0000000001"},
		{32, "0000000010"},
		{1<<48 - 1, "7ZZZZZZZZZ"},
	}
	for _, tt := range tests {
		id := core.NewID("", time.UnixMilli(tt.ms))
		if id[:10] != tt.want {
			t.Errorf("NewID at %d ms = %s, want time part %s", tt.ms, id, tt.want)
		}
	}
}

func TestNewIDSortsByTime(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var ids []string
	for i := range 2000 {
		// 1 ms apart, created out of order.
		at := start.Add(time.Duration((i*7919)%2000) * time.Millisecond)
		ids = append(ids, core.NewID("msg_", at))
	}
	sorted := slices.Sorted(slices.Values(ids))
	for i := 1; i < len(sorted); i++ {
		a, b := ulidMillis(t, sorted[i-1][4:]), ulidMillis(t, sorted[i][4:])
		if b != a+1 {
			t.Fatalf("sorted ids %s (%d ms) then %s (%d ms): want 1 ms apart in time order", sorted[i-1], a, sorted[i], b)
		}
	}
	for _, pair := range [][2]time.Time{
		{start, start.Add(time.Millisecond)},
		{time.UnixMilli(1<<40 - 1), time.UnixMilli(1 << 40)},
		{time.UnixMilli(31), time.UnixMilli(32)},
	} {
		for range 50 {
			if a, b := core.NewID("x", pair[0]), core.NewID("x", pair[1]); a >= b {
				t.Fatalf("id at %v (%s) does not sort before id at %v (%s)", pair[0], a, pair[1], b)
			}
		}
	}
	// Sub-millisecond differences do not count.
	if got := ulidMillis(t, core.NewID("", start.Add(999*time.Microsecond))); got != start.UnixMilli() {
		t.Fatalf("got %d ms, want %d", got, start.UnixMilli())
	}
}

func TestNewIDUnique(t *testing.T) {
	now := time.Now()
	seen := make(map[string]bool, 10000)
	for range 10000 {
		id := core.NewID("msg_", now) // the same millisecond: only the random part differs
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
}
