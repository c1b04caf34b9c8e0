package admin_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// blockJSON is the admin API's answer for one version of a block; at is the
// version's created_at as written ("" for a system block never saved).
func blockJSON(botID, name string, version int, cards string, system, deleted bool, at string) string {
	s := fmt.Sprintf(`{"bot_id":%q,"name":%s,"version":%d,"cards":%s,"system":%t`, botID, mustJSON(name), version, cards, system)
	if deleted {
		s += `,"deleted":true`
	}
	if at == "" {
		at = "0001-01-01T00:00:00Z"
	}
	return s + fmt.Sprintf(`,"created_at":%q}`, at)
}

// unsavedSystem is a system block never saved: version 0, no cards.
func unsavedSystem(botID, name string) string {
	return blockJSON(botID, name, 0, `[]`, true, false, "")
}

// blocksPath is a bot's blocks path, with the block's name escaped when given.
func blocksPath(botID string, name ...string) string {
	p := "/admin/v1/bots/" + botID + "/blocks"
	if len(name) > 0 {
		p += "/" + url.PathEscape(name[0])
	}
	return p
}

// cardsBody is a PUT body holding cards (a JSON array).
func cardsBody(cards string) string { return `{"cards":` + cards + `}` }

// hubError is the Bothub face's error envelope.
func hubError(code int, requestID, message string) string {
	return fmt.Sprintf(`{"error":{"message":%s,"type":"InvalidRequest","code":%d,"error_subcode":0,"request_id":%q}}`, mustJSON(message), code, requestID)
}

// hubBlock is a sync Bothub send_block to the harness user.
func hubBlock(requestID, block, params string) string {
	return fmt.Sprintf(`{"request":{"method":"send_block","id":%q,"sync":true},"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"block_name":%s,"params":%s}}`,
		requestID, harness.User, mustJSON(block), params)
}

// Every block, parameter and link route refuses a missing or wrong admin
// token with the same 401 body, and changes nothing.
func TestBlockRoutesRequireToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		b := "/admin/v1/bots/" + env.BotID
		c.want("PUT", b+"/blocks/promo", cardsBody(`[{"text":"v1"}]`), 201)
		c.want("PUT", b+"/contacts/"+harness.User+"/params", `{"params":{"points":"1"}}`, 200)
		routes := [][3]string{
			{"GET", b + "/blocks", ""},
			{"PUT", b + "/blocks/promo", cardsBody(`[{"text":"changed"}]`)},
			{"GET", b + "/blocks/promo", ""},
			{"GET", b + "/blocks/promo?version=1", ""},
			{"DELETE", b + "/blocks/promo", ""},
			{"GET", b + "/blocks/promo/versions", ""},
			{"POST", b + "/blocks/promo/restore", `{"version":1}`},
			{"POST", b + "/blocks/promo/render", `{"psid":"` + harness.User + `"}`},
			{"GET", b + "/contacts/" + harness.User + "/params", ""},
			{"PUT", b + "/contacts/" + harness.User + "/params", `{"params":{}}`},
			{"GET", b + "/links?psid=" + harness.User, ""},
			{"DELETE", b + "/links/username/mike", ""},
		}
		want := errorJSON("unauthenticated", unauthenticated, "") + "\n"
		for _, r := range routes {
			for _, auth := range []string{"", "Bearer wrong", harness.AdminToken} {
				if status, body := c.doAs(auth, r[0], r[1], r[2]); status != 401 || body != want {
					t.Errorf("%s %s with %q: %d %s, want 401 %s", r[0], r[1], auth, status, body, want)
				}
			}
		}
		var versions struct{ Versions []struct{ Version int } }
		c.decode("GET", b+"/blocks/promo/versions", "", 200, &versions)
		if len(versions.Versions) != 1 {
			t.Errorf("versions after refused calls: %+v", versions.Versions)
		}
		if got := c.want("GET", b+"/contacts/"+harness.User+"/params", "", 200); got != `{"params":{"points":"1"},"psid":"`+harness.User+`"}` {
			t.Errorf("params after refused calls: %s", got)
		}
	})
}

