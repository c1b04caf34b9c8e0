package console

import (
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/seal"
)

// maxUpload bounds a multipart form (a broadcast's recipient file: a
// million rows of an id and a few parameters); multipartMemory is how much
// of it is kept in memory, the rest going to a temporary file that the
// server removes after the request.
const (
	maxUpload       = 128 << 20
	multipartMemory = 8 << 20
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
		// Handlers read r.PostForm: parse it here, bounded, whichever way
		// the token came. A signed-in user's multipart form may carry a
		// file (a broadcast's recipients): larger, and spooled to disk
		// beyond multipartMemory.
		limit, multipart := int64(1<<20), strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
		if multipart && currentUser(r) != nil {
			limit = maxUpload
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		err := r.ParseForm()
		if err == nil && multipart {
			err = r.ParseMultipartForm(multipartMemory)
		}
		if err != nil {
			c.render(w, r, http.StatusBadRequest, "error.html", core.Errorf(core.KindInvalid, "the form could not be read: %v", err))
			return
		}
		want := csrfToken(r)
		got := r.Header.Get("X-CSRF-Token")
		if got == "" {
			got = r.PostForm.Get("csrf")
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

// csrfField is the hidden form field carrying the request's CSRF token, for
// HTML built outside the templates (templates write {{csrf $}}).
func csrfField(r *http.Request) template.HTML { return hiddenCSRF(csrfToken(r)) }

func hiddenCSRF(token string) template.HTML {
	return template.HTML(`<input type="hidden" name="csrf" value="` + template.HTMLEscapeString(token) + `">`)
}
