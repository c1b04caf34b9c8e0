package admin_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/seal"
)

// client calls the admin API of a harness and checks every answer it gets
// for the secrets it was told to watch: none may ever appear in an answer.
type client struct {
	t      *testing.T
	env    *harness.Env
	token  string
	secret map[string]string // value → what it is
}

func newClient(t *testing.T, env *harness.Env) *client {
	c := &client{t: t, env: env, token: harness.AdminToken, secret: map[string]string{}}
	// The harness bot's credentials, its callback secret (shown when it was
	// created, before this client) and its API key with the key's hash.
	c.forbid("the harness page token", harness.PageToken)
	c.forbid("the harness app secret", "app-secret")
	c.forbid("the harness verify token", "verify-token")
	c.forbid("the harness callback secret", env.Secret)
	c.forbidKey(env.APIKey)
	c.forbid("the admin token", harness.AdminToken)
	return c
}

// forbid makes value a secret no later answer may contain.
func (c *client) forbid(what, value string) {
	c.t.Helper()
	if value == "" {
		c.t.Fatalf("empty secret %s", what)
	}
	c.secret[value] = what
}

// forbidKey forbids an API key and its stored hash.
func (c *client) forbidKey(key string) {
	c.forbid("API key "+key, key)
	c.forbid("the hash of API key "+key, seal.Hash(key))
}

// do calls the admin API with the admin token and returns the status and
// the raw answer.
func (c *client) do(method, path, body string) (int, string) {
	c.t.Helper()
	return c.doAs("Bearer "+c.token, method, path, body)
}

func (c *client) doAs(auth, method, path, body string) (int, string) {
	c.t.Helper()
	h := http.Header{}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	if body != "" {
		h.Set("Content-Type", "application/json")
	}
	status, data := c.env.Do(method, path, h, []byte(body))
	for value, what := range c.secret {
		if strings.Contains(string(data), value) {
			c.t.Errorf("%s %s answered with %s: %s", method, path, what, data)
		}
	}
	return status, string(data)
}

// want calls the admin API and fails unless it answers status; it returns
// the answer compacted.
func (c *client) want(method, path, body string, status int) string {
	c.t.Helper()
	got, data := c.do(method, path, body)
	if got != status {
		c.t.Fatalf("%s %s %s = %d %s, want %d", method, path, body, got, data, status)
	}
	if data == "" {
		return ""
	}
	return harness.Compact(c.t, []byte(data))
}

// decode calls the admin API expecting status and decodes the answer into out.
func (c *client) decode(method, path, body string, status int, out any) string {
	c.t.Helper()
	data := c.want(method, path, body, status)
	if err := json.Unmarshal([]byte(data), out); err != nil {
		c.t.Fatalf("%s %s: %v in %s", method, path, err, data)
	}
	return data
}

// wantError checks a call answers status with exactly the admin error body.
func (c *client) wantError(method, path, body string, status int, code, message, field string) {
	c.t.Helper()
	got := c.want(method, path, body, status)
	if want := errorJSON(code, message, field); got != want {
		c.t.Errorf("%s %s %s:\n got %s\nwant %s", method, path, body, got, want)
	}
}

// errorJSON is the admin API's error body: code, message and, when the
// error is about one field, field.
func errorJSON(code, message, field string) string {
	s := `{"error":{"code":` + mustJSON(code) + `,"message":` + mustJSON(message)
	if field != "" {
		s += `,"field":` + mustJSON(field)
	}
	return s + "}}"
}

func mustJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// bothubError is the Bothub face's error envelope for a request without a request id.
func bothubError(code int, typ, message string) string {
	return fmt.Sprintf(`{"error":{"message":%q,"type":%q,"code":%d,"error_subcode":0,"request_id":""}}`, message, typ, code)
}

// sendWith posts a sync Bothub text message with key.
func sendWith(env *harness.Env, key, requestID, recipient, text string) (int, string) {
	env.T.Helper()
	body := fmt.Sprintf(`{"request":{"method":"send_message","id":%q,"sync":true},"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"text":%q}}`,
		requestID, recipient, text)
	status, data := env.Do(http.MethodPost, "/api", http.Header{"Apikey": {key}, "Content-Type": {"application/json"}}, []byte(body))
	return status, harness.Compact(env.T, data)
}

// stamp is how the API writes a time.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

var durationMS = regexp.MustCompile(`"duration_ms":[0-9.e+-]+`)

// withoutDurations replaces measured durations, which no test can know.
func withoutDurations(s string) string { return durationMS.ReplaceAllString(s, `"duration_ms":0`) }

var timestamp = regexp.MustCompile(`"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"`)

// stored rewrites every time in a JSON answer as the database keeps it, to
// the millisecond: the answers to POST and PATCH carry times to the
// nanosecond (see TestWriteAnswersShowStoredTimes).
func stored(s string) string {
	return timestamp.ReplaceAllStringFunc(s, func(q string) string {
		tm, err := time.Parse(time.RFC3339Nano, strings.Trim(q, `"`))
		if err != nil {
			return q
		}
		return `"` + stamp(tm.Truncate(time.Millisecond)) + `"`
	})
}

// storedTime is one time as the database keeps it.
func storedTime(s string) string { return strings.Trim(stored(`"`+s+`"`), `"`) }
