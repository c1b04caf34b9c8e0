package admin_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

const unauthenticated = "a valid admin token is required (Authorization: Bearer …)"

// routes is one request per admin route, on resources that exist when id is
// a live bot's id.
func routes(botID string) [][2]string {
	return [][2]string{
		{"POST", "/admin/v1/bots"},
		{"GET", "/admin/v1/bots"},
		{"GET", "/admin/v1/bots/" + botID},
		{"PATCH", "/admin/v1/bots/" + botID},
		{"DELETE", "/admin/v1/bots/" + botID},
		{"POST", "/admin/v1/bots/" + botID + "/api-keys"},
		{"GET", "/admin/v1/bots/" + botID + "/api-keys"},
		{"PATCH", "/admin/v1/api-keys/key_x"},
		{"DELETE", "/admin/v1/api-keys/key_x"},
		{"GET", "/admin/v1/messages"},
		{"GET", "/admin/v1/messages/msg_x"},
		{"GET", "/admin/v1/bots/" + botID + "/deliveries"},
		{"GET", "/admin/v1/deliveries/msg_x"},
	}
}

// Without an admin token the admin API does not exist: every route is 404,
// whatever the request carries, while the rest of botgate serves.
func TestAdminAPIIsOffWithoutToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		cfg := server.Defaults()
		cfg.Addr, cfg.Database, cfg.AdminToken = "127.0.0.1:0", db.DSN, ""
		cfg.SecretKey = hex.EncodeToString(storetest.Key)
		cfg.Out = io.Discard
		srv, err := server.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- srv.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("botgate stopped with: %v", err)
			}
		}()
		do := func(method, path, auth, body string) (int, string) {
			req, err := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(data)
		}
		for _, r := range routes("bot_x") {
			for _, auth := range []string{"", "Bearer ", "Bearer " + harness.AdminToken} {
				if status, body := do(r[0], r[1], auth, `{"name":"x"}`); status != 404 || body != "404 page not found\n" {
					t.Errorf("%s %s with %q: %d %q, want the mux's 404", r[0], r[1], auth, status, body)
				}
			}
		}
		if status, body := do("GET", "/healthz", "", ""); status != 200 || body != "ok\n" {
			t.Errorf("healthz: %d %q", status, body)
		}
		if status, body := do("POST", "/api", "", `{}`); status != 401 || body != bothubError(10001, "AuthException", "an API key is required")+"\n" {
			t.Errorf("the Bothub face should still serve: %d %s", status, body)
		}
	})
}

// Every route refuses a missing or wrong token with 401 and the same body,
// and does nothing.
func TestAdminRequiresToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		auths := []string{"", "Bearer", "Bearer ", "Bearer wrong", "Bearer " + harness.AdminToken + "x",
			"Bearer " + harness.AdminToken[:len(harness.AdminToken)-1], "Basic " + harness.AdminToken, harness.AdminToken,
			"Bearer  " + harness.AdminToken}
		for _, r := range routes(env.BotID) {
			for _, auth := range auths {
				status, body := c.doAs(auth, r[0], r[1], `{"name":"x"}`)
				if want := errorJSON("unauthenticated", unauthenticated, "") + "\n"; status != 401 || body != want {
					t.Errorf("%s %s with %q: %d %s, want 401 %s", r[0], r[1], auth, status, body, want)
				}
			}
		}
		// Nothing was created, changed or deleted.
		var list struct {
			Bots []struct{ ID, Name string }
		}
		c.decode("GET", "/admin/v1/bots", "", 200, &list)
		if len(list.Bots) != 1 || list.Bots[0].ID != env.BotID || list.Bots[0].Name != "Test shop" {
			t.Errorf("bots after refused calls: %+v", list.Bots)
		}
		if status, body := sendWith(env, env.APIKey, "still-works", harness.User, "hi"); status != 200 {
			t.Errorf("the bot's key after refused calls: %d %s", status, body)
		}
		// The answer is JSON.
		req, _ := http.NewRequest("GET", env.Server.URL()+"/admin/v1/bots", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
	})
}

