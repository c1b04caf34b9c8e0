package store

import "testing"

// TestSplitPG: how a connection budget is divided. 41 is the split botgate
// had before the budget existed (32 readers, 4 writers, 4 alone, a spare);
// the default gives the readers what it saves.
func TestSplitPG(t *testing.T) {
	for _, c := range []struct {
		n    int
		want pgBudget
	}{
		{6, pgBudget{writers: 1, alone: 1, reads: 3}},
		{12, pgBudget{writers: 2, alone: 2, reads: 7}},
		{DefaultPGMaxConns, pgBudget{writers: 4, alone: 4, reads: 16}},
		{41, pgBudget{writers: 4, alone: 4, reads: 32}},
		{100, pgBudget{writers: 4, alone: 4, reads: 91}},
	} {
		got, err := splitPG(c.n, 0)
		if err != nil || got != c.want {
			t.Errorf("splitPG(%d) = %+v, %v; want %+v", c.n, got, err, c.want)
		}
		if total := got.reads + got.writes(); total != c.n {
			t.Errorf("splitPG(%d) opens %d", c.n, total)
		}
	}
	for _, n := range []int{-1, 0, 5} {
		if _, err := splitPG(n, 0); err == nil {
			t.Errorf("splitPG(%d) accepted", n)
		}
	}
}

// TestSplitPGWriters: --pg-writers takes its writers from the budget, and
// a budget that cannot hold them beside the rest is refused, saying what
// it would need.
func TestSplitPGWriters(t *testing.T) {
	got, err := splitPG(DefaultPGMaxConns, 8)
	if want := (pgBudget{writers: 8, alone: 4, reads: 12}); err != nil || got != want {
		t.Errorf("splitPG(%d, 8) = %+v, %v; want %+v", DefaultPGMaxConns, got, err, want)
	}
	got, err = splitPG(6, 1)
	if want := (pgBudget{writers: 1, alone: 1, reads: 3}); err != nil || got != want {
		t.Errorf("splitPG(6, 1) = %+v, %v; want %+v", got, err, want)
	}
	_, err = splitPG(DefaultPGMaxConns, 20)
	if want := "20 writers need a PostgreSQL connection budget of at least 28 (the writers, 4 transactions alone, a spare, 3 readers), not 25"; err == nil || err.Error() != want {
		t.Errorf("splitPG(%d, 20): %v; want %q", DefaultPGMaxConns, err, want)
	}
}
