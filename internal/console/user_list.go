package console

import (
	"net/http"
	"strings"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

type userData struct {
	Users []*store.User
	Form  form
	Me    string
}

// userList shows the people who sign in, with forms to add and change them.
func (c *Console) userList(w http.ResponseWriter, r *http.Request) {
	c.renderUsers(w, r, http.StatusOK, form{})
}

func (c *Console) renderUsers(w http.ResponseWriter, r *http.Request, status int, f form) {
	users, err := c.store.ListUsers(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, status, "user_list.html", userData{Users: users, Form: f, Me: currentUser(r).Username})
}

// userCreate adds a user through store.CreateUser, as POST /admin/v1/users does.
func (c *Console) userCreate(w http.ResponseWriter, r *http.Request) {
	username := strings.TrimSpace(r.PostForm.Get("username"))
	role := core.Role(r.PostForm.Get("role"))
	u, err := c.store.CreateUser(r.Context(), username, r.PostForm.Get("password"), role)
	if k := core.ErrorKind(err); k == core.KindInvalid || k == core.KindConflict {
		c.renderUsers(w, r, http.StatusBadRequest, newForm(r, err))
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "create user", u.Username, "role "+string(u.Role))
	redirect(w, r, "/console/users", "User "+u.Username+" created.")
}

// userUpdate changes one thing about a user: role, disabled, or password
// (the form says which with "change"). Nobody disables or demotes
// themselves here: the last admin would lock everyone out.
func (c *Console) userUpdate(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	var ch store.UserChange
	var action, detail string
	switch r.PostForm.Get("change") {
	case "role":
		role := core.Role(r.PostForm.Get("role"))
		ch.Role, action, detail = &role, "set user role", "role "+string(role)
	case "disable", "enable":
		disabled := r.PostForm.Get("change") == "disable"
		ch.Disabled, action = &disabled, r.PostForm.Get("change")+" user"
	case "password":
		pw := r.PostForm.Get("password")
		ch.Password, action = &pw, "set user password"
	default:
		c.fail(w, r, core.Invalid("change", "must be role, disable, enable or password"))
		return
	}
	if username == currentUser(r).Username && (ch.Role != nil || ch.Disabled != nil) {
		c.renderUsers(w, r, http.StatusBadRequest, newForm(r, core.Invalid("username", "you cannot change your own role or disable yourself; another admin can")))
		return
	}
	_, err := c.store.UpdateUser(r.Context(), username, ch)
	if core.ErrorKind(err) == core.KindInvalid {
		c.renderUsers(w, r, http.StatusBadRequest, newForm(r, err))
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, action, username, detail)
	redirect(w, r, "/console/users", "User "+username+" updated.")
}

func (c *Console) userDelete(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	if username == currentUser(r).Username {
		c.renderUsers(w, r, http.StatusBadRequest, newForm(r, core.Invalid("username", "you cannot delete yourself; another admin can")))
		return
	}
	if err := c.store.DeleteUser(r.Context(), username); err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "delete user", username, "")
	redirect(w, r, "/console/users", "User "+username+" deleted.")
}
