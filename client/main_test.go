package client_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/server"
)

// The sandbox botgate the example talks to.
var botgateURL, apiKey, demoUser string

// syncBuffer collects the sandbox's welcome while it is written.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}
func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// TestMain runs botgate serve --sandbox in-process: a real botgate with the
// fake Graph API and a demo bot, whose printed key the example uses.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "botgate-client")
	if err != nil {
		panic(err)
	}
	out := &syncBuffer{}
	cfg := server.Defaults()
	cfg.Addr, cfg.Database, cfg.Sandbox, cfg.Out = "127.0.0.1:0", filepath.Join(dir, "botgate.db"), true, out
	srv, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	key := regexp.MustCompile(`API key[^:]*: (bgk_\S+)`)
	user := regexp.MustCompile(`demo user \(PSID\) (\d+)`)
	for deadline := time.Now().Add(30 * time.Second); !key.MatchString(out.String()); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			panic(fmt.Sprintf("the sandbox printed no key:\n%s", out.String()))
		}
	}
	botgateURL, apiKey, demoUser = srv.URL(), key.FindStringSubmatch(out.String())[1], user.FindStringSubmatch(out.String())[1]
	code := m.Run()
	cancel()
	<-done
	os.RemoveAll(dir)
	os.Exit(code)
}