// Save v1 and v2, delete (v3), read the old versions, restore v2 as v4: every
// answer exact, with times from the test's clock.
func TestBlockVersionsDeleteRestore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		clk := storetest.NewClock(t0)
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) { c.Now = clk.Now }})
		c := newClient(t, env)
		id := env.BotID
		const (
			name   = "spring promo"
			cards1 = `[{"text":"Spring sale: {{points}} points"}]`
			cards2 = `[{"text":"春季促销 {{first_name}}"},{"attachment":{"type":"image","payload":{"url":"https://shop.example/spring.png"}}}]`
		)
		at := func(s int) (time.Time, string) { tm := t0.Add(time.Duration(s) * time.Second); return tm, stamp(tm) }
		t1, s1 := at(1)
		t2, s2 := at(2)
		t3, s3 := at(3)
		t4, s4 := at(4)
		v1 := blockJSON(id, name, 1, cards1, false, false, s1)
		v2 := blockJSON(id, name, 2, cards2, false, false, s2)
		v3 := blockJSON(id, name, 3, `[]`, false, true, s3)
		v4 := blockJSON(id, name, 4, cards2, false, false, s4)
		system := unsavedSystem(id, "default_answer") + "," + unsavedSystem(id, "greeting") + "," + unsavedSystem(id, "menu") + "," + unsavedSystem(id, "welcome")

		clk.Set(t1)
		if got := c.want("PUT", blocksPath(id, name), cardsBody(cards1), 201); got != v1 {
			t.Errorf("create:\n got %s\nwant %s", got, v1)
		}
		clk.Set(t2)
		if got := c.want("PUT", blocksPath(id, name), cardsBody(cards2), 200); got != v2 {
			t.Errorf("replace:\n got %s\nwant %s", got, v2)
		}
		for path, want := range map[string]string{
			blocksPath(id, name):                v2,
			blocksPath(id, name) + "?version=1": v1,
			blocksPath(id, name) + "?version=2": v2,
			blocksPath(id, name) + "/versions":  `{"versions":[` + v2 + "," + v1 + `]}`,
			blocksPath(id): `{"blocks":[` + unsavedSystem(id, "default_answer") + "," + unsavedSystem(id, "greeting") + "," +
				unsavedSystem(id, "menu") + "," + v2 + "," + unsavedSystem(id, "welcome") + `]}`,
		} {
			if got := c.want("GET", path, "", 200); got != want {
				t.Errorf("GET %s:\n got %s\nwant %s", path, got, want)
			}
		}
		for _, q := range []string{"0", "-1", "x", "1.0"} {
			c.wantError("GET", blocksPath(id, name)+"?version="+q, "", 400, "invalid", "version: must be a version number (1 or more)", "version")
		}
		c.wantError("GET", blocksPath(id, name)+"?version=3", "", 404, "unknown_block", `block "spring promo" has no version 3`, "")
		// Names are exact: case, escapes and spaces count.
		for _, other := range []string{"Spring promo", "spring%20promo", "spring promo ", "spring_promo"} {
			c.wantError("GET", blocksPath(id, other), "", 404, "unknown_block", fmt.Sprintf("no block %q", other), "")
			c.wantError("GET", blocksPath(id, other)+"/versions", "", 404, "unknown_block", fmt.Sprintf("no block %q", other), "")
		}

		// Delete: the block 404s, its versions stay readable.
		clk.Set(t3)
		if got := c.want("DELETE", blocksPath(id, name), "", 204); got != "" {
			t.Errorf("DELETE answered %q", got)
		}
		c.wantError("GET", blocksPath(id, name), "", 404, "unknown_block", `block "spring promo" was deleted`, "")
		c.wantError("DELETE", blocksPath(id, name), "", 404, "unknown_block", `block "spring promo" was deleted`, "")
		c.wantError("POST", blocksPath(id, name)+"/render", `{"psid":"`+harness.User+`"}`, 404, "unknown_block", `block "spring promo" was deleted`, "")
		for path, want := range map[string]string{
			blocksPath(id, name) + "?version=1": v1,
			blocksPath(id, name) + "?version=2": v2,
			blocksPath(id, name) + "?version=3": v3,
			blocksPath(id, name) + "/versions":  `{"versions":[` + v3 + "," + v2 + "," + v1 + `]}`,
			blocksPath(id):                      `{"blocks":[` + system + `]}`,
		} {
			if got := c.want("GET", path, "", 200); got != want {
				t.Errorf("after delete, GET %s:\n got %s\nwant %s", path, got, want)
			}
		}
		status, body := env.Bothub(hubBlock("deleted", name, `[{"key":"points","value":"1"}]`))
		if want := hubError(20005, "deleted", `block "spring promo" was deleted`); status != 404 || harness.Compact(t, body) != want {
			t.Errorf("send_block of a deleted block: %d %s\nwant 404 %s", status, body, want)
		}

		// Restore: the deletion cannot be restored; version 2 can.
		c.wantError("POST", blocksPath(id, name)+"/restore", `{"version":3}`, 400, "invalid", "version: version 3 is the deletion; restore one before it", "version")
		c.wantError("POST", blocksPath(id, name)+"/restore", `{"version":9}`, 404, "unknown_block", `block "spring promo" has no version 9`, "")
		c.wantError("POST", blocksPath(id, name)+"/restore", `{}`, 400, "invalid", "version: is required: the version to restore", "version")
		c.wantError("POST", blocksPath(id, name)+"/restore", `{"version":0}`, 400, "invalid", "version: is required: the version to restore", "version")
		c.wantError("POST", blocksPath(id, name)+"/restore", `{"version":2,"cards":[]}`, 400, "invalid", "cards: is not a known field", "cards")
		c.wantError("POST", blocksPath(id, "never saved")+"/restore", `{"version":1}`, 404, "unknown_block", `block "never saved" has no version 1`, "")
		clk.Set(t4)
		if got := c.want("POST", blocksPath(id, name)+"/restore", `{"version":2}`, 200); got != v4 {
			t.Errorf("restore 2:\n got %s\nwant %s", got, v4)
		}
		for path, want := range map[string]string{
			blocksPath(id, name):               v4,
			blocksPath(id, name) + "/versions": `{"versions":[` + v4 + "," + v3 + "," + v2 + "," + v1 + `]}`,
			blocksPath(id):                     `{"blocks":[` + unsavedSystem(id, "default_answer") + "," + unsavedSystem(id, "greeting") + "," + unsavedSystem(id, "menu") + "," + v4 + "," + unsavedSystem(id, "welcome") + `]}`,
		} {
			if got := c.want("GET", path, "", 200); got != want {
				t.Errorf("after restore, GET %s:\n got %s\nwant %s", path, got, want)
			}
		}
		// The restored block sends version 2's cards.
		status, body = env.Bothub(hubBlock("restored", name, `[]`))
		bodies, _ := graphSends(env.Fake)
		wantBodies := []string{
			`{"recipient":{"id":"524807506000000"},"messaging_type":"RESPONSE","message":{"text":"春季促销 Ada"}}`,
			`{"recipient":{"id":"524807506000000"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"image","payload":{"url":"https://shop.example/spring.png"}}}}`,
		}
		if status != 200 || strings.Join(bodies, "\n") != strings.Join(wantBodies, "\n") {
			t.Errorf("send_block after restore: %d %s; Graph got\n%s\nwant\n%s", status, body, strings.Join(bodies, "\n"), strings.Join(wantBodies, "\n"))
		}

		// Every save is a new version, even of the same cards.
		clk.Set(t0.Add(5 * time.Second))
		if got, want := c.want("PUT", blocksPath(id, name), cardsBody(cards2), 200), blockJSON(id, name, 5, cards2, false, false, stamp(t0.Add(5*time.Second))); got != want {
			t.Errorf("saving the same cards again:\n got %s\nwant %s", got, want)
		}
		// Another bot does not see this bot's blocks, and unknown bots are 404.
		var other struct{ ID string }
		c.decode("POST", "/admin/v1/bots", `{"name":"Other shop"}`, 201, &other)
		c.wantError("GET", blocksPath(other.ID, name), "", 404, "unknown_block", `no block "spring promo"`, "")
		for _, r := range [][3]string{
			{"GET", blocksPath("bot_nope"), ""},
			{"PUT", blocksPath("bot_nope", name), cardsBody(cards1)},
			{"GET", blocksPath("bot_nope", name), ""},
			{"DELETE", blocksPath("bot_nope", name), ""},
			{"GET", blocksPath("bot_nope", name) + "/versions", ""},
			{"POST", blocksPath("bot_nope", name) + "/restore", `{"version":1}`},
			{"POST", blocksPath("bot_nope", name) + "/render", `{"psid":"1"}`},
		} {
			c.wantError(r[0], r[1], r[2], 404, "not_found", "no bot bot_nope", "")
		}
		// A deleted bot's blocks are gone with it.
		c.want("DELETE", "/admin/v1/bots/"+other.ID, "", 204)
		c.wantError("PUT", blocksPath(other.ID, name), cardsBody(cards1), 404, "not_found", "no bot "+other.ID, "")
	})
}

