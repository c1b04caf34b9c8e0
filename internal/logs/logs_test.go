package logs

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestSamplerLetsABurstThroughPerKeyAndWindow(t *testing.T) {
	s := Sampler{Burst: 3, Window: time.Minute}
	t0 := time.Unix(1_700_000_000, 0)
	var got []string
	for i := range 10 {
		if ok, dropped := s.allow("retry:bot_a", t0.Add(time.Duration(i)*time.Second)); ok {
			got = append(got, "a")
		} else if dropped != 0 {
			t.Fatalf("a refused line reports %d dropped", dropped)
		}
	}
	if ok, _ := s.allow("retry:bot_b", t0); !ok {
		t.Error("one key's flood muted another key")
	}
	if len(got) != 3 {
		t.Errorf("%d of 10 lines let through in one window, want 3", len(got))
	}
	ok, dropped := s.allow("retry:bot_a", t0.Add(time.Minute))
	if !ok || dropped != 7 {
		t.Errorf("next window: ok %v, suppressed %d, want true, 7", ok, dropped)
	}
	if ok, dropped := s.allow("retry:bot_a", t0.Add(61*time.Second)); !ok || dropped != 0 {
		t.Errorf("second line of the new window: ok %v, suppressed %d", ok, dropped)
	}
}

func TestSamplerLogsSuppressedCount(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	s := Sampler{Burst: 1, Window: time.Hour}
	for range 3 {
		s.Log(log, slog.LevelWarn, "k", "send retry scheduled", "bot", "b1")
	}
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Fatalf("%d lines, want 1:\n%s", n, buf.String())
	}
	// A new window's first line says how many were left out.
	s.keys["k"].start = time.Now().Add(-2 * time.Hour)
	buf.Reset()
	s.Log(log, slog.LevelWarn, "k", "send retry scheduled", "bot", "b1")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["suppressed"] != float64(2) {
		t.Fatalf("line %s (%v), want suppressed 2", buf.String(), err)
	}
}

func TestRequestLoggerNamesTheRequest(t *testing.T) {
	var buf bytes.Buffer
	base, err := New(&buf, "json", slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	req := NewRequest("req_1", base)
	ctx := NewContext(context.Background(), req)
	SetBot(ctx, "bot_1")
	From(ctx, nil).Info("hello")
	if !strings.Contains(buf.String(), `"msg":"hello","request_id":"req_1"`) || req.Bot() != "bot_1" {
		t.Errorf("line %s, bot %q", buf.String(), req.Bot())
	}
	buf.Reset()
	From(context.Background(), base).Info("outside")
	if strings.Contains(buf.String(), "request_id") {
		t.Errorf("a line outside a request names one: %s", buf.String())
	}
	SetBot(context.Background(), "x") // outside a request: nothing to note, no panic
	if _, err := New(&buf, "xml", slog.LevelInfo); err == nil {
		t.Error("format xml accepted")
	}
	if l, err := New(&buf, "", slog.LevelInfo); err != nil || l.Handler() == nil {
		t.Errorf("default format: %v", err)
	}
}