// botView is what the tests read back from bot answers to rebuild them exactly.
type botView struct {
	ID             string `json:"id"`
	CallbackSecret string `json:"callback_secret"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
}

var (
	botID     = regexp.MustCompile(`^bot_[0-9A-HJKMNP-TV-Z]{26}$`)
	secretB64 = regexp.MustCompile(`^whsec_[A-Za-z0-9+/]{43}=$`)
)

func checkSecret(t *testing.T, s string) {
	t.Helper()
	if !secretB64.MatchString(s) {
		t.Fatalf("callback secret %q is not a whsec_ secret", s)
	}
	if key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_")); err != nil || len(key) != 32 {
		t.Fatalf("callback secret %q: %d bytes, %v", s, len(key), err)
	}
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return tm
}

// bot renders a bot answer: messenger is its JSON or "" for none; secret is
// the callback secret or "" where it is not shown.
func bot(v botView, name, messenger, callbackURL, webhookURL, secret, settings string) string {
	s := fmt.Sprintf(`{"id":%q,"name":%s`, v.ID, mustJSON(name))
	if messenger != "" {
		s += `,"messenger":` + messenger
	}
	s += fmt.Sprintf(`,"callback_url":%q,"webhook_url":%q`, callbackURL, webhookURL)
	if secret != "" {
		s += fmt.Sprintf(`,"callback_secret":%q`, secret)
	}
	return s + fmt.Sprintf(`,"settings":%s,"forwarding":true,"created_at":%q,"updated_at":%q}`, settings, v.CreatedAt, v.UpdatedAt)
}

func messenger(page string, token, appSecret, verify bool) string {
	return fmt.Sprintf(`{"page_id":%q,"has_access_token":%t,"has_app_secret":%t,"has_verify_token":%t}`, page, token, appSecret, verify)
}

const defaultSettings = `{"legacy_tags":"map","window_policy":"enforce","unfilled_placeholder":"reject"}`

// harnessSettings are the harness bot's: the window policy off (see harness.Start).
const harnessSettings = `{"legacy_tags":"map","window_policy":"off","unfilled_placeholder":"reject"}`

// Create, get, list and patch bots: exact answers, the callback secret shown
// only on create and rotate, other secrets never, and PATCH changing only
// the fields it names.
func TestBots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		c.forbid("corner's access token", "tok-CORNER-access")
		c.forbid("corner's app secret", "sec-CORNER-app")
		c.forbid("corner's verify token", "ver-CORNER-verify")
		c.forbid("corner's new access token", "tok-CORNER-rotated")

		// Every field.
		var corner botView
		got := c.decode("POST", "/admin/v1/bots", `{"name":"Corner shop","messenger":{"page_id":"200000000000001","access_token":"tok-CORNER-access",
			"app_secret":"sec-CORNER-app","verify_token":"ver-CORNER-verify"},"callback_url":"https://shop.example/callback",
			"webhook_url":"http://shop.example/webhook","settings":{"legacy_tags":"reject","window_policy":"warn","unfilled_placeholder":"keep"}}`, 201, &corner)
		if !botID.MatchString(corner.ID) || corner.CreatedAt != corner.UpdatedAt {
			t.Errorf("new bot: id %q, created %s, updated %s", corner.ID, corner.CreatedAt, corner.UpdatedAt)
		}
		checkSecret(t, corner.CallbackSecret)
		c.forbid("corner's callback secret", corner.CallbackSecret)
		cornerSettings := `{"legacy_tags":"reject","window_policy":"warn","unfilled_placeholder":"keep"}`
		cornerMessenger := messenger("200000000000001", true, true, true)
		if want := bot(corner, "Corner shop", cornerMessenger, "https://shop.example/callback", "http://shop.example/webhook",
			corner.CallbackSecret, cornerSettings); got != want {
			t.Errorf("create:\n got %s\nwant %s", got, want)
		}
		// Only a name: no messenger, no URLs, default settings.
		var bare botView
		got = c.decode("POST", "/admin/v1/bots", `{"name":"Bare"}`, 201, &bare)
		checkSecret(t, bare.CallbackSecret)
		c.forbid("bare's callback secret", bare.CallbackSecret)
		if bare.CallbackSecret == corner.CallbackSecret {
			t.Error("two bots got the same callback secret")
		}
		if want := bot(bare, "Bare", "", "", "", bare.CallbackSecret, defaultSettings); got != want {
			t.Errorf("create bare:\n got %s\nwant %s", got, want)
		}
		// A page with a token only; one setting.
		var tokenOnly botView
		got = c.decode("POST", "/admin/v1/bots", `{"name":"Token only","messenger":{"page_id":"200000000000002","access_token":"tok-CORNER-access"},
			"settings":{"window_policy":"off"}}`, 201, &tokenOnly)
		c.forbid("token only's callback secret", tokenOnly.CallbackSecret)
		if want := bot(tokenOnly, "Token only", messenger("200000000000002", true, false, false), "", "", tokenOnly.CallbackSecret,
			`{"legacy_tags":"map","window_policy":"off","unfilled_placeholder":"reject"}`); got != want {
			t.Errorf("create token only:\n got %s\nwant %s", got, want)
		}

		// GET shows the same without the callback secret.
		got = c.want("GET", "/admin/v1/bots/"+corner.ID, "", 200)
		if want := stored(bot(corner, "Corner shop", cornerMessenger, "https://shop.example/callback", "http://shop.example/webhook", "", cornerSettings)); got != want {
			t.Errorf("get:\n got %s\nwant %s", got, want)
		}
		// The list holds every live bot, oldest first.
		var list struct{ Bots []botView }
		got = c.decode("GET", "/admin/v1/bots", "", 200, &list)
		if len(list.Bots) != 4 {
			t.Fatalf("list: %s", got)
		}
		byID := map[string]botView{}
		for i, b := range list.Bots {
			byID[b.ID] = b
			if i > 0 {
				prev := list.Bots[i-1]
				if parseTime(t, b.CreatedAt).Before(parseTime(t, prev.CreatedAt)) || (b.CreatedAt == prev.CreatedAt && b.ID < prev.ID) {
					t.Errorf("list not oldest first: %s", got)
				}
			}
		}
		envView := byID[env.BotID]
		wantBots := map[string]string{
			env.BotID: bot(envView, "Test shop", messenger(harness.Page, true, true, true), env.Inbox.URL, "", "", harnessSettings),
			corner.ID: bot(corner, "Corner shop", cornerMessenger, "https://shop.example/callback", "http://shop.example/webhook", "", cornerSettings),
			bare.ID:   bot(bare, "Bare", "", "", "", "", defaultSettings),
			tokenOnly.ID: bot(tokenOnly, "Token only", messenger("200000000000002", true, false, false), "", "", "",
				`{"legacy_tags":"map","window_policy":"off","unfilled_placeholder":"reject"}`),
		}
		var items []string
		for _, b := range list.Bots {
			items = append(items, wantBots[b.ID])
		}
		if want := stored(`{"bots":[` + strings.Join(items, ",") + `]}`); got != want {
			t.Errorf("list:\n got %s\nwant %s", got, want)
		}

		// PATCH changes only what it names.
		patch := func(v *botView, body string) string {
			t.Helper()
			before := v.UpdatedAt
			v.CallbackSecret = ""
			out := c.decode("PATCH", "/admin/v1/bots/"+v.ID, body, 200, v)
			if parseTime(t, v.UpdatedAt).Before(parseTime(t, before)) {
				t.Errorf("PATCH %s: updated_at went back from %s to %s", body, before, v.UpdatedAt)
			}
			if v.CallbackSecret != "" && !strings.Contains(body, "rotate_callback_secret") {
				t.Errorf("PATCH %s showed the callback secret", body)
			}
			if got := c.want("GET", "/admin/v1/bots/"+v.ID, "", 200); got != stored(out) {
				t.Errorf("GET after PATCH %s:\n got %s\nwant %s", body, got, out)
			}
			return out
		}
		steps := []struct {
			body string
			want func(v botView) string
		}{
			{`{"name":"Corner shop 2"}`, func(v botView) string {
				return bot(v, "Corner shop 2", cornerMessenger, "https://shop.example/callback", "http://shop.example/webhook", "", cornerSettings)
			}},
			{`{"settings":{"window_policy":"enforce"}}`, func(v botView) string {
				return bot(v, "Corner shop 2", cornerMessenger, "https://shop.example/callback", "http://shop.example/webhook", "",
					`{"legacy_tags":"reject","window_policy":"enforce","unfilled_placeholder":"keep"}`)
			}},
			{`{"messenger":{"access_token":"tok-CORNER-rotated"},"webhook_url":"https://other.example/hook"}`, func(v botView) string {
				return bot(v, "Corner shop 2", cornerMessenger, "https://shop.example/callback", "https://other.example/hook", "",
					`{"legacy_tags":"reject","window_policy":"enforce","unfilled_placeholder":"keep"}`)
			}},
			{`{"callback_url":"","settings":{}}`, func(v botView) string {
				return bot(v, "Corner shop 2", cornerMessenger, "", "https://other.example/hook", "",
					`{"legacy_tags":"reject","window_policy":"enforce","unfilled_placeholder":"keep"}`)
			}},
			{`{"messenger":{"page_id":"200000000000009"},"rotate_callback_secret":false}`, func(v botView) string {
				return bot(v, "Corner shop 2", messenger("200000000000009", true, true, true), "", "https://other.example/hook", "",
					`{"legacy_tags":"reject","window_policy":"enforce","unfilled_placeholder":"keep"}`)
			}},
			{`{}`, func(v botView) string {
				return bot(v, "Corner shop 2", messenger("200000000000009", true, true, true), "", "https://other.example/hook", "",
					`{"legacy_tags":"reject","window_policy":"enforce","unfilled_placeholder":"keep"}`)
			}},
			{`{"messenger":{"app_secret":"","verify_token":""}}`, func(v botView) string {
				return bot(v, "Corner shop 2", messenger("200000000000009", true, false, false), "", "https://other.example/hook", "",
					`{"legacy_tags":"reject","window_policy":"enforce","unfilled_placeholder":"keep"}`)
			}},
		}
		for _, s := range steps {
			if got := patch(&corner, s.body); got != s.want(corner) {
				t.Errorf("PATCH %s:\n got %s\nwant %s", s.body, got, s.want(corner))
			}
		}
		if corner.CreatedAt != list.Bots[indexOf(list.Bots, corner.ID)].CreatedAt {
			t.Errorf("PATCH changed created_at")
		}
		// A refused PATCH changes nothing, not even the fields before the bad one.
		before := c.want("GET", "/admin/v1/bots/"+corner.ID, "", 200)
		c.wantError("PATCH", "/admin/v1/bots/"+corner.ID, `{"name":"Nope","settings":{"legacy_tags":"map"},"callback_url":"ftp://shop.example/"}`,
			400, "invalid", "callback_url: must be an absolute http or https URL", "callback_url")
		c.wantError("PATCH", "/admin/v1/bots/"+corner.ID, `{"name":"Nope","rotate_callback_secret":true,"settings":{"window_policy":"never"}}`,
			400, "invalid", `settings.window_policy: must be enforce, warn or off, not "never"`, "settings.window_policy")
		if after := c.want("GET", "/admin/v1/bots/"+corner.ID, "", 200); after != before {
			t.Errorf("a refused PATCH changed the bot:\n%s\n%s", before, after)
		}

		// Renaming the harness bot keeps its page credentials: it still sends.
		var envBot botView
		c.decode("PATCH", "/admin/v1/bots/"+env.BotID, `{"name":"Renamed shop","webhook_url":"http://127.0.0.1:1/events"}`, 200, &envBot)
		if status, body := sendWith(env, env.APIKey, "after-rename", harness.User, "hi"); status != 200 {
			t.Errorf("send after renaming: %d %s", status, body)
		}
		// A wrong page token is used as soon as it is set, and the right one again after.
		c.want("PATCH", "/admin/v1/bots/"+env.BotID, `{"messenger":{"access_token":"not-the-page-token"}}`, 200)
		if status, body := sendWith(env, env.APIKey, "wrong-token", harness.User, "hi"); status == 200 {
			t.Errorf("send with a wrong page token: %d %s", status, body)
		}
		c.want("PATCH", "/admin/v1/bots/"+env.BotID, `{"messenger":{"access_token":"`+harness.PageToken+`"}}`, 200)
		if status, body := sendWith(env, env.APIKey, "right-token", harness.User, "hi"); status != 200 {
			t.Errorf("send with the page token restored: %d %s", status, body)
		}

		// Rotating the callback secret shows the new one once; callbacks are
		// signed with it from then on.
		var rotated botView
		got = c.decode("PATCH", "/admin/v1/bots/"+env.BotID, `{"rotate_callback_secret":true}`, 200, &rotated)
		checkSecret(t, rotated.CallbackSecret)
		if rotated.CallbackSecret == env.Secret {
			t.Fatal("rotation kept the old secret")
		}
		if want := bot(rotated, "Renamed shop", messenger(harness.Page, true, true, true), env.Inbox.URL, "http://127.0.0.1:1/events",
			rotated.CallbackSecret, harnessSettings); got != want {
			t.Errorf("rotate:\n got %s\nwant %s", got, want)
		}
		c.forbid("the rotated callback secret", rotated.CallbackSecret)
		if got := c.want("GET", "/admin/v1/bots/"+env.BotID, "", 200); strings.Contains(got, "callback_secret") {
			t.Errorf("GET after rotation shows a secret: %s", got)
		}
		status, body := env.Bothub(`{"request":{"method":"send_message","id":"signed","sync":false},"recipient":{"id":"` + harness.User +
			`"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`)
		if status != 200 {
			t.Fatalf("async send: %d %s", status, body)
		}
		r := env.Inbox.Wait(t, 1, 10*time.Second)[0]
		if err := notify.Verify(rotated.CallbackSecret, r.Header, r.Body, time.Now(), time.Minute); err != nil {
			t.Errorf("callback after rotation does not verify with the new secret: %v", err)
		}
		if err := notify.Verify(env.Secret, r.Header, r.Body, time.Now(), time.Minute); err == nil {
			t.Error("callback after rotation still verifies with the old secret")
		}
	})
}

