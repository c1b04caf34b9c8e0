package seal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpenRoundTripBoundToContext(t *testing.T) {
	key, _ := ParseKey(strings.Repeat("ab", 32))
	box, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := box.Seal([]byte("page-token"), "bot_1")
	if strings.Contains(sealed, "page-token") {
		t.Fatalf("sealed value shows the plaintext: %s", sealed)
	}
	got, err := box.Open(sealed, "bot_1")
	if err != nil || string(got) != "page-token" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := box.Open(sealed, "bot_2"); err == nil {
		t.Fatal("a value sealed for bot_1 opened for bot_2")
	}
	other, _ := New(make([]byte, KeySize))
	if _, err := other.Open(sealed, "bot_1"); err == nil {
		t.Fatal("a value opened with the wrong key")
	}
}

func TestLoadOrCreateKeyFileKeepsTheKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "botgate.key")
	first, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", info.Mode().Perm())
	}
	second, err := LoadOrCreateKeyFile(path)
	if err != nil || string(first) != string(second) {
		t.Fatalf("second load gave another key (%v)", err)
	}
}

func TestParseKeyRejectsShortKeys(t *testing.T) {
	for _, s := range []string{"", "abcd", strings.Repeat("ab", 31)} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted a short key", s)
		}
	}
}
