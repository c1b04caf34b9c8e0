package bothub_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// putBlock saves a block through the admin API from a testdata file.
// putTextBlock saves a one-card block, for block buttons to open.
func putTextBlock(t *testing.T, env *harness.Env, name string) {
	t.Helper()
	if status, body := adminStatus(env, http.MethodPut, "/admin/v1/bots/"+env.BotID+"/blocks/"+url.PathEscape(name),
		map[string]any{"cards": []any{map[string]any{"text": "Details of " + name}}}); status != 201 && status != 200 {
		t.Fatalf("put block %s: %d %s", name, status, body)
	}
}

func putBlock(t *testing.T, env *harness.Env, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Name  string          `json:"name"`
		Cards json.RawMessage `json:"cards"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/blocks/"+b.Name, map[string]any{"cards": b.Cards}, http.StatusCreated, nil)
}

// adminStatus calls the admin API and returns status and body without failing.
func adminStatus(env *harness.Env, method, path string, body any) (int, string) {
	data, _ := json.Marshal(body)
	if body == nil {
		data = nil
	}
	status, resp := env.Do(method, path, http.Header{"Authorization": {"Bearer " + harness.AdminToken}}, data)
	return status, string(resp)
}

func blockRequest(id, recipient, block, params string, sync bool) string {
	return fmt.Sprintf(`{"request":{"method":"send_block","id":%q,"sync":%v},"recipient":%s,"messaging_type":"RESPONSE","message":{"block_name":%q,"params":%s}}`,
		id, sync, recipient, block, params)
}

// Seed 001's sample, end to end: every card sent in order, placeholders
// filled from the send's parameters, the stored ones and the profile.
func TestSendBlockSeedSample(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		env.Fake.AddUser(harness.Page, "7819201", fakegraph.Profile{FirstName: "Mei", LastName: "Chen", Locale: "zh_CN", Gender: "female"})
		if status, body := adminStatus(env, http.MethodPut, "/admin/v1/bots/"+env.BotID+"/blocks/points_info", map[string]any{"cards": []any{}}); status != 400 {
			t.Fatalf("empty block saved: %d %s", status, body)
		}
		putTextBlock(t, env, "view_details")
		putBlock(t, env, "testdata/seed001/points_info.json")
		// A stored parameter, and one the send overrides.
		if status, body := env.Bothub(`{"request":{"method":"set_params","id":"p1"},"recipient":{"id":"7819201"},"params":[{"key":"tier","value":"gold"},{"key":"points","value":"1"}]}`); status != 200 {
			t.Fatalf("set_params: %d %s", status, body)
		}
		req, _ := os.ReadFile("testdata/seed001/request.json")
		status, body := env.Bothub(string(req))
		if status != 200 {
			t.Fatalf("send_block: %d %s", status, body)
		}
		sends := env.Fake.Sends()
		if len(sends) != 2 {
			t.Fatalf("%d sends, want one per card", len(sends))
		}
		want := fmt.Sprintf(`{"request_id":"F4js0Za1","recipient_id":"7819201","message_id":%q,"message_ids":[%q,%q]}`,
			sends[1].MessageID, sends[0].MessageID, sends[1].MessageID)
		if got := harness.Compact(t, body); got != want {
			t.Errorf("answer %s\nwant %s", got, want)
		}
		golden(t, "seed001/card0.graph.json", sends[0].Body)
		golden(t, "seed001/card1.graph.json", sends[1].Body)
		// Per-send parameters are not stored.
		var params struct{ Params map[string]string }
		env.Admin(http.MethodGet, "/admin/v1/bots/"+env.BotID+"/contacts/7819201/params", nil, 200, &params)
		if fmt.Sprint(params.Params) != "map[points:1 tier:gold]" {
			t.Errorf("stored params %v", params.Params)
		}
	})
}

func TestSendBlockRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		putTextBlock(t, env, "view_details")
		putBlock(t, env, "testdata/seed001/points_info.json")
		env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/blocks/welcome", map[string]any{"cards": []any{map[string]any{"text": "Welcome!"}}}, 200, nil)
		user := fmt.Sprintf(`{"id":%q}`, harness.User)
		full := `[{"key":"points","value":"5"},{"key":"prize","value":"Pen"},{"key":"tier","value":"silver"}]`
		cases := []struct {
			name, body string
			status     int
			want       string
		}{
			{"unknown block", blockRequest("b1", user, "nope", full, true), 404,
				errBody(20005, 0, "InvalidRequest", "b1", `no block "nope"`)},
			{"system block", blockRequest("b2", user, "welcome", full, true), 400,
				errBody(10100, 0, "InvalidRequest", "b2", `message.block_name: "welcome" is a system block; system blocks cannot be sent through the API`)},
			{"block name missing", `{"request":{"method":"send_block","id":"b3"},"recipient":` + user + `,"messaging_type":"RESPONSE","message":{"params":[]}}`, 400,
				errBody(20004, 0, "InvalidRequest", "b3", "message.block_name: is required")},
			{"param name with a space", blockRequest("b4", user, "points_info", `[{"key":"my points","value":"5"}]`, true), 400,
				errBody(10100, 0, "InvalidRequest", "b4", `message.params: parameter name "my points" must consist of letters, digits and underscores`)},
			{"reserved param", blockRequest("b5", user, "points_info", `[{"key":"first_name","value":"X"}]`, true), 400,
				errBody(10100, 0, "InvalidRequest", "b5", `message.params: parameter name "first_name" is reserved for the user's profile`)},
			{"param given twice", blockRequest("b6", user, "points_info", `[{"key":"points","value":"1"},{"key":"points","value":"2"}]`, true), 400,
				errBody(10100, 0, "InvalidRequest", "b6", `message.params[1].key: "points" is given twice`)},
			{"unfilled placeholder", blockRequest("b7", user, "points_info", `[{"key":"points","value":"5"}]`, true), 400,
				errBody(10100, 0, "InvalidRequest", "b7", `block "points_info" card[1].attachment.payload.elements[0].title: placeholder {{prize}} has no value: pass it in params or set it on the contact`)},
			{"names are case-sensitive", blockRequest("b8", user, "Points_Info", full, true), 404,
				errBody(20005, 0, "InvalidRequest", "b8", `no block "Points_Info"`)},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, body := env.Bothub(c.body)
				if got := harness.Compact(t, body); status != c.status || got != c.want {
					t.Errorf("got %d %s\nwant %d %s", status, got, c.status, c.want)
				}
			})
		}
		if n := env.Fake.SendCount(); n != 0 {
			t.Fatalf("refused requests reached Graph %d times", n)
		}

		// A failure mid-block stops the rest and says which card failed: the
		// second card's attachment id is one Graph never issued.
		env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/blocks/three", map[string]any{"cards": []any{
			map[string]any{"text": "one"},
			map[string]any{"attachment": map[string]any{"type": "image", "payload": map[string]any{"attachment_id": "999999"}}},
			map[string]any{"text": "three"},
		}}, 201, nil)
		status, body := env.Bothub(blockRequest("mid", user, "three", "[]", true))
		sends := env.Fake.Sends()
		if len(sends) != 2 || sends[0].Err != nil || sends[1].Err == nil {
			t.Fatalf("sends %+v; want the first card accepted, the second refused, the third never tried", sends)
		}
		got := fbtrace.ReplaceAllString(harness.Compact(t, body), `"fbtrace_id":"X"`)
		var e struct {
			Error struct {
				Message    string   `json:"message"`
				Code       int      `json:"code"`
				MessageIDs []string `json:"message_ids"`
			} `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		if status != 422 || e.Error.Code != 10000 || !strings.HasPrefix(e.Error.Message, "card 2 of 3 failed (1 sent): Facebook refused the message: (#100)") ||
			len(e.Error.MessageIDs) != 1 || e.Error.MessageIDs[0] != sends[0].MessageID {
			t.Fatalf("mid-block failure: %d %s", status, got)
		}
	})
}

// Async blocks report once, for all cards.
func TestSendBlockAsyncCallsBackOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		putTextBlock(t, env, "view_details")
		putBlock(t, env, "testdata/seed001/points_info.json")
		full := `[{"key":"points","value":"5"},{"key":"prize","value":"Pen"},{"key":"tier","value":"silver"}]`
		if status, body := env.Bothub(blockRequest("a1", user, "points_info", full, false)); status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		got := env.Inbox.Wait(t, 1, 10*time.Second)
		sends := env.Fake.Sends()
		want := fmt.Sprintf(`{"request_id":"a1","recipient_id":%q,"message_id":%q,"message_ids":[%q,%q]}`,
			harness.User, sends[1].MessageID, sends[0].MessageID, sends[1].MessageID)
		if string(got[0].Body) != want || !got[0].Verified {
			t.Fatalf("callback %s (verified %v)\nwant %s", got[0].Body, got[0].Verified, want)
		}
		time.Sleep(100 * time.Millisecond)
		if n := len(env.Inbox.Received()); n != 1 {
			t.Fatalf("%d callbacks for one block", n)
		}
	})
}

func TestUnfilledPlaceholderModes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/blocks/coupon",
			map[string]any{"cards": []any{map[string]any{"text": "Code: {{code}}!"}}}, 201, nil)
		for i, mode := range []struct{ setting, want string }{{"empty", "Code: !"}, {"keep", "Code: {{code}}!"}} {
			env.Admin(http.MethodPatch, "/admin/v1/bots/"+env.BotID, map[string]any{"settings": map[string]any{"unfilled_placeholder": mode.setting}}, 200, nil)
			status, body := env.Bothub(blockRequest(fmt.Sprint("m", i), user, "coupon", "[]", true))
			if status != 200 {
				t.Fatalf("%s: %d %s", mode.setting, status, body)
			}
			sends := env.Fake.Sends()
			want := fmt.Sprintf(`{"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"text":%q}}`, harness.User, mode.want)
			if got := string(sends[len(sends)-1].Body); got != want {
				t.Errorf("%s: sent %s\nwant %s", mode.setting, got, want)
			}
		}
	})
}

