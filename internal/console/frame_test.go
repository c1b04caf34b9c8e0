package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/console"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store/storetest"
)

func TestHeaders(t *testing.T) {
	s := newSite(t, storetest.New(t, "sqlite"), console.Deps{})
	b := s.client()
	for _, path := range []string{"/console/signin", "/console/static/console.css", "/console/nowhere"} {
		a := b.get(path)
		for k, want := range map[string]string{
			"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "same-origin",
			"X-Content-Type-Options":  "nosniff",
		} {
			if got := a.Header.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", path, k, got, want)
			}
		}
	}
	if a := b.get("/console/static/htmx.min.js"); a.Status != http.StatusOK || !strings.Contains(a.Body, "htmx") {
		t.Errorf("htmx is not served: %d", a.Status)
	}
	// No page carries an inline script (the CSP would block it anyway).
	if a := b.get("/console/signin"); strings.Contains(a.Body, "<script>") || strings.Contains(a.Body, " onclick=") {
		t.Error("the sign-in page has an inline script")
	}
}

func TestCSRF(t *testing.T) {
	s := newSite(t, storetest.New(t, "sqlite"), console.Deps{})
	pw := s.user("ada", core.RoleAdmin)
	b := s.client()
	// Even the sign-in form needs its token.
	if a := b.do(http.MethodPost, "/console/signin", url.Values{"username": {"ada"}, "password": {pw}}); a.Status != http.StatusForbidden {
		t.Fatalf("sign-in without CSRF token: %d", a.Status)
	}
	b.signIn("ada", pw)
	form := url.Values{"username": {"eve"}, "password": {"pw-eve-0123456789"}, "role": {"admin"}}
	if a := b.do(http.MethodPost, "/console/users", form); a.Status != http.StatusForbidden || !strings.Contains(a.Body, "CSRF") {
		t.Fatalf("POST without CSRF token: %d\n%s", a.Status, a.Body)
	}
	form.Set("csrf", "00"+strings.Repeat("ab", 31))
	if a := b.do(http.MethodPost, "/console/users", form); a.Status != http.StatusForbidden {
		t.Fatalf("POST with a wrong CSRF token: %d", a.Status)
	}
	// The right token from another origin is refused too.
	b.Header = http.Header{"Origin": {"https://evil.example"}}
	if a := b.post("/console/users", "/console/users", form); a.Status != http.StatusForbidden {
		t.Fatalf("POST from another origin: %d", a.Status)
	}
	b.Header = nil
	if _, err := s.Store.GetUser(t.Context(), "eve"); core.ErrorKind(err) != core.KindNotFound {
		t.Fatalf("a refused POST created the user: %v", err)
	}
	// With the token (form field or htmx's header) it goes through.
	if a := b.post("/console/users", "/console/users", form); a.Status != http.StatusSeeOther {
		t.Fatalf("POST with the token: %d\n%s", a.Status, a.Body)
	}
	page := b.get("/console/users")
	token := csrfRe.FindStringSubmatch(page.Body)[1]
	b.Header = http.Header{"X-Csrf-Token": {token}}
	// The form's fields still reach the handler when the token is a header (htmx).
	if a := b.do(http.MethodPost, "/console/users/eve", url.Values{"change": {"role"}, "role": {"viewer"}}); a.Status != http.StatusSeeOther {
		t.Fatalf("POST with the token in X-CSRF-Token: %d\n%s", a.Status, a.Body)
	}
	if u, err := s.Store.GetUser(t.Context(), "eve"); err != nil || u.Role != core.RoleViewer {
		t.Fatalf("eve after the header-token POST: %+v %v", u, err)
	}
	if a := b.do(http.MethodPost, "/console/users/eve/delete", url.Values{}); a.Status != http.StatusSeeOther {
		t.Fatalf("POST with the token in X-CSRF-Token: %d", a.Status)
	}
}

func TestViewerChangesNothing(t *testing.T) {
	s := newSite(t, storetest.New(t, "sqlite"), console.Deps{})
	s.user("ada", core.RoleAdmin)
	pw := s.user("vic", core.RoleViewer)
	b := s.client()
	b.signIn("vic", pw)
	for _, path := range []string{"/console/users", "/console/audit"} {
		if a := b.get(path); a.Status != http.StatusForbidden {
			t.Errorf("a viewer opens %s: %d", path, a.Status)
		}
	}
	for _, path := range []string{"/console/bots", "/console/users", "/console/users/ada/delete"} {
		if a := b.post("/console/bots", path, url.Values{"name": {"x"}, "username": {"x"}, "role": {"admin"}, "password": {"0123456789ab"}}); a.Status != http.StatusForbidden {
			t.Errorf("a viewer's POST %s: %d", path, a.Status)
		}
	}
	if a := b.get("/console/bots"); strings.Contains(a.Body, `action="/console/bots"`) {
		t.Error("the bot list shows a viewer the form creating a bot")
	}
}

func TestConsoleSelfProtection(t *testing.T) {
	s := newSite(t, storetest.New(t, "sqlite"), console.Deps{})
	pw := s.user("ada", core.RoleAdmin)
	b := s.client()
	b.signIn("ada", pw)
	for path, form := range map[string]url.Values{
		"/console/users/ada":        {"change": {"role"}, "role": {"viewer"}},
		"/console/users/ada/delete": {},
	} {
		if a := b.post("/console/users", path, form); a.Status != http.StatusBadRequest || !strings.Contains(a.Body, "another admin can") {
			t.Errorf("POST %s on oneself: %d", path, a.Status)
		}
	}
}

func TestAuditPagesAndPrune(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := newSite(t, db, console.Deps{})
		pw := s.user("ada", core.RoleAdmin)
		b := s.client()
		b.signIn("ada", pw)
		for _, name := range []string{"u1", "u2", "u3"} {
			s.Clock.Add(time.Second)
			if a := b.post("/console/users", "/console/users", url.Values{"username": {name}, "role": {"viewer"}, "password": {"pw-" + name + "-0123456789"}}); a.Status != http.StatusSeeOther {
				t.Fatalf("create %s: %d", name, a.Status)
			}
		}
		page := b.get("/console/audit?limit=2")
		if !strings.Contains(page.Body, "<td>create user</td><td class=\"mono\">u3</td>") || !strings.Contains(page.Body, ">u2</td>") || strings.Contains(page.Body, ">u1</td>") {
			t.Fatalf("first audit page:\n%s", page.Body)
		}
		next := regexp.MustCompile(`href="/console/audit(\?[^"]+)">Older`).FindStringSubmatch(page.Body)
		if next == nil {
			t.Fatalf("no link to older entries:\n%s", page.Body)
		}
		page = b.get("/console/audit" + html.UnescapeString(next[1]))
		if !strings.Contains(page.Body, ">u1</td>") || strings.Contains(page.Body, ">u2</td>") || strings.Contains(page.Body, "Older") {
			t.Fatalf("second audit page:\n%s", page.Body)
		}

		// Pruning forgets ended sessions only.
		s.Clock.Add(13 * time.Hour)
		other := s.client()
		other.signIn("u1", "pw-u1-0123456789")
		if err := console.Prune(t.Context(), s.Store); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.Store.ReadRow(t.Context(), `SELECT COUNT(*) FROM console_sessions`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d sessions after pruning, want 1 (%v)", n, err)
		}
	})
}
