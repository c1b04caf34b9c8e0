package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/botgate/botgate/internal/broadcast"
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
// stranger never wrote to the page.
const stranger = "524807506000099"

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
		// Three who wrote today and one stranger, who is outside the window.
		list := strings.Join([]string{harness.User, harness.OtherUser, broadcastUsers[0], stranger}, "\n")
		tab.Run(chromedp.SetValue(`textarea[name="audience.list"]`, list))
		tab.Run(chromedp.Click(`#check-audience`), chromedp.WaitVisible(`#audience-size`))
		if got := tab.Text(`#audience-size`); got != "4" {
			t.Errorf("audience size %q, want 4", got)
		}
		if got := tab.Text(`#check-skipped`); !strings.Contains(got, "outside_window\t1") && !strings.Contains(got, "outside_window 1") {
			t.Errorf("skips shown: %q", got)
		}
		if list, _, err := e.Server.Broadcasts.List(context.Background(), e.BotID, "", 10); err != nil || len(list) != 0 {
			t.Errorf("a dry run stored %d broadcasts (%v)", len(list), err)
		}
		// The side column is sticky: from the top, the picture shows it beside the form.
		browser.Get(tab, chromedp.Evaluate[bool](`window.scrollTo(0, 0) === undefined`))
		tab.Screenshot("broadcast_compose")
	})
}

// fillCompose opens the compose form and fills a Messenger message to the
// list of PSIDs, sent now at rate a second (0: the channel's own pace).
func fillCompose(tab *browser.Tab, botID, name string, psids []string, rate string) {
	tab.T.Helper()
	tab.Go("/console/broadcasts?bot=" + botID)
	tab.Run(chromedp.Click(`#new-broadcast`), chromedp.WaitVisible(`#compose`))
	tab.Run(chromedp.SetValue(`input[name=name]`, name),
		chromedp.SetValue(`textarea[name="audience.list"]`, strings.Join(psids, "\n")),
		chromedp.SetValue(`input[name=rate_per_second]`, rate))
}

// graphSends counts, per PSID, the sends the fake Graph received whose body
// holds text.
func graphSends(e *browser.Env, text string) map[string]int {
	out := map[string]int{}
	for _, s := range e.Fake.Sends() {
		if s.Status == 200 && strings.Contains(string(s.Body), text) {
			if id, ok := s.Recipient["id"].(string); ok {
				out[id]++
			}
		}
	}
	return out
}

// counted reads a count of the broadcast's page.
func counted(tab *browser.Tab, name string) string {
	tab.T.Helper()
	return liveText(tab, `#counts [data-count=`+name+`]`)
}

// liveText is the text of the element sel selects now, read in one step,
// since htmx may swap the live part (or reload the page) between a query
// and a read; "" while the page reloads.
func liveText(tab *browser.Tab, sel string) string {
	tab.T.Helper()
	text, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](`(document.querySelector(`+quote(sel)+`) || {}).textContent || ""`))
	if err != nil && tab.Ctx.Err() != nil {
		tab.T.Fatalf("browser: %v", err)
	}
	return text
}

