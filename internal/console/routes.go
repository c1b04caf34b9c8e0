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

	// Read-and-operate pages (pages helper).
	m.HandleFunc("GET /console/{$}", c.page(c.overview))
	m.HandleFunc("GET /console/messages", c.page(c.messageList))
	m.HandleFunc("GET /console/messages/{id}", c.page(c.messageShow))
	m.HandleFunc("POST /console/messages/{id}/resend", c.requireAdmin(c.messageResend))
	m.HandleFunc("GET /console/contacts", c.page(c.contactList))
	m.HandleFunc("GET /console/contacts/{bot}/{psid}", c.page(c.contactShow))
	m.HandleFunc("POST /console/contacts/{bot}/{psid}/params", c.requireAdmin(c.contactParams))
	m.HandleFunc("GET /console/blocks", c.page(c.blockList))
	m.HandleFunc("GET /console/blocks/new", c.page(c.blockEdit))
	m.HandleFunc("GET /console/blocks/{bot}/{name}", c.page(c.blockEdit))
	m.HandleFunc("POST /console/blocks/{bot}", c.requireAdmin(c.blockSave))
	m.HandleFunc("POST /console/blocks/{bot}/preview", c.page(c.blockPreview))
	m.HandleFunc("GET /console/blocks/{bot}/{name}/versions", c.page(c.blockVersions))
	m.HandleFunc("POST /console/blocks/{bot}/{name}/restore", c.requireAdmin(c.blockRestore))
	m.HandleFunc("GET /console/deliveries", c.page(c.deliveryList))
	m.HandleFunc("GET /console/deliveries/{id}", c.page(c.deliveryShow))
	m.HandleFunc("POST /console/deliveries/{id}/replay", c.requireAdmin(c.deliveryReplay))
	m.HandleFunc("GET /console/deliveries/webhooks", c.page(c.webhookList))
	m.HandleFunc("GET /console/deliveries/webhooks/{id}", c.page(c.webhookShow))
	m.HandleFunc("GET /console/requests", c.page(c.requestList))
	m.HandleFunc("GET /console/requests/{id}", c.page(c.requestShow))

	// Broadcasts (bcastui helper): one message to an audience; 404 without the engine.
	m.HandleFunc("GET /console/broadcasts", c.withBroadcasts(c.page(c.broadcastList)))
	m.HandleFunc("GET /console/broadcasts/new", c.withBroadcasts(c.page(c.broadcastNew)))
	m.HandleFunc("POST /console/broadcasts/{bot}", c.withBroadcasts(c.requireAdmin(c.broadcastCreate)))
	m.HandleFunc("POST /console/broadcasts/{bot}/preview", c.withBroadcasts(c.page(c.broadcastPreview)))
	m.HandleFunc("POST /console/broadcasts/{bot}/check", c.withBroadcasts(c.page(c.broadcastCheck)))
	m.HandleFunc("POST /console/broadcasts/{bot}/upload", c.withBroadcasts(c.requireAdmin(c.broadcastUpload)))
	m.HandleFunc("GET /console/broadcasts/{bot}/{id}", c.withBroadcasts(c.page(c.broadcastShow)))
	m.HandleFunc("GET /console/broadcasts/{bot}/{id}/recipients.csv", c.withBroadcasts(c.page(c.broadcastExport)))
	m.HandleFunc("POST /console/broadcasts/{bot}/{id}/pause", c.withBroadcasts(c.requireAdmin(c.broadcastAct("pause"))))
	m.HandleFunc("POST /console/broadcasts/{bot}/{id}/resume", c.withBroadcasts(c.requireAdmin(c.broadcastAct("resume"))))
	m.HandleFunc("POST /console/broadcasts/{bot}/{id}/cancel", c.withBroadcasts(c.requireAdmin(c.broadcastAct("cancel"))))
	m.HandleFunc("POST /console/broadcasts/{bot}/{id}/schedule", c.withBroadcasts(c.requireAdmin(c.broadcastAct("schedule"))))
	m.HandleFunc("GET /console/broadcasts/{bot}/{id}/edit", c.withBroadcasts(c.page(c.broadcastEdit)))
	m.HandleFunc("POST /console/broadcasts/{bot}/{id}/edit", c.withBroadcasts(c.requireAdmin(c.broadcastUpdate)))
	m.HandleFunc("POST /console/broadcasts/{bot}/{id}/delete", c.withBroadcasts(c.requireAdmin(c.broadcastDelete)))

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

	// WhatsApp templates: the local copy of each number's, changed through the gateway.
	m.HandleFunc("GET /console/templates", c.page(c.templateList))
	m.HandleFunc("POST /console/templates/{bot}/sync", c.requireAdmin(c.templateSync))
	m.HandleFunc("GET /console/templates/{bot}/new", c.requireAdmin(c.templateNew))
	m.HandleFunc("POST /console/templates/{bot}", c.requireAdmin(c.templateCreate))
	m.HandleFunc("GET /console/templates/{bot}/{name}/{language}", c.page(c.templateShow))
	m.HandleFunc("POST /console/templates/{bot}/{name}/delete", c.requireAdmin(c.templateDelete))

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
