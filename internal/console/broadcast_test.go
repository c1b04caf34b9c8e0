package console_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// composeForm is a complete compose form: a Messenger message to a list.
func composeForm(name string, psids ...string) url.Values {
	return url.Values{"name": {name}, "channel": {"messenger"}, "content": {"message"},
		"content.message": {`{"text":"Hello {{first_name}}"}`}, "messaging_type": {"UPDATE"},
		"audience": {"list"}, "audience.list_kind": {"psid"}, "audience.list": {strings.Join(psids, "\n")}, "schedule": {"now"}}
}

// The compose form's refusals show beside the field with what was typed
// kept; a recipient file uploads as multipart with its refused rows shown;
// the recipients export as CSV, all on both databases.
func TestBroadcastForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := harness.Start(t, db, harness.Options{})
		admin := signInAs(t, e, "ada", core.RoleAdmin)
		viewer := signInAs(t, e, "vic", core.RoleViewer)
		admin.get("/console/broadcasts/new?bot="+e.BotID, http.StatusOK)

		f := composeForm("Bad JSON", harness.User)
		f.Set("content.message", `{"text": "Hello`)
		status, page := admin.post("/console/broadcasts/"+e.BotID, f)
		if status != http.StatusBadRequest {
			t.Fatalf("bad JSON: %d", status)
		}
		mustContain(t, page, "the refused form", `class="error field-error">content.message: is not JSON`, `value="Bad JSON"`)

		f = composeForm("No quiet end", harness.User)
		f.Set("schedule.quiet_from", "21:00")
		_, page = admin.post("/console/broadcasts/"+e.BotID, f)
		mustContain(t, page, "half quiet hours", "schedule.quiet_hours: needs both ends")

		f = composeForm("Bad filter")
		f.Set("audience", "filter")
		f.Set("audience.filter", "tier ~ gold")
		status, page = admin.post("/console/broadcasts/"+e.BotID+"/check", f)
		if status != http.StatusBadRequest || !strings.Contains(page, "audience.filter") {
			t.Errorf("a bad filter's dry run: %d %s", status, page)
		}

		// At 09:00 local two days from now: users of unknown zone get the
		// default zone's 09:00, which the breakdown shows as 01:00 UTC.
		day := e.Server.Store.Now().UTC().Add(48 * time.Hour).Format("2006-01-02")
		f = composeForm("Local", harness.User, harness.OtherUser)
		f.Set("messaging_type", "MESSAGE_TAG")
		f.Set("tag", "ACCOUNT_UPDATE")
		for k, v := range map[string]string{"schedule": "local", "schedule.local_time": "09:00", "schedule.date": day,
			"schedule.default_timezone": "Asia/Shanghai", "schedule.late": "skip"} {
			f.Set(k, v)
		}
		status, page = admin.post("/console/broadcasts/"+e.BotID+"/check", f)
		if status != http.StatusOK {
			t.Fatalf("local-time dry run: %d %s", status, page)
		}
		mustContain(t, page, "the local-time dry run", `<b id="audience-size">2</b>`, "<td>"+day+` 01:00 UTC</td><td class="num">2</td>`)

		// A file: one good row, one refused.
		upload := func(p *person) (int, string) {
			var body bytes.Buffer
			w := multipart.NewWriter(&body)
			for k, v := range composeForm("From a file") {
				_ = w.WriteField(k, v[0])
			}
			_ = w.WriteField("csrf", p.token)
			fw, _ := w.CreateFormFile("audience.file", "customers.csv")
			fw.Write([]byte("psid,city\n" + harness.User + ",Taipei\n,Tainan\n"))
			w.Close()
			resp, err := p.http.Post(p.base+"/console/broadcasts/"+e.BotID+"/upload", w.FormDataContentType(), &body)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out bytes.Buffer
			out.ReadFrom(resp.Body)
			return resp.StatusCode, out.String()
		}
		status, page = upload(admin)
		if status != http.StatusOK {
			t.Fatalf("upload: %d %s", status, page)
		}
		mustContain(t, page, "the form after an upload", `id="uploaded"`, "Uploaded <b>1</b> recipients", `<td class="num">3</td>`,
			`value="From a file"`, `name="audience" value="upload" checked`)
		viewer.get("/console/broadcasts/new?bot="+e.BotID, http.StatusOK)
		if status, _ := upload(viewer); status != http.StatusForbidden {
			t.Errorf("a viewer's upload: %d", status)
		}

		// Created and run; the export lists every recipient.
		f = composeForm("Exported", harness.User, harness.OtherUser)
		f.Set("messaging_type", "MESSAGE_TAG") // neither user wrote: a tag lets the send out of the window
		f.Set("tag", "ACCOUNT_UPDATE")
		status, page = admin.post("/console/broadcasts/"+e.BotID, f)
		if status != http.StatusOK || !strings.Contains(page, "Broadcast Exported scheduled") {
			t.Fatalf("create: %d %s", status, page)
		}
		id := between(page, `<small class="mono">`, `</small>`)
		// Completed means every recipient was handed over; their messages
		// are sent a moment later.
		harness.WaitFor(t, "the broadcast completed and its messages sent", 60*time.Second, func() bool {
			b, err := e.Server.Broadcasts.Get(t.Context(), e.BotID, id)
			return err == nil && b.State == "completed" && b.Counts.Sent == 2
		})
		csv := admin.get("/console/broadcasts/"+e.BotID+"/"+id+"/recipients.csv", http.StatusOK)
		lines := strings.Split(strings.TrimSpace(csv), "\n")
		if len(lines) != 3 || lines[0] != "recipient,state,scheduled_at,message_id,reason" ||
			!strings.HasPrefix(lines[1], harness.User+",sent,") || !strings.HasPrefix(lines[2], harness.OtherUser+",sent,") {
			t.Errorf("export:\n%s", csv)
		}
		admin.get("/console/broadcasts/"+e.BotID+"/"+id+"/recipients.csv?state=lost", http.StatusBadRequest)
		admin.get("/console/broadcasts/"+e.BotID+"/bc_none", http.StatusNotFound)
	})
}

