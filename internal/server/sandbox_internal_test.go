package server

import "testing"

// The fake Graph's default address is the port after botgate's, so it is the
// same on every start; --sandbox-graph-addr wins.
func TestSandboxGraphAddr(t *testing.T) {
	for _, c := range []struct{ addr, graph, want string }{
		{"127.0.0.1:8080", "", "127.0.0.1:8081"},
		{"0.0.0.0:9000", "", "0.0.0.0:9001"},
		{"127.0.0.1:0", "", "127.0.0.1:0"},
		{":8080", "", ":8081"},
		{"127.0.0.1:8080", "127.0.0.1:7000", "127.0.0.1:7000"},
	} {
		got, err := sandboxGraphAddr(Config{Addr: c.addr, SandboxGraphAddr: c.graph})
		if err != nil || got != c.want {
			t.Errorf("addr %q graph %q: %q, %v; want %q", c.addr, c.graph, got, err, c.want)
		}
	}
	if _, err := sandboxGraphAddr(Config{Addr: "nonsense"}); err == nil {
		t.Error("a bad --addr gave a graph address")
	}
}