// Saving a block again after deleting it creates it anew: it did not exist
// (GET answered 404), so PUT answers 201 like the first time.
func TestBlockRecreatedAfterDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		c.want("PUT", blocksPath(env.BotID, "x"), cardsBody(`[{"text":"one"}]`), 201)
		c.want("DELETE", blocksPath(env.BotID, "x"), "", 204)
		var b struct{ Version int }
		c.decode("PUT", blocksPath(env.BotID, "x"), cardsBody(`[{"text":"again"}]`), 201, &b)
		if b.Version != 3 {
			t.Errorf("version %d, want 3 (after the deletion)", b.Version)
		}
	})
}

// Validation on save: limits and shapes with exact field paths, names, and
// nothing saved by a refused request.
func TestBlockValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		id := env.BotID
		text := func(s string) string { return `{"text":` + mustJSON(s) + `}` }
		cardsOf := func(n int) string {
			cards := make([]string, n)
			for i := range cards {
				cards[i] = text(fmt.Sprint("card ", i+1))
			}
			return "[" + strings.Join(cards, ",") + "]"
		}
		generic := func(title string) string {
			return `{"attachment":{"type":"template","payload":{"template_type":"generic","elements":[{"title":` + mustJSON(title) + `}]}}}`
		}
		buttons := func(bs ...string) string {
			return `{"attachment":{"type":"template","payload":{"template_type":"button","text":"Pick","buttons":[` + strings.Join(bs, ",") + `]}}}`
		}
		blockButton := func(name string) string {
			return `{"type":"block","title":"Open","block_name":` + mustJSON(name) + `}`
		}
		long81 := strings.Repeat("价", 81) // characters, not bytes, count
		cases := []struct {
			name, block, body string
			status            int
			code, msg, field  string
		}{
			{"11 cards", "promo", cardsBody(cardsOf(11)), 400, "invalid", "cards: has 11 cards; a block holds 1 to 10", "cards"},
			{"no cards", "promo", cardsBody(`[]`), 400, "invalid", "cards: has 0 cards; a block holds 1 to 10", "cards"},
			{"cards missing", "promo", `{}`, 400, "invalid", "cards: has 0 cards; a block holds 1 to 10", "cards"},
			{"element title too long", "promo", cardsBody(`[` + text("hi") + `,` + generic(long81) + `]`), 400, "invalid",
				"cards[1].attachment.payload.elements[0].title: is 81 characters; at most 80 are allowed", "cards[1].attachment.payload.elements[0].title"},
			{"element title missing", "promo", cardsBody(`[` + generic("") + `]`), 400, "invalid",
				"cards[0].attachment.payload.elements[0].title: is required", "cards[0].attachment.payload.elements[0].title"},
			{"text too long", "promo", cardsBody(`[` + text("a") + `,` + text("b") + `,` + text(strings.Repeat("x", 2001)) + `]`), 400, "invalid",
				"cards[2].text: is 2001 characters; at most 2000 are allowed", "cards[2].text"},
			{"quick reply title too long", "promo", cardsBody(`[{"text":"t","quick_replies":[{"content_type":"text","title":"` + strings.Repeat("q", 21) + `","payload":"P"}]}]`), 400, "invalid",
				"cards[0].quick_replies[0].title: is 21 characters; at most 20 are allowed", "cards[0].quick_replies[0].title"},
			{"four buttons", "promo", cardsBody(`[` + buttons(blockButton("a"), blockButton("b"), blockButton("c"), blockButton("d")) + `]`), 400, "invalid",
				"cards[0].attachment.payload.buttons: has 4 buttons; 1 to 3 are allowed", "cards[0].attachment.payload.buttons"},
			{"text and attachment", "promo", cardsBody(`[{"text":"t","attachment":{"type":"image","payload":{"url":"https://shop.example/a.png"}}}]`), 400, "bad_message",
				"cards[0]: has both text and attachment; a message carries exactly one", "cards[0]"},
			{"unknown card field", "promo", cardsBody(`[{"text":"t","txt":"typo"}]`), 400, "invalid", "cards[0].txt: is not a known field", "cards[0].txt"},
			{"unknown body field", "promo", `{"cards":[{"text":"t"}],"title":"promo"}`, 400, "invalid", "title: is not a known field", "title"},
			{"block button without a name", "promo", cardsBody(`[` + buttons(blockButton("")) + `]`), 400, "invalid",
				"cards[0].attachment.payload.buttons[0].block_name: is required for a block button", "cards[0].attachment.payload.buttons[0].block_name"},
			{"block button naming a slash", "promo", cardsBody(`[` + buttons(blockButton("a/b")) + `]`), 400, "invalid",
				`cards[0].attachment.payload.buttons[0].block_name: block name "a/b" may not contain slashes or control characters`, "cards[0].attachment.payload.buttons[0].block_name"},
			{"name too long", strings.Repeat("n", 101), cardsBody(`[` + text("t") + `]`), 400, "invalid", "name: block name is longer than 100 characters", "name"},
			{"name with a slash", "a/b", cardsBody(`[` + text("t") + `]`), 400, "invalid", `name: block name "a/b" may not contain slashes or control characters`, "name"},
			{"name with a tab", "a\tb", cardsBody(`[` + text("t") + `]`), 400, "invalid", `name: block name "a\tb" may not contain slashes or control characters`, "name"},
			{"name with a leading space", " promo", cardsBody(`[` + text("t") + `]`), 400, "invalid", `name: block name " promo" must be non-empty without leading or trailing spaces`, "name"},
			{"name of one space", " ", cardsBody(`[` + text("t") + `]`), 400, "invalid", `name: block name " " must be non-empty without leading or trailing spaces`, "name"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := newClient(t, env)
				c.wantError("PUT", blocksPath(id, tc.block), tc.body, tc.status, tc.code, tc.msg, tc.field)
			})
		}
		// Nothing was saved: only the system blocks exist.
		var list struct{ Blocks []struct{ Name string } }
		c.decode("GET", blocksPath(id), "", 200, &list)
		if len(list.Blocks) != 4 {
			t.Errorf("blocks after refused saves: %+v", list.Blocks)
		}
		// An empty name cannot be written as a path: there is no such route.
		if status, body := c.do("PUT", blocksPath(id)+"/", cardsBody(`[`+text("t")+`]`)); status != 404 || body != "404 page not found\n" {
			t.Errorf("PUT to an empty name: %d %q", status, body)
		}

		// The limits themselves are allowed; names may hold spaces and any
		// script, escaped in the URL, and are case-sensitive.
		long100 := strings.Repeat("n", 100)
		for _, name := range []string{long100, "summer sale", "夏季 促销", "Summer Sale"} {
			var b struct {
				Name    string
				Version int
			}
			c.decode("PUT", blocksPath(id, name), cardsBody(cardsOf(10)), 201, &b)
			if b.Name != name || b.Version != 1 {
				t.Errorf("PUT %q: saved %+v", name, b)
			}
		}
		c.decode("GET", blocksPath(id), "", 200, &list)
		var names []string
		for _, b := range list.Blocks {
			names = append(names, b.Name)
		}
		if got, want := strings.Join(names, "|"), "Summer Sale|default_answer|greeting|menu|"+long100+"|summer sale|welcome|夏季 促销"; got != want {
			t.Errorf("block names %s, want %s", got, want)
		}
		if got := c.want("GET", "/admin/v1/bots/"+id+"/blocks/summer%20sale", "", 200); !strings.Contains(got, `"name":"summer sale","version":1`) {
			t.Errorf("GET summer%%20sale: %s", got)
		}
		// A title of exactly 80 characters is saved; cards come back as saved,
		// with "weburl" (seed 000's own sample) repaired to web_url.
		in := `[{"attachment":{"type":"template","payload":{"template_type":"generic","elements":[{"title":"` + strings.Repeat("价", 80) +
			`","default_action":{"type":"weburl","url":"https://shop.example/p?a=1&b=<2>"}}]}}}]`
		out := strings.Replace(in, `"weburl"`, `"web_url"`, 1)
		var saved struct {
			Cards any `json:"cards"`
		}
		got := c.decode("PUT", blocksPath(id, "eighty"), cardsBody(in), 201, &saved)
		if !strings.Contains(got, `"cards":`+out+`,`) {
			t.Errorf("saved %s\nwant cards %s", got, out)
		}
	})
}

