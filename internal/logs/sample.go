package logs

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Sampler keeps a flood of one event from drowning the log: for each key
// (an event and, say, its bot) it lets Burst lines through per Window and
// counts the rest; the first line let through after a quiet spell carries
// "suppressed" with how many were dropped. Metrics count every event, so
// nothing is lost but repetition. The zero value lets 10 lines a minute
// through per key.
type Sampler struct {
	Burst  int
	Window time.Duration

	mu   sync.Mutex
	keys map[string]*window
}

type window struct {
	start      time.Time
	n          int
	suppressed int
}

// Log writes the line unless key has used up its burst in this window.
func (s *Sampler) Log(l *slog.Logger, level slog.Level, key, msg string, args ...any) {
	ok, dropped := s.allow(key, time.Now())
	if !ok {
		return
	}
	if dropped > 0 {
		args = append(args, "suppressed", dropped)
	}
	l.Log(context.Background(), level, msg, args...)
}

func (s *Sampler) allow(key string, now time.Time) (bool, int) {
	burst, per := s.Burst, s.Window
	if burst <= 0 {
		burst = 10
	}
	if per <= 0 {
		per = time.Minute
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		s.keys = map[string]*window{}
	}
	w := s.keys[key]
	if w == nil || now.Sub(w.start) >= per {
		dropped := 0
		if w != nil {
			dropped = w.suppressed
		}
		if len(s.keys) > 10_000 {
			clear(s.keys) // keys carry bot ids: bound the map
		}
		s.keys[key] = &window{start: now, n: 1}
		return true, dropped
	}
	if w.n < burst {
		w.n++
		return true, 0
	}
	w.suppressed++
	return false, 0
}
