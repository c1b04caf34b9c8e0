package console_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/botgate/botgate/internal/console/browser"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store/storetest"
)

// rejectedTemplate is submitted for review; the sandbox's fake Graph
// rejects a template whose name contains "reject".
const rejectedTemplate = `{"name": "promo_reject_me", "language": "en_US", "category": "MARKETING",
 "components": [{"type": "BODY", "text": "Hello {{1}}, 20% off today.", "example": {"body_text": [["Ada"]]}}]}`

// The templates pages on `botgate serve --sandbox`: the demo number's
// approved order_update listed and previewed with its example value, a
// definition refused beside the field, one submitted and rejected by the
// review, seen REJECTED with the reason after a sync; a viewer sees no
// button and a forged POST of theirs is refused.
func TestBrowserTemplates(t *testing.T) {
	storetest.Each(t, testBrowserTemplates)
}

func testBrowserTemplates(t *testing.T, db storetest.DB) {
	e := browser.StartSandboxOn(t, db)
	pw := e.User("ada", core.RoleAdmin)
	tab := e.Open()
	tab.SignIn("ada", pw)

	tab.Run(chromedp.Click(`nav.main a[href="/console/templates"]`), chromedp.WaitVisible(`select[name=bot]`))
	botID := browser.Get(tab, chromedp.Value(`select[name=bot]`))
	tab.Run(chromedp.Click(`form[action$="/sync"] button`), chromedp.WaitVisible(`table.templates`))
	if flash := tab.Text(`body`); !strings.Contains(flash, "Synced 2 templates") {
		t.Fatalf("after Sync now the page shows:\n%s", flash)
	}
	row := tab.Text(`table.templates tbody tr:first-child`)
	if !strings.Contains(row, "order_update") || !strings.Contains(row, "APPROVED") || !strings.Contains(row, "UTILITY") {
		t.Fatalf("order_update's row is %q", row)
	}
	tab.Screenshot("templates")

	tab.Run(chromedp.Click(`a[href="/console/templates/`+botID+`/order_update/en_US"]`), chromedp.WaitVisible(`#template-preview`))
	// The phone shows the approved text with the example in place, as the user reads it.
	if got := tab.Text(`#template-preview`); !strings.Contains(got, "Hi! Your order #1001 has shipped.") || !strings.Contains(got, "Track it") {
		t.Fatalf("the preview shows %q, want the body with the example #1001 in place and the Track it button", got)
	}
	if got := tab.Text(`.template-components`); !strings.Contains(got, "Hi! Your order {{1}} has shipped.") {
		t.Fatalf("the components show %q", got)
	}
	tab.Screenshot("template")

	// Pages that do not exist answer 404 as pages; text that is not JSON is
	// refused beside the field with 400.
	for path, want := range map[string]int{
		"/console/templates/" + botID + "/no_such/en_US":   404,
		"/console/templates/bot_nosuch/order_update/en_US": 404,
		"/console/templates/bot_nosuch/new":                404,
	} {
		if got := browser.Get(tab, chromedp.Evaluate[int](fmt.Sprintf(`fetch(%q).then(r => r.status)`, path), chromedp.EvalAwaitPromise)); got != want {
			t.Fatalf("GET %s answered %d, want %d", path, got, want)
		}
	}
	tab.Go("/console/templates/" + botID + "/new")
	tab.Run(chromedp.SetValue(`#template-definition`, `{"name": "x",`),
		chromedp.Click(`.template-form button[type=submit]`), chromedp.WaitVisible(`#template-error`))
	if got := tab.Text(`#template-error`); !strings.Contains(got, "definition: is not a template in JSON") {
		t.Fatalf("the error beside broken JSON is %q", got)
	}

	// A definition the core refuses stays in the form, the reason beside it.
	tab.Go("/console/templates/" + botID + "/new")
	tab.Run(chromedp.SetValue(`#template-definition`, `{"name": "Bad Name", "language": "en_US", "category": "UTILITY", "components": [{"type": "BODY", "text": "Hi"}]}`),
		chromedp.Click(`.template-form button[type=submit]`), chromedp.WaitVisible(`#template-error`))
	if got := tab.Text(`#template-error`); !strings.Contains(got, "name") {
		t.Fatalf("the error beside the definition is %q", got)
	}
	if got := browser.Get(tab, chromedp.Value(`#template-definition`)); !strings.Contains(got, "Bad Name") {
		t.Fatalf("the definition typed was not kept: %q", got)
	}
	tab.Screenshot("template-new-error")

	tab.Run(chromedp.SetValue(`#template-definition`, rejectedTemplate),
		chromedp.Click(`.template-form button[type=submit]`), chromedp.WaitVisible(`#template-preview`))
	if got := tab.Text(`.template-facts`); !strings.Contains(got, "PENDING") {
		t.Fatalf("the submitted template shows %q, want PENDING", got)
	}
	// The fake reviews after 3 s; sync until the copy has the result.
	for deadline := time.Now().Add(60 * time.Second); ; {
		tab.Go("/console/templates?bot=" + botID + "&status=REJECTED")
		if strings.Contains(tab.Text(`main`), "promo_reject_me") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("promo_reject_me never shown REJECTED; the page shows:\n%s", tab.Text(`main`))
		}
		tab.Run(chromedp.Click(`form[action$="/sync"] button`), chromedp.WaitVisible(`form.filters`))
		time.Sleep(time.Second)
	}
	if row := tab.Text(`table.templates tbody`); !strings.Contains(row, "REJECTED") || !strings.Contains(row, "promo_reject_me") || !strings.Contains(row, "INVALID_FORMAT") {
		t.Fatalf("the rejected row is %q", row)
	}
	tab.Run(chromedp.Click(`a[href="/console/templates/`+botID+`/promo_reject_me/en_US"]`), chromedp.WaitVisible(`.template-facts`))
	if reason := tab.Text(`.template-reason`); reason != "INVALID_FORMAT" { // the fake Graph's rejection reason
		t.Fatalf("the rejected template's reason shows %q", reason)
	}
	tab.Screenshot("template-rejected")

	// A viewer reads but sees no button; their forged POST is refused.
	vpw := e.User("vic", core.RoleViewer)
	viewer := e.Open()
	viewer.SignIn("vic", vpw)
	viewer.Go("/console/templates?bot=" + botID)
	if !strings.Contains(viewer.Text(`table.templates`), "order_update") {
		t.Fatal("a viewer does not see the templates")
	}
	if n := count(viewer, `form[action$="/sync"], a[href$="/new"]`); n != 0 {
		t.Fatalf("a viewer sees %d of Sync now and New template", n)
	}
	viewer.Go("/console/templates/" + botID + "/order_update/en_US")
	if n := count(viewer, `form[action$="/delete"]`); n != 0 {
		t.Fatal("a viewer sees the delete button")
	}
	for _, path := range []string{"/console/templates/" + botID + "/sync", "/console/templates/" + botID + "/order_update/delete", "/console/templates/" + botID} {
		if got := postStatus(viewer, path, pageToken(viewer)); got != 403 {
			t.Fatalf("a viewer's POST %s answered %d, want 403", path, got)
		}
	}
	tab.Go("/console/templates/" + botID + "/order_update/en_US")
	if !strings.Contains(tab.Text(`.template-facts`), "APPROVED") {
		t.Fatal("order_update changed after the viewer's POSTs")
	}

	// The admin deletes the rejected one, after confirming.
	tab.Go("/console/templates/" + botID + "/promo_reject_me/en_US")
	browser.Get(tab, chromedp.Evaluate[bool](`window.confirm = () => true; true`))
	tab.Run(chromedp.Click(`form[action$="/delete"] button`), chromedp.WaitVisible(`table.templates`))
	if got := tab.Text(`body`); !strings.Contains(got, "Template promo_reject_me deleted.") || strings.Contains(tab.Text(`table.templates`), "promo_reject_me") {
		t.Fatalf("after the delete the page shows:\n%s", got)
	}
}