// System blocks exist for every bot, are edited like others (200 even the
// first time), cannot be deleted, sent through the API, or opened by a block
// button.
func TestSystemBlocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		clk := storetest.NewClock(t0)
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) { c.Now = clk.Now }})
		c := newClient(t, env)
		id := env.BotID
		names := []string{"default_answer", "greeting", "menu", "welcome"}
		var all []string
		for _, n := range names {
			all = append(all, unsavedSystem(id, n))
			if got, want := c.want("GET", blocksPath(id, n), "", 200), unsavedSystem(id, n); got != want {
				t.Errorf("GET %s:\n got %s\nwant %s", n, got, want)
			}
		}
		if got, want := c.want("GET", blocksPath(id), "", 200), `{"blocks":[`+strings.Join(all, ",")+`]}`; got != want {
			t.Errorf("a new bot's blocks:\n got %s\nwant %s", got, want)
		}

		// Editing: 200 from the first save on.
		clk.Set(t0.Add(time.Second))
		w1 := blockJSON(id, "welcome", 1, `[{"text":"Welcome!"}]`, true, false, stamp(t0.Add(time.Second)))
		if got := c.want("PUT", blocksPath(id, "welcome"), cardsBody(`[{"text":"Welcome!"}]`), 200); got != w1 {
			t.Errorf("first save of welcome:\n got %s\nwant %s", got, w1)
		}
		clk.Set(t0.Add(2 * time.Second))
		w2 := blockJSON(id, "welcome", 2, `[{"text":"Welcome back!"}]`, true, false, stamp(t0.Add(2*time.Second)))
		if got := c.want("PUT", blocksPath(id, "welcome"), cardsBody(`[{"text":"Welcome back!"}]`), 200); got != w2 {
			t.Errorf("second save of welcome:\n got %s\nwant %s", got, w2)
		}
		if got, want := c.want("GET", blocksPath(id, "welcome")+"/versions", "", 200), `{"versions":[`+w2+","+w1+`]}`; got != want {
			t.Errorf("welcome's versions:\n got %s\nwant %s", got, want)
		}
		clk.Set(t0.Add(3 * time.Second))
		w3 := blockJSON(id, "welcome", 3, `[{"text":"Welcome!"}]`, true, false, stamp(t0.Add(3*time.Second)))
		if got := c.want("POST", blocksPath(id, "welcome")+"/restore", `{"version":1}`, 200); got != w3 {
			t.Errorf("restore welcome 1:\n got %s\nwant %s", got, w3)
		}
		// Never deleted, saved or not.
		for _, n := range names {
			c.wantError("DELETE", blocksPath(id, n), "", 409, "conflict", fmt.Sprintf("%q is a system block; it can be edited but not deleted", n), "")
		}
		if got, want := c.want("GET", blocksPath(id, "welcome"), "", 200), w3; got != want {
			t.Errorf("welcome after refused delete:\n got %s\nwant %s", got, want)
		}
		// Rendering sends nothing, so a saved system block can be previewed.
		if got, want := c.want("POST", blocksPath(id, "welcome")+"/render", `{"psid":"`+harness.User+`"}`, 200),
			`{"block":"welcome","bodies":[{"recipient":{"id":"`+harness.User+`"},"messaging_type":"RESPONSE","message":{"text":"Welcome!"}}],"version":3}`; got != want {
			t.Errorf("render welcome:\n got %s\nwant %s", got, want)
		}
		// System block names are exact: "Welcome" is an ordinary block.
		var ordinary struct{ System bool }
		c.decode("PUT", blocksPath(id, "Welcome"), cardsBody(`[{"text":"hi"}]`), 201, &ordinary)
		if ordinary.System {
			t.Errorf(`"Welcome" was saved as a system block`)
		}
		c.want("DELETE", blocksPath(id, "Welcome"), "", 204)

		// Not sendable through the API, saved or not.
		for i, n := range []string{"welcome", "menu"} {
			rid := fmt.Sprint("sys", i)
			status, body := env.Bothub(hubBlock(rid, n, `[]`))
			want := hubError(10100, rid, fmt.Sprintf("message.block_name: %q is a system block; system blocks cannot be sent through the API", n))
			if status != 400 || harness.Compact(t, body) != want {
				t.Errorf("send_block %s: %d %s\nwant 400 %s", n, status, body, want)
			}
		}
		// No block button may open one: on save, at any depth, and in send_message.
		button := func(block string) string {
			return `{"type":"block","title":"Open","block_name":` + mustJSON(block) + `}`
		}
		generic := `{"attachment":{"type":"template","payload":{"template_type":"generic","elements":[` +
			`{"title":"One","buttons":[` + button("ordinary") + `]},` +
			`{"title":"Two","buttons":[{"type":"postback","title":"P","payload":"P"},` + button("ordinary") + `,` + button("greeting") + `]}]}}}`
		c.wantError("PUT", blocksPath(id, "promo"), cardsBody(`[{"text":"first"},`+generic+`]`), 400, "invalid",
			`cards[1].attachment.payload.elements[1].buttons[2].block_name: "greeting" is a system block, which buttons cannot open`,
			"cards[1].attachment.payload.elements[1].buttons[2].block_name")
		buttonTemplate := func(block string) string {
			return `{"attachment":{"type":"template","payload":{"template_type":"button","text":"Pick","buttons":[` + button(block) + `]}}}`
		}
		for _, n := range names {
			c.wantError("PUT", blocksPath(id, "promo"), cardsBody(`[`+buttonTemplate(n)+`]`), 400, "invalid",
				fmt.Sprintf(`cards[0].attachment.payload.buttons[0].block_name: %q is a system block, which buttons cannot open`, n),
				"cards[0].attachment.payload.buttons[0].block_name")
		}
		// Nor may a system block's own cards hold one.
		c.wantError("PUT", blocksPath(id, "menu"), cardsBody(`[`+buttonTemplate("welcome")+`]`), 400, "invalid",
			`cards[0].attachment.payload.buttons[0].block_name: "welcome" is a system block, which buttons cannot open`,
			"cards[0].attachment.payload.buttons[0].block_name")
		c.wantError("GET", blocksPath(id, "promo"), "", 404, "unknown_block", `no block "promo"`, "")
		status, body := env.Bothub(`{"request":{"method":"send_message","id":"btn","sync":true},"recipient":{"id":"` + harness.User +
			`"},"messaging_type":"RESPONSE","message":` + buttonTemplate("menu") + `}`)
		if want := hubError(10100, "btn", `message.attachment.payload.buttons[0].block_name: "menu" is a system block, which buttons cannot open`); status != 400 || harness.Compact(t, body) != want {
			t.Errorf("send_message with a button opening menu: %d %s\nwant 400 %s", status, body, want)
		}
		if n := env.Fake.SendCount(); n != 0 {
			t.Errorf("refused sends reached Graph %d times", n)
		}
	})
}

