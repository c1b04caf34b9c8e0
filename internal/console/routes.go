package console

import "net/http"

// routes registers every page. One line a route; c.page lets any signed-in
// user read, c.requireAdmin guards changes and admin-only pages. The CSRF
// check runs before all of them (Handler).
func (c *Console) routes() {
	m := c.mux
	// Frame: sign-in, sign-out, first run.
	m.HandleFunc("GET /console/signin", c.signinForm)
	m.HandleFunc("POST /console/signin", c.signin)
	m.HandleFunc("POST /console/signout", c.signout)

	// Overview (pages helper): a placeholder until overview.go lands.
	m.HandleFunc("GET /console/{$}", c.page(c.placeholder("Overview")))

	// Anything else under /console/ is a page that does not exist.
	m.HandleFunc("/console/", c.page(c.notFound))
}

func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusNotFound, "error.html", errNotFound)
}
