package sobot_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/api/sobot"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The seed's signature example.
func TestSignSeedExample(t *testing.T) {
	if got := sobot.Sign("1", "1569397773", "2"); got != "258eec3118705112b2c53dc8043d4d34" {
		t.Errorf("Sign = %s", got)
	}
}

// The seed's request, verbatim, against an app with the seed's appid and
// key, at the seed's time: the answer is the seed's sample with a new token.
func TestGetTokenSeedSample(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		s.clock.Set(time.Unix(1569397773, 0).Add(2 * time.Minute))
		st := s.Server.Store
		if _, err := st.CreateSobotApp(context.Background(), "1", "2", []string{s.BotID}); err != nil {
			t.Fatal(err)
		}
		got := s.get("/api/get_token?appid=1&create_time=1569397773&sign=258eec3118705112b2c53dc8043d4d34", "")
		token := strings.Split(strings.Split(got, `"token":"`)[1], `"`)[0]
		if !hex32.MatchString(token) {
			t.Fatalf("token %q is not 32 hex characters", token)
		}
		want := strings.Replace(read(t, "get_token.answer.json"), "4ac37cb2e9c740dba4b75a34d5358802", token, 1)
		if got != compact(t, want) {
			t.Errorf("answer\n got %s\nwant %s", got, compact(t, want))
		}
		// The token is kept hashed, the key sealed.
		var hash, sealed string
		if err := st.ReadRow(context.Background(), `SELECT hash FROM sobot_tokens WHERE app_id = '1'`).Scan(&hash); err != nil || hash != seal.Hash(token) {
			t.Errorf("stored token %q, %v; want its SHA-256", hash, err)
		}
		if err := st.ReadRow(context.Background(), `SELECT app_key FROM sobot_apps WHERE id = '1'`).Scan(&sealed); err != nil || !strings.HasPrefix(sealed, "v1:") {
			t.Errorf("stored key %q, %v; want it sealed", sealed, err)
		}
		if got := s.post("get_title_list", ""); !strings.HasPrefix(got, `{"item":[],`) {
			t.Errorf("the token does not work: %s", got)
		}
	})
}

func TestGetTokenRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		now := s.clock.Now().Unix()
		at := func(d int64) string { return strconv.FormatInt(now+d, 10) }
		nowText := strconv.FormatInt(now, 10)
		q := func(appID, ct, sign string) string {
			return "/api/get_token?appid=" + appID + "&create_time=" + ct + "&sign=" + sign
		}
		good := sobot.Sign(s.AppID, at(-1), s.AppKey)
		cases := []struct {
			name, path, want string
		}{
			{"no appid", q("", at(0), good), errBody("900004", "appid is required")},
			{"no create_time", q(s.AppID, "", good), errBody("900005", "create_time is required: the current Unix time in seconds (10 digits)")},
			{"no sign", q(s.AppID, at(0), ""), errBody("900003", "sign is required: md5(appid + create_time + app_key) in lowercase hex")},
			{"create_time not a number", q(s.AppID, "2019-09-25", good), errBody("900005", `create_time must be the Unix time in seconds (10 digits), not "2019-09-25"`)},
			{"unknown appid", tokenPath("0123456789abcdef0123456789abcdef", at(0), s.AppKey),
				errBody("900004", "appid 0123456789abcdef0123456789abcdef is not known")},
			{"wrong key", tokenPath(s.AppID, at(0), "not-the-key"),
				errBody("900003", "sign does not match md5(appid + create_time + app_key) for appid "+s.AppID)},
			{"sign of another time", q(s.AppID, at(0), good),
				errBody("900003", "sign does not match md5(appid + create_time + app_key) for appid "+s.AppID)},
			{"301 s old", tokenPath(s.AppID, at(-301), s.AppKey),
				errBody("900005", "create_time "+at(-301)+" is 5m1s away from this server's time ("+nowText+"); at most 5m0s is allowed")},
			{"301 s ahead", tokenPath(s.AppID, at(301), s.AppKey),
				errBody("900005", "create_time "+at(301)+" is 5m1s away from this server's time ("+nowText+"); at most 5m0s is allowed")},
			{"milliseconds", tokenPath(s.AppID, at(0)+"000", s.AppKey),
				errBody("900005", "create_time "+at(0)+"000 has 13 digits: milliseconds; send seconds (10 digits)")},
			{"a year ahead", tokenPath(s.AppID, at(365*24*3600), s.AppKey),
				errBody("900005", "create_time "+at(365*24*3600)+" is 8760h0m0s away from this server's time ("+nowText+"); at most 5m0s is allowed")},
			{"centuries ahead", tokenPath(s.AppID, at(0)+"0", s.AppKey),
				errBody("900005", "create_time "+at(0)+"0 is more than a century away from this server's time ("+nowText+"); at most 5m0s is allowed")},
		}
		for _, c := range cases {
			if got := s.get(c.path, ""); got != c.want {
				t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
			}
		}
		// The edges of the skew pass, in either case of hex; a signature passes once.
		for _, d := range []int64{-300, 300} {
			path := tokenPath(s.AppID, at(d), s.AppKey)
			if d > 0 {
				path = q(s.AppID, at(d), strings.ToUpper(sobot.Sign(s.AppID, at(d), s.AppKey)))
			}
			if got := s.get(path, ""); !strings.Contains(got, `"ret_code":"000000"`) {
				t.Errorf("create_time %+d s: %s", d, got)
			}
			if got, want := s.get(path, ""), errBody("900006", "this create_time and sign were used already; sign again with the current time"); got != want {
				t.Errorf("replay at %+d s:\n got %s\nwant %s", d, got, want)
			}
		}
	})
}

