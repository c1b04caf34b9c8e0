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
		got, err := splitPG(c.n)
		if err != nil || got != c.want {
			t.Errorf("splitPG(%d) = %+v, %v; want %+v", c.n, got, err, c.want)
		}
		if total := got.reads + got.writes(); total != c.n {
			t.Errorf("splitPG(%d) opens %d", c.n, total)
		}
	}
	for _, n := range []int{-1, 0, 5} {
		if _, err := splitPG(n); err == nil {
			t.Errorf("splitPG(%d) accepted", n)
		}
	}
}
