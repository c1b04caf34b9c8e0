package broadcast

import (
	"testing"

	"github.com/botgate/botgate/internal/core"
)

func fieldOf(err error) string {
	if err == nil {
		return ""
	}
	return core.AsError(err).Field
}

func TestFilterMatches(t *testing.T) {
	f, err := parseFilter(`tier = gold and city in (Paris, "New York") and tag = vip and plan != trial`)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		params map[string]string
		tags   []string
		want   bool
	}{
		{map[string]string{"tier": "gold", "city": "New York"}, []string{"vip"}, true},
		{map[string]string{"tier": "gold", "city": "Paris", "plan": "pro"}, []string{"x", "vip"}, true},
		{map[string]string{"tier": "gold", "city": "Paris", "plan": "trial"}, []string{"vip"}, false},
		{map[string]string{"tier": "silver", "city": "Paris"}, []string{"vip"}, false},
		{map[string]string{"tier": "gold", "city": "Rome"}, []string{"vip"}, false},
		{map[string]string{"tier": "gold", "city": "Paris"}, nil, false},
	} {
		if got := f.match(c.params, c.tags); got != c.want {
			t.Errorf("%v %v: %v, want %v", c.params, c.tags, got, c.want)
		}
	}
}

// Anything outside the grammar is refused with the character it starts at.
func TestFilterRefusals(t *testing.T) {
	for src, want := range map[string]string{
		"":                     "audience.filter: at character 1: expected a parameter name or \"tag\"",
		"tier == gold":         "audience.filter: at character 7: expected a value",
		"tier = gold or x = y": "audience.filter: at character 13: expected \"and\" or the end of the filter",
		"tier > 3":             "audience.filter: at character 6: expected =, != or in",
		"city in Paris":        "audience.filter: at character 9: expected ( after in",
		"city in (a b)":        "audience.filter: at character 12: expected , or )",
		`name = "unterminated`: "audience.filter: at character 8: unterminated quoted value",
		"1tier = gold":         "audience.filter: at character 1: expected a parameter name or \"tag\"",
	} {
		_, err := parseFilter(src)
		if err == nil || err.Error() != want || fieldOf(err) != "audience.filter" {
			t.Errorf("%q: %v, want %s", src, err, want)
		}
	}
}
