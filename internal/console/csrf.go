package console

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/seal"
)

// csrfToken is the token this request's forms carry. It is derived from the
// session id (or, before sign-in, the pre-session cookie): the database holds
// only the id's plain hash, so a copy of it yields no token.
func csrfToken(r *http.Request) string {
	base, _ := r.Context().Value(csrfBaseKey).(string)
	if base == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("botgate console csrf\x00" + base))
	return hex.EncodeToString(sum[:])
}

// checkCSRF refuses (403) every state-changing request without the token,
// in the form field "csrf" or the X-CSRF-Token header (htmx sends it from
// the layout's hx-headers), and any from another origin.
func (c *Console) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		want := csrfToken(r)
		got := r.Header.Get("X-CSRF-Token")
		if got == "" {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
			got = r.PostFormValue("csrf")
		}
		if want == "" || !seal.Equal(got, want) || !c.sameOrigin(r) {
			c.render(w, r, http.StatusForbidden, "error.html",
				core.Errorf(core.KindPolicy, "this form has expired or did not come from this console (CSRF check); reload the page and try again"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin refuses a request whose Origin header names another host
// (behind a trusted proxy, the host the proxy was asked for).
func (c *Console) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	host := r.Host
	if fwd := r.Header.Get("X-Forwarded-Host"); c.TrustProxy && fwd != "" {
		host = fwd
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == host
}

func urlEscape(s string) string { return url.QueryEscape(s) }
