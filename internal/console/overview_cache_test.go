package console

import (
	"errors"
	"testing"
)

// Polls of one bot filter within overviewTTL share one computation; another
// filter computes its own; a failure is not kept.
func TestOverviewCache(t *testing.T) {
	var oc overviewCache
	calls := map[string]int{}
	compute := func(botID string) (overviewData, error) {
		calls[botID]++
		return overviewData{BotID: botID, Pending: calls[botID]}, nil
	}
	for range 3 {
		if d, err := oc.get("bot_a", compute); err != nil || d.Pending != 1 {
			t.Fatalf("bot_a: %+v %v", d, err)
		}
	}
	if d, _ := oc.get("", compute); d.Pending != 1 || d.BotID != "" {
		t.Errorf("all bots: %+v", d)
	}
	if calls["bot_a"] != 1 || calls[""] != 1 {
		t.Errorf("computations: %v, want one per filter", calls)
	}
	boom := errors.New("database down")
	fail := func(string) (overviewData, error) { return overviewData{}, boom }
	if _, err := oc.get("bot_b", fail); !errors.Is(err, boom) {
		t.Errorf("failure: %v", err)
	}
	if d, err := oc.get("bot_b", compute); err != nil || d.Pending != 1 {
		t.Errorf("after a failure: %+v %v", d, err)
	}
}
