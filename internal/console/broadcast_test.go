package console_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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
		harness.WaitFor(t, "the broadcast completed", 30*time.Second, func() bool {
			b, err := e.Server.Broadcasts.Get(t.Context(), e.BotID, id)
			return err == nil && b.State == "completed"
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
