package api_test

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// FuzzSendOnBothDatabases puts fuzzed text — seeded with NUL, invalid UTF-8
// and very long strings — in every string of a Bothub send, a WhatsApp send
// and a signed webhook, and sends each to botgate on SQLite and on
// PostgreSQL: neither may answer a 5xx. (PostgreSQL runs when
// BOTGATE_TEST_POSTGRES_URL is set.)
func FuzzSendOnBothDatabases(f *testing.F) {
	for _, s := range []string{"r1", "a\x00b", "\x00", "a\xffb", "\xff\xfe", "\xc3\x28", "\xed\xa0\x80", strings.Repeat("x", 300),
		strings.Repeat("%", 5000), "{{first_name}}", `\u0000`, "é\x00é"} {
		f.Add(s)
	}
	kinds := []string{"sqlite"}
	if os.Getenv("BOTGATE_TEST_POSTGRES_URL") != "" {
		kinds = append(kinds, "postgres")
	}
	var envs []*harness.Env
	for _, k := range kinds {
		env := harness.Start(f, storetest.New(f, k), harness.Options{})
		env.AttachWhatsApp(nil)
		envs = append(envs, env)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit := `"` + escapeRaw(s) + `"` // invalid UTF-8 kept byte for byte
		bodies := []struct{ path, body string }{
			{"/api", `{"request":{"method":"send_message","id":` + lit + `,"meta":{"k":` + lit + `}},"recipient":{"id":` + lit + `},"messaging_type":"RESPONSE","message":{"text":` + lit + `}}`},
			{"/api", `{"request":{"method":"send_message","id":"f1"},"recipient":{"id":"` + harness.User + `"},"messaging_type":"RESPONSE","message":{"text":` + lit + `}}`},
			{"/channels/" + harness.WAPhone + "/messages", `{"id":` + lit + `,"to":"447700900123","timestamp":"1","source":"botchat","type":"text","text":{"body":` + lit + `}}`},
			{"/webhooks/messenger", `{"object":"page","entry":[{"id":"` + harness.Page + `","time":1,"messaging":[{"sender":{"id":` + lit + `},"recipient":{"id":"` + harness.Page + `"},"timestamp":1,"message":{"mid":` + lit + `,"text":` + lit + `}}]}]}`},
		}
		for _, env := range envs {
			for _, b := range bodies {
				h := http.Header{"Apikey": {env.APIKey}, "Content-Type": {"application/json"}, "X-Hub-Signature-256": {sign(harness.AppSecret, []byte(b.body))}}
				// Not env.Do: its helper belongs to the F, not to this T.
				req, _ := http.NewRequest(http.MethodPost, env.Server.URL()+b.path, strings.NewReader(b.body))
				req.Header = h
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					t.Errorf("%s %q: %d %.300s", b.path, s, resp.StatusCode, data)
				}
			}
		}
	})
}

// escapeRaw writes s as the inside of a JSON string, escaping what JSON
// requires and keeping every other byte as it is, invalid UTF-8 included.
func escapeRaw(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
