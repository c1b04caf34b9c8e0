package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
)

type fakegraphCmd struct {
	Addr        string        `default:"127.0.0.1:8081" env:"BOTGATE_FAKEGRAPH_ADDR" help:"Address to listen on."`
	Page        []string      `help:"Pages to accept, as PAGE_ID:ACCESS_TOKEN (repeatable; more via POST /_fake/pages)."`
	Latency     time.Duration `help:"Added to every Graph call."`
	Seed        int64         `help:"Seed for transient failures and ids (0: time-based)."`
	StrictUsers bool          `help:"Refuse PSIDs not added through POST /_fake/users."`
	MaxRecorded int           `default:"100000" help:"Requests kept for /_fake/requests; older ones are dropped (counts stay exact)."`
}

func (c *fakegraphCmd) Run(e *env) error {
	fake := fakegraph.New(fakegraph.Options{Latency: c.Latency, Seed: c.Seed, StrictUsers: c.StrictUsers, MaxRecorded: c.MaxRecorded})
	for _, p := range c.Page {
		id, token, ok := strings.Cut(p, ":")
		if !ok || id == "" || token == "" {
			return fmt.Errorf("--page %q: want PAGE_ID:ACCESS_TOKEN", p)
		}
		fake.AddPage(id, token)
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "fake Graph API listening on http://%s (control API under /_fake/)\n", ln.Addr())
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-e.ctx.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
