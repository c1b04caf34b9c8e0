package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The CLI's errors say how to fix them.
func TestCLIErrorsSayHowToFixThem(t *testing.T) {
	_, err := runCLI(t, nil, "messages", "list")
	if err == nil || !strings.Contains(err.Error(), "--admin-token") || !strings.Contains(err.Error(), "BOTGATE_ADMIN_TOKEN") {
		t.Errorf("no token: %v", err)
	}
	addr := "http://" + freeAddr(t)
	_, err = runCLI(t, map[string]string{"BOTGATE_SERVER": addr, "BOTGATE_ADMIN_TOKEN": "x"}, "bot", "list")
	want := "cannot reach botgate at " + addr + " (connection refused): is it running? Name another with --server or BOTGATE_SERVER"
	if err == nil || err.Error() != want {
		t.Errorf("no server:\n got %v\nwant %s", err, want)
	}
	_, err = runCLI(t, map[string]string{"BOTGATE_SERVER": addr}, "send", "--to", "1", "--text", "hi")
	if err == nil || !strings.Contains(err.Error(), "--api-key") || !strings.Contains(err.Error(), "BOTGATE_API_KEY") {
		t.Errorf("send without a key: %v", err)
	}
}

// `botgate version` and --version under `go test` (unstamped): dev, and
// whatever the toolchain recorded.
func TestVersionUnstamped(t *testing.T) {
	re := regexp.MustCompile(`^botgate \S+ \(commit \S+, built \S+, ` + regexp.QuoteMeta(runtime.Version()) + `\)\n$`)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if out, err := runCLI(t, nil, args...); err != nil || !re.MatchString(out) {
			t.Errorf("botgate %s: %q %v", args[0], out, err)
		}
	}
}