// Reading a version a system block never had is a 404, as for any block:
// version 0 stands only for "the current version of a block never saved".
func TestSystemBlockMissingVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		id := env.BotID
		c.wantError("GET", blocksPath(id, "greeting")+"?version=5", "", 404, "unknown_block", `block "greeting" has no version 5`, "")
		c.wantError("POST", blocksPath(id, "greeting")+"/restore", `{"version":3}`, 404, "unknown_block", `block "greeting" has no version 3`, "")
		if got, want := c.want("GET", blocksPath(id, "greeting"), "", 200), unsavedSystem(id, "greeting"); got != want {
			t.Errorf("greeting after restoring a version it never had:\n got %s\nwant %s", got, want)
		}
		c.want("PUT", blocksPath(id, "greeting"), cardsBody(`[{"text":"Hi"}]`), 200)
		c.wantError("GET", blocksPath(id, "greeting")+"?version=2", "", 404, "unknown_block", `block "greeting" has no version 2`, "")
	})
}

// A system block never saved exists, with no versions yet; rendering it is
// a client error, not a server failure.
func TestUnsavedSystemBlockVersionsAndRender(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		id := env.BotID
		status, body := c.do("POST", blocksPath(id, "greeting")+"/render", `{"psid":"`+harness.User+`"}`)
		if status != 404 || !strings.Contains(body, `"code":"unknown_block"`) || !strings.Contains(body, `greeting`) {
			t.Errorf("render of an unsaved system block: %d %s, want 404 unknown_block naming it", status, body)
		}
		if got := c.want("GET", blocksPath(id, "greeting")+"/versions", "", 200); got != `{"versions":[]}` {
			t.Errorf("versions of an unsaved system block: %s", got)
		}
	})
}

// Concurrent saves of one block each make a version: none is lost or fails.
func TestConcurrentBlockSaves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		if db.Kind == "postgres" {
		}
		env := harness.Start(t, db, harness.Options{})
		const n = 16
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i], _ = env.Do("PUT", blocksPath(env.BotID, "race"), http.Header{"Authorization": {"Bearer " + harness.AdminToken}},
					[]byte(cardsBody(fmt.Sprintf(`[{"text":"save %d"}]`, i))))
			}()
		}
		wg.Wait()
		created := 0
		for i, s := range statuses {
			switch s {
			case 201:
				created++
			case 200:
			default:
				t.Errorf("save %d answered %d", i, s)
			}
		}
		if created != 1 {
			t.Errorf("%d saves answered 201, want exactly 1: %v", created, statuses)
		}
		var versions struct{ Versions []struct{ Version int } }
		newClient(t, env).decode("GET", blocksPath(env.BotID, "race")+"/versions", "", 200, &versions)
		if len(versions.Versions) != n || versions.Versions[0].Version != n || versions.Versions[n-1].Version != 1 {
			t.Errorf("versions %+v, want %d down to 1", versions.Versions, n)
		}
	})
}

