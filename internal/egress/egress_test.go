package egress

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestCheckRefusesInternalRanges(t *testing.T) {
	g, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	refused := []string{
		"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"169.254.169.254", // cloud metadata
		"100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
		"::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", // IPv4-mapped forms
		"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1", // NAT64 of 127.0.0.1, 169.254.169.254, 10.0.0.1
		"2002:7f00:1::1", "2002:c0a8:101::", // 6to4 of 127.0.0.1 and 192.168.1.1
		"::7f00:1", "::a00:1", // IPv4-compatible
	}
	for _, s := range refused {
		if err := g.Check(netip.MustParseAddr(s)); !errors.Is(err, ErrRefused) {
			t.Errorf("Check(%s) = %v, want refused", s, err)
		}
	}
	allowed := []string{"8.8.8.8", "1.1.1.1", "172.32.0.1", "2001:4860:4860::8888",
		"64:ff9b::808:808", "2002:808:808::1"} // NAT64 and 6to4 of a public address
	for _, s := range allowed {
		if err := g.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("Check(%s) = %v, want allowed", s, err)
		}
	}
}

func TestAllowListOpensRanges(t *testing.T) {
	g, err := New("127.0.0.0/8, ::1/128,10.9.8.7")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"127.0.0.1", "::1", "::ffff:127.0.0.1", "10.9.8.7"} {
		if err := g.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("Check(%s) = %v, want allowed", s, err)
		}
	}
	if err := g.Check(netip.MustParseAddr("10.9.8.6")); err == nil {
		t.Error("10.9.8.6 allowed by a single-address allow entry for 10.9.8.7")
	}
	if _, err := New("not-a-cidr"); err == nil {
		t.Error("a malformed allow list was accepted")
	}
}

// A host name is checked on the address it resolves to, at dial time.
func TestClientRefusesNameResolvingToLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	guarded, _ := New("")
	_, err := guarded.Client(5 * time.Second).Get("http://localhost:" + port + "/hook")
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("GET via localhost = %v, want refused", err)
	}
	open, _ := New("127.0.0.0/8,::1/128")
	resp, err := open.Client(5 * time.Second).Get("http://localhost:" + port + "/hook")
	if err != nil {
		t.Fatalf("allowed loopback: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data", http.StatusFound)
	}))
	defer srv.Close()
	g, _ := New("127.0.0.0/8")
	resp, err := g.Client(5 * time.Second).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want the redirect itself (302)", resp.StatusCode)
	}
}