func indexOf(bots []botView, id string) int {
	for i, b := range bots {
		if b.ID == id {
			return i
		}
	}
	return -1
}

// Every malformed bot body is refused with 400 naming the field, and a page
// already served by a live bot is a 409.
func TestBotValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		var other botView
		c.decode("POST", "/admin/v1/bots", `{"name":"Other","messenger":{"page_id":"300000000000001","access_token":"t"}}`, 201, &other)
		c.forbid("other's callback secret", other.CallbackSecret)
		var bare botView
		c.decode("POST", "/admin/v1/bots", `{"name":"Bare"}`, 201, &bare)
		c.forbid("bare's callback secret", bare.CallbackSecret)

		cases := []struct {
			name, body     string
			message, field string
		}{
			{"unknown field", `{"name":"x","colour":"red"}`, "colour: is not a known field", "colour"},
			{"unknown messenger field", `{"name":"x","messenger":{"page_id":"1","access_token":"t","page":"1"}}`, "messenger.page: is not a known field", "messenger.page"},
			{"unknown setting", `{"name":"x","settings":{"window":"off"}}`, "settings.window: is not a known field", "settings.window"},
			{"legacy_tags", `{"name":"x","settings":{"legacy_tags":"drop"}}`, `settings.legacy_tags: must be map or reject, not "drop"`, "settings.legacy_tags"},
			{"window_policy", `{"name":"x","settings":{"window_policy":"sometimes"}}`, `settings.window_policy: must be enforce, warn or off, not "sometimes"`, "settings.window_policy"},
			{"unfilled_placeholder", `{"name":"x","settings":{"unfilled_placeholder":"fill"}}`, `settings.unfilled_placeholder: must be reject, empty or keep, not "fill"`, "settings.unfilled_placeholder"},
			{"setting of the wrong type", `{"name":"x","settings":{"window_policy":1}}`, "settings.window_policy: must be a string", "settings.window_policy"},
			{"callback_url scheme", `{"name":"x","callback_url":"ftp://shop.example/cb"}`, "callback_url: must be an absolute http or https URL", "callback_url"},
			{"callback_url relative", `{"name":"x","callback_url":"/cb"}`, "callback_url: must be an absolute http or https URL", "callback_url"},
			{"callback_url without host", `{"name":"x","callback_url":"https://"}`, "callback_url: must be an absolute http or https URL", "callback_url"},
			{"webhook_url without scheme", `{"name":"x","webhook_url":"shop.example/hook"}`, "webhook_url: must be an absolute http or https URL", "webhook_url"},
			{"webhook_url unparsable", `{"name":"x","webhook_url":"http://[::1"}`, "webhook_url: must be an absolute http or https URL", "webhook_url"},
			{"name of the wrong type", `{"name":5}`, "name: must be a string", "name"},
			{"messenger of the wrong type", `{"name":"x","messenger":"page"}`, "messenger: must be an object", "messenger"},
			{"repeated key", `{"name":"x","name":"y"}`, "name: appears more than once", "name"},
			{"rotate of the wrong type", `{"name":"x","rotate_callback_secret":"yes"}`, "rotate_callback_secret: must be true or false", "rotate_callback_secret"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := *c
				c.t = t
				c.wantError("POST", "/admin/v1/bots", tc.body, 400, "invalid", tc.message, tc.field)
				c.wantError("PATCH", "/admin/v1/bots/"+other.ID, tc.body, 400, "invalid", tc.message, tc.field)
			})
		}
		// Only on create, or only on a bot without a page.
		c.wantError("POST", "/admin/v1/bots", `{"callback_url":"https://shop.example/"}`, 400, "invalid", "name: is required", "name")
		c.wantError("POST", "/admin/v1/bots", `{"name":""}`, 400, "invalid", "name: is required", "name")
		c.wantError("PATCH", "/admin/v1/bots/"+other.ID, `{"name":""}`, 400, "invalid", "name: may not be empty", "name")
		c.wantError("POST", "/admin/v1/bots", `{"name":"x","messenger":{"access_token":"t"}}`, 400, "invalid", "messenger.page_id: is required", "messenger.page_id")
		c.wantError("POST", "/admin/v1/bots", `{"name":"x","messenger":{"page_id":"1"}}`, 400, "invalid", "messenger.access_token: is required", "messenger.access_token")
		c.wantError("PATCH", "/admin/v1/bots/"+bare.ID, `{"messenger":{"page_id":"1"}}`, 400, "invalid", "messenger.access_token: is required", "messenger.access_token")
		c.wantError("PATCH", "/admin/v1/bots/"+other.ID, `{"messenger":{"page_id":""}}`, 400, "invalid", "messenger.page_id: is required", "messenger.page_id")
		// Bodies that are not one JSON object.
		for _, ep := range [][2]string{{"POST", "/admin/v1/bots"}, {"PATCH", "/admin/v1/bots/" + other.ID}} {
			c.wantError(ep[0], ep[1], ``, 400, "invalid", "the request body is empty; a JSON object is expected", "")
			c.wantError(ep[0], ep[1], `[{"name":"x"}]`, 400, "invalid", "the request body must be a JSON object", "")
			c.wantError(ep[0], ep[1], `{"name":"x"} {}`, 400, "invalid", "malformed JSON: unexpected data after the object", "")
			c.wantError(ep[0], ep[1], `{"name":"x"`, 400, "invalid", "malformed JSON: the body ends early", "")
			c.wantError(ep[0], ep[1], `{"name":"x",}`, 400, "invalid", "malformed JSON at byte 13: invalid character '}' looking for beginning of object key string", "")
			c.wantError(ep[0], ep[1], `{"name":"`+strings.Repeat("x", 1<<20)+`"}`, 413, "too_large", "request body is larger than 1048576 bytes (1 MiB)", "")
		}

		// A page belongs to one live bot.
		c.wantError("POST", "/admin/v1/bots", `{"name":"x","messenger":{"page_id":"`+harness.Page+`","access_token":"t"}}`,
			409, "conflict", "page "+harness.Page+" already belongs to bot "+env.BotID, "")
		c.wantError("PATCH", "/admin/v1/bots/"+other.ID, `{"messenger":{"page_id":"`+harness.Page+`"}}`,
			409, "conflict", "page "+harness.Page+" already belongs to bot "+env.BotID, "")
		c.wantError("PATCH", "/admin/v1/bots/"+bare.ID, `{"messenger":{"page_id":"300000000000001","access_token":"t"}}`,
			409, "conflict", "page 300000000000001 already belongs to bot "+other.ID, "")
		// A bot may keep its own page.
		c.want("PATCH", "/admin/v1/bots/"+other.ID, `{"messenger":{"page_id":"300000000000001"}}`, 200)
		// A deleted bot's page is free again.
		c.want("DELETE", "/admin/v1/bots/"+other.ID, "", 204)
		var again botView
		c.decode("PATCH", "/admin/v1/bots/"+bare.ID, `{"messenger":{"page_id":"300000000000001","access_token":"t"}}`, 200, &again)
		if again.CallbackSecret != "" {
			t.Errorf("PATCH showed the callback secret")
		}
		var fresh botView
		c.decode("POST", "/admin/v1/bots", `{"name":"Fresh","messenger":{"page_id":"300000000000002","access_token":"t"}}`, 201, &fresh)
		c.forbid("fresh's callback secret", fresh.CallbackSecret)
		c.want("DELETE", "/admin/v1/bots/"+fresh.ID, "", 204)
		c.decode("POST", "/admin/v1/bots", `{"name":"Fresh again","messenger":{"page_id":"300000000000002","access_token":"t"}}`, 201, &fresh)
	})
}

