package server_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"gopkg.in/yaml.v3"
)

// The shipped Grafana dashboard and alerting rules, checked against what a
// real botgate exports.
const (
	dashboardFile  = "../../docs/grafana/botgate.json"
	alertsFile     = "../../docs/prometheus/alerts.yml"
	operationsFile = "../../docs/operations.md"
)

var metricName = regexp.MustCompile(`\bbotgate_[a-zA-Z0-9_]+`)

// checkMonitoringFiles asserts that every botgate_* series the dashboard's
// queries and the alert rules name is in fams (a scrape after traffic), and
// that the rules file is well formed.
func checkMonitoringFiles(t *testing.T, fams map[string]*dto.MetricFamily) {
	t.Helper()
	exprs := map[string]string{} // expr → where
	var dash struct {
		Title  string
		Panels []struct {
			Title   string
			Type    string
			Targets []struct{ Expr string }
		}
	}
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	panels := 0
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		panels++
		if len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			exprs[tg.Expr] = "dashboard panel " + p.Title
		}
	}
	if panels < 10 {
		t.Errorf("dashboard has %d panels", panels)
	}

	var rules struct {
		Groups []struct {
			Name  string
			Rules []struct {
				Alert       string
				Expr        string
				For         string
				Labels      map[string]string
				Annotations map[string]string
			}
		}
	}
	data, err = os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&rules); err != nil {
		t.Fatalf("%s: %v", alertsFile, err)
	}
	alerts := map[string]bool{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" || r.Annotations["summary"] == "" || r.Labels["severity"] == "" {
				t.Errorf("rule %+v lacks a name, an expression, a severity or a summary", r)
			}
			if r.For != "" {
				if _, err := time.ParseDuration(r.For); err != nil {
					t.Errorf("rule %s: for %q: %v", r.Alert, r.For, err)
				}
			}
			alerts[r.Alert] = true
			exprs[r.Expr] = "alert " + r.Alert
		}
	}
	for _, a := range []string{"BotgateQueueBehind", "BotgateSendFailureRate", "BotgateDeliveriesFailing", "BotgateWhatsAppTierNearlySpent"} {
		if !alerts[a] {
			t.Errorf("no alert %s", a)
		}
	}

	// operations.md's table lists every botgate_* family, and only those.
	data, err = os.ReadFile(operationsFile)
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if name, ok := strings.CutPrefix(line, "| `botgate_"); ok {
			name, _, _ = strings.Cut(name, "`")
			documented["botgate_"+name] = true
		}
	}
	for name := range documented {
		if fams[name] == nil {
			t.Errorf("operations.md documents %s, which botgate does not export", name)
		}
	}
	for name := range fams {
		if strings.HasPrefix(name, "botgate_") && !documented[name] {
			t.Errorf("botgate exports %s, which operations.md does not document", name)
		}
	}

	for expr, where := range exprs {
		if !balanced(expr) {
			t.Errorf("%s: unbalanced brackets in %q", where, expr)
		}
		names := metricName.FindAllString(expr, -1)
		if len(names) == 0 {
			t.Errorf("%s: no botgate metric in %q", where, expr)
		}
		for _, n := range names {
			if !exported(fams, n) {
				t.Errorf("%s names %s, which botgate does not export", where, n)
			}
		}
	}
}

// exported reports whether name is a family in fams, or a histogram's
// _bucket, _sum or _count series.
func exported(fams map[string]*dto.MetricFamily, name string) bool {
	if f := fams[name]; f != nil {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, ok := strings.CutSuffix(name, suffix)
		if f := fams[base]; ok && f != nil && f.GetType() == dto.MetricType_HISTOGRAM {
			return true
		}
	}
	return false
}

func balanced(expr string) bool {
	var stack []rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	quoted := false
	for _, c := range expr {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, c)
		case pairs[c] != 0:
			if len(stack) == 0 || stack[len(stack)-1] != pairs[c] {
				return false
			}
			stack = stack[:len(stack)-1]
		}
	}
	return len(stack) == 0 && !quoted
}
