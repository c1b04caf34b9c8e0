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

	// Bots and channels.
	m.HandleFunc("GET /console/bots", c.page(c.botList))
	m.HandleFunc("POST /console/bots", c.requireAdmin(c.botCreate))
	m.HandleFunc("GET /console/bots/{id}", c.page(c.botShow))
	m.HandleFunc("POST /console/bots/{id}", c.requireAdmin(c.botUpdate))
	m.HandleFunc("POST /console/bots/{id}/messenger", c.requireAdmin(c.botMessenger))
	m.HandleFunc("POST /console/bots/{id}/whatsapp", c.requireAdmin(c.botWhatsApp))
	m.HandleFunc("POST /console/bots/{id}/whatsapp/remove", c.requireAdmin(c.botWhatsAppRemove))
	m.HandleFunc("POST /console/bots/{id}/rotate-secret", c.requireAdmin(c.botRotateSecret))
	m.HandleFunc("POST /console/bots/{id}/delete", c.requireAdmin(c.botDelete))
	m.HandleFunc("POST /console/bots/{id}/keys", c.requireAdmin(c.keyCreate))
	m.HandleFunc("POST /console/bots/{id}/keys/{key}/enable", c.requireAdmin(c.keySetEnabled(true)))
	m.HandleFunc("POST /console/bots/{id}/keys/{key}/disable", c.requireAdmin(c.keySetEnabled(false)))
	m.HandleFunc("POST /console/bots/{id}/keys/{key}/revoke", c.requireAdmin(c.keyRevoke))
	m.HandleFunc("POST /console/bots/{id}/apps", c.requireAdmin(c.appCreate))
	m.HandleFunc("POST /console/bots/{id}/apps/{app}/delete", c.requireAdmin(c.appDelete))

	// Admin only: the audit log and the people who sign in.
	m.HandleFunc("GET /console/audit", c.requireAdmin(c.auditList))
	m.HandleFunc("GET /console/users", c.requireAdmin(c.userList))
	m.HandleFunc("POST /console/users", c.requireAdmin(c.userCreate))
	m.HandleFunc("POST /console/users/{username}", c.requireAdmin(c.userUpdate))
	m.HandleFunc("POST /console/users/{username}/delete", c.requireAdmin(c.userDelete))

	// Sandbox phone (phone helper): the fake Graph's users; 404 outside the sandbox.
	m.HandleFunc("GET /console/static/preview.css", c.previewCSS)
	m.HandleFunc("GET /console/phone", c.sandboxOnly(c.page(c.phoneList)))
	m.HandleFunc("GET /console/phone/open", c.sandboxOnly(c.page(c.phoneOpen)))
	m.HandleFunc("GET /console/phone/{channel}/{business}/{user}", c.sandboxOnly(c.page(c.phoneShow)))
	m.HandleFunc("POST /console/phone/{channel}/{business}/{user}", c.sandboxOnly(c.requireAdmin(c.phoneAct)))

	// Anything else under /console/ is a page that does not exist.
	m.HandleFunc("/console/", c.page(c.notFound))
}

func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusNotFound, "error.html", errNotFound)
}