// longAway is how far a millisecond create_time lies from now, as the
// refusal words it.
// A token lasts its TTL; each get_token replaces the app's token; every
// other call needs the token header.
func TestTokenLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db, func(c *server.Config) { c.SobotTokenTTL = time.Hour })
		list := func(token string) string {
			return s.do(http.MethodPost, "/chat-facebook/api/messenger/get_title_list", token, "")
		}
		works := func(what, token string) {
			t.Helper()
			if got := list(token); !strings.Contains(got, `"ret_code":"000000"`) {
				t.Errorf("%s: %s", what, got)
			}
		}
		refused := func(what, token, want string) {
			t.Helper()
			if got := list(token); got != want {
				t.Errorf("%s:\n got %s\nwant %s", what, got, want)
			}
		}
		invalid := errBody("900002", "the token is not valid: it was never issued or a newer one replaced it; get a new token")

		// expires_in follows the configured lifetime.
		s.clock.Add(time.Second)
		got := s.get(tokenPath(s.AppID, strconv.FormatInt(s.clock.Now().Unix(), 10), s.AppKey), "")
		if !strings.Contains(got, `"expires_in":"3600"`) {
			t.Errorf("expires_in: %s", got)
		}
		token := s.newToken()
		issued := s.clock.Now()
		refused("no token header", "", errBody("900001", "the token header is required; get one from /api/get_token"))
		refused("unknown token", "4ac37cb2e9c740dba4b75a34d5358802", invalid)
		refused("a replaced token", s.Token, invalid)
		s.clock.Add(time.Hour - time.Millisecond)
		works("a token a millisecond before it expires", token)
		s.clock.Add(time.Millisecond)
		refused("an expired token", token, errBody("900002", "the token expired at "+issued.Add(time.Hour).Format(time.RFC3339)+"; get a new token"))
		fresh := s.newToken()
		works("a new token", fresh)
		refused("the token it replaced", token, invalid)
		// Used signatures are forgotten once their create_time is stale anyway.
		var signs int
		if err := s.Server.Store.ReadRow(context.Background(), `SELECT COUNT(*) FROM sobot_signs`).Scan(&signs); err != nil || signs != 1 {
			t.Errorf("%d used signatures kept (%v), want only the last one", signs, err)
		}

		// Deleting the app ends its token and its key.
		s.Admin(http.MethodDelete, "/admin/v1/apps/"+s.AppID, nil, http.StatusNoContent, nil)
		refused("the token of a deleted app", fresh, invalid)
		ct := strconv.FormatInt(s.clock.Now().Unix(), 10)
		if got, want := s.get(tokenPath(s.AppID, ct, s.AppKey), ""), errBody("900004", "appid "+s.AppID+" is not known"); got != want {
			t.Errorf("get_token of a deleted app:\n got %s\nwant %s", got, want)
		}
	})
}