func between(s, from, to string) string {
	_, rest, _ := strings.Cut(s, from)
	out, _, _ := strings.Cut(rest, to)
	return out
}

// Drafts through the console's forms: "Save as draft" stores a draft; the
// edit form comes back filled (the list, the schedule, the expiry); a
// refused edit shows beside the field and keeps editing the same draft; a
// viewer and a request without the CSRF token change nothing; a broadcast
// that is no longer a draft cannot be edited, scheduled or deleted.
func TestBroadcastDraftForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := harness.Start(t, db, harness.Options{})
		admin := signInAs(t, e, "ada", core.RoleAdmin)
		viewer := signInAs(t, e, "vic", core.RoleViewer)
		admin.get("/console/broadcasts/new?bot="+e.BotID, http.StatusOK)
		f := composeForm("Later", harness.User, harness.OtherUser)
		f.Set("schedule", "at")
		f.Set("schedule.at", "2099-01-02T09:30")
		f.Set("expires_at", "2099-01-03T00:00")
		f.Set("draft", "1")
		status, page := admin.post("/console/broadcasts/"+e.BotID, f)
		if status != http.StatusOK || !strings.Contains(page, "Draft Later saved; nothing is sent until you schedule it") {
			t.Fatalf("save as draft: %d %s", status, page)
		}
		id := between(page, `<small class="mono">`, `</small>`)
		mustContain(t, page, "the draft's page", `id="state">draft</span>`, `id="draft-spec"`, "at 2099-01-02 09:30:00 UTC", `id="schedule-draft"`)

		page = admin.get("/console/broadcasts/"+e.BotID+"/"+id+"/edit", http.StatusOK)
		mustContain(t, page, "the edit form", `action="/console/broadcasts/`+e.BotID+`/`+id+`/edit"`, `name="editing" value="`+id+`"`,
			`value="Later"`, harness.User+"\n"+harness.OtherUser+"</textarea>", `name="schedule" value="at" checked`,
			`name="schedule.at" value="2099-01-02T09:30"`, `name="expires_at" value="2099-01-03T00:00"`, `id="save-draft"`)

		bad := composeForm("Later", harness.User)
		bad.Set("content.message", `{"text": "oops`)
		status, page = admin.post("/console/broadcasts/"+e.BotID+"/"+id+"/edit", bad)
		if status != http.StatusBadRequest {
			t.Fatalf("a refused edit: %d", status)
		}
		mustContain(t, page, "the refused edit", `class="error field-error">content.message: is not JSON`, `name="editing" value="`+id+`"`)

		// Neither a viewer nor a forged request changes the draft.
		if status, _ := viewer.post("/console/broadcasts/"+e.BotID+"/"+id+"/delete", nil); status != http.StatusForbidden {
			t.Errorf("a viewer's delete: %d", status)
		}
		if status, _ := viewer.post("/console/broadcasts/"+e.BotID+"/"+id+"/schedule", nil); status != http.StatusForbidden {
			t.Errorf("a viewer's schedule: %d", status)
		}
		resp, err := admin.http.PostForm(admin.base+"/console/broadcasts/"+e.BotID+"/"+id+"/schedule", url.Values{"csrf": {"00" + strings.Repeat("ab", 31)}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a schedule without the right CSRF token: %d", resp.StatusCode)
		}
		if b, err := e.Server.Broadcasts.Get(t.Context(), e.BotID, id); err != nil || b.State != "draft" {
			t.Fatalf("after refused requests: %+v %v", b, err)
		}

		edit := composeForm("Later, edited", harness.User)
		edit.Set("editing", id)
		status, page = admin.post("/console/broadcasts/"+e.BotID+"/"+id+"/edit", edit)
		if status != http.StatusOK || !strings.Contains(page, "Draft Later, edited saved") || !strings.Contains(page, "a list of 1") {
			t.Fatalf("edit: %d %s", status, page)
		}
		status, page = admin.post("/console/broadcasts/"+e.BotID+"/"+id+"/schedule", nil)
		if status != http.StatusOK || !strings.Contains(page, "Broadcast ") || strings.Contains(page, `id="state">draft`) {
			t.Fatalf("schedule: %d %s", status, page)
		}
		admin.get("/console/broadcasts/"+e.BotID+"/"+id+"/edit", http.StatusConflict)
		for _, act := range []string{"edit", "schedule", "delete"} {
			var form url.Values
			if act == "edit" {
				form = composeForm("Too late", harness.User)
			}
			if status, page := admin.post("/console/broadcasts/"+e.BotID+"/"+id+"/"+act, form); status != http.StatusConflict || !strings.Contains(page, "only a draft can be") {
				t.Errorf("%s after scheduling: %d %s", act, status, page)
			}
		}

		// A draft made through the API whose list gives a recipient parameters
		// is not offered to the form, which would save it without them.
		bot, err := e.Server.Store.GetBot(t.Context(), e.BotID)
		if err != nil {
			t.Fatal(err)
		}
		api, err := e.Server.Broadcasts.Create(t.Context(), bot, broadcast.Spec{Name: "Codes", Channel: core.ChannelMessenger, Draft: true,
			Content:       broadcast.Content{Message: []byte(`{"text":"Your code: {{code}}"}`)},
			Audience:      broadcast.Audience{List: []broadcast.ListEntry{{PSID: harness.User, Params: map[string]string{"code": "A1"}}}},
			MessagingType: core.TypeUpdate})
		if err != nil {
			t.Fatal(err)
		}
		page = admin.get("/console/broadcasts/"+e.BotID+"/"+api.ID, http.StatusOK)
		mustContain(t, page, "the API draft's page", `id="edit-draft-api"`, "gives recipients their own parameters", `id="schedule-draft"`)
		if strings.Contains(page, `id="edit-draft"`) {
			t.Error("the API draft's page offers the form's Edit")
		}
		admin.get("/console/broadcasts/"+e.BotID+"/"+api.ID+"/edit", http.StatusConflict)
	})
}