// Deleting a bot: it disappears from the admin API, its keys answer Bothub
// 10006, its messages stay readable and its page is free.
func TestDeleteBot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		if status, body := sendWith(env, env.APIKey, "before-delete", harness.User, "hi"); status != 200 {
			t.Fatalf("send: %d %s", status, body)
		}
		var list struct{ Messages []struct{ ID string } }
		c.decode("GET", "/admin/v1/messages?bot_id="+env.BotID, "", 200, &list)
		if len(list.Messages) != 1 {
			t.Fatalf("messages before delete: %+v", list)
		}
		detail := c.want("GET", "/admin/v1/messages/"+list.Messages[0].ID, "", 200)

		if got := c.want("DELETE", "/admin/v1/bots/"+env.BotID, "", 204); got != "" {
			t.Errorf("DELETE answered a body: %s", got)
		}
		noBot := "no bot " + env.BotID
		c.wantError("GET", "/admin/v1/bots/"+env.BotID, "", 404, "not_found", noBot, "")
		c.wantError("DELETE", "/admin/v1/bots/"+env.BotID, "", 404, "not_found", noBot, "")
		c.wantError("PATCH", "/admin/v1/bots/"+env.BotID, `{"name":"back"}`, 404, "not_found", "no such bot", "")
		c.wantError("POST", "/admin/v1/bots/"+env.BotID+"/api-keys", "", 404, "not_found", noBot, "")
		c.wantError("GET", "/admin/v1/bots/"+env.BotID+"/api-keys", "", 404, "not_found", noBot, "")
		c.wantError("GET", "/admin/v1/bots/"+env.BotID+"/deliveries", "", 404, "not_found", noBot, "")
		if got := c.want("GET", "/admin/v1/bots", "", 200); got != `{"bots":[]}` {
			t.Errorf("list after delete: %s", got)
		}
		status, body := sendWith(env, env.APIKey, "after-delete", harness.User, "hi")
		if want := bothubError(10006, "InvalidRequest", "the bot of this API key was deleted"); status != 404 || body != want {
			t.Errorf("deleted bot's key: %d %s, want 404 %s", status, body, want)
		}
		// The message log keeps the bot's messages.
		var after struct{ Messages []struct{ ID string } }
		c.decode("GET", "/admin/v1/messages?bot_id="+env.BotID, "", 200, &after)
		if len(after.Messages) != 1 || after.Messages[0].ID != list.Messages[0].ID {
			t.Errorf("messages after delete: %+v", after)
		}
		if got := c.want("GET", "/admin/v1/messages/"+list.Messages[0].ID, "", 200); got != detail {
			t.Errorf("message after delete:\n got %s\nwant %s", got, detail)
		}
		// Unknown ids.
		c.wantError("GET", "/admin/v1/bots/bot_nope", "", 404, "not_found", "no bot bot_nope", "")
		c.wantError("PATCH", "/admin/v1/bots/bot_nope", `{"name":"x"}`, 404, "not_found", "no such bot", "")
		c.wantError("DELETE", "/admin/v1/bots/bot_nope", "", 404, "not_found", "no bot bot_nope", "")
		// The page is free for a new bot, which sends with a new key.
		var nb botView
		c.decode("POST", "/admin/v1/bots", `{"name":"New shop","messenger":{"page_id":"`+harness.Page+`","access_token":"`+harness.PageToken+`"},"settings":{"window_policy":"off"}}`, 201, &nb)
		c.forbid("the new bot's callback secret", nb.CallbackSecret)
		var key struct{ Key string }
		c.decode("POST", "/admin/v1/bots/"+nb.ID+"/api-keys", "", 201, &key)
		c.forbidKey(key.Key)
		if status, body := sendWith(env, key.Key, "new-bot", harness.User, "hi"); status != 200 {
			t.Errorf("new bot on the freed page: %d %s", status, body)
		}
		if status, body := sendWith(env, env.APIKey, "old-key", harness.User, "hi"); status != 404 {
			t.Errorf("the deleted bot's key works for the page's new bot: %d %s", status, body)
		}
	})
}

