package harness

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// LogBuffer collects a botgate's JSON log lines, for tests that read them
// (Options.Log).
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything logged so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Lines are the lines logged so far, decoded.
func (b *LogBuffer) Lines() []map[string]any {
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var m map[string]any
		if l != "" && json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// Find returns the lines with message msg whose attributes include every
// key and value of attrs (values compared as printed by %v in JSON).
func (b *LogBuffer) Find(msg string, attrs map[string]any) []map[string]any {
	var out []map[string]any
	for _, l := range b.Lines() {
		if l["msg"] != msg {
			continue
		}
		ok := true
		for k, v := range attrs {
			got, _ := json.Marshal(l[k])
			want, _ := json.Marshal(v)
			if !bytes.Equal(got, want) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

// Scrape reads botgate's /metrics.
func (e *Env) Scrape() map[string]*dto.MetricFamily {
	e.T.Helper()
	return ScrapeURL(e.T, e.Server.URL()+"/metrics")
}

// ScrapeURL reads a Prometheus text exposition.
func ScrapeURL(t interface {
	Helper()
	Fatalf(string, ...any)
}, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	return fams
}

// Metric sums the series of family name whose labels include labels
// (name, value pairs): a counter's or gauge's value, a histogram's count.
func Metric(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return 0
	}
	var sum float64
	for _, m := range f.GetMetric() {
		if !hasLabels(m, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

func hasLabels(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
