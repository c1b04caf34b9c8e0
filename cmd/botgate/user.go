package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store"
)

// userCmd manages console users on the database directly, so the first
// admin can be made before anyone can sign in (and without the admin API).
// The admin API has the same operations under /admin/v1/users.
type userCmd struct {
	Create   userCreateCmd   `cmd:"" help:"Create a console user."`
	List     userListCmd     `cmd:"" help:"List console users."`
	Disable  userDisableCmd  `cmd:"" help:"Disable a user (their sessions end); --enable turns them back on."`
	Delete   userDeleteCmd   `cmd:"" help:"Delete a user and their sessions."`
	Password userPasswordCmd `cmd:"" help:"Set a user's password (their sessions end)."`
}

// userDB holds the flags every user command shares.
type userDB struct {
	Database  string `default:"./botgate.db" env:"BOTGATE_DATABASE" help:"SQLite path, sqlite://PATH, or postgres://…"`
	SecretKey string `env:"BOTGATE_SECRET_KEY" help:"Key sealing bot secrets (see serve)."`
}

func (d userDB) open(e *env) (*store.Store, error) {
	cfg := server.Defaults()
	cfg.Database, cfg.SecretKey = d.Database, d.SecretKey
	return server.OpenStore(context.WithoutCancel(e.ctx), cfg)
}

// audit records a change made from the command line.
func (d userDB) audit(e *env, st *store.Store, action, target string) error {
	actor := "cli"
	if u := e.getenv("USER"); u != "" {
		actor = "cli (" + u + ")"
	}
	return st.Audit(e.ctx, store.AuditEntry{Actor: actor, Via: "cli", Action: action, Target: target})
}

type userCreateCmd struct {
	userDB
	Username      string `required:"" help:"The name to sign in with."`
	Role          string `required:"" enum:"admin,viewer" help:"admin (everything) or viewer (reads only)."`
	PasswordStdin bool   `help:"Read the password from stdin instead of asking for it."`
}

func (c *userCreateCmd) Run(e *env) error {
	pw, err := readPassword(e, c.PasswordStdin)
	if err != nil {
		return err
	}
	st, err := c.open(e)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.CreateUser(e.ctx, c.Username, pw, core.Role(c.Role))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "user %s created (%s)\n", u.Username, u.Role)
	return c.audit(e, st, "create user", u.Username+" (role "+string(u.Role)+")")
}

type userListCmd struct{ userDB }

func (c *userListCmd) Run(e *env) error {
	st, err := c.open(e)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := st.ListUsers(e.ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "USERNAME\tROLE\tSTATE\tCREATED")
	for _, u := range users {
		state := "enabled"
		if u.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", u.Username, u.Role, state, u.CreatedAt.Format("2006-01-02 15:04 UTC"))
	}
	return w.Flush()
}

type userDisableCmd struct {
	userDB
	Username string `arg:"" help:"The user."`
	Enable   bool   `help:"Enable the user again instead."`
}

func (c *userDisableCmd) Run(e *env) error {
	st, err := c.open(e)
	if err != nil {
		return err
	}
	defer st.Close()
	disabled := !c.Enable
	if _, err := st.UpdateUser(e.ctx, c.Username, store.UserChange{Disabled: &disabled}); err != nil {
		return err
	}
	action := map[bool]string{true: "disable user", false: "enable user"}[disabled]
	fmt.Fprintf(e.stdout, "%s: %s\n", action, c.Username)
	return c.audit(e, st, action, c.Username)
}

type userDeleteCmd struct {
	userDB
	Username string `arg:"" help:"The user."`
}

func (c *userDeleteCmd) Run(e *env) error {
	st, err := c.open(e)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.DeleteUser(e.ctx, c.Username); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "user %s deleted\n", c.Username)
	return c.audit(e, st, "delete user", c.Username)
}

type userPasswordCmd struct {
	userDB
	Username      string `arg:"" help:"The user."`
	PasswordStdin bool   `help:"Read the password from stdin instead of asking for it."`
}

func (c *userPasswordCmd) Run(e *env) error {
	pw, err := readPassword(e, c.PasswordStdin)
	if err != nil {
		return err
	}
	st, err := c.open(e)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.UpdateUser(e.ctx, c.Username, store.UserChange{Password: &pw}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "password of %s set; their sessions have ended\n", c.Username)
	return c.audit(e, st, "set password", c.Username)
}

// readPassword reads a password: the first line of stdin with
// --password-stdin, else asked for twice on the terminal without echo.
func readPassword(e *env, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("--password-stdin: nothing on stdin")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("no terminal to ask for the password on: pipe it in with --password-stdin")
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(e.stderr, prompt)
		pw, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		return string(pw), err
	}
	pw, err := ask("Password: ")
	if err != nil {
		return "", err
	}
	again, err := ask("Password again: ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", errors.New("the two passwords differ")
	}
	return pw, nil
}