// Rendering answers the exact Graph bodies a send would make, filling
// placeholders from the render's parameters over the user's stored ones and
// the profile Graph answers, and sends nothing.
func TestRenderBlock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		id := env.BotID
		const name = "order update"
		render := blocksPath(id, name) + "/render"
		cards := `[{"text":"Hi {{first_name}} {{ last_name }}, you have {{points}} points & a {{prize}} <3"},` +
			`{"attachment":{"type":"template","payload":{"template_type":"generic","elements":[{"title":"{{prize}} for {{first_name}}","subtitle":"Tier {{tier}}",` +
			`"buttons":[{"type":"block","title":"Details","block_name":"view details"},{"type":"web_url","title":"Shop {{tier}}","url":"https://shop.example/p?a=1&b=2"}]}]}}}]`
		c.want("PUT", blocksPath(id, name), cardsBody(cards), 201)
		c.want("PUT", blocksPath(id, "view details"), cardsBody(`[{"text":"Your order"}]`), 201) // the block its button opens
		c.want("PUT", "/admin/v1/bots/"+id+"/contacts/"+harness.User+"/params", `{"params":{"points":"10","tier":"gold"}}`, 200)

		body := func(psid, typeAndTag, text, prize, first, tier string) [2]string {
			head := `{"recipient":{"id":"` + psid + `"},` + typeAndTag + `,"message":`
			return [2]string{
				head + `{"text":` + mustJSON(text) + `}}`,
				head + `{"attachment":{"type":"template","payload":{"template_type":"generic","elements":[{"title":` + mustJSON(prize+" for "+first) +
					`,"subtitle":"Tier ` + tier + `","buttons":[{"type":"postback","title":"Details","payload":"BOTGATE_BLOCK:view details"},` +
					`{"type":"web_url","title":"Shop ` + tier + `","url":"https://shop.example/p?a=1&b=2"}]}]}}}}`,
			}
		}
		answer := func(b [2]string) string {
			return `{"block":"order update","bodies":[` + b[0] + "," + b[1] + `],"version":1}`
		}

		// Ada: points from the render (over the stored 10), tier stored, names from Graph.
		ada := body(harness.User, `"messaging_type":"RESPONSE"`, "Hi Ada Lovelace, you have 20000 points & a 金牌 <3", "金牌", "Ada", "gold")
		if got := c.want("POST", render, `{"psid":"`+harness.User+`","params":{"points":"20000","prize":"金牌"}}`, 200); got != answer(ada) {
			t.Errorf("render for Ada:\n got %s\nwant %s", got, answer(ada))
		}
		if n := env.Fake.SendCount(); n != 0 {
			t.Fatalf("render sent %d messages", n)
		}
		// The render's parameters are not stored.
		if got, want := c.want("GET", "/admin/v1/bots/"+id+"/contacts/"+harness.User+"/params", "", 200), `{"params":{"points":"10","tier":"gold"},"psid":"`+harness.User+`"}`; got != want {
			t.Errorf("params after render: %s, want %s", got, want)
		}
		// A send of the block makes exactly the rendered bodies.
		status, resp := env.Bothub(hubBlock("send1", name, `[{"key":"points","value":"20000"},{"key":"prize","value":"金牌"}]`))
		if sent, _ := graphSends(env.Fake); status != 200 || len(sent) != 2 || sent[0] != ada[0] || sent[1] != ada[1] {
			t.Errorf("send_block: %d %s; Graph got\n%s\nrendered\n%s", status, resp, strings.Join(sent, "\n"), ada[0]+"\n"+ada[1])
		}

		// Alan has no stored parameters: {{tier}} needs one.
		c.wantError("POST", render, `{"psid":"`+harness.OtherUser+`","params":{"points":"1","prize":"Pen"}}`, 400, "invalid",
			`block "order update" card[1].attachment.payload.elements[0].subtitle: placeholder {{tier}} has no value: pass it in params or set it on the contact`,
			`block "order update" card[1].attachment.payload.elements[0].subtitle`)
		alan := body(harness.OtherUser, `"messaging_type":"MESSAGE_TAG","tag":"POST_PURCHASE_UPDATE"`, "Hi Alan Turing, you have 1 points & a Pen <3", "Pen", "Alan", "silver")
		for _, tag := range []string{"POST_PURCHASE_UPDATE", "SHIPPING_UPDATE"} { // a retired tag is mapped (legacy_tags "map")
			req := `{"psid":"` + harness.OtherUser + `","params":{"points":"1","prize":"Pen","tier":"silver"},"messaging_type":"MESSAGE_TAG","message_tag":"` + tag + `"}`
			if got := c.want("POST", render, req, 200); got != answer(alan) {
				t.Errorf("render for Alan with %s:\n got %s\nwant %s", tag, got, answer(alan))
			}
		}
		// UPDATE carries no tag.
		upd := body(harness.OtherUser, `"messaging_type":"UPDATE"`, "Hi Alan Turing, you have 1 points & a Pen <3", "Pen", "Alan", "silver")
		if got := c.want("POST", render, `{"psid":"`+harness.OtherUser+`","params":{"points":"1","prize":"Pen","tier":"silver"},"messaging_type":"UPDATE","message_tag":"ACCOUNT_UPDATE"}`, 200); got != answer(upd) {
			t.Errorf("render with UPDATE:\n got %s\nwant %s", got, answer(upd))
		}
		// Limits are checked on the rendered cards: the profile's name makes
		// this title 82 characters.
		prize := strings.Repeat("p", 74)
		c.wantError("POST", render, `{"psid":"`+harness.User+`","params":{"prize":"`+prize+`"}}`, 400, "invalid",
			"card[1].attachment.payload.elements[0].title: is 82 characters; at most 80 are allowed", "card[1].attachment.payload.elements[0].title")

		// Refused requests.
		user := `"psid":"` + harness.User + `"`
		for _, tc := range []struct {
			body             string
			code, msg, field string
		}{
			{`{}`, "invalid", "psid: is required: the user to render for", "psid"},
			{`{` + user + `,"params":{"first_name":"Bob"}}`, "invalid", `params: parameter name "first_name" is reserved for the user's profile`, "params"},
			{`{` + user + `,"params":{"last_name":"Bob"}}`, "invalid", `params: parameter name "last_name" is reserved for the user's profile`, "params"},
			{`{` + user + `,"params":{"my points":"1"}}`, "invalid", `params: parameter name "my points" must consist of letters, digits and underscores`, "params"},
			{`{` + user + `,"params":{"points":5}}`, "invalid", "params.points: must be a string", "params.points"},
			{`{` + user + `,"messaging_type":"MESSAGE_TAG"}`, "invalid", "message_tag: is required when messaging_type is MESSAGE_TAG", "message_tag"},
			{`{` + user + `,"messaging_type":"NOW"}`, "invalid", `messaging_type: must be RESPONSE, UPDATE or MESSAGE_TAG, not "NOW"`, "messaging_type"},
			{`{` + user + `,"messaging_type":"MESSAGE_TAG","message_tag":"PROMO"}`, "invalid",
				`message_tag: "PROMO" is not a message tag; use one of ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE, HUMAN_AGENT`, "message_tag"},
			{`{` + user + `,"tag":"ACCOUNT_UPDATE"}`, "invalid", "tag: is not a known field", "tag"},
		} {
			c.wantError("POST", render, tc.body, 400, tc.code, tc.msg, tc.field)
		}
		c.wantError("POST", blocksPath(id, "nope")+"/render", `{`+user+`}`, 404, "unknown_block", `no block "nope"`, "")
		c.wantError("POST", blocksPath(id, "Order update")+"/render", `{`+user+`}`, 404, "unknown_block", `no block "Order update"`, "")
		if n := env.Fake.SendCount(); n != 2 {
			t.Errorf("Graph received %d sends, want the 2 of send_block only", n)
		}
	})
}

