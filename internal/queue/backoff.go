package queue

import (
	"math/rand/v2"
	"time"
)

// Backoff is exponential backoff with jitter: attempt 1 waits about Base,
// each later attempt twice as long, never more than Max. Jitter spreads
// retries of many jobs that failed together (an outage) so they do not return
// together.
type Backoff struct {
	Base   time.Duration
	Max    time.Duration
	Jitter float64 // fraction of the delay, e.g. 0.2 for ±20%
}

// Delay returns the wait before the attempt after the given one.
func (b Backoff) Delay(attempt int) time.Duration {
	d := b.Base
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return jitter(d, b.Jitter)
}

// Schedule is a fixed list of waits, one per retry, with jitter; past its
// end the last wait repeats. Callbacks use one so that "8 attempts over a
// day" is visible in configuration.
type Schedule struct {
	Waits  []time.Duration
	Jitter float64
}

// Delay returns the wait after the given attempt (1-based).
func (s Schedule) Delay(attempt int) time.Duration {
	if len(s.Waits) == 0 {
		return time.Minute
	}
	i := min(attempt-1, len(s.Waits)-1)
	return jitter(s.Waits[max(i, 0)], s.Jitter)
}

func jitter(d time.Duration, fraction float64) time.Duration {
	if fraction <= 0 || d <= 0 {
		return d
	}
	spread := float64(d) * fraction
	return time.Duration(float64(d) - spread + rand.Float64()*2*spread)
}
