package console

import (
	"net/http"

	"github.com/botgate/botgate/internal/store"
)

type auditData struct {
	Entries []*store.AuditEntry
	Next    string // cursor of the next (older) page
}

// auditList shows the audit log, newest first, a page at a time.
func (c *Console) auditList(w http.ResponseWriter, r *http.Request) {
	p := pageOf(r)
	entries, err := c.store.ListAudit(r.Context(), p.Cursor, p.Limit+1)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	entries, next := trim(p, entries, func(e *store.AuditEntry) string { return e.ID })
	c.render(w, r, http.StatusOK, "audit_list.html", auditData{Entries: entries, Next: next})
}