// Schedule a broadcast and watch it complete: the page's counts (polled
// by htmx) match the sends the fake Graph received, one each; the
// recipients table links each row to its message, and filters.
func TestBrowserBroadcastRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := broadcastEnv(t, db)
		tab := e.Open()
		tab.SignIn("ada", e.User("ada", core.RoleAdmin))
		to := append([]string{harness.User, harness.OtherUser, stranger}, broadcastUsers...)
		fillCompose(tab, e.BotID, "Winter sale", to, "")
		tab.Run(chromedp.Click(`#create`), chromedp.WaitVisible(`#live`))
		if got := liveText(tab, `p.flash`); got != "Broadcast Winter sale scheduled" {
			t.Errorf("after create: %q", got)
		}
		harness.WaitFor(t, "the broadcast completed on its page", 60*time.Second, func() bool {
			return liveText(tab, `#state`) == "completed"
		})
		// Completed: every recipient handed over; the page keeps polling
		// until their messages are sent.
		harness.WaitFor(t, "every reachable user's send counted on the page", 60*time.Second, func() bool {
			return counted(tab, "sent") == itoa(int64(2+len(broadcastUsers)))
		})
		sends := graphSends(e, "Our winter sale starts today")
		if len(sends) != 1+1+len(broadcastUsers) {
			t.Errorf("Graph received sends for %d users, want %d: %v", len(sends), 2+len(broadcastUsers), sends)
		}
		for psid, n := range sends {
			if n != 1 {
				t.Errorf("%s received %d sends", psid, n)
			}
		}
		if got, want := counted(tab, "sent"), itoa(int64(len(sends))); got != want {
			t.Errorf("the page counts %s sent, Graph received %s", got, want)
		}
		if got := counted(tab, "targeted"); got != itoa(int64(len(to))) {
			t.Errorf("targeted %s, want %d", got, len(to))
		}
		if got := tab.Text(`#skipped`); !strings.Contains(got, "outside_window") {
			t.Errorf("skipped by reason: %q", got)
		}
		tab.Run(chromedp.WaitVisible(`table.recipients`))
		if n := count(tab, `table.recipients tbody tr`); n != len(to) {
			t.Errorf("%d recipient rows, want %d", n, len(to))
		}
		if n := count(tab, `table.recipients a[href^="/console/messages/"]`); n != len(sends) {
			t.Errorf("%d rows link to their message, want %d", n, len(sends))
		}
		tab.Screenshot("broadcast")

		// The skipped recipient, by the filter; its row has no message.
		tab.Run(chromedp.SetValue(`#recipients select[name=state]`, "skipped"), chromedp.Click(`#recipients form button`),
			chromedp.WaitReady(`#recipients select[name=state] option[value=skipped][selected]`))
		if got := tab.Text(`table.recipients tbody`); !strings.Contains(got, stranger) || !strings.Contains(got, "outside_window") || count(tab, `table.recipients tbody tr`) != 1 {
			t.Errorf("skipped recipients: %q", got)
		}
		// A row links to its message's page.
		tab.Go("/console/broadcasts?bot=" + e.BotID)
		tab.Run(chromedp.WaitVisible(`table.broadcasts`))
		if got := tab.Text(`table.broadcasts tbody`); !strings.Contains(got, "Winter sale") || !strings.Contains(got, "completed") {
			t.Errorf("the list shows %q", got)
		}
		tab.Screenshot("broadcasts")
	})
}

// Pause stops the sends and resume continues them, each recipient once.
func TestBrowserBroadcastPauseResume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := broadcastEnv(t, db)
		tab := e.Open()
		tab.SignIn("ada", e.User("ada", core.RoleAdmin))
		to := append([]string{harness.User, harness.OtherUser}, broadcastUsers...)
		fillCompose(tab, e.BotID, "Slow sale", to, "1") // one a second: time to pause
		tab.Run(chromedp.Click(`#create`), chromedp.WaitVisible(`#controls`))
		harness.WaitFor(t, "the first send", 30*time.Second, func() bool { return len(graphSends(e, "winter sale")) > 0 })
		tab.Run(chromedp.Click(`#controls button[value=pause]`), chromedp.WaitVisible(`#controls button[value=resume]`))
		if got := liveText(tab, `#state`); got != "paused" {
			t.Fatalf("after pause: %q", got)
		}
		// Sends already handed over may finish; then nothing moves while paused.
		var sent int
		harness.WaitFor(t, "the sends in flight settled", 10*time.Second, func() bool {
			n := len(graphSends(e, "winter sale"))
			time.Sleep(1500 * time.Millisecond)
			sent = len(graphSends(e, "winter sale"))
			return n == sent
		})
		if sent == len(to) {
			t.Fatalf("every recipient was sent to before the pause took effect (%d)", sent)
		}
		tab.Screenshot("broadcast_paused")
		time.Sleep(3 * time.Second)
		if n := len(graphSends(e, "winter sale")); n != sent {
			t.Fatalf("%d sends while paused (had %d)", n, sent)
		}
		tab.Run(chromedp.Click(`#controls button[value=resume]`), chromedp.WaitVisible(`#controls button[value=pause]`))
		harness.WaitFor(t, "the broadcast completed", 60*time.Second, func() bool { return liveText(tab, `#state`) == "completed" })
		sends := graphSends(e, "winter sale")
		for _, psid := range to {
			if sends[psid] != 1 {
				t.Errorf("%s received %d sends", psid, sends[psid])
			}
		}
		entries, err := e.Server.Store.ListAudit(context.Background(), "", 20)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, a := range entries {
			if a.Via == "console" && strings.HasPrefix(a.Action, "broadcast.") {
				actions = append(actions, a.Action)
			}
		}
		if got := strings.Join(actions, " "); got != "broadcast.resume broadcast.pause broadcast.create" {
			t.Errorf("audit log, newest first: %q", got)
		}
	})
}