// A user's stored parameters: read, replaced whole by PUT, merged by
// Bothub's set_params, with names checked.
func TestContactParams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		path := "/admin/v1/bots/" + env.BotID + "/contacts/" + harness.User + "/params"
		answer := func(params string) string { return `{"params":` + params + `,"psid":"` + harness.User + `"}` }
		check := func(what, want string) {
			t.Helper()
			if got := c.want("GET", path, "", 200); got != answer(want) {
				t.Errorf("%s: %s, want %s", what, got, answer(want))
			}
		}
		check("a user never seen", `{}`)
		if got, want := c.want("GET", "/admin/v1/bots/"+env.BotID+"/contacts/nobody/params", "", 200), `{"params":{},"psid":"nobody"}`; got != want {
			t.Errorf("unknown user: %s", got)
		}
		if got, want := c.want("PUT", path, `{"params":{"points":"10","tier":"gold","城市":"x"}}`, 400), errorJSON("invalid", `params: parameter name "城市" must consist of letters, digits and underscores`, "params"); got != want {
			t.Errorf("non-ASCII name: %s", got)
		}
		if got := c.want("PUT", path, `{"params":{"points":"10","tier":"gold","note":"积分 & <b>"}}`, 200); got != answer(`{"note":"积分 & <b>","points":"10","tier":"gold"}`) {
			t.Errorf("PUT: %s", got)
		}
		check("after PUT", `{"note":"积分 & <b>","points":"10","tier":"gold"}`)
		// PUT replaces every parameter.
		if got := c.want("PUT", path, `{"params":{"Points":"7","coupon_2":""}}`, 200); got != answer(`{"Points":"7","coupon_2":""}`) {
			t.Errorf("second PUT: %s", got)
		}
		check("after a second PUT", `{"Points":"7","coupon_2":""}`)
		// Bad names and bodies change nothing.
		for _, tc := range []struct{ body, msg, field string }{
			{`{"params":{"first_name":"Bob","points":"1"}}`, `params: parameter name "first_name" is reserved for the user's profile`, "params"},
			{`{"params":{"last_name":"Bob"}}`, `params: parameter name "last_name" is reserved for the user's profile`, "params"},
			{`{"params":{"my-points":"1"}}`, `params: parameter name "my-points" must consist of letters, digits and underscores`, "params"},
			{`{"params":{"":"1"}}`, `params: parameter name "" must consist of letters, digits and underscores`, "params"},
			{`{"params":{"points":10}}`, "params.points: must be a string", "params.points"},
			{`{"params":null}`, "params: is required: an object of names and values", "params"},
			{`{}`, "params: is required: an object of names and values", "params"},
			{`{"params":{},"psid":"x"}`, "psid: is not a known field", "psid"},
		} {
			c.wantError("PUT", path, tc.body, 400, "invalid", tc.msg, tc.field)
		}
		check("after refused PUTs", `{"Points":"7","coupon_2":""}`)
		// set_params merges into what PUT stored.
		status, body := env.Bothub(`{"request":{"method":"set_params","id":"s1"},"recipient":{"id":"` + harness.User + `"},"params":[{"key":"tier","value":"gold"},{"key":"Points","value":"8"}]}`)
		if status != 200 {
			t.Fatalf("set_params: %d %s", status, body)
		}
		check("after set_params", `{"Points":"8","coupon_2":"","tier":"gold"}`)
		// An empty object clears them.
		if got := c.want("PUT", path, `{"params":{}}`, 200); got != answer(`{}`) {
			t.Errorf("PUT {}: %s", got)
		}
		check("after PUT {}", `{}`)
		c.wantError("GET", "/admin/v1/bots/bot_nope/contacts/"+harness.User+"/params", "", 404, "not_found", "no bot bot_nope", "")
		c.wantError("PUT", "/admin/v1/bots/bot_nope/contacts/"+harness.User+"/params", `{"params":{}}`, 404, "not_found", "no bot bot_nope", "")
	})
}

