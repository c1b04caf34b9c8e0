package sobot_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The seed's upload: the track id at once, the attachment id at the bot's
// webhook URL, signed; then the id works in sends.
func TestUploadAsync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		s.Admin(http.MethodPatch, "/admin/v1/bots/"+s.BotID, map[string]any{"webhook_url": s.Inbox.URL}, 200, nil)
		got := s.post("upload_async", sample(t, "upload_async.json"))
		track := item(t, got)
		if want := `{"item":"` + track + `","ret_code":"000000","ret_msg":"成功"}`; got != want {
			t.Errorf("answer\n got %s\nwant %s", got, want)
		}
		delivered := s.Inbox.Wait(t, 1, 5*time.Second)[0]
		if !delivered.Verified {
			t.Errorf("the upload result's signature does not verify")
		}
		attachment := attachmentID(t, delivered.Body, track)
		var log struct {
			Deliveries []struct{ Kind, URL string } `json:"deliveries"`
		}
		s.Admin(http.MethodGet, "/admin/v1/bots/"+s.BotID+"/deliveries", nil, 200, &log)
		if len(log.Deliveries) != 1 || log.Deliveries[0].Kind != "upload" || log.Deliveries[0].URL != s.Inbox.URL {
			t.Errorf("delivery log: %+v", log.Deliveries)
		}
		var upload []byte
		for _, r := range s.Fake.Requests() {
			if strings.HasSuffix(r.Path, "/me/message_attachments") {
				upload = r.Body
			}
		}
		if want := `{"message":{"attachment":{"payload":{"is_reusable":true,"url":"https://sg.sobot.com/console/common/face/admin.png"},"type":"image"}}}`; string(upload) != want {
			t.Errorf("Graph upload body\n got %s\nwant %s", upload, want)
		}
		send := `{"recipientid":"` + harness.User + `","pageid":"` + harness.Page + `","type":"image","payload":{"attachment_id":"` + attachment + `"}}`
		if got := s.post("send", send); !strings.Contains(got, `"ret_code":"000000"`) {
			t.Errorf("sending the uploaded attachment: %s", got)
		}

		// Facebook refuses an upload: the failure reaches the webhook URL.
		track = item(t, s.post("upload_async", `{"pageid":"`+harness.Page+`","type":"video","payload":{"url":"https://example.com/too-large.mp4"}}`))
		failed := string(s.Inbox.Wait(t, 2, 5*time.Second)[1].Body)
		msg := "(#100) Attachment size exceeds allowable limit"
		want := `{"track_id":"` + track + `","error":{"ret_code":"999999","ret_msg":"Facebook refused the upload: ` + msg + `",` +
			`"upstream":{"http_status":400,"code":100,"error_subcode":2018109,"type":"OAuthException","message":"` + msg + `","fbtrace_id":"TRACE"}}}`
		if failed = fbtrace.ReplaceAllString(failed, `"fbtrace_id":"TRACE"`); failed != want {
			t.Errorf("failed upload\n got %s\nwant %s", failed, want)
		}
	})
}

// Without a webhook URL the upload still happens; nobody is told.
func TestUploadWithoutWebhookURL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		item(t, s.post("upload_async", sample(t, "upload_async.json")))
		harness.WaitFor(t, "the upload job to finish", 5*time.Second, func() bool {
			var n int
			err := s.Server.Store.ReadRow(context.Background(), `SELECT COUNT(*) FROM jobs WHERE kind = 'upload'`).Scan(&n)
			return err == nil && n == 0
		})
		uploads := 0
		for _, r := range s.Fake.Requests() {
			if strings.HasSuffix(r.Path, "/me/message_attachments") && r.Status == 200 {
				uploads++
			}
		}
		if uploads != 1 {
			t.Errorf("%d uploads reached Graph, want 1", uploads)
		}
		var deliveries struct {
			Deliveries []any `json:"deliveries"`
		}
		s.Admin(http.MethodGet, "/admin/v1/bots/"+s.BotID+"/deliveries", nil, 200, &deliveries)
		if len(deliveries.Deliveries) != 0 {
			t.Errorf("deliveries: %v", deliveries.Deliveries)
		}
	})
}

func TestUploadErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		page := `"pageid":"` + harness.Page + `",`
		cases := []struct{ name, body, want string }{
			{"no pageid", `{"type":"image","payload":{"url":"https://example.com/a.png"}}`, errBody("210001", "pageid is required: the Facebook page id")},
			{"another page", `{"pageid":"1","type":"image","payload":{"url":"https://example.com/a.png"}}`, errBody("210002", "pageid 1 is not a page of this app")},
			{"no type", `{` + page + `"payload":{"url":"https://example.com/a.png"}}`, errBody("999999", "type: is required: image, audio, video or file")},
			{"template", `{` + page + `"type":"template","payload":{"url":"https://example.com/a.png"}}`,
				errBody("999999", `type: must be image, audio, video or file, not "template"`)},
			{"no payload", `{` + page + `"type":"image"}`, errBody("999999", "payload is required")},
			{"no url", `{` + page + `"type":"image","payload":{}}`, errBody("999999", "payload: needs url or attachment_id")},
			{"relative url", `{` + page + `"type":"audio","payload":{"url":"a.mp3"}}`, errBody("999999", "payload.url: must be an absolute http or https URL")},
			{"misspelt", `{` + page + `"type":"file","payload":{"link":"https://example.com/a.pdf"}}`, errBody("999999", "payload.link: is not a known field")},
			{"an attachment id", `{` + page + `"type":"file","payload":{"attachment_id":"1"}}`,
				errBody("999999", "payload.attachment_id: cannot be uploaded: it is uploaded already; give payload.url")},
		}
		for _, c := range cases {
			if got := s.post("upload_async", c.body); got != c.want {
				t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
			}
		}
	})
}
