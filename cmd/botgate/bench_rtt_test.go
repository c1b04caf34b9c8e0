package main

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// TestDelayProxy: every answer through the proxy arrives whole, in order,
// and no sooner than the delay after its request was sent.
func TestDelayProxy(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		c, err := echo.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if _, err := c.Write([]byte("echo " + line)); err != nil {
				return
			}
		}
	}()
	const delay = 30 * time.Millisecond
	p, err := startDelayProxy(echo.Addr().String(), delay)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	c, err := net.Dial("tcp", p.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for _, line := range []string{"one\n", "two\n", "three\n"} {
		sent := time.Now()
		if _, err := c.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
		got, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(sent); got != "echo "+line || took < delay {
			t.Fatalf("answer %q after %v; want %q after at least %v", got, took, "echo "+line, delay)
		}
	}
}