// Concurrent set_params calls with different keys all keep their key.
func TestConcurrentSetParamsMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		if db.Kind == "postgres" {
		}
		env := harness.Start(t, db, harness.Options{})
		const n = 16
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, body := env.Bothub(fmt.Sprintf(`{"request":{"method":"set_params","id":"p%d"},"recipient":{"id":%q},"params":[{"key":"k%d","value":"v"}]}`, i, harness.User, i))
				if status != 200 {
					t.Errorf("set_params %d: %d %s", i, status, body)
				}
			}()
		}
		wg.Wait()
		var got struct{ Params map[string]string }
		newClient(t, env).decode("GET", "/admin/v1/bots/"+env.BotID+"/contacts/"+harness.User+"/params", "", 200, &got)
		if len(got.Params) != n {
			t.Errorf("%d of %d keys kept: %v", len(got.Params), n, got.Params)
		}
	})
}

// Linked accounts: listed per user or for the bot, removed one by one.
func TestLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		clk := storetest.NewClock(t0)
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) { c.Now = clk.Now }})
		c := newClient(t, env)
		id := env.BotID
		links := "/admin/v1/bots/" + id + "/links"
		link := func(kind, value, psid string, at time.Time) string {
			return fmt.Sprintf(`{"bot_id":%q,"kind":%q,"value":%s,"psid":%q,"created_at":%q}`, id, kind, mustJSON(value), psid, stamp(at))
		}
		linkAccount := func(rid, recipient string) {
			t.Helper()
			if status, body := env.Bothub(`{"request":{"method":"link_account","id":"` + rid + `"},"recipient":` + recipient + `}`); status != 200 {
				t.Fatalf("link_account %s: %d %s", recipient, status, body)
			}
		}
		t1, t2 := t0.Add(time.Second), t0.Add(2*time.Second)
		clk.Set(t1)
		linkAccount("l1", `{"id":"`+harness.User+`","username":"mike","email":"mike@example.com","user_phone_number":"+86 189 0000 1111"}`)
		clk.Set(t2)
		linkAccount("l2", `{"id":"`+harness.OtherUser+`","username":"team/alan","email":"alan@example.com"}`)
		ada := []string{link("email", "mike@example.com", harness.User, t1), link("user_phone_number", "+8618900001111", harness.User, t1), link("username", "mike", harness.User, t1)}
		alan := []string{link("email", "alan@example.com", harness.OtherUser, t2), link("username", "team/alan", harness.OtherUser, t2)}
		list := func(items ...string) string { return `{"links":[` + strings.Join(items, ",") + `]}` }
		for path, want := range map[string]string{
			links + "?psid=" + harness.User:      list(ada...),
			links + "?psid=" + harness.OtherUser: list(alan...),
			links:                                list(append(ada, alan...)...),
			links + "?psid=nobody":               list(),
		} {
			if got := c.want("GET", path, "", 200); got != want {
				t.Errorf("GET %s:\n got %s\nwant %s", path, got, want)
			}
		}

		// Delete one at a time; values are exact and may need escaping.
		c.want("DELETE", links+"/email/mike@example.com", "", 204)
		c.wantError("DELETE", links+"/email/mike@example.com", "", 404, "not_found", `no email "mike@example.com" is linked`, "")
		c.wantError("DELETE", links+"/username/Mike", "", 404, "not_found", `no username "Mike" is linked`, "")
		c.wantError("DELETE", links+"/username/alan@example.com", "", 404, "not_found", `no username "alan@example.com" is linked`, "")
		c.want("DELETE", links+"/username/team%2Falan", "", 204)
		c.want("DELETE", links+"/user_phone_number/+8618900001111", "", 204)
		for _, kind := range []string{"phone_number", "Email", "psid"} {
			c.wantError("DELETE", links+"/"+kind+"/alan@example.com", "", 400, "invalid", "kind: must be username, email or user_phone_number", "kind")
		}
		if got, want := c.want("GET", links, "", 200), list(ada[2], alan[0]); got != want {
			t.Errorf("after deletes:\n got %s\nwant %s", got, want)
		}
		// A removed link no longer names the user; a kept one does.
		status, body := env.Bothub(`{"request":{"method":"send_message","id":"m1","sync":true},"recipient":{"email":"mike@example.com"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`)
		if status != 404 || !strings.Contains(string(body), `"code":10010`) {
			t.Errorf("send to a removed link: %d %s", status, body)
		}
		status, body = env.Bothub(`{"request":{"method":"send_message","id":"m2","sync":true},"recipient":{"username":"mike"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`)
		if status != 200 || !strings.Contains(string(body), `"recipient_id":"`+harness.User+`"`) {
			t.Errorf("send to a kept link: %d %s", status, body)
		}
		// Linking a name again moves it to the new user.
		t3 := t0.Add(3 * time.Second)
		clk.Set(t3)
		linkAccount("l3", `{"id":"`+harness.OtherUser+`","username":"mike"}`)
		if got, want := c.want("GET", links, "", 200), list(alan[0], link("username", "mike", harness.OtherUser, t3)); got != want {
			t.Errorf("after moving mike:\n got %s\nwant %s", got, want)
		}
		c.wantError("GET", "/admin/v1/bots/bot_nope/links", "", 404, "not_found", "no bot bot_nope", "")
		c.wantError("DELETE", "/admin/v1/bots/bot_nope/links/username/mike", "", 404, "not_found", "no bot bot_nope", "")
	})
}

// The PUT takes a block file as `blocks pull` writes it: the name beside the
// cards, which must be the block the URL names.
func TestBlockPutTakesTheFileFormat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		got := c.want("PUT", blocksPath(env.BotID, "summer sale"), `{"name":"summer sale","cards":[{"text":"one"}]}`, 201)
		if !strings.Contains(got, `"name":"summer sale","version":1,"cards":[{"text":"one"}]`) {
			t.Errorf("PUT with a name: %s", got)
		}
		c.wantError("PUT", blocksPath(env.BotID, "summer sale"), `{"name":"winter sale","cards":[{"text":"two"}]}`, 400,
			"invalid", `name: "winter sale" is not the block "summer sale" the URL names`, "name")
		var b struct{ Version int }
		c.decode("GET", blocksPath(env.BotID, "summer sale"), "", 200, &b)
		if b.Version != 1 {
			t.Errorf("a refused PUT saved a version: %d", b.Version)
		}
	})
}
