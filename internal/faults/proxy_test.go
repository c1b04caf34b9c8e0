package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// proxy is a toxiproxy proxy on loopback in front of one upstream.
type proxy struct {
	t    testing.TB
	p    *toxiproxy.Proxy
	Addr string
}

// newProxy starts a proxy to upstream (host:port) until the test ends.
func newProxy(t testing.TB, upstream string) *proxy {
	t.Helper()
	api := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(api, strings.NewReplacer("/", "_").Replace(t.Name()), "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		t.Fatalf("toxiproxy: %v", err)
	}
	t.Cleanup(p.Stop)
	return &proxy{t: t, p: p, Addr: p.Listen}
}

// proxyURL puts a proxy in front of the host of rawURL and returns rawURL
// pointing at the proxy.
func proxyURL(t testing.TB, rawURL string) (*proxy, string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, u.Host)
	u.Host = px.Addr
	return px, u.String()
}

// add turns a toxic on: kind is toxiproxy's type (latency, reset_peer,
// timeout, ...), stream upstream or downstream.
func (px *proxy) add(name, kind, stream string, attrs map[string]int64) {
	px.t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "type": kind, "stream": stream, "toxicity": 1.0, "attributes": attrs})
	if _, err := px.p.Toxics.AddToxicJson(strings.NewReader(string(body))); err != nil {
		px.t.Fatalf("toxic %s: %v", name, err)
	}
}

// remove turns a toxic off.
func (px *proxy) remove(name string) {
	px.t.Helper()
	if err := px.p.Toxics.RemoveToxic(context.Background(), name); err != nil {
		px.t.Fatalf("remove toxic %s: %v", name, err)
	}
}

// ids hands out unique request ids and remembers which were accepted.
type ids struct {
	mu       sync.Mutex
	prefix   string
	n        int
	accepted []string
}

func (l *ids) next() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	return fmt.Sprintf("%s-%d", l.prefix, l.n)
}

func (l *ids) accept(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accepted = append(l.accepted, id)
}

func (l *ids) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.accepted...)
}