// Apps in the admin API: the key is shown once; bots must be live with a page.
func TestAdminApps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		var pageless, gone struct{ ID string }
		s.Admin(http.MethodPost, "/admin/v1/bots", map[string]any{"name": "no page"}, 201, &pageless)
		s.Admin(http.MethodPost, "/admin/v1/bots", map[string]any{"name": "gone"}, 201, &gone)
		s.Admin(http.MethodDelete, "/admin/v1/bots/"+gone.ID, nil, 204, nil)
		refusals := []struct {
			body any
			want string
		}{
			{map[string]any{}, `{"error":{"code":"invalid","message":"bot_ids: is required: the bots whose pages the app covers","field":"bot_ids"}}`},
			{map[string]any{"bot_ids": []string{s.BotID, ""}}, `{"error":{"code":"invalid","message":"bot_ids[1]: is empty","field":"bot_ids[1]"}}`},
			{map[string]any{"bot_ids": []string{"bot_nope"}}, `{"error":{"code":"invalid","message":"bot_ids[0]: no live bot bot_nope","field":"bot_ids[0]"}}`},
			{map[string]any{"bot_ids": []string{s.BotID, gone.ID}}, `{"error":{"code":"invalid","message":"bot_ids[1]: no live bot ` + gone.ID + `","field":"bot_ids[1]"}}`},
			{map[string]any{"bot_ids": []string{pageless.ID}}, `{"error":{"code":"invalid","message":"bot_ids[0]: bot ` + pageless.ID + ` has no Messenger page","field":"bot_ids[0]"}}`},
			{map[string]any{"bots": []string{s.BotID}}, `{"error":{"code":"invalid","message":"bots: is not a known field","field":"bots"}}`},
		}
		for _, r := range refusals {
			if got := harness.Compact(t, s.Admin(http.MethodPost, "/admin/v1/apps", r.body, 400, nil)); got != r.want {
				t.Errorf("POST %v:\n got %s\nwant %s", r.body, got, r.want)
			}
		}
		s.clock.Add(time.Second) // the second app sorts after the first
		var second struct {
			AppID  string `json:"appid"`
			AppKey string `json:"app_key"`
		}
		body := s.Admin(http.MethodPost, "/admin/v1/apps", map[string]any{"bot_ids": []string{s.BotID, s.BotID}}, 201, &second)
		created := s.clock.Now().Format(time.RFC3339)
		want := `{"appid":"` + second.AppID + `","bot_ids":["` + s.BotID + `"],"created_at":"` + created + `","app_key":"` + second.AppKey + `"}`
		if got := harness.Compact(t, body); got != want || !hex32.MatchString(second.AppID) || !hex32.MatchString(second.AppKey) {
			t.Errorf("created app:\n got %s\nwant %s", got, want)
		}
		list := harness.Compact(t, s.Admin(http.MethodGet, "/admin/v1/apps", nil, 200, nil))
		want = `{"apps":[{"appid":"` + s.AppID + `","bot_ids":["` + s.BotID + `"],"created_at":"` + s.started.Format(time.RFC3339) + `"},` +
			`{"appid":"` + second.AppID + `","bot_ids":["` + s.BotID + `"],"created_at":"` + created + `"}]}`
		if list != want {
			t.Errorf("list:\n got %s\nwant %s", list, want)
		}
		s.Admin(http.MethodDelete, "/admin/v1/apps/"+second.AppID, nil, 204, nil)
		s.Admin(http.MethodDelete, "/admin/v1/apps/"+second.AppID, nil, 404, nil)
	})
}
