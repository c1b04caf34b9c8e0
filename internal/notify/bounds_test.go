package notify

import (
	"net/http"
	"strconv"
	"testing"
)

// What an attempt keeps of an answer is text PostgreSQL accepts, bounded.
func TestAnswerBounds(t *testing.T) {
	if got, want := textOf([]byte("ok\x00 caf\xc3")), "ok caf\uFFFD"; got != want {
		t.Errorf("textOf = %q, want %q", got, want)
	}
	h := http.Header{}
	for i := range 30 {
		h.Set("X-H"+strconv.Itoa(100+i), "v")
	}
	got := firstHeaders(h, MaxResponseHeaders)
	if len(got) != 20 || got.Get("X-H100") != "v" || got.Get("X-H119") != "v" || got.Get("X-H120") != "" {
		t.Errorf("firstHeaders kept %v", got)
	}
}
