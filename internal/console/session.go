package console

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// Cookies: the session's opaque id, and before sign-in a random id the
// sign-in form's CSRF token is derived from.
const (
	sessionCookie = "botgate_session"
	preCookie     = "botgate_pre"
)

type ctxKey int

const (
	userKey ctxKey = iota
	sessionKey
	csrfBaseKey
)

// currentUser is the signed-in user, or nil.
func currentUser(r *http.Request) *store.User {
	u, _ := r.Context().Value(userKey).(*store.User)
	return u
}

func currentSession(r *http.Request) *store.Session {
	s, _ := r.Context().Value(sessionKey).(*store.Session)
	return s
}

// touchEvery bounds the writes that keep a session alive: one a minute per
// session at most, not one per page.
const touchEvery = time.Minute

// withSession finds the request's session. An expired one is deleted and
// the request goes on signed out.
func (c *Console) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
			sess, err := c.store.GetSession(ctx, ck.Value)
			switch {
			case err != nil && core.ErrorKind(err) != core.KindNotFound:
				c.fail(w, r, err)
				return
			case err == nil && c.expired(sess):
				_ = c.store.DeleteSession(ctx, sess.Hash)
			case err == nil && !sess.User.Disabled:
				if c.now().Sub(sess.LastSeenAt) >= touchEvery {
					if err := c.store.TouchSession(ctx, sess.Hash); err != nil {
						c.log.Warn("console: session not touched", "err", err)
					}
				}
				ctx = context.WithValue(ctx, userKey, sess.User)
				ctx = context.WithValue(ctx, sessionKey, sess)
				ctx = context.WithValue(ctx, csrfBaseKey, ck.Value)
			}
		}
		if ctx.Value(csrfBaseKey) == nil {
			if ck, err := r.Cookie(preCookie); err == nil && ck.Value != "" {
				ctx = context.WithValue(ctx, csrfBaseKey, ck.Value)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Prune forgets ended sessions and old failed sign-ins; the server calls it
// hourly (expired sessions are refused whether pruned or not).
func Prune(ctx context.Context, st *store.Store) error {
	return st.PruneConsole(ctx, IdleTimeout, AbsoluteTimeout, signinWindow)
}

func (c *Console) expired(s *store.Session) bool {
	now := c.now()
	return now.Sub(s.LastSeenAt) > IdleTimeout || now.Sub(s.CreatedAt) > AbsoluteTimeout
}

// secure tells whether cookies must be Secure: served over TLS, or behind
// a trusted proxy that says the client used https.
func (c *Console) secure(r *http.Request) bool {
	return r.TLS != nil || (c.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

// clientAddr is the client's address (behind a trusted proxy, the one it saw).
func (c *Console) clientAddr(r *http.Request) string { return api.ClientAddr(r, c.TrustProxy) }

func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/console/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.secure(r)})
}

// page lets signed-in users through; others go to the sign-in page.
func (c *Console) page(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if currentUser(r) == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/console/signin?next="+urlEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			c.render(w, r, http.StatusUnauthorized, "error.html", core.Errorf(core.KindUnauthenticated, "sign in first"))
			return
		}
		h(w, r)
	}
}

// requireAdmin lets admins through; a viewer gets 403 (the button that led
// here is not shown to viewers, so this is a forged or stale request).
func (c *Console) requireAdmin(h http.HandlerFunc) http.HandlerFunc {
	return c.page(func(w http.ResponseWriter, r *http.Request) {
		if currentUser(r).Role != core.RoleAdmin {
			c.render(w, r, http.StatusForbidden, "error.html", core.Errorf(core.KindPolicy, "only an admin may do this; you are signed in as a viewer"))
			return
		}
		h(w, r)
	})
}
