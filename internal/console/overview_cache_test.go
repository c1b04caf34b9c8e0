package console

import (
	"errors"
	"testing"
)

// Polls of one bot filter within overviewTTL share one computation; another
// filter computes its own; a full load computes afresh; a failure is not kept.
func TestOverviewCache(t *testing.T) {
	var oc overviewCache
	calls := map[string]int{}
	compute := func(botID string) (overviewData, error) {
		calls[botID]++
		return overviewData{BotID: botID, Pending: calls[botID]}, nil
	}
	for range 3 {
		if d, err := oc.get("bot_a", overviewTTL, compute); err != nil || d.Pending != 1 {
			t.Fatalf("bot_a: %+v %v", d, err)
		}
	}
	if d, _ := oc.get("", overviewTTL, compute); d.Pending != 1 || d.BotID != "" {
		t.Errorf("all bots: %+v", d)
	}
	if calls["bot_a"] != 1 || calls[""] != 1 {
		t.Errorf("computations: %v, want one per filter", calls)
	}
	// A full page load (maxAge 0) computes afresh, and polls then share it.
	if d, _ := oc.get("bot_a", 0, compute); d.Pending != 2 {
		t.Errorf("a full load: %+v", d)
	}
	if d, _ := oc.get("bot_a", overviewTTL, compute); d.Pending != 2 {
		t.Errorf("a poll after a full load: %+v", d)
	}
	boom := errors.New("database down")
	fail := func(string) (overviewData, error) { return overviewData{}, boom }
	if _, err := oc.get("bot_b", overviewTTL, fail); !errors.Is(err, boom) {
		t.Errorf("failure: %v", err)
	}
	if d, err := oc.get("bot_b", overviewTTL, compute); err != nil || d.Pending != 1 {
		t.Errorf("after a failure: %+v %v", d, err)
	}
}
