package core

import "time"

// Pace is one generic cell rate limit (GCRA): a steady rate of one unit per
// Interval, with up to Capacity units at once after a quiet spell. Its whole
// state is one time, the theoretical arrival time (TAT), so processes
// sharing a database share a limit through one row.
type Pace struct {
	Interval time.Duration
	Capacity int
}

// conformsAt is the earliest time at or after now when cost units conform to
// the limit whose TAT is tat.
func (p Pace) conformsAt(tat, now time.Time, cost int) time.Time {
	return later(later(tat, now).Add(time.Duration(cost-p.Capacity)*p.Interval), now)
}

// take reserves cost units at t, which must conform, and returns the new TAT.
func (p Pace) take(tat, t time.Time, cost int) time.Time {
	return later(tat, t).Add(time.Duration(cost) * p.Interval)
}

// Reserve finds the earliest time at or after now when a request conforms to
// every limit at once — limits[i] at cost costs[i], its TAT tats[i] (zero
// when unused) — and returns it with the TATs after reserving it. Reserving
// a time ahead is how queued work takes its turn: the TATs move past it, so
// the next request is placed after it. A cost above a limit's capacity can
// never conform; callers keep capacities at least the largest cost.
func Reserve(now time.Time, limits []Pace, tats []time.Time, costs []int) (at time.Time, newTATs []time.Time) {
	at = now
	for i, p := range limits {
		at = later(at, p.conformsAt(tats[i], now, costs[i]))
	}
	newTATs = make([]time.Time, len(limits))
	for i, p := range limits {
		newTATs[i] = p.take(tats[i], at, costs[i])
	}
	return at, newTATs
}

// Interval is the time between units at rate per second.
func Interval(rate float64) time.Duration { return time.Duration(float64(time.Second) / rate) }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
