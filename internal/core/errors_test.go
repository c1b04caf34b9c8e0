package core_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/botgate/botgate/internal/core"
)

func TestErrorText(t *testing.T) {
	tests := []struct {
		err  *core.Error
		want string
	}{
		{&core.Error{Kind: core.KindInvalid, Field: "message.text"}, "invalid: message.text"},
		{&core.Error{Kind: core.KindInvalid, Field: "message.text", Message: "too long"}, "too long"},
		{&core.Error{Kind: core.KindUpstream, Message: "Graph refused"}, "Graph refused"},
		{core.Errorf(core.KindNotFound, "bot %q not found", "b1"), `bot "b1" not found`},
		{core.Invalid("a.b", "is %d characters", 3), "a.b: is 3 characters"},
		{core.BadShape("a", "must be %s", "an object"), "a: must be an object"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if e := core.Errorf(core.KindNotFound, "x"); e.Kind != core.KindNotFound || e.Field != "" {
		t.Fatalf("Errorf = %+v", e)
	}
	if e := core.Invalid("a.b", "x"); e.Kind != core.KindInvalid || e.Field != "a.b" {
		t.Fatalf("Invalid = %+v", e)
	}
	if e := core.BadShape("a", "x"); e.Kind != core.KindBadMessage || e.Field != "a" {
		t.Fatalf("BadShape = %+v", e)
	}
}

func TestErrorKindAndAsError(t *testing.T) {
	dup := core.Errorf(core.KindDuplicate, "request id seen before")
	wrapped := fmt.Errorf("gateway: %w", dup)
	plain := errors.New("connection refused")
	tests := []struct {
		err  error
		kind core.Kind
		as   *core.Error
	}{
		{dup, core.KindDuplicate, dup},
		{wrapped, core.KindDuplicate, dup},
		{fmt.Errorf("a: %w", wrapped), core.KindDuplicate, dup},
		{plain, core.KindInternal, nil},
	}
	if core.ErrorKind(nil) != "" || core.AsError(nil) != nil {
		t.Errorf("nil error: kind %q, as %v; want no kind and nil", core.ErrorKind(nil), core.AsError(nil))
	}
	for _, tt := range tests {
		if got := core.ErrorKind(tt.err); got != tt.kind {
			t.Errorf("ErrorKind(%v) = %s, want %s", tt.err, got, tt.kind)
		}
		got := core.AsError(tt.err)
		if tt.as != nil {
			if got != tt.as {
				t.Errorf("AsError(%v) = %p, want the wrapped error %p", tt.err, got, tt.as)
			}
			continue
		}
		// Detail of foreign errors is hidden from clients.
		if got.Kind != core.KindInternal || got.Message != "internal error" || got.Field != "" {
			t.Errorf("AsError(%v) = %+v, want an internal error hiding the detail", tt.err, got)
		}
	}
}

func TestSettings(t *testing.T) {
	def := core.Settings{}.WithDefaults()
	if def != (core.Settings{LegacyTags: core.LegacyMap, WindowPolicy: core.WindowEnforce, UnfilledPlaceholder: core.UnfilledReject}) {
		t.Fatalf("defaults = %+v", def)
	}
	set := core.Settings{LegacyTags: core.LegacyReject, WindowPolicy: core.WindowOff, UnfilledPlaceholder: core.UnfilledKeep}
	if got := set.WithDefaults(); got != set {
		t.Fatalf("WithDefaults changed set values: %+v", got)
	}
	tests := []struct {
		s    core.Settings
		want *wantErr
	}{
		{core.Settings{}, nil},
		{def, nil},
		{set, nil},
		{core.Settings{WindowPolicy: core.WindowWarn, UnfilledPlaceholder: core.UnfilledEmpty}, nil},
		{core.Settings{LegacyTags: "drop"}, invalid("settings.legacy_tags", `must be map or reject, not "drop"`)},
		{core.Settings{WindowPolicy: "strict"}, invalid("settings.window_policy", `must be enforce, warn or off, not "strict"`)},
		{core.Settings{UnfilledPlaceholder: "blank"}, invalid("settings.unfilled_placeholder", `must be reject, empty or keep, not "blank"`)},
		{core.Settings{LegacyTags: "MAP", WindowPolicy: "x"}, invalid("settings.legacy_tags", `must be map or reject, not "MAP"`)},
	}
	for _, tt := range tests {
		checkErr(t, tt.s.Validate("settings"), tt.want)
	}
}
