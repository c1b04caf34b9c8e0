// Package console is botgate's web console: server-rendered pages under
// /console/ over the same core and store the admin API uses. It invents no
// rule of its own; a change made here goes through the same store functions
// (and core validation) as the admin API, and is written to the audit log.
//
// Adding a page:
//  1. Write templates/<page>.html defining {{define "title"}} and
//     {{define "content"}}; layout.html frames it (navigation, CSRF header for
//     htmx). Templates are parsed once at start: a typo fails New.
//  2. Write <page>.go (one handler per file, named after the page, e.g.
//     message_list.go) with a method func (c *Console) messageList(w, r) that
//     reads through c.store and ends in c.render(w, r, http.StatusOK,
//     "message_list.html", data). In templates, .User is the signed-in user,
//     .IsAdmin says whether to show buttons that change things, {{csrf $}}
//     writes the hidden CSRF field every POST form needs (htmx requests get
//     the token from the layout's hx-headers), {{time .T}} shows a time in
//     the viewer's zone with UTC on hover; .Data is what the handler passed.
//     A page may {{define "partial"}}: an htmx request with HX-Target gets
//     that block alone (polling, partial updates).
//  3. Add one line to routes.go: c.page(...) for pages every signed-in user
//     may read, c.requireAdmin(...) for changes and admin-only pages.
//     Every POST is checked for the CSRF token before any handler runs.
//  4. Record a change with c.audit(r, action, target, detail) after it
//     succeeds (never a secret in detail), and redirect (303) back to a page.
//  5. Lists: pageOf(r) reads ?cursor= and ?limit= (ask the store for
//     Limit+1 rows after the cursor; trim cuts them and gives the next
//     cursor); filters live in the URL too (filters(r, "bot", "status"), and
//     {{link $.Query "cursor" .Next}} builds a link keeping them), so every
//     view is a link. Errors: c.fail(w, r, err) maps the core's kinds to pages.
//
// Browser tests use internal/console/browser (a real botgate, chromium,
// screenshots into docs/console/).
package console

import (
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/graph"
	"github.com/botgate/botgate/internal/memo"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Session lifetimes: a session ends after 12 hours unused, and 7 days after
// sign-in whatever happens.
const (
	IdleTimeout     = 12 * time.Hour
	AbsoluteTimeout = 7 * 24 * time.Hour
)

// Deps is what the console runs on. Store is required; the rest may be nil
// where a page can do without (Fake is set only with --sandbox).
type Deps struct {
	Store   *store.Store
	Gateway *gateway.Service
	Notify  *notify.Notifier
	Graph   *graph.Client
	Fake    *fakegraph.Server // the sandbox's fake Graph (phone pages); nil outside the sandbox
	// Broadcasts runs the broadcasts pages; nil: they answer 404.
	Broadcasts *broadcast.Service
	Sandbox    bool
	// TrustProxy: the client's address comes from X-Forwarded-For and TLS
	// from X-Forwarded-Proto, so cookies are Secure behind a TLS proxy.
	TrustProxy bool
	Log        *slog.Logger
	Now        func() time.Time // default: the store's clock
}

// Console serves the console's pages.
type Console struct {
	Deps
	store *store.Store
	pages map[string]*template.Template // by page file name
	mux   *http.ServeMux
	log   *slog.Logger
	now   func() time.Time
	// overviews holds the overview computed per bot filter for a moment.
	overviews memo.Cache[overviewData]
}

// New parses every template and builds the routes.
func New(d Deps) (*Console, error) {
	if d.Store == nil {
		return nil, errors.New("console: a store is required")
	}
	c := &Console{Deps: d, store: d.Store, log: d.Log, now: d.Now}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = d.Store.Now
	}
	if err := c.parseTemplates(); err != nil {
		return nil, err
	}
	c.mux = http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	c.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", cacheStatic(http.FileServerFS(static))))
	c.routes()
	return c, nil
}

// Handler serves /console/: security headers, the session, the CSRF check
// of every state-changing request, then the page.
func (c *Console) Handler() http.Handler {
	return c.secureHeaders(c.withSession(c.checkCSRF(c.mux)))
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}
