package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
)

// runStdin runs botgate in-process with stdin and returns what it printed.
func runStdin(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := runWith(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), err
}

func TestUserCommands(t *testing.T) {
	db := "--database=" + filepath.Join(t.TempDir(), "users.db")
	out, err := runStdin(t, "correct horse battery\n", "user", "create", db, "--username", "ada", "--role", "admin", "--password-stdin")
	if err != nil || out != "user ada created (admin)\n" {
		t.Fatalf("user create: %q %v", out, err)
	}
	if _, err := runStdin(t, "", "user", "create", db, "--username", "bob", "--role", "viewer"); err == nil ||
		err.Error() != "no terminal to ask for the password on: pipe it in with --password-stdin" {
		t.Errorf("user create without a terminal or --password-stdin: %v", err)
	}
	if _, err := runStdin(t, "short\n", "user", "create", db, "--username", "bob", "--role", "viewer", "--password-stdin"); err == nil ||
		err.Error() != "password: must be 10 to 1024 characters" {
		t.Errorf("short password: %v", err)
	}
	if _, err := runStdin(t, "correct horse battery\n", "user", "create", db, "--username", "bob", "--role", "owner", "--password-stdin"); err == nil ||
		!strings.Contains(err.Error(), "--role must be one of \"admin\",\"viewer\"") {
		t.Errorf("unknown role: %v", err)
	}
	runStdin(t, "another good password\n", "user", "create", db, "--username", "bob", "--role", "viewer", "--password-stdin")
	if out, err := runStdin(t, "", "user", "disable", db, "bob"); err != nil || out != "disable user: bob\n" {
		t.Errorf("disable: %q %v", out, err)
	}
	if out, err := runStdin(t, "a third good password\n", "user", "password", db, "ada", "--password-stdin"); err != nil ||
		out != "password of ada set; their sessions have ended\n" {
		t.Errorf("password: %q %v", out, err)
	}
	out, err = runStdin(t, "", "user", "list", db)
	if err != nil || !regexp.MustCompile(`^USERNAME  ROLE    STATE     CREATED\nada       admin   enabled   \d{4}-\d\d-\d\d \d\d:\d\d UTC\nbob       viewer  disabled  \d{4}-\d\d-\d\d \d\d:\d\d UTC\n$`).MatchString(out) {
		t.Errorf("list:\n%s%v", out, err)
	}
	if out, err := runStdin(t, "", "user", "delete", db, "bob"); err != nil || out != "user bob deleted\n" {
		t.Errorf("delete: %q %v", out, err)
	}
	if _, err := runStdin(t, "", "user", "delete", db, "bob"); err == nil || err.Error() != "no such user" {
		t.Errorf("delete again: %v", err)
	}
}

var consoleRe = regexp.MustCompile(`Console: (http://127\.0\.0\.1:\d+)/console/  \(sign in as demo, password ([a-z2-7]{16})\)\n`)

// The sandbox makes the console user demo and prints the same password on
// every start; it signs in.
func TestSandboxConsoleUser(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sandbox.db")
	s := serve(t, "--sandbox", "--database", db)
	m := s.wait(t, consoleRe)
	signIn(t, m[1], "demo", m[2])
	s.stop(t)
	s2 := serve(t, "--sandbox", "--database", db)
	m2 := s2.wait(t, consoleRe)
	if m2[2] != m[2] {
		t.Fatalf("the demo password changed across restarts: %s then %s", m[2], m2[2])
	}
	signIn(t, m2[1], "demo", m2[2])
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func signIn(t *testing.T, base, user, password string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("GET / answered %d → %s, want a redirect to /console/", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = c.Get(base + "/console/signin")
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	page.ReadFrom(resp.Body)
	resp.Body.Close()
	token := csrfField.FindStringSubmatch(page.String())
	if token == nil {
		t.Fatalf("no sign-in form:\n%s", page.String())
	}
	resp, err = c.PostForm(base+"/console/signin", url.Values{"csrf": {token[1]}, "username": {user}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("sign-in as %s answered %d", user, resp.StatusCode)
	}
}

// --no-console turns the console off: /console/ and / answer 404; on by
// default.
func TestConsoleOnOff(t *testing.T) {
	listening := regexp.MustCompile(`msg="botgate: listening" addr=(http://127\.0\.0\.1:\d+)`)
	for _, tc := range []struct {
		args          []string
		console, root int
	}{{nil, http.StatusOK, http.StatusOK}, {[]string{"--no-console"}, http.StatusNotFound, http.StatusNotFound}} {
		s := serve(t, append(tc.args, "--log-format", "text", "--database", filepath.Join(t.TempDir(), "c.db"))...)
		var base string
		harness.WaitFor(t, "serve to listen", 20*time.Second, func() bool {
			m := listening.FindStringSubmatch(s.stderr.String())
			if m != nil {
				base = m[1]
			}
			return m != nil
		})
		if status, _ := get(t, base+"/console/signin", ""); status != tc.console {
			t.Errorf("%v: /console/signin answered %d, want %d", tc.args, status, tc.console)
		}
		if status, _ := get(t, base+"/", ""); status != tc.root { // followed to the sign-in page when on
			t.Errorf("%v: / answered %d, want %d", tc.args, status, tc.root)
		}
		s.stop(t)
	}
}
