package core_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/core"
)

// wantErr describes an expected *core.Error. A nil *wantErr means "no error".
// Msg is the whole Message; for errors built by core.Invalid and core.BadShape
// use fieldMsg to write it as Field + ": " + text.
type wantErr struct {
	Kind  core.Kind
	Field string
	Msg   string
}

// invalid and badShape build the wantErr that core.Invalid and core.BadShape produce.
func invalid(field, text string) *wantErr {
	return &wantErr{Kind: core.KindInvalid, Field: field, Msg: field + ": " + text}
}

func badShape(field, text string) *wantErr {
	return &wantErr{Kind: core.KindBadMessage, Field: field, Msg: field + ": " + text}
}

// checkErr asserts that err matches want exactly (nil want: err must be nil).
func checkErr(t *testing.T, err error, want *wantErr) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v (%#v)", err, err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error; want %s %q: %q", want.Kind, want.Field, want.Msg)
	}
	var e *core.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not a *core.Error", err, err)
	}
	if e.Kind != want.Kind || e.Field != want.Field || e.Message != want.Msg {
		t.Fatalf("error\n got  kind=%s field=%q msg=%q\n want kind=%s field=%q msg=%q",
			e.Kind, e.Field, e.Message, want.Kind, want.Field, want.Msg)
	}
}

func num(s string) *json.Number {
	n := json.Number(s)
	return &n
}

func boolp(b bool) *bool { return &b }

// runes returns n copies of r: with a multi-byte r it checks that limits
// count characters, not bytes.
func runes(r rune, n int) string { return strings.Repeat(string(r), n) }

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(b)
}