// Listings print tables for people and JSON with --json or -o json; key
// create -q prints the key alone; send, check, messages get by request id,
// deliveries and apps work end to end.
func TestCLIForPeople(t *testing.T) {
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	clk := storetest.NewClock(t0)
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{Config: func(c *server.Config) { c.Now = clk.Now }})
	environ := map[string]string{"BOTGATE_SERVER": env.Server.URL(), "BOTGATE_ADMIN_TOKEN": harness.AdminToken}
	ok := func(args ...string) string {
		t.Helper()
		out, err := runCLI(t, environ, args...)
		if err != nil {
			t.Fatalf("botgate %s: %v", strings.Join(args, " "), err)
		}
		return out
	}

	key := ok("key", "create", env.BotID, "-q")
	if !regexp.MustCompile(`^bgk_\S+\n$`).MatchString(key) {
		t.Fatalf("key create -q printed %q", key)
	}
	environ["BOTGATE_API_KEY"] = strings.TrimSpace(key)
	clk.Set(t0.Add(time.Minute))
	out := ok("send", "--to", harness.User, "--text", "Hello {{first_name}}", "--request-id", "cli-send-1")
	sends := env.Fake.Sends()
	if len(sends) != 1 || out != fmt.Sprintf(`{"request_id":"cli-send-1","recipient_id":%q,"message_id":%q}`+"\n", harness.User, sends[0].MessageID) {
		t.Fatalf("send printed %q (Graph got %d sends)", out, len(sends))
	}
	clk.Set(t0.Add(2 * time.Minute))
	ok("send", "--to", harness.OtherUser, "--text", "Hi", "--request-id", "cli-send-2")
	id := func(requestID string) string {
		var m struct{ Messages []struct{ ID string } }
		adminCLI{t: t}.decodeWith(environ, &m, "messages", "list", "--request-id", requestID)
		return m.Messages[0].ID
	}
	id1, id2 := id("cli-send-1"), id("cli-send-2")

	table := ok("messages", "list", "--recipient", harness.User)
	want := "ID                              REQUEST     STATUS  RECIPIENT        FACE    CREATED               NEXT ATTEMPT\n" +
		id1 + "  cli-send-1  sent    " + harness.User + "  bothub  2030-01-02T03:05:05Z  -\n"
	if table != want {
		t.Errorf("messages list --recipient:\n%s\nwant\n%s", table, want)
	}
	for args, want := range map[string][]string{
		"--since 2030-01-02T03:05:30Z":                              {id2},
		"--until 2030-01-02T03:05:30Z":                              {id1},
		"--status sent --limit 1":                                   {id2},
		"--request-id cli-send-1":                                   {id1},
		"--since 2030-01-02T03:05:05Z --until 2030-01-02T03:05:06Z": {id1},
	} {
		var m struct{ Messages []struct{ ID string } }
		adminCLI{t: t}.decodeWith(environ, &m, append([]string{"messages", "list"}, strings.Fields(args)...)...)
		var got []string
		for _, x := range m.Messages {
			got = append(got, x.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("messages list %s: %v, want %v", args, got, want)
		}
	}
	if out := ok("messages", "list", "--status", "sent", "--limit", "1"); !strings.HasSuffix(out, "more: add --before "+id2+"\n") {
		t.Errorf("a full page does not say how to get the next:\n%s", out)
	}
	byRequest, byID := ok("messages", "get", "cli-send-1"), ok("messages", "get", id1)
	if byRequest != byID || !strings.Contains(byID, `"request_id": "cli-send-1"`) {
		t.Errorf("messages get by request id:\n%s\nby id:\n%s", byRequest, byID)
	}
	if _, err := runCLI(t, environ, "messages", "get", "no-such-request"); err == nil || err.Error() != `no message has the id or request id "no-such-request"` {
		t.Errorf("messages get of an unknown request id: %v", err)
	}

	// Tables and JSON for the other listings.
	if out := ok("bot", "list"); out != "ID                              NAME       PAGE             CALLBACK URL"+strings.Repeat(" ", len(env.Inbox.URL)-10)+"WEBHOOK URL\n"+
		env.BotID+"  Test shop  "+harness.Page+"  "+env.Inbox.URL+"  -\n" {
		t.Errorf("bot list:\n%q", out)
	}
	if out := ok("bot", "list", "-o", "json"); !strings.HasPrefix(out, "{\n  \"bots\": [\n") {
		t.Errorf("bot list -o json:\n%s", out)
	}
	if out := ok("key", "list", env.BotID); !strings.HasPrefix(out, "ID  ") || strings.Count(out, "\n") != 3 || strings.Count(out, " true ") != 2 {
		t.Errorf("key list:\n%s", out)
	}

	// Deliveries: an async send's callback, listed and replayed.
	if status, body := env.Bothub(`{"request":{"method":"send_message","id":"cli-async","sync":false},"recipient":{"id":"` + harness.User + `"},
		"messaging_type":"RESPONSE","message":{"text":"later"}}`); status != 200 {
		t.Fatalf("async send: %d %s", status, body)
	}
	env.Inbox.Wait(t, 1, 10*time.Second)
	var ds struct{ Deliveries []struct{ ID, State string } }
	adminCLI{t: t}.decodeWith(environ, &ds, "deliveries", "list", env.BotID)
	if len(ds.Deliveries) != 1 {
		t.Fatalf("deliveries: %+v", ds)
	}
	if out := ok("deliveries", "list", env.BotID); !strings.HasPrefix(out, "ID  ") || strings.Count(out, " callback ") != 1 || strings.Count(out, " delivered ") != 1 {
		t.Errorf("deliveries list:\n%s", out)
	}
	if out := ok("deliveries", "replay", ds.Deliveries[0].ID); !strings.Contains(out, `"id": "`+ds.Deliveries[0].ID+`"`) {
		t.Errorf("deliveries replay printed %s", out)
	}
	env.Inbox.Wait(t, 2, 10*time.Second)

	// Sobot apps.
	created := ok("apps", "create", "--bot", env.BotID)
	app := regexp.MustCompile(`"appid": "([^"]+)"`).FindStringSubmatch(created)
	if app == nil || !strings.Contains(created, `"app_key": "`) {
		t.Fatalf("apps create printed %s", created)
	}
	if out := ok("apps", "list"); out != "APPID"+strings.Repeat(" ", len(app[1])-3)+"BOTS"+strings.Repeat(" ", len(env.BotID)-2)+"CREATED\n"+
		app[1]+"  "+env.BotID+"  2030-01-02T03:06:05Z\n" {
		t.Errorf("apps list:\n%q", out)
	}
	ok("apps", "delete", app[1])

	// check: a dry run, nothing sent.
	before := len(env.Fake.Sends())
	out = ok("check", "--bot", env.BotID, "--to", harness.User, "--text", "Hi {{first_name}}")
	if !strings.Contains(out, `"allowed": true`) || !strings.Contains(out, `Hi Ada`) || len(env.Fake.Sends()) != before {
		t.Errorf("check printed %s", out)
	}
	out = ok("check", "--bot", env.BotID, "--to", harness.User, "--text", "Hi {{nope}}")
	if !strings.Contains(out, `"allowed": false`) || !strings.Contains(out, "nope") {
		t.Errorf("check of an unfilled placeholder printed %s", out)
	}
}

// decodeWith runs a command with --json in environ and decodes its output.
func (a adminCLI) decodeWith(environ map[string]string, v any, args ...string) {
	a.t.Helper()
	out, err := runCLI(a.t, environ, append(args, "--json")...)
	if err != nil {
		a.t.Fatalf("botgate %s: %v", strings.Join(args, " "), err)
	}
	if err := jsonUnmarshal(out, v); err != nil {
		a.t.Fatalf("botgate %s printed %q: %v", strings.Join(args, " "), out, err)
	}
}

var errNotJSON = errors.New("not JSON")

func jsonUnmarshal(s string, v any) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("%w: %v", errNotJSON, err)
	}
	return nil
}
