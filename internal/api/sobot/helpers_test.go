package sobot_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/api/sobot"
	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// env is a botgate with one Sobot app covering the harness bot's page, and
// a token of that app.
type env struct {
	*harness.Env
	t       *testing.T
	clock   *storetest.Clock
	started time.Time // when the app was created
	AppID   string
	AppKey  string
	Token   string
}

// start runs botgate with a standing clock, creates an app through the
// admin API and gets a token with a signed get_token.
func start(t *testing.T, db storetest.DB, configure ...func(*server.Config)) *env {
	t.Helper()
	clk := storetest.NewClock(time.Now().UTC().Truncate(time.Second))
	e := harness.Start(t, db, harness.Options{Config: func(c *server.Config) {
		c.Now = clk.Now
		for _, f := range configure {
			f(c)
		}
	}})
	var app struct {
		AppID  string `json:"appid"`
		AppKey string `json:"app_key"`
	}
	e.Admin(http.MethodPost, "/admin/v1/apps", map[string]any{"bot_ids": []string{e.BotID}}, http.StatusCreated, &app)
	s := &env{Env: e, t: t, clock: clk, started: clk.Now(), AppID: app.AppID, AppKey: app.AppKey}
	s.Token = s.newToken()
	return s
}

// tokenPath is a get_token call signed with key at create_time ct.
func tokenPath(appID, ct, key string) string {
	return "/api/get_token?" + url.Values{"appid": {appID}, "create_time": {ct}, "sign": {sobot.Sign(appID, ct, key)}}.Encode()
}

// newToken gets a fresh token for the app, signed at the clock's second.
func (s *env) newToken() string {
	s.t.Helper()
	return s.tokenFor(s.AppID, s.AppKey)
}

// tokenFor gets a fresh token for an app.
func (s *env) tokenFor(appID, key string) string {
	s.t.Helper()
	// Each call signs a new second: a signature is accepted once.
	s.clock.Add(time.Second)
	body := s.get(tokenPath(appID, strconv.FormatInt(s.clock.Now().Unix(), 10), key), "")
	var out struct {
		RetCode string `json:"ret_code"`
		Item    struct {
			Token string `json:"token"`
		} `json:"item"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.RetCode != "000000" {
		s.t.Fatalf("get_token: %s", body)
	}
	return out.Item.Token
}

// do calls a Sobot path with a token header ("" for none) and returns the
// compacted answer, which must come with HTTP 200.
func (s *env) do(method, path, token, body string) string {
	s.t.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	if token != "" {
		h.Set("token", token)
	}
	status, resp := s.Do(method, path, h, []byte(body))
	if status != http.StatusOK {
		s.t.Fatalf("%s %s = HTTP %d %s, want 200", method, path, status, resp)
	}
	return harness.Compact(s.t, resp)
}

func (s *env) get(path, token string) string { return s.do(http.MethodGet, path, token, "") }

// post calls a messenger path with the env's token.
func (s *env) post(name, body string) string {
	return s.do(http.MethodPost, "/chat-facebook/api/messenger/"+name, s.Token, body)
}

// read returns a testdata file.
func read(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// sample returns a send sample with the harness's user and page filled in.
func sample(t *testing.T, name string) string {
	return strings.NewReplacer("RECIPIENTID", harness.User, "PAGEID", harness.Page).Replace(read(t, name))
}

// compact returns JSON text compacted, for exact comparisons.
func compact(t *testing.T, s string) string { return harness.Compact(t, []byte(s)) }

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, got, "", "  "); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(pretty.Bytes(), '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := compact(t, read(t, name)); want != string(got) {
		t.Errorf("Graph body for %s:\n got %s\nwant %s", name, got, want)
	}
}

// errBody is an error envelope.
func errBody(code, msg string) string {
	b, _ := json.Marshal(map[string]string{"ret_code": code, "ret_msg": msg})
	return string(b)
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// item reads an answer's item as a string (a track id or a configid).
func item(t *testing.T, body string) string {
	t.Helper()
	var out struct {
		RetCode string `json:"ret_code"`
		Item    string `json:"item"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.RetCode != "000000" || !hex32.MatchString(out.Item) {
		t.Fatalf("want an item of 32 hex characters: %s", body)
	}
	return out.Item
}

// ms is a time in Unix milliseconds, as answers show times.
func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// lastSend is the last send call Graph received.
func lastSend(t *testing.T, s *env) fakegraph.Send {
	t.Helper()
	sends := s.Fake.Sends()
	if len(sends) == 0 {
		t.Fatal("nothing reached Graph")
	}
	return sends[len(sends)-1]
}

var uploadResult = regexp.MustCompile(`^\{"track_id":"([0-9a-f]{32})","attachment_id":"([0-9]{16})"\}$`)

// attachmentID reads an upload's result, which must be for track.
func attachmentID(t *testing.T, body []byte, track string) string {
	t.Helper()
	m := uploadResult.FindStringSubmatch(string(body))
	if m == nil || m[1] != track {
		t.Fatalf("upload result for %s: %s", track, body)
	}
	return m[2]
}

// secondPage adds a bot serving another page and makes the env's token one
// of an app covering both pages.
func (s *env) secondPage(page string) (botID string) {
	s.t.Helper()
	var bot struct{ ID string }
	s.Admin(http.MethodPost, "/admin/v1/bots", map[string]any{"name": "Second shop",
		"messenger": map[string]any{"page_id": page, "access_token": "token-" + page}}, http.StatusCreated, &bot)
	var app struct {
		AppID  string `json:"appid"`
		AppKey string `json:"app_key"`
	}
	s.Admin(http.MethodPost, "/admin/v1/apps", map[string]any{"bot_ids": []string{s.BotID, bot.ID}}, http.StatusCreated, &app)
	s.AppID, s.AppKey = app.AppID, app.AppKey
	s.Token = s.newToken()
	return bot.ID
}
