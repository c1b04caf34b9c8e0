package admin

import (
	"context"
	"net/http"
	"strconv"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// Console users: the people who sign in to /console/.

func (h *Handler) createUser(ctx context.Context, r *http.Request) (int, any, error) {
	var in struct {
		Username string    `json:"username"`
		Role     core.Role `json:"role"`
		Password string    `json:"password"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	u, err := h.Store.CreateUser(ctx, in.Username, in.Password, in.Role)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, u, nil
}

func (h *Handler) listUsers(ctx context.Context, _ *http.Request) (int, any, error) {
	users, err := h.Store.ListUsers(ctx)
	if err != nil {
		return 0, nil, err
	}
	if users == nil {
		users = []*store.User{}
	}
	return http.StatusOK, map[string]any{"users": users}, nil
}

// updateUser changes a user's role, disables or enables them, or sets a
// password; disabling and a new password end the user's sessions.
func (h *Handler) updateUser(ctx context.Context, r *http.Request) (int, any, error) {
	var in struct {
		Role     *core.Role `json:"role"`
		Disabled *bool      `json:"disabled"`
		Password *string    `json:"password"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	u, err := h.Store.UpdateUser(ctx, r.PathValue("username"), store.UserChange{Role: in.Role, Disabled: in.Disabled, Password: in.Password})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, u, nil
}

func (h *Handler) deleteUser(ctx context.Context, r *http.Request) (int, any, error) {
	return http.StatusNoContent, nil, h.Store.DeleteUser(ctx, r.PathValue("username"))
}

// listAudit reads the audit log, newest first: ?before=<entry id>&limit=.
func (h *Handler) listAudit(ctx context.Context, r *http.Request) (int, any, error) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return 0, nil, core.Invalid("limit", "must be 1 to 1000")
		}
		limit = n
	}
	entries, err := h.Store.ListAudit(ctx, r.URL.Query().Get("before"), limit)
	if err != nil {
		return 0, nil, err
	}
	if entries == nil {
		entries = []*store.AuditEntry{}
	}
	return http.StatusOK, map[string]any{"entries": entries}, nil
}
