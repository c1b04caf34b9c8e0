package console

import (
	"net/http"
	"strings"
)

// csp allows scripts, styles and fonts from the console itself only (no
// inline script, no inline style); images also from https, for the card
// images a message preview shows.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

// secureHeaders sets the headers every console answer carries.
func (c *Console) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Content-Type-Options", "nosniff")
		if !strings.HasPrefix(r.URL.Path, "/console/static/") {
			h.Set("Cache-Control", "no-store") // pages hold data a shared cache must not keep
		}
		next.ServeHTTP(w, r)
	})
}
