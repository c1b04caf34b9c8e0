package core

import (
	"fmt"
	"math"
	"time"
)

// WALimits pace a WhatsApp number and cap its daily reach. Every process on
// one database shares them. Seed 003's model is the default: 20 requests a
// second steady, at most 60 in any one second, and a new user costing two
// requests (a contacts check and the message), which makes at most 10 new
// users a second.
type WALimits struct {
	RequestsPerSecond float64 `json:"requests_per_second"`
	// Burst is the most requests any one second may hold.
	Burst             int     `json:"burst"`
	NewUsersPerSecond float64 `json:"new_users_per_second"`
	// SyncWaitMS is how long a sync send may wait for the pace before it fails.
	SyncWaitMS int `json:"sync_wait_ms"`
	// Tiers is the ladder of unique users a number may reach outside a
	// customer-service window per rolling 24 hours; 0 means unlimited.
	Tiers []int `json:"tiers"`
	// A number moves up a tier after reaching UpgradeMultiple times its tier
	// within UpgradeWindowDays.
	UpgradeMultiple   int `json:"upgrade_multiple"`
	UpgradeWindowDays int `json:"upgrade_window_days"`
	// Preset fills Tiers: "seed" (1,000 → 10,000 → 100,000, the seed's old
	// ladder) or "meta" (250 → 2,000 → 10,000 → 100,000 → unlimited, today's).
	Preset string `json:"preset,omitempty"`
}

// MinRate is the slowest pace a limit may have: one request in 100 seconds.
// Slower ones would overflow the time between requests.
const MinRate = 0.01

// TierPresets are the ladders a preset names.
var TierPresets = map[string][]int{
	"seed": {1000, 10000, 100000},
	"meta": {250, 2000, 10000, 100000, 0},
}

// WithDefaults fills unset limits with seed 003's values.
func (l WALimits) WithDefaults() WALimits {
	if l.RequestsPerSecond == 0 {
		l.RequestsPerSecond = 20
	}
	if l.Burst == 0 {
		l.Burst = 60
	}
	if l.NewUsersPerSecond == 0 {
		l.NewUsersPerSecond = 10
	}
	if l.SyncWaitMS == 0 {
		l.SyncWaitMS = 5000
	}
	if len(l.Tiers) == 0 {
		preset := l.Preset
		if preset == "" {
			preset = "seed"
		}
		l.Tiers = TierPresets[preset]
	}
	if l.UpgradeMultiple == 0 {
		l.UpgradeMultiple = 2
	}
	if l.UpgradeWindowDays == 0 {
		l.UpgradeWindowDays = 7
	}
	return l
}

// Validate checks the limits, naming fields below path.
func (l WALimits) Validate(path string) error {
	switch {
	case l.RequestsPerSecond < MinRate:
		return Invalid(path+".requests_per_second", "must be at least %g", MinRate)
	case l.Burst < 0:
		return Invalid(path+".burst", "must be positive")
	case l.Burst != 0 && l.Burst < int(math.Ceil(l.RequestsPerSecond))+NewUserCost:
		return Invalid(path+".burst", "must be at least requests_per_second + %d, room for a new user's requests above the steady rate", NewUserCost)
	case l.NewUsersPerSecond < MinRate:
		return Invalid(path+".new_users_per_second", "must be at least %g", MinRate)
	case l.SyncWaitMS < 0:
		return Invalid(path+".sync_wait_ms", "must be 0 or more")
	case l.UpgradeMultiple < 0 || l.UpgradeWindowDays < 0:
		return Invalid(path, "upgrade_multiple and upgrade_window_days must be positive")
	}
	if l.Preset != "" && TierPresets[l.Preset] == nil {
		return Invalid(path+".preset", "must be seed or meta, not %q", l.Preset)
	}
	for i, t := range l.Tiers {
		if t < 0 || (i > 0 && l.Tiers[i-1] != 0 && t != 0 && t <= l.Tiers[i-1]) || (i > 0 && l.Tiers[i-1] == 0) {
			return Invalid(fmt.Sprintf("%s.tiers[%d]", path, i), "tiers must grow, with 0 (unlimited) only last")
		}
	}
	return nil
}

// TierLimit is the daily reach at tier, counted from 1 as the seed does
// ("tier1"); 0 is unlimited.
func (l WALimits) TierLimit(tier int) int {
	if len(l.Tiers) == 0 {
		return 0
	}
	return l.Tiers[min(max(tier, 1), len(l.Tiers))-1]
}

// UpgradeAt is how many unique users a number at tier must reach within
// UpgradeWindowDays to move up, or 0 when there is no tier above.
func (l WALimits) UpgradeAt(tier int) int {
	if tier >= len(l.Tiers) || l.TierLimit(tier) == 0 {
		return 0
	}
	return l.UpgradeMultiple * l.TierLimit(tier)
}

// UpgradeWindow is the span the upgrade rule counts over.
func (l WALimits) UpgradeWindow() time.Duration {
	return time.Duration(l.UpgradeWindowDays) * 24 * time.Hour
}

// NewUserCost is what a message to a new user costs in requests: the old
// on-premises API's contacts check, then the message (seed 003).
const NewUserCost = 2

// PaceSlack is how late a send may go after its turn. Sends go a little
// after their turns, by varying amounts; were one late and the next on time,
// a second could hold one more than the limit. So every interval is
// stretched by the slack, and a send later than it gives its turn up.
const PaceSlack = 10 * time.Millisecond

// WireSlack is how much longer one send may take than another from going
// to reaching Graph, which counts sends as they arrive: the intervals are
// stretched by it too. Without it, two processes sharing a number on a busy
// machine put 51 new users into a second limited to 50, in 3 of 5 runs.
const WireSlack = 10 * time.Millisecond

// Paces are the GCRA limits the number's sends take: requests, and new
// users. Reckoned with PaceSlack and WireSlack, no one-second window holds
// more than Burst requests or NewUsersPerSecond new users.
func (l WALimits) Paces() (requests, newUsers Pace) {
	stretch := func(d time.Duration) time.Duration { return d + d*(PaceSlack+WireSlack)/time.Second }
	rate := int(math.Ceil(l.RequestsPerSecond))
	requests = Pace{Interval: stretch(Interval(l.RequestsPerSecond)), Capacity: max(NewUserCost, l.Burst-rate)}
	newUsers = Pace{Interval: stretch(Interval(l.NewUsersPerSecond)), Capacity: 1}
	return requests, newUsers
}

// SyncWait is how long a sync send may wait for the pace.
func (l WALimits) SyncWait() time.Duration { return time.Duration(l.SyncWaitMS) * time.Millisecond }
