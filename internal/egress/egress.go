// Package egress guards botgate's calls to merchant URLs (callbacks, webhook
// forwarding) against server-side request forgery: a merchant-supplied URL
// must not reach botgate's own network. The check runs when connecting, on
// the address DNS resolved to, so a public name pointing at 127.0.0.1 is
// refused as surely as the literal address.
package egress

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// blocked is the one table of ranges a merchant URL may not reach unless
// allowed: every entry of IANA's IPv4 and IPv6 special-purpose address
// registries that is not globally reachable, plus multicast (a receiver is
// one host). Where a registry block holds a few globally reachable
// assignments (192.0.0.0/24, 2001::/23), the whole block is refused: none of
// them is a merchant's web server. Prefixes that embed an IPv4 address
// (NAT64 64:ff9b::/96, 6to4, IPv4-compatible) are judged by that address in
// Check; the mapped range ::ffff:0:0/96 is refused as such and its IPv4
// address checked as well.
var blocked = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this network"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private use"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (carrier-grade NAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private use"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation (TEST-NET-1)"},
	{netip.MustParsePrefix("192.88.99.0/24"), "deprecated 6to4 relay anycast"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private use"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation (TEST-NET-2)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation (TEST-NET-3)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved, and limited broadcast"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::ffff:0:0/96"), "IPv4-mapped"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use IPv4/IPv6 translation"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001::/23"), "IETF protocol assignments (Teredo 2001::/32, benchmarking, ORCHID)"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("3fff::/20"), "documentation"},
	{netip.MustParsePrefix("5f00::/16"), "segment routing (SRv6) SIDs"},
	{netip.MustParsePrefix("fc00::/7"), "unique local"},
	{netip.MustParsePrefix("fe80::/10"), "link local"},
	{netip.MustParsePrefix("fec0::/10"), "deprecated site local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// ErrRefused marks a connection the guard refused.
var ErrRefused = errors.New("egress: destination refused")

// Guard decides which addresses merchant URLs may reach.
type Guard struct {
	allow []netip.Prefix
}

// New returns a guard that also lets through the given CIDRs (e.g.
// "127.0.0.0/8,::1/128" for a sandbox whose merchant runs on loopback).
func New(allow string) (*Guard, error) {
	g := &Guard{}
	for _, s := range strings.Split(allow, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			addr, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("egress: %q is not a CIDR or an address", s)
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		g.allow = append(g.allow, p.Masked())
	}
	return g, nil
}

// Check returns ErrRefused (wrapped, naming the address) for an address
// merchant URLs may not reach.
func (g *Guard) Check(addr netip.Addr) error {
	for _, a := range g.allow {
		if a.Contains(addr) || a.Contains(addr.Unmap()) {
			return nil
		}
	}
	// IPv4-mapped IPv6 (::ffff:127.0.0.1) is the IPv4 address in disguise;
	// so are the IPv6 forms that carry one inside (NAT64, 6to4, IPv4-compatible).
	for _, ip := range []netip.Addr{addr.WithZone(""), addr.Unmap(), embeddedIPv4(addr)} {
		for _, b := range blocked {
			if ip.IsValid() && b.prefix.Contains(ip) {
				return fmt.Errorf("%w: %s is in %s, %s (allow it with --egress-allow)", ErrRefused, addr, b.prefix, b.why)
			}
		}
	}
	return nil
}

var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	compatible = netip.MustParsePrefix("::/96")
)

// embeddedIPv4 is the IPv4 address an IPv6 address routes to, for the
// forms that embed one; the zero Addr otherwise.
func embeddedIPv4(addr netip.Addr) netip.Addr {
	if !addr.Is6() || addr.Is4In6() {
		return netip.Addr{}
	}
	b := addr.As16()
	switch {
	case nat64.Contains(addr), nat64Local.Contains(addr):
		return netip.AddrFrom4([4]byte(b[12:16]))
	case sixToFour.Contains(addr):
		return netip.AddrFrom4([4]byte(b[2:6]))
	case compatible.Contains(addr) && addr != netip.IPv6Unspecified() && addr != netip.IPv6Loopback():
		return netip.AddrFrom4([4]byte(b[12:16]))
	}
	return netip.Addr{}
}

// control runs after DNS resolution, on the exact address being dialled.
func (g *Guard) control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrRefused, address)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrRefused, address)
	}
	return g.Check(addr)
}

// Client returns an HTTP client for merchant URLs: guarded dials, no proxy
// (a proxy would make the guard check the proxy instead of the target), no
// redirects (a receiver answers, it does not send us elsewhere).
func (g *Guard) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
