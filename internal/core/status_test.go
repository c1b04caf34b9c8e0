package core_test

import (
	"testing"

	"github.com/botgate/botgate/internal/core"
)

func TestStatusCanBecome(t *testing.T) {
	const (
		A = core.StatusAccepted
		S = core.StatusSent
		D = core.StatusDelivered
		R = core.StatusRead
		F = core.StatusFailed
	)
	order := []core.Status{A, S, D, R, F}
	// want[from][to], columns in the order above.
	want := map[core.Status][5]bool{
		A: {false, true, true, true, true},
		S: {false, false, true, true, true},
		D: {false, false, false, true, false},
		R: {false, false, false, false, false},
		F: {false, false, false, false, false},
	}
	for _, from := range order {
		for j, to := range order {
			if got := from.CanBecome(to); got != want[from][j] {
				t.Errorf("%s.CanBecome(%s) = %v, want %v", from, to, got, want[from][j])
			}
		}
	}
	if len(core.Statuses) != 5 {
		t.Fatalf("Statuses = %v", core.Statuses)
	}
	for i, s := range core.Statuses {
		if s != order[i] {
			t.Fatalf("Statuses = %v, want %v", core.Statuses, order)
		}
	}
	// Statuses outside the list never move, and nothing moves to them.
	for _, s := range order {
		if s.CanBecome("queued") || core.Status("queued").CanBecome(s) || s.CanBecome("") || core.Status("").CanBecome(s) {
			t.Errorf("unknown status moved to or from %s", s)
		}
	}
}