// A viewer sees the broadcasts but no button that changes them, and a
// pause forged with the viewer's own CSRF token answers 403, changing
// nothing.
func TestBrowserBroadcastViewer(t *testing.T) {
	e := broadcastEnv(t, storetest.New(t, "sqlite"))
	ctx := context.Background()
	bot, err := e.Server.Store.GetBot(ctx, e.BotID)
	if err != nil {
		t.Fatal(err)
	}
	// Scheduled for tomorrow, so it stays pausable.
	at := e.Server.Store.Now().Add(24 * time.Hour)
	b, err := e.Server.Broadcasts.Create(ctx, bot, broadcast.Spec{Name: "Tomorrow's sale", Channel: core.ChannelMessenger,
		Content:  broadcast.Content{Message: []byte(`{"text":"Sale tomorrow"}`)},
		Audience: broadcast.Audience{List: []broadcast.ListEntry{{PSID: harness.User}}}, Schedule: broadcast.Schedule{At: &at},
		MessagingType: core.TypeUpdate})
	if err != nil {
		t.Fatal(err)
	}
	tab := e.Open()
	tab.SignIn("vic", e.User("vic", core.RoleViewer))
	tab.Go("/console/broadcasts?bot=" + e.BotID)
	tab.Run(chromedp.WaitVisible(`table.broadcasts`))
	if n := count(tab, `#new-broadcast`); n != 0 {
		t.Error("a viewer sees New broadcast")
	}
	tab.Go("/console/broadcasts/" + e.BotID + "/" + b.ID)
	tab.Run(chromedp.WaitVisible(`#counts`))
	if n := count(tab, `#controls, #live form`); n != 0 {
		t.Errorf("a viewer sees %d pause/resume/cancel controls", n)
	}
	tab.Screenshot("broadcast_viewer")
	tab.Go("/console/broadcasts/new?bot=" + e.BotID)
	tab.Run(chromedp.WaitVisible(`#compose`))
	if n := count(tab, `#create, button[formaction$="/upload"]`); n != 0 {
		t.Errorf("a viewer sees %d create/upload buttons", n)
	}
	status := browser.Get(tab, chromedp.Evaluate[int](`(async () => {
		const token = document.querySelector("input[name=csrf]").value;
		const r = await fetch("/console/broadcasts/`+e.BotID+`/`+b.ID+`/pause", {method: "POST", body: new URLSearchParams({csrf: token})});
		return r.status })()`, chromedp.EvalAwaitPromise))
	if status != 403 {
		t.Errorf("a viewer's forged pause answered %d, want 403", status)
	}
	if got, err := e.Server.Broadcasts.Get(ctx, e.BotID, b.ID); err != nil || got.State != broadcast.StateScheduled {
		t.Errorf("after the forged pause: %v %v", got.State, err)
	}
}

