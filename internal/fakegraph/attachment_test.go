package fakegraph

import (
	"encoding/json"
	"net/url"
	"regexp"
	"testing"
)

const uploadPath = "/v25.0/me/message_attachments?access_token=" + testToken

var attachmentIDPattern = regexp.MustCompile(`^\{"attachment_id":"[1-9][0-9]{15}"\}$`)

func upload(t *testing.T, base, body string) string {
	t.Helper()
	res := postJSON(t, base+uploadPath, body)
	if res.status != 200 || !attachmentIDPattern.MatchString(res.body) {
		t.Fatalf("upload: HTTP %d %s", res.status, res.body)
	}
	var out struct {
		AttachmentID string `json:"attachment_id"`
	}
	if err := json.Unmarshal([]byte(res.body), &out); err != nil {
		t.Fatal(err)
	}
	return out.AttachmentID
}

func byID(kind, id string) string {
	return msg(`{"attachment":{"type":"` + kind + `","payload":{"attachment_id":"` + id + `"}}}`)
}

func TestUploadThenSendByID(t *testing.T) {
	s, base := newFake(t, Options{})
	id := upload(t, base, `{"message":{"attachment":{"type":"image","payload":{"url":"https://x/a.png","is_reusable":true}}}}`)
	wantSent(t, s, postJSON(t, base+sendPath, byID("image", id)), "1")
	wantSent(t, s, postJSON(t, base+sendPath, tpl(`{"template_type":"media","elements":[{"media_type":"image","attachment_id":"`+id+`"}]}`)), "1")

	form := url.Values{"message": {`{"attachment":{"type":"file","payload":{"url":"https://x/a.pdf"}}}`}}
	res := do(t, "POST", base+uploadPath, "application/x-www-form-urlencoded", form.Encode())
	if res.status != 200 || !attachmentIDPattern.MatchString(res.body) || res.body == `{"attachment_id":"`+id+`"}` {
		t.Errorf("form upload: HTTP %d %s", res.status, res.body)
	}
	if got := len(s.Sends()); got != 2 {
		t.Errorf("uploads were recorded as sends: %d sends", got)
	}
}

func TestAttachmentIDsArePageScoped(t *testing.T) {
	s, base := newFake(t, Options{})
	s.AddPage("200", "tok-200")
	res := postJSON(t, base+"/v25.0/200/message_attachments?access_token=tok-200",
		`{"message":{"attachment":{"type":"video","payload":{"url":"https://x/v.mp4"}}}}`)
	var out struct {
		AttachmentID string `json:"attachment_id"`
	}
	if err := json.Unmarshal([]byte(res.body), &out); err != nil || out.AttachmentID == "" {
		t.Fatalf("upload: HTTP %d %s", res.status, res.body)
	}
	wantError(t, postJSON(t, base+sendPath, byID("video", out.AttachmentID)), 400, 100, 0,
		"(#100) Param attachment_id: "+out.AttachmentID+" is not a valid attachment id for this page")
}

func TestReusableSendAnswersAttachmentID(t *testing.T) {
	s, base := newFake(t, Options{})
	res := postJSON(t, base+sendPath, msg(`{"attachment":{"type":"audio","payload":{"url":"https://x/a.mp3","is_reusable":true}}}`))
	var out struct {
		RecipientID  string `json:"recipient_id"`
		MessageID    string `json:"message_id"`
		AttachmentID string `json:"attachment_id"`
	}
	if err := json.Unmarshal([]byte(res.body), &out); err != nil {
		t.Fatal(err)
	}
	want := `{"recipient_id":"1","message_id":"` + lastSend(t, s).MessageID + `","attachment_id":"` + out.AttachmentID + `"}`
	if res.status != 200 || res.body != want || len(out.AttachmentID) != 16 {
		t.Fatalf("got HTTP %d %s, want %s", res.status, res.body, want)
	}
	wantSent(t, s, postJSON(t, base+sendPath, byID("audio", out.AttachmentID)), "1")
}

func TestUploadValidation(t *testing.T) {
	_, base := newFake(t, Options{})
	cases := []struct {
		name, body string
		code       int
		subcode    int
		message    string
	}{
		{"no message", `{}`, 100, 0, "(#100) The parameter message is required"},
		{"no attachment", `{"message":{}}`, 100, 0, "(#100) The parameter message[attachment] is required"},
		{"template", `{"message":{"attachment":{"type":"template","payload":{"url":"https://x"}}}}`, 100, 0,
			`(#100) Param message[attachment][type] must be one of {image, audio, video, file} - got "template"`},
		{"no payload", `{"message":{"attachment":{"type":"image"}}}`, 100, 0,
			"(#100) The parameter message[attachment][payload] is required"},
		{"no url", `{"message":{"attachment":{"type":"image","payload":{"is_reusable":true}}}}`, 100, 0,
			"(#100) The parameter message[attachment][payload][url] is required"},
		{"too large", `{"message":{"attachment":{"type":"video","payload":{"url":"https://x/too-large.mp4"}}}}`, 100, 2018109,
			"(#100) Attachment size exceeds allowable limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, postJSON(t, base+uploadPath, tc.body), 400, tc.code, tc.subcode, tc.message)
		})
	}
	res := postJSON(t, base+"/v25.0/me/message_attachments?access_token=nope", `{}`)
	wantError(t, res, 400, 190, 0, "Invalid OAuth access token - Cannot parse access token")
}