var keyPattern = regexp.MustCompile(`^bgk_([0-9A-HJKMNP-TV-Z]{26})\.[a-z2-7]{32}$`)

// API keys: shown once, listed without the key, disabled (Bothub 10002),
// enabled again, revoked.
func TestAPIKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		base := "/admin/v1/bots/" + env.BotID + "/api-keys"
		type keyView struct {
			ID        string `json:"id"`
			Key       string `json:"key"`
			CreatedAt string `json:"created_at"`
			UpdatedAt string `json:"updated_at"`
		}
		// keyJSON renders a key's answer; list answers show its times as stored.
		keyJSON := func(k keyView, enabled bool) string {
			return fmt.Sprintf(`{"id":%q,"bot_id":%q,"enabled":%t,"scopes":["send","read","manage"],"created_at":%q,"updated_at":%q}`, k.ID, env.BotID, enabled, k.CreatedAt, k.UpdatedAt)
		}
		listed := func(k keyView, enabled bool) string { return stored(keyJSON(k, enabled)) }
		var first struct {
			APIKeys []keyView `json:"api_keys"`
		}
		c.decode("GET", base, "", 200, &first)
		if len(first.APIKeys) != 1 {
			t.Fatalf("harness keys: %+v", first)
		}
		harnessKey := first.APIKeys[0]

		var k keyView
		got := c.decode("POST", base, "", 201, &k)
		m := keyPattern.FindStringSubmatch(k.Key)
		if m == nil || "key_"+m[1] != k.ID || k.CreatedAt != k.UpdatedAt {
			t.Fatalf("new key: %s", got)
		}
		if want := strings.TrimSuffix(keyJSON(k, true), "}") + fmt.Sprintf(`,"key":%q}`, k.Key); got != want {
			t.Errorf("create:\n got %s\nwant %s", got, want)
		}
		c.forbidKey(k.Key)
		// The database keeps the key's hash, which is what forbidKey looks for.
		if h := storedHash(t, db, k.ID); h != seal.Hash(k.Key) {
			t.Fatalf("stored hash %q, want seal.Hash(key)", h)
		}
		var k2 keyView
		c.decode("POST", base, `{}`, 201, &k2)
		c.forbidKey(k2.Key)
		if k2.Key == k.Key {
			t.Fatal("two keys alike")
		}
		list := func() string { return c.want("GET", base, "", 200) }
		if got, want := list(), `{"api_keys":[`+listed(harnessKey, true)+","+listed(k, true)+","+listed(k2, true)+`]}`; got != want {
			t.Errorf("list:\n got %s\nwant %s", got, want)
		}
		if status, body := sendWith(env, k.Key, "k-1", harness.User, "hi"); status != 200 {
			t.Errorf("new key: %d %s", status, body)
		}

		refused := bothubError(10002, "AuthException", "invalid or disabled API key")
		var disabled keyView
		got = c.decode("PATCH", "/admin/v1/api-keys/"+k.ID, `{"enabled":false}`, 200, &disabled)
		if disabled.CreatedAt != storedTime(k.CreatedAt) || parseTime(t, disabled.UpdatedAt).Before(parseTime(t, k.UpdatedAt)) {
			t.Errorf("disable: %s", got)
		}
		if want := keyJSON(disabled, false); got != want {
			t.Errorf("disable:\n got %s\nwant %s", got, want)
		}
		if status, body := sendWith(env, k.Key, "k-2", harness.User, "hi"); status != 401 || body != refused {
			t.Errorf("disabled key: %d %s, want 401 %s", status, body, refused)
		}
		for _, other := range []string{env.APIKey, k2.Key} {
			if status, body := sendWith(env, other, "other-"+other[len(other)-4:], harness.User, "hi"); status != 200 {
				t.Errorf("another key after disabling one: %d %s", status, body)
			}
		}
		if got, want := list(), `{"api_keys":[`+listed(harnessKey, true)+","+listed(disabled, false)+","+listed(k2, true)+`]}`; got != want {
			t.Errorf("list with a disabled key:\n got %s\nwant %s", got, want)
		}
		// Disabling twice is fine.
		c.want("PATCH", "/admin/v1/api-keys/"+k.ID, `{"enabled":false}`, 200)
		var enabled keyView
		got = c.decode("PATCH", "/admin/v1/api-keys/"+k.ID, `{"enabled":true}`, 200, &enabled)
		if want := keyJSON(enabled, true); got != want {
			t.Errorf("enable:\n got %s\nwant %s", got, want)
		}
		if status, body := sendWith(env, k.Key, "k-3", harness.User, "hi"); status != 200 {
			t.Errorf("enabled again: %d %s", status, body)
		}

		for _, tc := range []struct{ body, message, field string }{
			{`{}`, "enabled: is required", "enabled"},
			{`{"enabled":null}`, "enabled: is required", "enabled"},
			{`{"enabled":"no"}`, "enabled: must be true or false", "enabled"},
			{`{"enabled":false,"key":"x"}`, "key: is not a known field", "key"},
			{``, "the request body is empty; a JSON object is expected", ""},
			{`false`, "the request body must be a JSON object", ""},
		} {
			c.wantError("PATCH", "/admin/v1/api-keys/"+k.ID, tc.body, 400, "invalid", tc.message, tc.field)
		}
		if status, body := sendWith(env, k.Key, "k-4", harness.User, "hi"); status != 200 {
			t.Errorf("refused PATCHes changed the key: %d %s", status, body)
		}

		if got := c.want("DELETE", "/admin/v1/api-keys/"+k.ID, "", 204); got != "" {
			t.Errorf("DELETE answered %s", got)
		}
		if status, body := sendWith(env, k.Key, "k-5", harness.User, "hi"); status != 401 || body != refused {
			t.Errorf("revoked key: %d %s, want 401 %s", status, body, refused)
		}
		if got, want := list(), `{"api_keys":[`+listed(harnessKey, true)+","+listed(k2, true)+`]}`; got != want {
			t.Errorf("list after revoking:\n got %s\nwant %s", got, want)
		}
		c.wantError("DELETE", "/admin/v1/api-keys/"+k.ID, "", 404, "not_found", "no API key "+k.ID, "")
		c.wantError("PATCH", "/admin/v1/api-keys/"+k.ID, `{"enabled":true}`, 404, "not_found", "no such API key", "")
		if status, _ := sendWith(env, k.Key, "k-6", harness.User, "hi"); status != 401 {
			t.Errorf("a PATCH of a revoked key revived it: %d", status)
		}
		c.wantError("POST", "/admin/v1/bots/bot_nope/api-keys", "", 404, "not_found", "no bot bot_nope", "")
		c.wantError("GET", "/admin/v1/bots/bot_nope/api-keys", "", 404, "not_found", "no bot bot_nope", "")

		// A bot without keys lists none.
		var bare botView
		c.decode("POST", "/admin/v1/bots", `{"name":"Bare"}`, 201, &bare)
		c.forbid("bare's callback secret", bare.CallbackSecret)
		if got := c.want("GET", "/admin/v1/bots/"+bare.ID+"/api-keys", "", 200); got != `{"api_keys":[]}` {
			t.Errorf("keys of a bot without any: %s", got)
		}
	})
}

