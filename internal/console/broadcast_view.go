package console

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/botgate/botgate/internal/broadcast"
)

// What the broadcast pages share: a broadcast's progress as a stacked bar,
// its reasons in order, and the time-zone breakdown as a chart. All drawn
// in SVG attributes, since the CSP forbids inline style.

// segment is one coloured part of a progress bar, in a 0..100 box.
type segment struct {
	Class string
	X, W  float64
	Title string
}

// progress is a broadcast's counts as a bar: done parts first (delivered
// and read, sent, failed, skipped), then what is on its way (queued), the
// rest of the width is what still waits for its time.
type progress struct {
	Segments []segment
	Done     int64 // recipients whose fate is known: sent or later, failed, skipped
	Percent  int
}

func progressOf(c broadcast.Counts) progress {
	var p progress
	if c.Targeted <= 0 {
		return p
	}
	// The engine's counts nest: read ≤ delivered ≤ sent.
	delivered, sent := c.Delivered, c.Sent
	parts := []struct {
		class, label string
		n            int64
	}{
		{"read", "read", c.Read},
		{"delivered", "delivered", max(delivered-c.Read, 0)},
		{"sent", "sent", max(sent-delivered, 0)},
		{"failed", "failed", c.Failed},
		{"skipped", "skipped", c.Skipped},
		{"queued", "queued", c.Queued},
	}
	x := 0.0
	for _, part := range parts {
		if part.n <= 0 {
			continue
		}
		w := 100 * float64(part.n) / float64(c.Targeted)
		p.Segments = append(p.Segments, segment{Class: part.class, X: x, W: w, Title: fmt.Sprintf("%d %s", part.n, part.label)})
		x += w
	}
	p.Done = sent + c.Failed + c.Skipped
	p.Percent = int(100 * p.Done / c.Targeted)
	return p
}

// reason is a count by reason, for the skipped and failed lists.
type reason struct {
	Reason string
	Count  int64
}

// byCount orders reasons most frequent first.
func byCount(m map[string]int64) []reason {
	out := make([]reason, 0, len(m))
	for k, n := range m {
		out = append(out, reason{k, n})
	}
	slices.SortFunc(out, func(a, b reason) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason))
	})
	return out
}

// hoursChart is the time-zone breakdown: how many recipients are sent to
// in which UTC hour, as bars in a 0..len(Hours) by 0..100 box.
type hoursChart struct {
	Bars  []bar
	Rows  []broadcast.HourCount
	Max   int64
	Width int
	From  time.Time
	To    time.Time
}

// minChartHours is the narrowest time-zone breakdown drawn: one day.
const minChartHours = 24

func hoursOf(hours []broadcast.HourCount) hoursChart {
	if len(hours) == 0 {
		return hoursChart{}
	}
	rows := slices.Clone(hours)
	slices.SortFunc(rows, func(a, b broadcast.HourCount) int { return a.Hour.Compare(b.Hour) })
	from, to := rows[0].Hour.UTC().Truncate(time.Hour), rows[len(rows)-1].Hour.UTC().Truncate(time.Hour)
	// At least a day wide, so a few busy hours read as hours of a day.
	h := hoursChart{Rows: rows, From: from, To: to, Width: max(int(to.Sub(from)/time.Hour)+1, minChartHours)}
	h.To = from.Add(time.Duration(h.Width-1) * time.Hour)
	for _, r := range rows {
		h.Max = max(h.Max, r.Recipients)
	}
	for _, r := range rows {
		if r.Recipients == 0 || h.Max == 0 {
			continue
		}
		ht := 100 * float64(r.Recipients) / float64(h.Max)
		x := float64(r.Hour.UTC().Sub(from) / time.Hour)
		h.Bars = append(h.Bars, bar{X: x + 0.1, Y: 100 - ht, H: ht,
			Title: fmt.Sprintf("%s UTC: %d", r.Hour.UTC().Format("Jan 2 15:04"), r.Recipients)})
	}
	return h
}

// stateClass colours a broadcast's state pill.
func stateClass(s string) string {
	switch s {
	case broadcast.StateCompleted:
		return "ok"
	case broadcast.StateCancelled, broadcast.StateExpired:
		return "bad"
	case broadcast.StatePaused, broadcast.StateScheduled:
		return "warn"
	case broadcast.StateDraft:
		return "draft"
	}
	return ""
}

// live tells whether a broadcast's counts may still move, so its page polls.
func live(state string) bool {
	switch state {
	case broadcast.StateScheduled, broadcast.StateRunning, broadcast.StatePaused:
		return true
	}
	return false
}
