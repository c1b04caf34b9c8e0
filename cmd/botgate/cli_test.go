package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// runCLI runs botgate in-process with the given environment and returns what
// it printed.
func runCLI(t *testing.T, environ map[string]string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return environ[k] }, &stdout, &stderr)
	return stdout.String(), err
}

// indent is how the admin commands print an answer: indented by two spaces.
func indent(t *testing.T, compact string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(compact), "", "  "); err != nil {
		t.Fatalf("not JSON: %v: %s", err, compact)
	}
	return b.String() + "\n"
}

// adminCLI runs admin commands with the flags that reach a server.
type adminCLI struct {
	t     *testing.T
	flags []string
}

func (a adminCLI) ok(args ...string) string {
	a.t.Helper()
	out, err := runCLI(a.t, nil, append(args, a.flags...)...)
	if err != nil {
		a.t.Fatalf("botgate %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// decode runs a command and decodes what it printed into v; it returns the output compacted.
func (a adminCLI) decode(v any, args ...string) string {
	a.t.Helper()
	out := a.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		a.t.Fatalf("botgate %s printed %q: %v", strings.Join(args, " "), out, err)
	}
	if oneNewline(out) != indent(a.t, harness.Compact(a.t, []byte(out))) {
		a.t.Errorf("botgate %s: output is not indented JSON and a newline: %q", strings.Join(args, " "), out)
	}
	return harness.Compact(a.t, []byte(out))
}

func (a adminCLI) fails(args ...string) error {
	a.t.Helper()
	out, err := runCLI(a.t, nil, append(args, a.flags...)...)
	if err == nil {
		a.t.Fatalf("botgate %s succeeded: %s", strings.Join(args, " "), out)
	}
	if out != "" {
		a.t.Errorf("botgate %s printed %q on failure", strings.Join(args, " "), out)
	}
	return err
}

// wantErr checks a failing command's error: the request, the HTTP status
// and the admin API's answer (compared without its layout).
func (a adminCLI) wantErr(request string, status int, answer string, args ...string) {
	a.t.Helper()
	err := a.fails(args...)
	if got := describeErr(a.t, err.Error()); got != fmt.Sprintf("%s: HTTP %d: %s", request, status, answer) {
		a.t.Errorf("botgate %s:\n got %s\nwant %s: HTTP %d: %s", strings.Join(args, " "), got, request, status, answer)
	}
}

// describeErr compacts the JSON answer quoted at the end of an admin command's error.
func describeErr(t *testing.T, msg string) string {
	t.Helper()
	i := strings.Index(msg, "{")
	if i < 0 || !json.Valid([]byte(msg[i:])) {
		return msg
	}
	return msg[:i] + harness.Compact(t, []byte(msg[i:]))
}

// send posts a sync Bothub text message with key and returns the status.
func send(t *testing.T, env *harness.Env, key, requestID string) int {
	t.Helper()
	body := fmt.Sprintf(`{"request":{"method":"send_message","id":%q,"sync":true},"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"text":"hi"}}`,
		requestID, harness.User)
	status, _ := env.Do(http.MethodPost, "/api", http.Header{"Apikey": {key}, "Content-Type": {"application/json"}}, []byte(body))
	return status
}

// oneNewline ends out with one newline, as TestAdminOutputEndsWithOneNewline
// wants and the admin commands do not yet do.
func oneNewline(out string) string { return strings.TrimRight(out, "\n") + "\n" }

type botView struct {
	ID             string `json:"id"`
	CallbackSecret string `json:"callback_secret"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
}

// The admin commands against a running botgate: every command, the JSON it
// prints, and errors that carry the HTTP status.
func TestAdminCommands(t *testing.T) {
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{})
	a := adminCLI{t: t, flags: []string{"--server", env.Server.URL(), "--admin-token", harness.AdminToken}}

	// bot create with every flag.
	var b botView
	got := a.decode(&b, "bot", "create", "--name", "CLI shop", "--page-id", "130000000000000", "--access-token", "tok-cli",
		"--app-secret", "sec-cli", "--verify-token", "ver-cli", "--callback-url", "https://shop.example/cb", "--webhook-url", "https://shop.example/events",
		"--legacy-tags", "reject", "--window-policy", "warn", "--unfilled-placeholder", "empty")
	if !strings.HasPrefix(b.ID, "bot_") || !strings.HasPrefix(b.CallbackSecret, "whsec_") {
		t.Fatalf("bot create printed %s", got)
	}
	const (
		cliMessenger = `{"page_id":"130000000000000","has_access_token":true,"has_app_secret":true,"has_verify_token":true}`
		cliSettings  = `{"legacy_tags":"reject","window_policy":"warn","unfilled_placeholder":"empty"}`
	)
	view := func(v botView, name, settings, secret string) string {
		s := fmt.Sprintf(`{"id":%q,"name":%q,"messenger":%s,"callback_url":"https://shop.example/cb","webhook_url":"https://shop.example/events"`,
			v.ID, name, cliMessenger)
		if secret != "" {
			s += fmt.Sprintf(`,"callback_secret":%q`, secret)
		}
		return s + fmt.Sprintf(`,"settings":%s,"forwarding":true,"created_at":%q,"updated_at":%q}`, settings, v.CreatedAt, v.UpdatedAt)
	}
	if want := view(b, "CLI shop", cliSettings, b.CallbackSecret); got != want {
		t.Errorf("bot create:\n got %s\nwant %s", got, want)
	}
	for _, secret := range []string{"tok-cli", "sec-cli", "ver-cli"} {
		if strings.Contains(got, secret) {
			t.Errorf("bot create printed the secret %s", secret)
		}
	}

	// bot get and list, with the server and token from the environment.
	environ := map[string]string{"BOTGATE_SERVER": env.Server.URL(), "BOTGATE_ADMIN_TOKEN": harness.AdminToken}
	out, err := runCLI(t, environ, "bot", "get", b.ID)
	if err != nil {
		t.Fatal(err)
	}
	var stored botView
	_ = json.Unmarshal([]byte(out), &stored)
	if want := indent(t, view(stored, "CLI shop", cliSettings, "")); oneNewline(out) != want {
		t.Errorf("bot get:\n got %s\nwant %s", out, want)
	}
	if stored.CreatedAt[:19] != b.CreatedAt[:19] {
		t.Errorf("bot get shows created_at %s, bot create %s", stored.CreatedAt, b.CreatedAt)
	}
	out, err = runCLI(t, environ, "bot", "list", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Bots []botView }
	_ = json.Unmarshal([]byte(out), &list)
	if len(list.Bots) != 2 || list.Bots[0].ID != env.BotID || list.Bots[1].ID != b.ID {
		t.Fatalf("bot list: %s", out)
	}
	if !strings.HasSuffix(harness.Compact(t, []byte(out)), ","+view(stored, "CLI shop", cliSettings, "")+"]}") {
		t.Errorf("bot list: %s", out)
	}
	// Flags win over the environment.
	if _, err := runCLI(t, environ, "bot", "list", "--admin-token", "wrong"); err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Errorf("--admin-token over BOTGATE_ADMIN_TOKEN: %v", err)
	}

	// bot update: only the flags given change.
	var u botView
	got = a.decode(&u, "bot", "update", b.ID, "--name", "CLI shop 2", "--window-policy", "off")
	if want := view(u, "CLI shop 2", `{"legacy_tags":"reject","window_policy":"off","unfilled_placeholder":"empty"}`, ""); got != want {
		t.Errorf("bot update:\n got %s\nwant %s", got, want)
	}
	got = a.decode(&u, "bot", "update", b.ID, "--rotate-callback-secret")
	if !strings.HasPrefix(u.CallbackSecret, "whsec_") || u.CallbackSecret == b.CallbackSecret {
		t.Fatalf("rotated secret %q, was %q", u.CallbackSecret, b.CallbackSecret)
	}
	if want := view(u, "CLI shop 2", `{"legacy_tags":"reject","window_policy":"off","unfilled_placeholder":"empty"}`, u.CallbackSecret); got != want {
		t.Errorf("bot update --rotate-callback-secret:\n got %s\nwant %s", got, want)
	}
	if got := a.ok("bot", "get", b.ID); strings.Contains(got, "callback_secret") {
		t.Errorf("bot get after rotation shows the secret: %s", got)
	}
	a.wantErr("PATCH /admin/v1/bots/"+b.ID, 400,
		`{"error":{"code":"invalid","message":"settings.window_policy: must be enforce, warn or off, not \"never\"","field":"settings.window_policy"}}`,
		"bot", "update", b.ID, "--window-policy", "never")
	a.wantErr("POST /admin/v1/bots", 400, `{"error":{"code":"invalid","message":"name: is required","field":"name"}}`, "bot", "create")
	a.wantErr("POST /admin/v1/bots", 409,
		`{"error":{"code":"conflict","message":"page 130000000000000 already belongs to bot `+b.ID+`"}}`,
		"bot", "create", "--name", "Copy", "--page-id", "130000000000000", "--access-token", "t")

	// key create, list, disable, enable, delete on the harness bot.
	var k struct {
		ID, Key   string
		CreatedAt string `json:"created_at"`
		UpdatedAt string `json:"updated_at"`
	}
	got = a.decode(&k, "key", "create", env.BotID)
	if !strings.HasPrefix(k.Key, "bgk_"+strings.TrimPrefix(k.ID, "key_")+".") {
		t.Fatalf("key create: %s", got)
	}
	if want := fmt.Sprintf(`{"id":%q,"bot_id":%q,"enabled":true,"scopes":["send","read","manage"],"created_at":%q,"updated_at":%[3]q,"key":%q}`, k.ID, env.BotID, k.CreatedAt, k.Key); got != want {
		t.Errorf("key create:\n got %s\nwant %s", got, want)
	}
	if send(t, env, k.Key, "cli-1") != 200 {
		t.Error("the new key does not send")
	}
	var keys struct {
		APIKeys []map[string]any `json:"api_keys"`
	}
	got = a.decode(&keys, "key", "list", env.BotID)
	if len(keys.APIKeys) != 2 || keys.APIKeys[1]["id"] != k.ID || keys.APIKeys[1]["enabled"] != true || len(keys.APIKeys[1]) != 6 ||
		strings.Contains(got, k.Key) || strings.Contains(got, `"key"`) {
		t.Errorf("key list: %s", got)
	}
	var toggled map[string]any
	got = a.decode(&toggled, "key", "disable", k.ID)
	if toggled["id"] != k.ID || toggled["bot_id"] != env.BotID || toggled["enabled"] != false || len(toggled) != 6 {
		t.Errorf("key disable: %s", got)
	}
	if status := send(t, env, k.Key, "cli-2"); status != 401 {
		t.Errorf("a disabled key answers %d", status)
	}
	got = a.decode(&toggled, "key", "enable", k.ID)
	if toggled["id"] != k.ID || toggled["enabled"] != true {
		t.Errorf("key enable: %s", got)
	}
	if status := send(t, env, k.Key, "cli-3"); status != 200 {
		t.Errorf("an enabled key answers %d", status)
	}
	if out := a.ok("key", "delete", k.ID); out != "" {
		t.Errorf("key delete printed %q", out)
	}
	if status := send(t, env, k.Key, "cli-4"); status != 401 {
		t.Errorf("a revoked key answers %d", status)
	}
	a.wantErr("DELETE /admin/v1/api-keys/"+k.ID, 404, `{"error":{"code":"not_found","message":"no API key `+k.ID+`"}}`, "key", "delete", k.ID)
	a.wantErr("PATCH /admin/v1/api-keys/"+k.ID, 404, `{"error":{"code":"not_found","message":"no such API key"}}`, "key", "enable", k.ID)
	a.wantErr("POST /admin/v1/bots/bot_nope/api-keys", 404, `{"error":{"code":"not_found","message":"no bot bot_nope"}}`, "key", "create", "bot_nope")

	// messages list and get.
	var msgs struct {
		Messages []struct {
			ID, Status string
			RequestID  string   `json:"request_id"`
			MessageIDs []string `json:"message_ids"`
		}
		NextBefore string `json:"next_before"`
	}
	got = a.decode(&msgs, "messages", "list", "--bot-id", env.BotID)
	if len(msgs.Messages) != 2 || msgs.Messages[0].RequestID != "cli-3" || msgs.Messages[1].RequestID != "cli-1" || msgs.NextBefore != "" {
		t.Fatalf("messages list: %s", got)
	}
	a.decode(&msgs, "messages", "list", "--request-id", "cli-1", "--status", "sent")
	if len(msgs.Messages) != 1 || msgs.Messages[0].RequestID != "cli-1" || msgs.Messages[0].Status != "sent" {
		t.Errorf("messages list --request-id cli-1 --status sent: %+v", msgs)
	}
	a.decode(&msgs, "messages", "list", "--status", "failed")
	if len(msgs.Messages) != 0 {
		t.Errorf("messages list --status failed: %+v", msgs)
	}
	a.wantErr("GET /admin/v1/messages?status=lost", 400,
		`{"error":{"code":"invalid","message":"status: must be one of accepted, sent, delivered, read, failed","field":"status"}}`,
		"messages", "list", "--status", "lost")
	a.decode(&msgs, "messages", "list", "--request-id", "cli-3")
	var detail struct {
		ID    string
		Parts []struct {
			MessageID string          `json:"message_id"`
			Body      json.RawMessage `json:"body"`
		}
		Attempts []struct{ Outcome string }
		History  []struct{ Kind string }
	}
	got = a.decode(&detail, "messages", "get", msgs.Messages[0].ID)
	sends := env.Fake.Sends()
	last := sends[len(sends)-1]
	if detail.ID != msgs.Messages[0].ID || len(detail.Parts) != 1 || detail.Parts[0].MessageID != last.MessageID ||
		harness.Compact(t, detail.Parts[0].Body) != string(last.Body) ||
		string(last.Body) != `{"recipient":{"id":"524807506000000"},"messaging_type":"RESPONSE","message":{"text":"hi"}}` || len(detail.Attempts) != 1 || detail.Attempts[0].Outcome != "sent" ||
		len(detail.History) != 2 || detail.History[0].Kind != "accepted" || detail.History[1].Kind != "sent" {
		t.Errorf("messages get: %s", got)
	}
	a.wantErr("GET /admin/v1/messages/msg_nope", 404, `{"error":{"code":"not_found","message":"no such message"}}`, "messages", "get", "msg_nope")

	// bot delete.
	if out := a.ok("bot", "delete", b.ID); out != "" {
		t.Errorf("bot delete printed %q", out)
	}
	a.wantErr("GET /admin/v1/bots/"+b.ID, 404, `{"error":{"code":"not_found","message":"no bot `+b.ID+`"}}`, "bot", "get", b.ID)
	a.wantErr("DELETE /admin/v1/bots/"+b.ID, 404, `{"error":{"code":"not_found","message":"no bot `+b.ID+`"}}`, "bot", "delete", b.ID)

	// A wrong token is a 401; no token at all never reaches the server.
	wrong := adminCLI{t: t, flags: []string{"--server", env.Server.URL(), "--admin-token", "wrong"}}
	wrong.wantErr("GET /admin/v1/bots", 401,
		`{"error":{"code":"unauthenticated","message":"a valid admin token is required (Authorization: Bearer …)"}}`, "bot", "list")
	for _, args := range [][]string{{"bot", "list"}, {"key", "list", env.BotID}, {"messages", "list"}} {
		out, err := runCLI(t, map[string]string{"BOTGATE_SERVER": env.Server.URL()}, args...)
		if !errors.Is(err, errNoToken) || out != "" {
			t.Errorf("botgate %s without a token: %q %v", strings.Join(args, " "), out, err)
		}
	}
	// The binary exits non-zero and says why on stderr.
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(binary, "bot", "get", "bot_nope", "--server", env.Server.URL(), "--admin-token", harness.AdminToken)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	wantStderr := `botgate: GET /admin/v1/bots/bot_nope: HTTP 404: {"error":{"code":"not_found","message":"no bot bot_nope"}}`
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || stdout.Len() != 0 || !strings.HasSuffix(stderr.String(), "}\n") ||
		describeErr(t, strings.TrimSuffix(stderr.String(), "\n")) != wantStderr {
		t.Errorf("botgate bot get bot_nope: %v, stdout %q, stderr %q, want exit status 1 and %s", err, stdout.String(), stderr.String(), wantStderr)
	}
	// A server that is not there.
	if _, err := runCLI(t, nil, "bot", "list", "--server", "http://127.0.0.1:1", "--admin-token", "x"); err == nil ||
		!strings.Contains(err.Error(), "connection refused") {
		t.Errorf("no server: %v", err)
	}
}

// An admin command prints the answer indented and one newline, like jq.
func TestAdminOutputEndsWithOneNewline(t *testing.T) {
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{})
	out, err := runCLI(t, nil, "key", "list", env.BotID, "--json", "--server", env.Server.URL(), "--admin-token", harness.AdminToken)
	if err != nil || !strings.HasSuffix(out, "\n  ]\n}\n") || strings.HasSuffix(out, "\n\n") {
		t.Errorf("key list printed %q, %v", out, err)
	}
}

// run reads the environment only through getenv, so tests are not steered
// by the variables of whoever runs them.
func TestRunReadsEnvironmentOnlyThroughGetenv(t *testing.T) {
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{})
	t.Setenv("BOTGATE_ADMIN_TOKEN", harness.AdminToken)
	out, err := runCLI(t, nil, "bot", "list", "--server", env.Server.URL())
	if !errors.Is(err, errNoToken) {
		t.Errorf("bot list with the token only in the process environment: %q %v", out, err)
	}
}

// serving runs `botgate serve` in-process until the test ends.
type serving struct {
	stdout, stderr *syncBuffer
	cancel         func()
	done           chan error
}

func serve(t *testing.T, args ...string) *serving {
	t.Helper()
	s := &serving{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() {
		s.done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...),
			func(string) string { return "" }, s.stdout, s.stderr)
	}()
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop ends serve and checks it returned cleanly; it is safe to call twice.
func (s *serving) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("serve returned %v; stderr:\n%s", err, s.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not return after its context ended")
	}
}

// wait polls until serve printed what match finds, and returns the match.
func (s *serving) wait(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	var m []string
	harness.WaitFor(t, "serve to print "+re.String(), 20*time.Second, func() bool {
		select {
		case err := <-s.done:
			t.Fatalf("serve ended: %v\nstdout:\n%s\nstderr:\n%s", err, s.stdout, s.stderr)
		default:
		}
		m = re.FindStringSubmatch(s.stdout.String())
		return m != nil
	})
	return m
}

func get(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func post(t *testing.T, url string, header http.Header, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// `botgate migrate` prepares a database that `serve` then finds ready;
// /readyz turns 503 when a migration is missing.
func TestMigrateThenServe(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "botgate.db")
	for range 2 { // migrating twice is harmless
		out, err := runCLI(t, nil, "migrate", "--database", db)
		if err != nil || out != "database "+db+" is migrated\n" {
			t.Fatalf("migrate: %q %v", out, err)
		}
	}
	// Not on a terminal, the log is JSON.
	s := serve(t, "--database", db, "--metrics-addr", "127.0.0.1:0")
	listening := regexp.MustCompile(`"msg":"botgate: listening","addr":"(http://127\.0\.0\.1:\d+)","metrics":"(http://127\.0\.0\.1:\d+/metrics)"`)
	var url, metricsURL string
	harness.WaitFor(t, "serve to listen", 20*time.Second, func() bool {
		m := listening.FindStringSubmatch(s.stderr.String())
		if m != nil {
			url, metricsURL = m[1], m[2]
		}
		return m != nil
	})
	if status, body := get(t, url+"/healthz", ""); status != 200 || body != "ok\n" {
		t.Errorf("healthz: %d %q", status, body)
	}
	// --metrics-addr serves the same metrics on their own listener, and nothing else.
	if status, body := get(t, metricsURL, ""); status != 200 || !strings.Contains(body, `botgate_http_requests_total{route="GET /healthz",status="200"} 1`) {
		t.Errorf("metrics listener: %d %.300s", status, body)
	}
	if status, _ := get(t, strings.TrimSuffix(metricsURL, "/metrics")+"/healthz", ""); status != 404 {
		t.Errorf("the metrics listener serves /healthz: %d", status)
	}
	if status, body := get(t, url+"/readyz", ""); status != 200 || body != "ready\n" {
		t.Errorf("readyz: %d %q", status, body)
	}
	// Without a token the admin API is off.
	if status, _ := get(t, url+"/admin/v1/bots", "x"); status != 404 {
		t.Errorf("admin API without a configured token: %d", status)
	}

	// Forget the last migration: the database is no longer fully migrated.
	raw, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`DELETE FROM goose_db_version WHERE version_id = (SELECT MAX(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	if status, body := get(t, url+"/readyz", ""); status != 503 || body != "database has pending migrations\n" {
		t.Errorf("readyz with a pending migration: %d %q", status, body)
	}
	if status, body := get(t, url+"/healthz", ""); status != 200 || body != "ok\n" {
		t.Errorf("healthz with a pending migration: %d %q", status, body)
	}
}

// --log-format text writes slog's text lines; each request's access line
// (at debug for health checks) names the caller's X-Request-Id, which the
// response carries back.
func TestServeLogsTextWithRequestIDs(t *testing.T) {
	s := serve(t, "--database", filepath.Join(t.TempDir(), "b.db"), "--log-format", "text", "--log-level", "debug")
	listening := regexp.MustCompile(`msg="botgate: listening" addr=(http://127\.0\.0\.1:\d+) metrics=""`)
	var url string
	harness.WaitFor(t, "serve to listen", 20*time.Second, func() bool {
		m := listening.FindStringSubmatch(s.stderr.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	})
	req, _ := http.NewRequest(http.MethodGet, url+"/healthz", nil)
	req.Header.Set("X-Request-Id", "trace-42")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); got != "trace-42" {
		t.Errorf("X-Request-Id = %q", got)
	}
	line := regexp.MustCompile(`level=DEBUG msg="http request" request_id=trace-42 method=GET route="GET /healthz" status=200 duration_ms=\S+ bytes=3 face=ops bot="" remote=127\.0\.0\.1:\d+\n`)
	harness.WaitFor(t, "the access line", 10*time.Second, func() bool { return line.MatchString(s.stderr.String()) })
}

// TestWhatsAppCommands attaches, shows and detaches a bot's WhatsApp number
// through the CLI, which never prints the number's secrets.
func TestWhatsAppCommands(t *testing.T) {
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{})
	a := adminCLI{t: t, flags: []string{"--server", env.Server.URL(), "--admin-token", harness.AdminToken}}
	const want = `{"bot_phone":"+15550003333","phone_number_id":"109333","waba_id":"102290129340398","has_access_token":true,"has_app_secret":true,"has_verify_token":true,` +
		`"limits":{"requests_per_second":30,"burst":40,"new_users_per_second":10,"sync_wait_ms":5000,"tiers":[250,2000,10000,100000,0],` +
		`"upgrade_multiple":2,"upgrade_window_days":7,"preset":"meta"},` +
		`"tier":{"tier":2,"limit":2000,"reached":0,"scheduled":0,"available":2000,"window_users":0,"upgrade_at":4000,"next_limit":10000,"upgrade_window_days":7}}`
	var v map[string]any
	got := a.decode(&v, "bot", "whatsapp", "set", env.BotID, "--phone", "+15550003333", "--phone-number-id", "109333",
		"--access-token", "wa-tok-cli", "--app-secret", "wa-sec-cli", "--verify-token", "wa-ver-cli",
		"--limits", `{"preset":"meta","requests_per_second":30,"burst":40}`, "--tier", "2", "--waba-id", "102290129340398")
	if got != want {
		t.Errorf("whatsapp set:\n got %s\nwant %s", got, want)
	}
	// Again without secrets, tier or waba_id: they are kept.
	if got := a.decode(&v, "bot", "whatsapp", "set", env.BotID, "--phone", "+15550003333", "--phone-number-id", "109333",
		"--limits", `{"preset":"meta","requests_per_second":30,"burst":40}`); got != want {
		t.Errorf("whatsapp set without secrets:\n got %s\nwant %s", got, want)
	}
	if got := a.decode(&v, "bot", "whatsapp", "show", env.BotID); got != want {
		t.Errorf("whatsapp show:\n got %s\nwant %s", got, want)
	}
	for _, secret := range []string{"wa-tok-cli", "wa-sec-cli", "wa-ver-cli"} {
		if strings.Contains(a.ok("bot", "get", env.BotID), secret) {
			t.Errorf("bot get printed the secret %s", secret)
		}
	}
	path := "/admin/v1/bots/" + env.BotID + "/whatsapp"
	a.wantErr("PUT "+path, 400, `{"error":{"code":"invalid","message":"limits.burst: must be at least requests_per_second + 2, room for a new user's requests above the steady rate","field":"limits.burst"}}`,
		"bot", "whatsapp", "set", env.BotID, "--phone", "+15550003333", "--phone-number-id", "109333", "--limits", `{"burst":21}`)
	if out := a.ok("bot", "whatsapp", "remove", env.BotID); out != "" {
		t.Errorf("whatsapp remove printed %q", out)
	}
	a.wantErr("GET "+path, 404, `{"error":{"code":"not_found","message":"bot `+env.BotID+` has no WhatsApp number"}}`, "bot", "whatsapp", "show", env.BotID)
}

// TestServeDefaultsAreTheServers: serve's flags, left alone, give exactly
// server.Defaults(), so no setting starts at a zero value by omission.
func TestServeDefaultsAreTheServers(t *testing.T) {
	var c cli
	parser, err := kong.New(&c, kong.Resolvers(envResolver(func(string) string { return "" })))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse([]string{"serve"}); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Serve.config(), server.Defaults(); !reflect.DeepEqual(got, want) {
		t.Errorf("serve's defaults\n%+v\nserver.Defaults()\n%+v", got, want)
	}
}

// TestServePGMaxConnsChecked: a PostgreSQL connection budget too small for
// every kind of work is refused at start, from the flag or the environment,
// before anything is opened (nothing listens at the database's address).
func TestServePGMaxConnsChecked(t *testing.T) {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--database", "postgres://postgres@127.0.0.1:1/none", "--secret-key", strings.Repeat("ab", 32)}
	want := "--pg-max-conns 5: at least 6 are needed (a group-commit writer, a transaction alone, a spare for migrations, three readers)"
	if _, err := runCLI(t, nil, append(args, "--pg-max-conns", "5")...); err == nil || err.Error() != want {
		t.Errorf("--pg-max-conns 5: %v, want %q", err, want)
	}
	if _, err := runCLI(t, map[string]string{"BOTGATE_PG_MAX_CONNS": "5"}, args...); err == nil || err.Error() != want {
		t.Errorf("BOTGATE_PG_MAX_CONNS=5: %v, want %q", err, want)
	}
	want = strings.Replace(want, "5:", "-1:", 1)
	if _, err := runCLI(t, nil, append(args, "--pg-max-conns=-1")...); err == nil || err.Error() != want {
		t.Errorf("--pg-max-conns=-1: %v, want %q", err, want)
	}
}

// TestServePGWritersChecked: more writers than the connection budget holds
// beside the rest are refused at start, naming the budget they need.
func TestServePGWritersChecked(t *testing.T) {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--database", "postgres://postgres@127.0.0.1:1/none", "--secret-key", strings.Repeat("ab", 32)}
	want := "--pg-writers 20: 20 writers need a PostgreSQL connection budget of at least 28 (the writers, 4 transactions alone, a spare, 3 readers), not 25; raise --pg-max-conns"
	if _, err := runCLI(t, nil, append(args, "--pg-writers", "20")...); err == nil || err.Error() != want {
		t.Errorf("--pg-writers 20: %v, want %q", err, want)
	}
	if _, err := runCLI(t, map[string]string{"BOTGATE_PG_WRITERS": "-1"}, args...); err == nil || err.Error() != "--pg-writers -1: must be 0 (the default) or more" {
		t.Errorf("BOTGATE_PG_WRITERS=-1: %v", err)
	}
}

// TestBenchPostgresOnlyNeedsPostgres: --postgres-only without a PostgreSQL
// URL would measure nothing; the bench says so before starting any process.
func TestBenchPostgresOnlyNeedsPostgres(t *testing.T) {
	out, err := runCLI(t, nil, "bench", "--postgres-only")
	if err == nil || err.Error() != "--postgres-only needs --postgres" || out != "" {
		t.Errorf("bench --postgres-only: printed %q, error %v", out, err)
	}
}
