package seal_test

import (
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/seal"
)

func TestPasswordHash(t *testing.T) {
	h := seal.HashPassword("correct horse battery")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with the expected parameters", h)
	}
	if h2 := seal.HashPassword("correct horse battery"); h2 == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batter": false, "": false} {
		if ok, err := seal.CheckPassword(h, pw); err != nil || ok != want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	// Hashes with other parameters still check (they are read from the hash).
	old := "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$"
	if _, err := seal.CheckPassword(old, "x"); err == nil {
		t.Error("a hash with no key is accepted")
	}
	for _, bad := range []string{"", "$2a$10$bcrypt", "$argon2id$v=18$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA"} {
		if _, err := seal.CheckPassword(bad, "x"); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

// BenchmarkCheckPassword is the cost of one sign-in's password check.
func BenchmarkCheckPassword(b *testing.B) {
	h := seal.HashPassword("correct horse battery")
	for b.Loop() {
		if ok, _ := seal.CheckPassword(h, "correct horse battery"); !ok {
			b.Fatal("no match")
		}
	}
}