// The answers to POST and PATCH show a resource as GET shows it afterwards.
func TestWriteAnswersShowStoredTimes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		var b botView
		created := c.decode("POST", "/admin/v1/bots", `{"name":"Shop"}`, 201, &b)
		c.forbid("the callback secret", b.CallbackSecret)
		created = strings.Replace(created, fmt.Sprintf(`,"callback_secret":%q`, b.CallbackSecret), "", 1)
		if got := c.want("GET", "/admin/v1/bots/"+b.ID, "", 200); got != created {
			t.Errorf("POST answered %s\nGET answers %s", created, got)
		}
		patched := c.want("PATCH", "/admin/v1/bots/"+b.ID, `{"name":"Shop 2"}`, 200)
		if got := c.want("GET", "/admin/v1/bots/"+b.ID, "", 200); got != patched {
			t.Errorf("PATCH answered %s\nGET answers %s", patched, got)
		}
		var k struct{ ID, Key string }
		key := c.decode("POST", "/admin/v1/bots/"+b.ID+"/api-keys", "", 201, &k)
		c.forbidKey(k.Key)
		key = strings.Replace(key, fmt.Sprintf(`,"key":%q`, k.Key), "", 1)
		if got := c.want("GET", "/admin/v1/bots/"+b.ID+"/api-keys", "", 200); got != `{"api_keys":[`+key+`]}` {
			t.Errorf("POST answered %s\nGET lists %s", key, got)
		}
	})
}

