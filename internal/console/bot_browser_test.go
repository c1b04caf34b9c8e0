package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/botgate/botgate/internal/console/browser"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/harness"
)

// TestBrowserBotForms: a bot created and given a WhatsApp number through
// the forms, with the core's errors shown beside the form, and secrets
// never echoed back into a form.
func TestBrowserBotForms(t *testing.T) {
	e := browser.Start(t, harness.Options{})
	tab := e.Open()
	tab.SignIn("ada", e.User("ada", core.RoleAdmin))

	tab.Go("/console/bots")
	tab.Run(
		chromedp.Click(`#new-bot summary`),
		chromedp.SendKeys(`#new-bot input[name=name]`, "Corner shop"),
		chromedp.SendKeys(`#new-bot input[name="messenger.page_id"]`, "200000000000001"),
		chromedp.SendKeys(`#new-bot input[name="messenger.access_token"]`, "tok-corner-secret"),
		chromedp.SendKeys(`#new-bot input[name=callback_url]`, "ftp://shop.example/cb"),
		chromedp.Click(`#new-bot button`), chromedp.WaitVisible(`#new-bot p.error`))
	if got := tab.Text(`#new-bot p.error`); got != "callback_url: must be an absolute http or https URL" {
		t.Fatalf("bad callback URL: %q", got)
	}
	if v := browser.Get(tab, chromedp.Value(`#new-bot input[name="messenger.access_token"]`)); v != "" {
		t.Fatalf("the access token is echoed back into the form: %q", v)
	}
	if v := browser.Get(tab, chromedp.Value(`#new-bot input[name=name]`)); v != "Corner shop" {
		t.Fatalf("the name typed is lost: %q", v)
	}
	tab.Run(
		chromedp.SetValue(`#new-bot input[name=callback_url]`, "https://shop.example/cb"),
		chromedp.SendKeys(`#new-bot input[name="messenger.access_token"]`, "tok-corner-secret"),
		chromedp.Click(`#new-bot button`), chromedp.WaitVisible(`#shown-secret`))
	if got := tab.Text("h1"); !strings.HasPrefix(got, "Corner shop bot_") {
		t.Fatalf("after create: %q", got)
	}
	if secret := tab.Text(`#secret-value`); !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("callback secret shown: %q", secret)
	}
	if html := browser.Get(tab, chromedp.OuterHTML("html")); strings.Contains(html, "tok-corner-secret") {
		t.Fatal("the page shows the access token")
	}

	// A WhatsApp number: a burst too small for its rate is the core's error.
	tab.Run(
		chromedp.Click(`#whatsapp summary`),
		chromedp.SendKeys(`#whatsapp input[name=bot_phone]`, "+15550002222"),
		chromedp.SendKeys(`#whatsapp input[name=phone_number_id]`, "109876543299"),
		chromedp.SendKeys(`#whatsapp input[name=access_token]`, "wa-token"),
		chromedp.SendKeys(`#whatsapp input[name=app_secret]`, "wa-secret"),
		chromedp.SendKeys(`#whatsapp input[name=verify_token]`, "wa-verify"),
		chromedp.SendKeys(`#whatsapp input[name="limits.requests_per_second"]`, "30"),
		chromedp.SendKeys(`#whatsapp input[name="limits.burst"]`, "20"),
		chromedp.Click(`#whatsapp form button`), chromedp.WaitVisible(`#whatsapp p.error`))
	if got := tab.Text(`#whatsapp p.error`); !strings.Contains(got, "limits.burst: must be at least requests_per_second + 2") {
		t.Fatalf("small burst: %q", got)
	}
	tab.Screenshot("bot_form_error")
	tab.Run(
		chromedp.SetValue(`#whatsapp input[name="limits.burst"]`, "40"),
		chromedp.SendKeys(`#whatsapp input[name=access_token]`, "wa-token"),
		chromedp.SendKeys(`#whatsapp input[name=app_secret]`, "wa-secret"),
		chromedp.SendKeys(`#whatsapp input[name=verify_token]`, "wa-verify"),
		chromedp.Click(`#whatsapp form button`), chromedp.WaitVisible(`p.flash`))
	facts := tab.Text(`#whatsapp dl`)
	for _, want := range []string{"+15550002222", "30 requests/s (at most 40 in one second)", "1000 → 10000 → 100000 unique users per 24 h", "tier 1: 0 reached of 1000"} {
		if !strings.Contains(facts, want) {
			t.Errorf("WhatsApp facts lack %q:\n%s", want, facts)
		}
	}
	tab.Screenshot("bot_whatsapp")
}
