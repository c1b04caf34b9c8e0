package admin_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		c.forbid("ada's password", "pw-ada-0123456789")
		c.forbid("ada's new password", "pw-ada-new-0123456789")

		var ada struct {
			ID        string `json:"id"`
			CreatedAt string `json:"created_at"`
		}
		got := c.decode("POST", "/admin/v1/users", `{"username":"ada","role":"admin","password":"pw-ada-0123456789"}`, 201, &ada)
		if want := `{"id":"` + ada.ID + `","username":"ada","role":"admin","disabled":false,"created_at":"` + ada.CreatedAt + `","updated_at":"` + ada.CreatedAt + `"}`; got != want {
			t.Errorf("create:\n got %s\nwant %s", got, want)
		}
		if strings.Contains(got, "argon2") {
			t.Error("the answer holds the password hash")
		}
		c.wantError("POST", "/admin/v1/users", `{"username":"ada","role":"viewer","password":"pw-ada-0123456789"}`, 409, "conflict", "user ada already exists", "")
		c.wantError("POST", "/admin/v1/users", `{"username":"bob","role":"owner","password":"pw-bob-0123456789"}`, 400, "invalid", "role: must be viewer or admin", "role")
		c.wantError("POST", "/admin/v1/users", `{"username":"bob","role":"viewer","password":"short"}`, 400, "invalid", "password: must be 10 to 1024 characters", "password")
		c.wantError("POST", "/admin/v1/users", `{"username":"bob smith","role":"viewer","password":"pw-bob-0123456789"}`, 400, "invalid", "username: may hold only letters, digits and . _ - @", "username")
		c.wantError("POST", "/admin/v1/users", `{"username":"bob","role":"viewer","password":"pw-bob-0123456789","admin":true}`, 400, "invalid", "admin: is not a known field", "admin")

		got = c.want("PATCH", "/admin/v1/users/ada", `{"role":"viewer","disabled":true,"password":"pw-ada-new-0123456789"}`, 200)
		if !strings.Contains(got, `"role":"viewer","disabled":true`) {
			t.Errorf("update: %s", got)
		}
		if _, err := env.Server.Store.CheckUserPassword(context.Background(), "ada", "pw-ada-new-0123456789"); err == nil {
			t.Error("a disabled user's password checks")
		}
		c.want("PATCH", "/admin/v1/users/ada", `{"disabled":false}`, 200)
		if _, err := env.Server.Store.CheckUserPassword(context.Background(), "ada", "pw-ada-new-0123456789"); err != nil {
			t.Errorf("the new password does not check: %v", err)
		}
		c.wantError("PATCH", "/admin/v1/users/nobody", `{"disabled":true}`, 404, "not_found", "no such user", "")
		var list struct {
			Users []struct{ Username, Role string } `json:"users"`
		}
		c.decode("GET", "/admin/v1/users", "", 200, &list)
		if len(list.Users) != 1 || list.Users[0].Username != "ada" || list.Users[0].Role != "viewer" {
			t.Errorf("list: %+v", list.Users)
		}
		c.want("DELETE", "/admin/v1/users/ada", "", 204)
		c.wantError("DELETE", "/admin/v1/users/ada", "", 404, "not_found", "no such user", "")
	})
}

// TestAuditLog: every change through the admin API is in the audit log,
// with the route, what it acted on or made, and the names of the fields
// sent — never a value but booleans (values may be secrets). Reads and dry
// runs are not changes.
func TestAuditLog(t *testing.T) {
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{})
	c := newClient(t, env)
	c.forbid("ada's password", "pw-ada-0123456789")
	c.forbid("the new page token", "tok-NEW-page")
	c.want("POST", "/admin/v1/users", `{"username":"ada","role":"admin","password":"pw-ada-0123456789"}`, 201)
	c.want("PATCH", "/admin/v1/bots/"+env.BotID, `{"messenger":{"access_token":"tok-NEW-page"},"forwarding":false}`, 200)
	c.want("GET", "/admin/v1/bots/"+env.BotID, "", 200)
	c.want("POST", "/admin/v1/bots/"+env.BotID+"/check", `{"recipient":{"id":"`+harness.User+`"},"message":{"text":"hi"}}`, 200)
	c.want("PATCH", "/admin/v1/bots/"+env.BotID, `{"callback_url":"not a url"}`, 400) // refused: no change

	var log struct {
		Entries []struct {
			Actor, Via, Action, Target, Detail, Addr string
		} `json:"entries"`
	}
	c.decode("GET", "/admin/v1/audit?limit=3", "", 200, &log)
	var got []string
	for _, e := range log.Entries {
		got = append(got, strings.Join([]string{e.Actor, e.Via, e.Action, e.Target, e.Detail, e.Addr}, " | "))
	}
	want := []string{
		"admin token | admin-api | PATCH /bots/{id} | /admin/v1/bots/" + env.BotID + " | forwarding=false, messenger.access_token | 127.0.0.1",
		"admin token | admin-api | POST /users | /admin/v1/users → ada | password, role, username | 127.0.0.1",
		// The harness made its bot's key before the test.
		"admin token | admin-api | POST /bots/{id}/api-keys | /admin/v1/bots/" + env.BotID + "/api-keys → ",
	}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || !strings.HasPrefix(got[2], want[2]) {
		data, _ := json.MarshalIndent(got, "", "  ")
		t.Fatalf("audit log:\n%s\nwant\n%s", data, strings.Join(want, "\n"))
	}
	c.wantError("GET", "/admin/v1/audit?limit=0", "", 400, "invalid", "limit: must be 1 to 1000", "limit")
}
