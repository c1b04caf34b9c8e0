package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/botgate/botgate/internal/console/browser"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/harness"
)

// postStatus posts from the page with fetch, with the given CSRF token
// ("" sends none), and returns the answer's status.
func postStatus(tab *browser.Tab, path, token string) int {
	tab.T.Helper()
	headers := "{}"
	if token != "" {
		headers = fmt.Sprintf(`{"X-CSRF-Token": %q}`, token)
	}
	return browser.Get(tab, chromedp.Evaluate[int](fmt.Sprintf(`fetch(%q, {method: "POST", headers: %s}).then(r => r.status)`, path, headers), chromedp.EvalAwaitPromise))
}

// pageToken is the CSRF token the page's layout hands htmx.
func pageToken(tab *browser.Tab) string {
	tab.T.Helper()
	return browser.Get(tab, chromedp.Evaluate[string](`JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"]`))
}

func count(tab *browser.Tab, sel string) int {
	tab.T.Helper()
	return browser.Get(tab, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
}

// TestBrowserConsole walks the frame's pages as an admin and a viewer: the
// first-run page, a key created and shown once, a CSRF-less POST refused,
// a viewer who sees no buttons and whose change is refused, and the audit
// log showing the changes.
func TestBrowserConsole(t *testing.T) {
	e := browser.Start(t, harness.Options{})
	admin := e.Open()

	// A fresh install explains how to create the first admin.
	admin.Go("/console/")
	if got := admin.Text("h1"); got != "Welcome to botgate" {
		t.Fatalf("first page on a fresh install: %q", got)
	}
	if !strings.Contains(admin.Text("pre"), "botgate user create --username admin --role admin") {
		t.Fatalf("first-run page does not give the command")
	}
	admin.Screenshot("first_run")

	adminPW := e.User("ada", core.RoleAdmin)
	viewerPW := e.User("vic", core.RoleViewer)
	admin.SignIn("ada", adminPW)

	admin.Go("/console/bots")
	if got := admin.Text(`table a[href="/console/bots/` + e.BotID + `"]`); got != "Test shop" {
		t.Fatalf("bot list shows %q", got)
	}
	admin.Screenshot("bots")

	// A key is shown once, in the answer that made it.
	admin.Go("/console/bots/" + e.BotID)
	admin.Run(chromedp.Click(`#create-key`), chromedp.WaitVisible(`#new-key`))
	key := admin.Text(`#key-value`)
	if b, err := e.Server.Store.Authenticate(context.Background(), key); err != nil || b.ID != e.BotID {
		t.Fatalf("the key shown (%q) does not authenticate as the bot: %v", key, err)
	}
	admin.Screenshot("bot_key_created")
	admin.Go("/console/bots/" + e.BotID)
	if n := count(admin, `#new-key`); n != 0 {
		t.Fatalf("the key is shown again on the next visit")
	}
	if html := browser.Get(admin, chromedp.OuterHTML("html")); strings.Contains(html, key) {
		t.Fatalf("the bot page holds the key after it was shown")
	}
	keys := count(admin, `#keys tbody tr`)
	if keys != 2 {
		t.Fatalf("%d keys listed, want 2 (the harness's and the new one)", keys)
	}
	// Disable the new key (the last row) with its button.
	admin.Run(chromedp.Click(`#keys tbody tr:last-child button`), chromedp.WaitVisible(`p.flash`))
	if got := admin.Text(`#keys tbody tr:last-child .pill`); got != "disabled" {
		t.Fatalf("after Disable the key is %q", got)
	}
	if _, err := e.Server.Store.Authenticate(context.Background(), key); core.ErrorKind(err) != core.KindBadCredential {
		t.Fatalf("a disabled key still authenticates: %v", err)
	}
	admin.Screenshot("bot")

	// Without the CSRF token a POST is refused, even signed in as an admin.
	if got := postStatus(admin, "/console/bots/"+e.BotID+"/keys", ""); got != 403 {
		t.Fatalf("a POST without CSRF token answered %d, want 403", got)
	}
	if got := postStatus(admin, "/console/bots/"+e.BotID+"/keys", "0123"); got != 403 {
		t.Fatalf("a POST with a wrong CSRF token answered %d, want 403", got)
	}

	// A viewer sees no button that changes things, and a change is refused.
	viewer := e.Open()
	viewer.SignIn("vic", viewerPW)
	viewer.Go("/console/bots/" + e.BotID)
	if n := count(viewer, `main form[method=post], main button`); n != 0 {
		t.Fatalf("a viewer sees %d forms or buttons on the bot page", n)
	}
	if n := count(viewer, `nav a[href="/console/users"], nav a[href="/console/audit"]`); n != 0 {
		t.Fatalf("a viewer sees the admin pages in the navigation")
	}
	viewer.Screenshot("bot_viewer")
	if got := postStatus(viewer, "/console/bots/"+e.BotID+"/keys", pageToken(viewer)); got != 403 {
		t.Fatalf("a viewer's POST with a valid CSRF token answered %d, want 403", got)
	}
	viewer.Go("/console/users")
	if got := viewer.Text("h1"); got != "Something is not right" {
		t.Fatalf("a viewer opening the users page sees %q", got)
	}

	// The admin adds a user through the form.
	admin.Go("/console/users")
	admin.Run(
		chromedp.SendKeys(`#new-user input[name=username]`, "grace"),
		chromedp.SendKeys(`#new-user input[name=password]`, "short"),
		chromedp.Click(`#new-user button`), chromedp.WaitVisible(`p.error`))
	if got := admin.Text(`p.error`); !strings.Contains(got, "at least") && !strings.Contains(got, "10 to 1024") {
		t.Fatalf("a short password is refused with %q", got)
	}
	admin.Run(
		chromedp.SetValue(`#new-user input[name=username]`, "grace"),
		chromedp.SendKeys(`#new-user input[name=password]`, "a-long-enough-password"),
		chromedp.Click(`#new-user button`), chromedp.WaitVisible(`p.flash`))
	if n := count(admin, `#users tbody tr`); n != 3 {
		t.Fatalf("%d users listed, want 3", n)
	}
	admin.Screenshot("users")

	// The audit log shows every change, newest first, with who and how.
	admin.Go("/console/audit")
	rows := browser.Get(admin, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#audit tbody tr")).map(r => Array.from(r.cells).slice(1, 5).map(c => c.textContent.trim()).join(" | "))`))
	want := []string{
		"ada | console | create user | grace",
		"ada | console | disable api key | " + e.BotID,
		"ada | console | create api key | " + e.BotID,
		"admin token | admin-api | POST /bots/{id}/api-keys | /admin/v1/bots/" + e.BotID + "/api-keys",
	}
	for i, w := range want {
		if i >= len(rows) || !strings.HasPrefix(rows[i], w) {
			t.Fatalf("audit rows:\n%s\nwant row %d to start with %q", strings.Join(rows, "\n"), i, w)
		}
	}
	admin.Screenshot("audit")
}
