package api

import (
	"net"
	"net/http"
	"strings"
)

// ClientAddr is the address a request came from: the connection's, or
// behind a trusted reverse proxy the last address it added to
// X-Forwarded-For (earlier ones the client could have written itself).
func ClientAddr(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			return strings.TrimSpace(parts[len(parts)-1])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
