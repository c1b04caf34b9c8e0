package console

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/seal"
)

// Sign-in limits: after this many failures within the window, for one
// username or from one address, sign-in answers 429 until the oldest
// failure leaves the window. Counted in the database, so every instance
// shares them.
const (
	signinFailures = 10
	signinWindow   = 15 * time.Minute
)

type signinData struct {
	Username string
	Next     string
	Error    string
}

// signinForm shows the sign-in form, or on a fresh install (no user yet)
// the command that creates the first admin.
func (c *Console) signinForm(w http.ResponseWriter, r *http.Request) {
	if currentUser(r) != nil {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return
	}
	n, err := c.store.CountUsers(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if n == 0 {
		c.render(w, r, http.StatusOK, "first_run.html", nil)
		return
	}
	r = c.ensurePreSession(w, r)
	c.render(w, r, http.StatusOK, "signin.html", signinData{Next: localNext(r.URL.Query().Get("next"))})
}

// ensurePreSession gives a signed-out browser the random id its sign-in
// form's CSRF token is derived from.
func (c *Console) ensurePreSession(w http.ResponseWriter, r *http.Request) *http.Request {
	if _, ok := r.Context().Value(csrfBaseKey).(string); ok {
		return r
	}
	id := seal.Random(20)
	c.setCookie(w, r, preCookie, id, 0)
	return r.WithContext(context.WithValue(r.Context(), csrfBaseKey, id))
}

func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	username := strings.TrimSpace(r.PostFormValue("username"))
	data := signinData{Username: username, Next: localNext(r.PostFormValue("next"))}
	keys := []string{"user:" + strings.ToLower(username), "addr:" + c.clientAddr(r)}
	for _, k := range keys {
		n, oldest, err := c.store.SigninFailures(ctx, k, c.now().Add(-signinWindow))
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if n >= signinFailures {
			wait := max(oldest.Add(signinWindow).Sub(c.now()), time.Second)
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			data.Error = fmt.Sprintf("Too many failed sign-ins. Try again in %s.", waitText(secs))
			c.render(w, r, http.StatusTooManyRequests, "signin.html", data)
			return
		}
	}
	u, err := c.store.CheckUserPassword(ctx, username, r.PostFormValue("password"))
	if core.ErrorKind(err) == core.KindBadCredential {
		if err := c.store.RecordSigninFailure(ctx, signinWindow, keys...); err != nil {
			c.fail(w, r, err)
			return
		}
		data.Error = "Wrong username or password."
		c.render(w, r, http.StatusUnauthorized, "signin.html", data)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	_ = c.store.ClearSigninFailures(ctx, keys[0])
	id, err := c.store.CreateSession(ctx, u.ID, c.clientAddr(r))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.setCookie(w, r, sessionCookie, id, 0)
	c.setCookie(w, r, preCookie, "", -1)
	target := data.Next
	if target == "" {
		target = "/console/"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (c *Console) signout(w http.ResponseWriter, r *http.Request) {
	if s := currentSession(r); s != nil {
		if err := c.store.DeleteSession(r.Context(), s.Hash); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
}

// localNext keeps a ?next= only when it stays inside the console, so the
// sign-in page cannot be used to send people elsewhere.
func localNext(next string) string {
	if strings.HasPrefix(next, "/console/") && !strings.HasPrefix(next, "//") && !strings.Contains(next, `\`) {
		return next
	}
	return ""
}

func waitText(secs int) string {
	if secs < 60 {
		return fmt.Sprintf("%d seconds", secs)
	}
	return fmt.Sprintf("%d minutes", (secs+59)/60)
}
