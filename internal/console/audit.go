package console

import (
	"net/http"

	"github.com/botgate/botgate/internal/store"
)

// audit records a change made in the console: who, what, from where.
// detail must never hold a secret. A failure to record is logged, not shown:
// the change itself has already been made.
func (c *Console) audit(r *http.Request, action, target, detail string) {
	actor := "?"
	if u := currentUser(r); u != nil {
		actor = u.Username
	}
	e := store.AuditEntry{Actor: actor, Via: "console", Action: action, Target: target, Detail: detail, Addr: c.clientAddr(r)}
	if err := c.store.Audit(r.Context(), e); err != nil {
		c.log.Error("console: audit entry not written", "action", action, "err", err)
	}
}
