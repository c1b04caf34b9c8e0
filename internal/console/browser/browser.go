// Package browser runs console tests in a real browser: a real botgate
// (internal/harness, on loopback, with the fake Graph), Debian's chromium
// driven by chromedp, one browser profile per signed-in person, and
// screenshots into docs/console/ when BOTGATE_SCREENSHOTS is set.
package browser

import (
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// Chromium is the browser the tests drive (Debian's package, which .ci/run installs).
const Chromium = "/usr/bin/chromium"

// Env is a running botgate with a browser at hand.
type Env struct {
	*harness.Env
	URL string // botgate's base URL
}

// Start runs botgate on a fresh SQLite database until the test ends.
func Start(t *testing.T, opts harness.Options) *Env {
	t.Helper()
	return StartOn(t, storetest.New(t, "sqlite"), opts)
}

// StartOn runs botgate on db until the test ends; with storetest.Each, a
// page's test runs on both databases.
func StartOn(t *testing.T, db storetest.DB, opts harness.Options) *Env {
	t.Helper()
	if _, err := exec.LookPath(Chromium); err != nil {
		t.Fatalf("browser tests need %s (apt-get install -y chromium; .ci/run does it)", Chromium)
	}
	e := harness.Start(t, db, opts)
	return &Env{Env: e, URL: e.Server.URL()}
}

// StartSandbox runs `botgate serve --sandbox` in-process on a fresh SQLite
// database until the test ends: the fake Graph in-process (the console's
// phone pages), the demo bot and the console user demo (DemoPassword). The
// embedded harness.Env has only T and Server set.
func StartSandbox(t *testing.T) *Env {
	t.Helper()
	return StartSandboxOn(t, storetest.New(t, "sqlite"))
}

// StartSandboxOn is StartSandbox on db (storetest.Each gives both databases).
func StartSandboxOn(t *testing.T, db storetest.DB) *Env {
	t.Helper()
	if _, err := exec.LookPath(Chromium); err != nil {
		t.Fatalf("browser tests need %s (apt-get install -y chromium; .ci/run does it)", Chromium)
	}
	cfg := server.Defaults()
	cfg.Addr, cfg.Sandbox, cfg.Out = "127.0.0.1:0", true, io.Discard
	cfg.Database = db.DSN
	cfg.SecretKey = hex.EncodeToString(storetest.Key)
	srv, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("start the sandbox: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sandbox stopped with: %v", err)
		}
	})
	return &Env{Env: &harness.Env{T: t, Server: srv}, URL: srv.URL()}
}

// DemoPassword is the sandbox's console user demo's password.
func (e *Env) DemoPassword() string {
	e.T.Helper()
	pw, err := e.Server.Store.SandboxValue(context.Background(), server.DemoPasswordName)
	if err != nil || pw == "" {
		e.T.Fatalf("no demo password (is this the sandbox?): %v", err)
	}
	return pw
}

// User creates a console user and returns its password.
func (e *Env) User(username string, role core.Role) string {
	e.T.Helper()
	password := "pw-" + username + "-0123456789"
	if _, err := e.Server.Store.CreateUser(context.Background(), username, password, role); err != nil {
		e.T.Fatalf("create user %s: %v", username, err)
	}
	return password
}

// Tab is one browser (own profile, so own cookies) with one page.
type Tab struct {
	T   testing.TB
	Env *Env
	Ctx context.Context
}

// Open starts a headless chromium with a fresh profile, closed when the test ends.
func (e *Env) Open() *Tab {
	e.T.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(e.T.TempDir()), chromedp.WindowSize(1280, 860),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	e.T.Cleanup(func() { cancel(); cancelAlloc() })
	// The first run starts chromium and its tab on the context it is given,
	// so it must be the tab's own: ending a shorter one would close them.
	if err := chromedp.Do(ctx); err != nil {
		e.T.Fatalf("start chromium: %v", err)
	}
	return &Tab{T: e.T, Env: e, Ctx: ctx}
}

// stepTimeout bounds one Run or Get, not the tab's life: a test of many
// steps on a busy machine must not fail for their sum.
const stepTimeout = time.Minute

// Run runs chromedp actions, failing the test on error.
func (t *Tab) Run(actions ...chromedp.Action[chromedp.Void]) {
	t.T.Helper()
	ctx, cancel := context.WithTimeout(t.Ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.fail(err)
	}
}

// Get runs one chromedp action that returns a value.
func Get[T any](t *Tab, action chromedp.Action[T]) T {
	t.T.Helper()
	ctx, cancel := context.WithTimeout(t.Ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.fail(err)
	}
	return v
}

// fail ends the test with err and what the page showed then, so that a
// step that waited in vain says what was there instead.
func (t *Tab) fail(err error) {
	t.T.Helper()
	ctx, cancel := context.WithTimeout(t.Ctx, 5*time.Second)
	defer cancel()
	url, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	t.T.Fatalf("browser: %v\nat %s the page shows:\n%s", err, url, text)
}

// Go opens a console path (e.g. "/console/bots").
func (t *Tab) Go(path string) {
	t.T.Helper()
	t.Run(chromedp.Navigate(t.Env.URL+path), chromedp.WaitReady("body"))
}

// SignIn signs in through the sign-in form and waits for the page after it.
func (t *Tab) SignIn(username, password string) {
	t.T.Helper()
	t.Go("/console/signin")
	t.Run(
		chromedp.SendKeys(`input[name=username]`, username),
		chromedp.SendKeys(`input[name=password]`, password),
		chromedp.Click(`form[action="/console/signin"] button[type=submit]`),
		chromedp.WaitVisible(`form.who`),
	)
}

// Text returns the text of the first element sel matches.
func (t *Tab) Text(sel string) string {
	t.T.Helper()
	return Get(t, chromedp.Text(sel, chromedp.NodeVisible))
}

// Screenshot saves the whole page as docs/console/<name>.png when
// BOTGATE_SCREENSHOTS is set (so ordinary test runs leave the tree alone).
// Quality 100 makes chromium answer PNG (below it, JPEG).
func (t *Tab) Screenshot(name string) {
	t.T.Helper()
	if os.Getenv("BOTGATE_SCREENSHOTS") == "" {
		return
	}
	png := Get(t, chromedp.FullScreenshot(100))
	dir := filepath.Join(moduleRoot(t.T), "docs", "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.T.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.T.Fatal(err)
	}
}

func moduleRoot(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}
