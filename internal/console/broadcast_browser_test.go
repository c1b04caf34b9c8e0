package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/botgate/botgate/internal/console/browser"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// broadcastUsers are extra users of the test page, beside Ada and Alan,
// each of whom wrote to it (so their window is open and they are contacts).
var broadcastUsers = []string{"524807506000010", "524807506000011", "524807506000012", "524807506000013", "524807506000014"}

// broadcastEnv is a botgate whose page has Ada, Alan and broadcastUsers as
// contacts who wrote today, with parameters.
func broadcastEnv(t *testing.T, db storetest.DB) *browser.Env {
	t.Helper()
	e := browser.StartOn(t, db, harness.Options{})
	ctx := context.Background()
	for i, psid := range broadcastUsers {
		e.Fake.AddUser(harness.Page, psid, fakegraph.Profile{FirstName: "Customer" + itoa(int64(i)), LastName: "Test", Locale: "en_US"})
	}
	users := append([]string{harness.User, harness.OtherUser}, broadcastUsers...)
	for _, psid := range users {
		if _, err := e.Fake.UserSendsText(harness.Page, psid, "Hi"); err != nil {
			t.Fatal(err)
		}
	}
	harness.WaitFor(t, "every user's message kept", 10*time.Second, func() bool {
		for _, psid := range users {
			turns, err := e.Server.Store.Conversation(ctx, e.BotID, psid, time.Time{}, 1)
			if err != nil || len(turns) == 0 {
				return false
			}
		}
		return true
	})
	if _, err := e.Server.Store.SetParams(ctx, e.BotID, harness.User, map[string]string{"tier": "gold"}, true); err != nil {
		t.Fatal(err)
	}
	return e
}

// setValue sets a form field's value as typing would, firing input events.
func setValue(tab *browser.Tab, sel, value string) {
	tab.T.Helper()
	tab.Run(chromedp.SetValue(sel, value))
	browser.Get(tab, chromedp.Evaluate[bool](`document.querySelector(`+quote(sel)+`).dispatchEvent(new Event("input", {bubbles: true}))`))
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// Compose: the preview for a sample contact, then "Check audience" shows
// the audience's size and a skip reason, storing nothing.
func TestBrowserBroadcastCompose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := broadcastEnv(t, db)
		tab := e.Open()
		tab.SignIn("ada", e.User("ada", core.RoleAdmin))
		tab.Go("/console/broadcasts/new?bot=" + e.BotID)
		tab.Run(chromedp.WaitVisible(`#compose`))
		setValue(tab, `input[name=name]`, "Winter sale")
		tab.Run(chromedp.WaitVisible(`#preview .pv-screen`))
		if got := tab.Text(`#preview`); !strings.Contains(got, "Hello Ada! Our winter sale starts today.") {
			t.Fatalf("the preview shows %q", got)
		}
		list := strings.Join([]string{harness.User, harness.OtherUser, broadcastUsers[0], harness.User}, "\n")
		tab.Run(chromedp.SetValue(`textarea[name="audience.list"]`, list))
		tab.Run(chromedp.Click(`#check-audience`), chromedp.WaitVisible(`#audience-size`))
		if got := tab.Text(`#audience-size`); got != "4" {
			t.Errorf("audience size %q, want 4", got)
		}
		if got := tab.Text(`#check-skipped`); !strings.Contains(got, "duplicate") {
			t.Errorf("skips shown: %q", got)
		}
		tab.Screenshot("broadcast_compose")
	})
}