// A draft from the compose page: saved, listed as a draft, sending
// nothing; edited (the form comes back filled; the text changed); then
// scheduled after a confirmation, it runs to completion and Graph receives
// the edited text, each user once. Another draft is deleted after a
// confirmation. The audit log has each step.
func TestBrowserBroadcastDraft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := broadcastEnv(t, db)
		tab := e.Open()
		tab.SignIn("ada", e.User("ada", core.RoleAdmin))
		to := []string{harness.User, harness.OtherUser}
		fillCompose(tab, e.BotID, "Spring sale", to, "")
		tab.Run(chromedp.Click(`#save-draft`), chromedp.WaitVisible(`#draft`))
		if got := liveText(tab, `p.flash`); got != "Draft Spring sale saved; nothing is sent until you schedule it" {
			t.Errorf("after saving: %q", got)
		}
		if got := liveText(tab, `#state`); got != "draft" {
			t.Fatalf("state %q", got)
		}
		if got := tab.Text(`#draft-spec`); !strings.Contains(got, "Our winter sale starts today.") || !strings.Contains(got, "a list of 2") {
			t.Errorf("the draft's spec shows %q", got)
		}
		tab.Run(chromedp.WaitVisible(`#draft #preview .pv-screen`))
		if got := tab.Text(`#draft #preview`); !strings.Contains(got, "Hello Ada! Our winter sale starts today.") {
			t.Errorf("the draft's preview shows %q", got)
		}
		if n := count(tab, `#controls button[value=pause], #controls button[value=cancel], #recipients`); n != 0 {
			t.Errorf("a draft shows %d pause/cancel/recipients elements", n)
		}
		tab.Screenshot("broadcast_draft")

		tab.Go("/console/broadcasts?bot=" + e.BotID)
		tab.Run(chromedp.WaitVisible(`table.broadcasts`))
		if got := tab.Text(`table.broadcasts tbody tr:first-child .pill.draft`); got != "draft" {
			t.Errorf("the list's badge: %q", got)
		}
		tab.Screenshot("broadcasts_draft")

		// Edit: the compose form, filled from the draft.
		tab.Run(chromedp.Click(`table.broadcasts tbody tr:first-child a`), chromedp.WaitVisible(`#edit-draft`))
		tab.Run(chromedp.Click(`#edit-draft`), chromedp.WaitVisible(`#compose`))
		value := func(sel string) string {
			return browser.Get(tab, chromedp.Evaluate[string](`document.querySelector(`+quote(sel)+`).value`))
		}
		name, list, message := value(`input[name=name]`), value(`textarea[name="audience.list"]`), value(`textarea[name="content.message"]`)
		if name != "Spring sale" || list != strings.Join(to, "\n") || !strings.Contains(message, "Our winter sale starts today.") {
			t.Fatalf("the edit form: name %q, list %q, message %q", name, list, message)
		}
		setValue(tab, `textarea[name="content.message"]`, `{"text": "Hello {{first_name}}! Spring sale: edited."}`)
		tab.Run(chromedp.WaitVisible(`#preview .pv-screen`))
		harness.WaitFor(t, "the preview of the edit", 10*time.Second, func() bool {
			return strings.Contains(liveText(tab, `#preview`), "Hello Ada! Spring sale: edited.")
		})
		browser.Get(tab, chromedp.Evaluate[bool](`window.scrollTo(0, 0) === undefined`))
		tab.Screenshot("broadcast_edit")
		tab.Run(chromedp.Click(`#save-draft`), chromedp.WaitVisible(`#draft`))
		if got := liveText(tab, `p.flash`); got != "Draft Spring sale saved" {
			t.Errorf("after the edit: %q", got)
		}
		if got := tab.Text(`#draft-spec`); !strings.Contains(got, "Spring sale: edited.") || strings.Contains(got, "winter") {
			t.Errorf("the edited draft shows %q", got)
		}
		if n := len(e.Fake.Sends()); n != 0 {
			t.Fatalf("the draft sent %d messages", n)
		}

		// Schedule, confirmed: it runs; Graph receives the edited text.
		browser.Get(tab, chromedp.Evaluate[bool](`window.confirm = (q) => { sessionStorage.asked = q; return true; }; true`))
		tab.Run(chromedp.Click(`#schedule-draft`), chromedp.WaitVisible(`#recipients`))
		if asked := browser.Get(tab, chromedp.Evaluate[string](`sessionStorage.asked || ""`)); !strings.HasPrefix(asked, "Schedule this broadcast?") {
			t.Errorf("schedule asked %q", asked)
		}
		harness.WaitFor(t, "the broadcast completed on its page", 60*time.Second, func() bool {
			return liveText(tab, `#state`) == "completed" && counted(tab, "sent") == "2"
		})
		edited, original := graphSends(e, "Spring sale: edited."), graphSends(e, "winter sale")
		if len(edited) != 2 || edited[harness.User] != 1 || edited[harness.OtherUser] != 1 || len(original) != 0 {
			t.Errorf("Graph received %v edited and %v original sends", edited, original)
		}
		tab.Screenshot("broadcast_draft_done")

		// Another draft, deleted after a confirmation.
		fillCompose(tab, e.BotID, "Never sent", to, "")
		tab.Run(chromedp.Click(`#save-draft`), chromedp.WaitVisible(`#draft`))
		browser.Get(tab, chromedp.Evaluate[bool](`window.confirm = (q) => { sessionStorage.asked = q; return true; }; true`))
		tab.Run(chromedp.Click(`#delete-draft`), chromedp.WaitVisible(`table.broadcasts`))
		if asked := browser.Get(tab, chromedp.Evaluate[string](`sessionStorage.asked || ""`)); !strings.HasPrefix(asked, "Delete this draft?") {
			t.Errorf("delete asked %q", asked)
		}
		if got := liveText(tab, `p.flash`); got != "Draft Never sent deleted" {
			t.Errorf("after delete: %q", got)
		}
		if got := tab.Text(`table.broadcasts tbody`); strings.Contains(got, "Never sent") || count(tab, `table.broadcasts tbody tr`) != 1 {
			t.Errorf("the list after delete: %q", got)
		}
		entries, err := e.Server.Store.ListAudit(context.Background(), "", 20)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, a := range entries {
			if a.Via == "console" && strings.HasPrefix(a.Action, "broadcast.") {
				actions = append(actions, a.Action)
			}
		}
		if got := strings.Join(actions, " "); got != "broadcast.delete broadcast.create broadcast.schedule broadcast.edit broadcast.create" {
			t.Errorf("audit log, newest first: %q", got)
		}
	})
}
