package sobot_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// Users opt in, stop and resume on their phones; query_sub_users answers as
// the seed's sample shows.
func TestQuerySubUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		item(t, s.post("create_or_update_title", `{"appid":"`+harness.Page+`","title":"nice day","describe":"132","image_ratio":"SQUARE","button_type":"ALLOW"}`))
		query := func(title string, extra string) string {
			return s.get("/chat-facebook/api/messenger/query_sub_users?appid="+harness.Page+"&title="+url.QueryEscape(title)+extra, s.Token)
		}
		// optIn acts on the user's phone, then waits until botgate shows what follows.
		optIn := func(psid string, o fakegraph.OptIn, shows string) {
			t.Helper()
			if _, err := s.Fake.UserOptsIn(harness.Page, psid, o); err != nil {
				t.Fatal(err)
			}
			harness.WaitFor(t, "the opt-in to show", 5*time.Second, func() bool { return strings.Contains(query(o.Title, ""), shows) })
		}
		optedIn := s.clock.Now()
		optIn(harness.User, fakegraph.OptIn{Title: "nice day", Payload: "132", Token: "6956578469000001"}, `"sub_token":"6956578469000001"`)
		want := strings.NewReplacer("5f5262b52feb463bbf4e732323sdgfset", s.BotID, "1715079942588", ms(optedIn), "5611755588", harness.User,
			"1087397686", harness.Page, "6956578469XXXXXX", "6956578469000001", "1715155761777", ms(optedIn)).Replace(read(t, "query_sub_users.answer.json"))
		if got := query("nice day", "&page_no=1&page_size=15"); got != compact(t, want) {
			t.Errorf("the seed's answer:\n got %s\nwant %s", got, compact(t, want))
		}

		user := func(status int, token string, updated time.Time) string {
			return fmt.Sprintf(`{"companyid":%q,"create_time":%s,"facebookid":%q,"pageid":%q,"sub_status":%d,"sub_title":"nice day",`+
				`"sub_token":%q,"timezone":"UTC","title_describe":"132","update_time":%s}`, s.BotID, ms(optedIn), harness.User, harness.Page, status, token, ms(updated))
		}
		s.clock.Add(time.Minute)
		optIn(harness.User, fakegraph.OptIn{Title: "nice day", Payload: "132", Token: "6956578469000001", Status: "STOP_NOTIFICATIONS"}, `"sub_status":0`)
		want = `{"items":[` + user(0, "6956578469000001", s.clock.Now()) + `],"page_count":1,"page_no":1,"page_size":100,"ret_code":"000000","ret_msg":"成功","total_count":1}`
		if got := query("nice day", ""); got != want {
			t.Errorf("stopped:\n got %s\nwant %s", got, want)
		}
		s.clock.Add(time.Minute)
		optIn(harness.User, fakegraph.OptIn{Title: "nice day", Payload: "132", Token: "6956578469000002", Status: "RESUME_NOTIFICATIONS"}, `"sub_status":1`)
		resumed := user(1, "6956578469000002", s.clock.Now())

		// A token past its expiry counts as unsubscribed.
		optIn(harness.OtherUser, fakegraph.OptIn{Title: "nice day", Payload: "132", Token: "6956578469000003",
			Expiry: s.clock.Now().Add(-time.Millisecond)}, `"sub_token":"6956578469000003"`)
		expired := strings.NewReplacer(`"facebookid":"`+harness.User, `"facebookid":"`+harness.OtherUser, ms(optedIn), ms(s.clock.Now())).
			Replace(user(0, "6956578469000003", s.clock.Now()))
		pages := []struct{ query, want string }{
			{"", `{"items":[` + resumed + `,` + expired + `],"page_count":1,"page_no":1,"page_size":100,"ret_code":"000000","ret_msg":"成功","total_count":2}`},
			{"&page_size=1", `{"items":[` + resumed + `],"page_count":2,"page_no":1,"page_size":1,"ret_code":"000000","ret_msg":"成功","total_count":2}`},
			{"&page_size=1&page_no=2", `{"items":[` + expired + `],"page_count":2,"page_no":2,"page_size":1,"ret_code":"000000","ret_msg":"成功","total_count":2}`},
			{"&page_size=1&page_no=3", `{"items":[],"page_count":2,"page_no":3,"page_size":1,"ret_code":"000000","ret_msg":"成功","total_count":2}`},
			{"&page_size=0&page_no=0", `{"items":[` + resumed + `,` + expired + `],"page_count":1,"page_no":1,"page_size":100,"ret_code":"000000","ret_msg":"成功","total_count":2}`},
		}
		for _, p := range pages {
			if got := query("nice day", p.query); got != p.want {
				t.Errorf("%q:\n got %s\nwant %s", p.query, got, p.want)
			}
		}

		// A title botgate keeps no topic for still lists its subscribers,
		// with the describe their opt-in echoed.
		optIn(harness.OtherUser, fakegraph.OptIn{Title: "Flash sales", Payload: "Sales at noon", Token: "42"}, `"sub_token":"42"`)
		if got := query("Flash sales", ""); !strings.Contains(got, `"sub_title":"Flash sales","sub_token":"42","timezone":"UTC","title_describe":"Sales at noon"`) {
			t.Errorf("subscribers of a title without a topic: %s", got)
		}

		q := "/chat-facebook/api/messenger/query_sub_users"
		cases := []struct{ path, want string }{
			{q + "?title=nice+day", errBody("210001", "appid is required: the Facebook page id")},
			{q + "?appid=5&title=nice+day", errBody("210002", "appid 5 is not a page of this app")},
			{q + "?appid=" + harness.Page, errBody("210003", "title is required")},
			{q + "?appid=" + harness.Page + "&title=News", errBody("210010", `page `+harness.Page+` has no topic titled "News" and no subscribers to it`)},
			{q + "?appid=" + harness.Page + "&title=nice+day&page_size=ten", errBody("999999", `page_size: must be a whole number, not "ten"`)},
			{q + "?appid=" + harness.Page + "&title=nice+day&page_no=-2", errBody("999999", "page_no: must be 1 or more, not -2")},
			{q + "?appid=" + harness.Page + "&title=nice+day&page_size=1001", errBody("999999", "page_size: must be at most 1000, not 1001")},
		}
		for _, c := range cases {
			if got := s.get(c.path, s.Token); got != c.want {
				t.Errorf("%s:\n got %s\nwant %s", c.path, got, c.want)
			}
		}
		if got, want := s.get(cases[0].path, ""), errBody("900001", "the token header is required; get one from /api/get_token"); got != want {
			t.Errorf("no token:\n got %s\nwant %s", got, want)
		}
	})
}
