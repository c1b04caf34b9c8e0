package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/console"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

func TestSignInAndOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := newSite(t, db, console.Deps{})
		b := s.client()
		if a := b.get("/console/"); a.Status != http.StatusSeeOther || a.Header.Get("Location") != "/console/signin?next=%2Fconsole%2F" {
			t.Fatalf("GET /console/ signed out: %d %s", a.Status, a.Header.Get("Location"))
		}
		if a := b.get("/console/signin"); a.Status != http.StatusOK || !strings.Contains(a.Body, "botgate user create --username admin --role admin") {
			t.Fatalf("fresh install's sign-in page: %d\n%s", a.Status, a.Body)
		}
		pw := s.user("ada", core.RoleAdmin)

		a := b.signIn("ada", "wrong password!")
		if a.Status != http.StatusUnauthorized || !strings.Contains(a.Body, "Wrong username or password.") {
			t.Fatalf("wrong password: %d\n%s", a.Status, a.Body)
		}
		a = b.signIn("ada", pw)
		if a.Status != http.StatusSeeOther || a.Header.Get("Location") != "/console/" {
			t.Fatalf("sign-in: %d %s", a.Status, a.Header.Get("Location"))
		}
		cookie := sessionCookie(t, a)
		if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure || cookie.Path != "/console/" {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP, path /console/", cookie)
		}
		if a := b.get("/console/bots"); a.Status != http.StatusOK {
			t.Fatalf("signed in, /console/bots answers %d", a.Status)
		}
		// The database keeps the id's hash, never the id.
		var n int
		if err := s.Store.ReadRow(context.Background(), `SELECT COUNT(*) FROM console_sessions WHERE hash = $1`, cookie.Value).Scan(&n); err != nil || n != 0 {
			t.Fatalf("the session id is stored as is (%d rows, %v)", n, err)
		}

		// Signing out ends the session for good: the old cookie no longer works.
		if a := b.post("/console/bots", "/console/signout", nil); a.Status != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", a.Status)
		}
		replay := s.client()
		u, _ := url.Parse(s.URL + "/console/")
		replay.http.Jar.SetCookies(u, []*http.Cookie{{Name: "botgate_session", Value: cookie.Value}})
		if a := replay.get("/console/bots"); a.Status != http.StatusSeeOther || !strings.HasPrefix(a.Header.Get("Location"), "/console/signin") {
			t.Fatalf("the signed-out session still opens pages: %d", a.Status)
		}
		// A local ?next= is followed; another site's is not.
		a = b.post("/console/signin?next=/console/users", "/console/signin", url.Values{"username": {"ada"}, "password": {pw}, "next": {"/console/audit"}})
		if a.Header.Get("Location") != "/console/audit" {
			t.Fatalf("next: %s", a.Header.Get("Location"))
		}
		b2 := s.client()
		a = b2.post("/console/signin", "/console/signin", url.Values{"username": {"ada"}, "password": {pw}, "next": {"//evil.example/"}})
		if a.Header.Get("Location") != "/console/" {
			t.Fatalf("next to another site followed: %s", a.Header.Get("Location"))
		}
	})
}

func sessionCookie(t *testing.T, a answer) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: a.Header}).Cookies() {
		if c.Name == "botgate_session" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", a.Header)
	return nil
}

func TestSecureCookie(t *testing.T) {
	db := storetest.New(t, "sqlite")
	for _, tc := range []struct {
		trust  bool
		proto  string
		secure bool
	}{{false, "", false}, {false, "https", false}, {true, "https", true}, {true, "http", false}} {
		s := newSite(t, db, console.Deps{TrustProxy: tc.trust})
		pw := "pw-ada-0123456789"
		if _, err := s.Store.GetUser(context.Background(), "ada"); err != nil {
			pw = s.user("ada", core.RoleAdmin)
		}
		b := s.client()
		b.Header = http.Header{"X-Forwarded-Proto": {tc.proto}}
		if got := sessionCookie(t, b.signIn("ada", pw)).Secure; got != tc.secure {
			t.Errorf("trust proxy %v, X-Forwarded-Proto %q: Secure = %v, want %v", tc.trust, tc.proto, got, tc.secure)
		}
	}
}

func TestSessionExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := newSite(t, db, console.Deps{})
		pw := s.user("ada", core.RoleAdmin)
		signedIn := func(b *client) bool { return b.get("/console/bots").Status == http.StatusOK }

		// Idle: used every 11 hours, a session lives on; 12 hours unused ends it.
		b := s.client()
		b.signIn("ada", pw)
		for range 3 {
			s.Clock.Add(11 * time.Hour)
			if !signedIn(b) {
				t.Fatalf("session ended after 11 h idle")
			}
		}
		s.Clock.Add(12*time.Hour + time.Second)
		if signedIn(b) {
			t.Fatal("session alive after 12 h idle")
		}

		// Absolute: even in constant use, a session ends 7 days after sign-in.
		b = s.client()
		b.signIn("ada", pw)
		for elapsed := time.Duration(0); elapsed < 7*24*time.Hour-10*time.Hour; elapsed += 10 * time.Hour {
			s.Clock.Add(10 * time.Hour)
			if !signedIn(b) {
				t.Fatalf("session ended after %v in use", elapsed+10*time.Hour)
			}
		}
		s.Clock.Add(11 * time.Hour)
		if signedIn(b) {
			t.Fatal("session alive more than 7 days after sign-in")
		}

		// Disabling a user or changing their password ends their sessions.
		b = s.client()
		b.signIn("ada", pw)
		disabled := true
		if _, err := s.Store.UpdateUser(context.Background(), "ada", store.UserChange{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		if signedIn(b) {
			t.Fatal("a disabled user's session still works")
		}
		if a := b.signIn("ada", pw); a.Status != http.StatusUnauthorized {
			t.Fatalf("a disabled user signs in: %d", a.Status)
		}
	})
}

func TestSignInRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := newSite(t, db, console.Deps{TrustProxy: true})
		pw := s.user("ada", core.RoleAdmin)
		// A second instance on the same database sees the same counts.
		peer := newSiteOn(t, s.Store, s.Clock, console.Deps{TrustProxy: true})

		// Per username: ten failures from ten addresses lock "ada" out.
		for i := range 10 {
			b := s.client()
			b.Header = http.Header{"X-Forwarded-For": {"192.0.2." + string(rune('0'+i))}}
			if a := b.signIn("ada", "wrong password!"); a.Status != http.StatusUnauthorized {
				t.Fatalf("failure %d answered %d", i+1, a.Status)
			}
			s.Clock.Add(time.Minute)
		}
		b := peer.client()
		b.Header = http.Header{"X-Forwarded-For": {"198.51.100.7"}}
		a := b.signIn("ada", pw) // even the right password waits
		if a.Status != http.StatusTooManyRequests {
			t.Fatalf("11th attempt answered %d", a.Status)
		}
		// The first failure was at 09:00; it leaves the window at 09:15, 5 minutes from 09:10.
		if a.Header.Get("Retry-After") != "300" || !strings.Contains(a.Body, "Try again in 5 minutes.") {
			t.Fatalf("429 without the wait: Retry-After %q\n%s", a.Header.Get("Retry-After"), a.Body)
		}
		// Another username from that address is not affected.
		s.user("bob", core.RoleViewer)
		bob := peer.client()
		bob.Header = b.Header
		if a := bob.signIn("bob", "pw-bob-0123456789"); a.Status != http.StatusSeeOther {
			t.Fatalf("another user is locked out too: %d", a.Status)
		}
		s.Clock.Add(5*time.Minute + time.Second)
		if a := b.signIn("ada", pw); a.Status != http.StatusSeeOther {
			t.Fatalf("after the wait, sign-in answered %d", a.Status)
		}

		// Per address: ten failures from one address, over several usernames.
		b = s.client()
		b.Header = http.Header{"X-Forwarded-For": {"203.0.113.9"}}
		for i := range 10 {
			b.signIn("nobody"+string(rune('a'+i)), "wrong password!")
		}
		if a := b.signIn("ada", pw); a.Status != http.StatusTooManyRequests || a.Header.Get("Retry-After") != "900" {
			t.Fatalf("address over its limit: %d, Retry-After %q", a.Status, a.Header.Get("Retry-After"))
		}
	})
}
