package egress

import (
	"errors"
	"net/netip"
	"testing"
)

// Every range of the table is refused at its first and last address, and
// the addresses the hardening review got through are refused one by one.
func TestTableRefusesEveryRangeAddressByAddress(t *testing.T) {
	g, _ := New("")
	for _, b := range blocked {
		first := b.prefix.Masked().Addr()
		for _, a := range []netip.Addr{first, lastAddr(b.prefix)} {
			if err := g.Check(a); !errors.Is(err, ErrRefused) {
				t.Errorf("Check(%s) in %s = %v, want refused", a, b.prefix, err)
			}
		}
	}
	review := []string{
		"fec0::1", "feff::1", // site local
		"::ffff:0:1", "::ffff:8.8.8.8", "::ffff:c000:201", // IPv4-mapped, whatever the IPv4
		"2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
		"100::1", "100::ffff:ffff:ffff:ffff", // discard-only
		"2001:db8::1", "2001:db8:ffff::1", // documentation
		"192.0.2.1", "198.51.100.7", "203.0.113.255", // TEST-NETs
		"192.88.99.1", "198.19.255.255", "3fff::1", "5f00::1", "2001:2::1", "64:ff9b:1::808:808",
		"fe80::1%eth0", // a zone does not hide the range
	}
	for _, s := range review {
		if err := g.Check(netip.MustParseAddr(s)); !errors.Is(err, ErrRefused) {
			t.Errorf("Check(%s) = %v, want refused", s, err)
		}
	}
	public := []string{"8.8.8.8", "1.1.1.1", "192.0.1.255", "192.0.3.0", "198.51.99.255", "198.51.101.0",
		"203.0.112.255", "203.0.114.0", "100.63.255.255", "100.128.0.0", "198.20.0.0",
		"2001:4860:4860::8888", "2606:4700:4700::1111", "2001:200::1", "2001:dc8::1", "2001:db9::1",
		"64:ff9b::808:808", "2002:808:808::1", "101::1", "4000::1"}
	for _, s := range public {
		if err := g.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("Check(%s) = %v, want allowed", s, err)
		}
	}
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