// Bots created or moved at the same moment onto one page: one wins, the
// others get 409, none an internal error.
func TestConcurrentPageClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		post := func(method, path, body string) (int, string) {
			req, err := http.NewRequest(method, env.Server.URL()+path, strings.NewReader(body))
			if err != nil {
				return 0, err.Error()
			}
			req.Header.Set("Authorization", "Bearer "+harness.AdminToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return 0, err.Error()
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(data)
		}
		race := func(requests [][3]string) map[int][]string {
			type result struct {
				status int
				body   string
			}
			results := make(chan result, len(requests))
			for _, r := range requests {
				go func() {
					status, body := post(r[0], r[1], r[2])
					results <- result{status, body}
				}()
			}
			byStatus := map[int][]string{}
			for range requests {
				r := <-results
				byStatus[r.status] = append(byStatus[r.status], r.body)
			}
			return byStatus
		}
		conflict := regexp.MustCompile(`^\{"error":\{"code":"conflict","message":"page 400000000000001 already belongs to (another bot|bot bot_\w+)"\}\}\n$`)
		check := func(what string, byStatus map[int][]string, okStatus int, n int) {
			t.Helper()
			if len(byStatus[okStatus]) != 1 || len(byStatus[409]) != n-1 {
				t.Fatalf("%s: %v", what, byStatus)
			}
			for _, body := range byStatus[409] {
				if !conflict.MatchString(body) {
					t.Errorf("%s: conflict answered %s", what, body)
				}
			}
		}
		const n = 8
		var creates [][3]string
		for i := range n {
			creates = append(creates, [3]string{"POST", "/admin/v1/bots", fmt.Sprintf(`{"name":"racer %d","messenger":{"page_id":"400000000000001","access_token":"t"}}`, i)})
		}
		check("concurrent creates", race(creates), 201, n)

		// Bots without a page, moved onto one at once.
		var moves [][3]string
		for i := range n {
			var b botView
			c.decode("POST", "/admin/v1/bots", fmt.Sprintf(`{"name":"mover %d"}`, i), 201, &b)
			c.forbid("a mover's callback secret", b.CallbackSecret)
			moves = append(moves, [3]string{"PATCH", "/admin/v1/bots/" + b.ID, `{"messenger":{"page_id":"400000000000001","access_token":"t"}}`})
		}
		c.want("DELETE", "/admin/v1/bots/"+page400(t, c), "", 204)
		check("concurrent moves", race(moves), 200, n)
		page400(t, c)
	})
}

// page400 returns the one live bot on page 400000000000001.
func page400(t *testing.T, c *client) string {
	t.Helper()
	var list struct {
		Bots []struct {
			ID        string
			Messenger *struct {
				PageID string `json:"page_id"`
			}
		}
	}
	c.decode("GET", "/admin/v1/bots", "", 200, &list)
	var ids []string
	for _, b := range list.Bots {
		if b.Messenger != nil && b.Messenger.PageID == "400000000000001" {
			ids = append(ids, b.ID)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("bots on page 400000000000001: %v", ids)
	}
	return ids[0]
}

// storedHash reads an API key's row as the database keeps it.
func storedHash(t *testing.T, db storetest.DB, keyID string) string {
	t.Helper()
	driver, dsn := "pgx", db.DSN
	if db.Kind == "sqlite" {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(db.DSN, "sqlite://")
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var hash string
	if err := raw.QueryRow(`SELECT hash FROM api_keys WHERE id = $1`, keyID).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	return hash
}
