package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/console"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// site is a console on a real store and a loopback HTTP server, with a
// settable clock.
type site struct {
	t     *testing.T
	Store *store.Store
	Clock *storetest.Clock
	URL   string
}

var start = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

func newSite(t *testing.T, db storetest.DB, deps console.Deps) *site {
	t.Helper()
	clock := storetest.NewClock(start)
	st := db.Open(t, store.Options{Now: clock.Now})
	return newSiteOn(t, st, clock, deps)
}

// newSiteOn serves another console on the same store (a second instance).
func newSiteOn(t *testing.T, st *store.Store, clock *storetest.Clock, deps console.Deps) *site {
	t.Helper()
	deps.Store, deps.Now = st, clock.Now
	c, err := console.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c.Handler())
	t.Cleanup(srv.Close)
	return &site{t: t, Store: st, Clock: clock, URL: srv.URL}
}

func (s *site) user(name string, role core.Role) string {
	s.t.Helper()
	pw := "pw-" + name + "-0123456789"
	if _, err := s.Store.CreateUser(context.Background(), name, pw, role); err != nil {
		s.t.Fatal(err)
	}
	return pw
}

// client is an HTTP client with its own cookies that does not follow redirects.
type client struct {
	s    *site
	http *http.Client
	// Header is added to every request.
	Header http.Header
}

func (s *site) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{s: s, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type answer struct {
	Status int
	Header http.Header
	Body   string
}

func (b *client) do(method, path string, form url.Values) answer {
	b.s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.s.URL+path, body)
	if err != nil {
		b.s.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.Header {
		req.Header[k] = v
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: string(data)}
}

func (b *client) get(path string) answer { return b.do(http.MethodGet, path, nil) }

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// post sends a form with the CSRF token of the page at from.
func (b *client) post(from, path string, form url.Values) answer {
	b.s.t.Helper()
	page := b.get(from)
	m := csrfRe.FindStringSubmatch(page.Body)
	if m == nil {
		b.s.t.Fatalf("no CSRF field on %s (%d):\n%s", from, page.Status, page.Body)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", m[1])
	return b.do(http.MethodPost, path, form)
}

func (b *client) signIn(user, pw string) answer {
	b.s.t.Helper()
	return b.post("/console/signin", "/console/signin", url.Values{"username": {user}, "password": {pw}})
}
