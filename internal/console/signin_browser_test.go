package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/botgate/botgate/internal/console/browser"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/harness"
)

func TestBrowserSignIn(t *testing.T) {
	e := browser.Start(t, harness.Options{})
	pw := e.User("ada", core.RoleAdmin)
	tab := e.Open()

	tab.Go("/console/")
	tab.Run(chromedp.WaitVisible(`form[action="/console/signin"]`))
	tab.Screenshot("signin")
	tab.Run(
		chromedp.SendKeys(`input[name=username]`, "ada"),
		chromedp.SendKeys(`input[name=password]`, "not the password"),
		chromedp.Click(`form[action="/console/signin"] button[type=submit]`),
		chromedp.WaitVisible(`p.error`),
	)
	if got := tab.Text(`p.error`); got != "Wrong username or password." {
		t.Fatalf("after a wrong password the page says %q", got)
	}
	tab.SignIn("ada", pw)
	if got := tab.Text(`form.who span`); !strings.HasPrefix(got, "ada") {
		t.Fatalf("signed in as %q", got)
	}
	tab.Run(chromedp.Click(`form.who button`), chromedp.WaitVisible(`form[action="/console/signin"]`))
}

// The sandbox's demo user signs in with the password the sandbox keeps.
func TestBrowserSandboxDemo(t *testing.T) {
	e := browser.StartSandbox(t)
	tab := e.Open()
	tab.SignIn("demo", e.DemoPassword())
	tab.Go("/console/bots")
	if got := tab.Text(`table tbody td a`); got != "Sandbox shop" {
		t.Fatalf("the sandbox's bot list shows %q", got)
	}
	if n := browser.Get(tab, chromedp.Evaluate[int](`document.querySelectorAll('nav a[href="/console/phone"]').length`)); n != 1 {
		t.Fatal("the sandbox's navigation has no Phone page")
	}
	// Every page an admin has in the sandbox (twelve links) stays in sight
	// on a laptop's window and a narrow one: the links wrap rather than
	// scroll out of the header, and the overview's tiles (the queue's table
	// by kind is the widest) do not cut off their content.
	for _, width := range []int64{1280, 1024, 700} {
		tab.Run(chromedp.EmulateViewport(width, 800))
		tab.Go("/console/")
		tab.Run(chromedp.WaitVisible(`#live`))
		clipped := browser.Get(tab, chromedp.Evaluate[[]string](`(() => {
			const nav = document.querySelector('nav.main').getBoundingClientRect();
			const out = [...document.querySelectorAll('nav.main a')].filter(a => {
				const r = a.getBoundingClientRect();
				return r.left < nav.left - 0.5 || r.right > nav.right + 0.5 || r.right > window.innerWidth;
			}).map(a => 'link ' + a.textContent);
			for (const card of document.querySelectorAll('#live .tiles .card')) {
				if (card.scrollWidth > card.clientWidth) out.push('tile ' + card.querySelector('h2').textContent);
			}
			return out;
		})()`))
		if len(clipped) > 0 {
			t.Errorf("at %d px wide, cut off: %v", width, clipped)
		}
	}
}