// Linked accounts resolve to the user in every send method.
func TestLinkAccountResolvesRecipients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		status, body := env.Bothub(`{"request":{"method":"link_account","id":"l1"},"recipient":{"id":"` + harness.User + `","username":"mike","email":"mike@example.com","user_phone_number":"+86 189 0000 1111"}}`)
		want := `{"linked":{"email":"mike@example.com","user_phone_number":"+8618900001111","username":"mike"},"recipient_id":"` + harness.User + `","request_id":"l1"}`
		if status != 200 || harness.Compact(t, body) != want {
			t.Fatalf("link_account: %d %s", status, body)
		}
		for i, r := range []string{`{"username":"mike"}`, `{"email":"mike@example.com"}`, `{"user_phone_number":"+8618900001111"}`} {
			status, body := env.Bothub(envelope(fmt.Sprint("s", i), r, text))
			if status != 200 || !strings.Contains(string(body), `"recipient_id":"`+harness.User+`"`) {
				t.Fatalf("send to %s: %d %s", r, status, body)
			}
		}
		// Values must match exactly as linked.
		status, body = env.Bothub(envelope("s9", `{"username":"Mike"}`, text))
		if status != 404 || !strings.Contains(string(body), `"code":10010`) {
			t.Fatalf("case-changed username: %d %s", status, body)
		}
		var links struct {
			Links []struct{ Kind, Value, PSID string }
		}
		env.Admin(http.MethodGet, "/admin/v1/bots/"+env.BotID+"/links?psid="+harness.User, nil, 200, &links)
		if len(links.Links) != 3 {
			t.Fatalf("links %+v", links.Links)
		}
		env.Admin(http.MethodDelete, "/admin/v1/bots/"+env.BotID+"/links/email/mike@example.com", nil, 204, nil)
		status, body = env.Bothub(`{"request":{"method":"unlink_account","id":"u1"},"recipient":{"id":"` + harness.User + `","username":"x"}}`)
		if status != 200 || !strings.Contains(string(body), `"removed":1`) {
			t.Fatalf("unlink_account: %d %s", status, body)
		}
		env.Admin(http.MethodGet, "/admin/v1/bots/"+env.BotID+"/links", nil, 200, &links)
		if len(links.Links) != 1 || links.Links[0].Kind != core.LinkUserPhoneNumber {
			t.Fatalf("links after unlinking %+v", links.Links)
		}
	})
}
