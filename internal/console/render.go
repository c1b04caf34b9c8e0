package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// view is what every template executes with: the frame's needs and the
// handler's Data.
type view struct {
	User    *store.User
	CSRF    string     // the token; {{csrf $}} writes the hidden field
	Path    string     // the request's path, for the navigation
	Query   url.Values // the request's query, for links that keep filters
	Sandbox bool
	// Broadcasts: this botgate runs the broadcast engine (the navigation links it).
	Broadcasts bool
	Flash      string // a one-off notice from the page that redirected here
	Data       any
}

// IsAdmin tells templates whether to show the buttons that change things.
func (v view) IsAdmin() bool { return v.User != nil && v.User.Role == core.RoleAdmin }

var funcs = template.FuncMap{
	// csrf writes the hidden field a POST form needs: {{csrf $}}.
	"csrf": func(v view) template.HTML { return hiddenCSRF(v.CSRF) },
	// time shows t in UTC; console.js rewrites it to the viewer's zone and
	// keeps UTC on hover. Without JavaScript, UTC is shown.
	"time": func(t any) template.HTML {
		var tt time.Time
		switch v := t.(type) {
		case time.Time:
			tt = v
		case *time.Time:
			if v == nil {
				return ""
			}
			tt = *v
		default:
			return ""
		}
		if tt.IsZero() {
			return ""
		}
		u := tt.UTC()
		return template.HTML(fmt.Sprintf(`<time datetime="%s" title="%s">%s</time>`,
			u.Format(time.RFC3339), u.Format("2006-01-02 15:04:05 UTC"), u.Format("2006-01-02 15:04:05 UTC")))
	},
	// link is the current query with key set to value ("" removes it), as a
	// link: filters stay in the URL. {{link $.Query "cursor" .Next}}
	"link": func(q url.Values, kv ...string) string {
		out := url.Values{}
		for k, v := range q {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				out.Del(kv[i])
			} else {
				out.Set(kv[i], kv[i+1])
			}
		}
		if len(out) == 0 {
			return "?"
		}
		return "?" + out.Encode()
	},
	// utchour shows an hour of the time-zone breakdown: 2026-12-24 01:00 UTC.
	"utchour": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	// contentLabel names a kind of broadcast content on the compose form.
	"contentLabel": func(kind string) string {
		return map[string]string{"message": "A Messenger message", "block": "A block", "template": "A WhatsApp template"}[kind]
	},
	// rstateClass colours a broadcast recipient's state.
	"rstateClass": func(s string) string {
		if s == "skipped" {
			return ""
		}
		return statusClass(s)
	},
	"active": func(current, prefix string) bool {
		if prefix == "/console/" {
			return current == prefix
		}
		return current == prefix || strings.HasPrefix(current, prefix+"/")
	},
}

// parseTemplates parses layout.html and the shared parts (_*.html) with each
// page template, once.
func (c *Console) parseTemplates() error {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	c.pages = map[string]*template.Template{}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" || strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html", name)
		if err != nil {
			return fmt.Errorf("console: template %s: %w", base, err)
		}
		c.pages[base] = t
	}
	return nil
}

// render writes page framed by the layout. Pages asked for by htmx with
// HX-Target naming a block get that block alone when the page defines it
// as {{define "partial"}}.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	t, ok := c.pages[page]
	if !ok {
		c.log.Error("console: no template", "page", page)
		http.Error(w, "no template "+page, http.StatusInternalServerError)
		return
	}
	v := view{User: currentUser(r), CSRF: csrfToken(r), Path: r.URL.Path, Query: r.URL.Query(), Sandbox: c.Sandbox, Broadcasts: c.Broadcasts != nil, Data: data}
	if f, err := r.Cookie(flashCookie); err == nil {
		v.Flash, _ = url.QueryUnescape(f.Value)
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/console/", MaxAge: -1})
	}
	name := "layout.html"
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") != "" && t.Lookup("partial") != nil {
		name = "partial"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		c.log.Error("console: render failed", "page", page, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail shows an error as a page with the status its kind maps to; only
// unexpected errors are logged.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := core.AsError(err)
	status, ok := statuses[e.Kind]
	if !ok {
		status = http.StatusInternalServerError
		c.log.Error("console: request failed", "path", r.URL.Path, "err", err)
		e = core.Errorf(core.KindInternal, "something went wrong; the server's log has the details")
	}
	c.render(w, r, status, "error.html", e)
}

var statuses = map[core.Kind]int{
	core.KindInvalid:       http.StatusBadRequest,
	core.KindBadMessage:    http.StatusBadRequest,
	core.KindNotFound:      http.StatusNotFound,
	core.KindUnknownBlock:  http.StatusNotFound,
	core.KindConflict:      http.StatusConflict,
	core.KindDuplicate:     http.StatusConflict,
	core.KindPolicy:        http.StatusForbidden,
	core.KindBadCredential: http.StatusUnauthorized,
}

// flashCookie carries a one-line notice across a redirect (e.g. "Bot saved").
const flashCookie = "botgate_flash"

// redirect answers a successful POST with 303 to target, with a notice.
func redirect(w http.ResponseWriter, r *http.Request, target, notice string) {
	if notice != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(notice), Path: "/console/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60})
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
