package dispatch

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/botgate/botgate/internal/core"
)

// Metrics are the dispatcher's own Prometheus series (the ones other
// packages share are in package metrics). A nil *Metrics records nothing.
type Metrics struct {
	commitWindow prometheus.Histogram
	failures     *prometheus.CounterVec
}

// NewMetrics registers the dispatcher's series with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		commitWindow: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "botgate_send_commit_window_seconds",
			Help: "Time from Graph's answer to the commit that records it: a crash inside this window sends the part again.",
			// From 10µs up: the window is normally well under a millisecond.
			Buckets: prometheus.ExponentialBuckets(0.00001, 2, 16),
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botgate_send_failures_total",
			Help: "Messages that failed for good, by error kind.",
		}, []string{"kind"}),
	}
	reg.MustRegister(m.commitWindow, m.failures)
	return m
}

func (m *Metrics) observeCommitWindow(d time.Duration) {
	if m != nil {
		m.commitWindow.Observe(d.Seconds())
	}
}

func (m *Metrics) observeFailure(kind core.Kind) {
	if m != nil {
		m.failures.WithLabelValues(string(kind)).Inc()
	}
}

// CommitWindow returns how many commit windows were observed and the
// quantiles q (0–1) of their length, estimated from the histogram's buckets.
func (m *Metrics) CommitWindow(q ...float64) (uint64, []time.Duration) {
	if m == nil {
		return 0, nil
	}
	var pb dto.Metric
	if err := m.commitWindow.Write(&pb); err != nil {
		return 0, nil
	}
	h := pb.GetHistogram()
	out := make([]time.Duration, len(q))
	for i, quantile := range q {
		rank := quantile * float64(h.GetSampleCount())
		lower := 0.0
		var below uint64
		for _, b := range h.GetBucket() {
			if float64(b.GetCumulativeCount()) >= rank {
				// Interpolate inside the bucket the rank falls in.
				inBucket := float64(b.GetCumulativeCount() - below)
				frac := 1.0
				if inBucket > 0 {
					frac = (rank - float64(below)) / inBucket
				}
				out[i] = time.Duration((lower + frac*(b.GetUpperBound()-lower)) * float64(time.Second))
				break
			}
			lower, below = b.GetUpperBound(), b.GetCumulativeCount()
		}
	}
	return h.GetSampleCount(), out
}
