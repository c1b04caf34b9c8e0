package sobot_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

const otherPage = "110661988000001"

// The seed's create sample, then its list sample: the answer is the
// seed's, with this topic's ids and times.
func TestTopicSeedSamples(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		created := s.clock.Now()
		got := s.post("create_or_update_title", strings.Replace(read(t, "topics/create_or_update_title.json"), "106474898833640", harness.Page, 1))
		configID := item(t, got)
		if want := `{"item":"` + configID + `","ret_code":"000000","ret_msg":"成功"}`; got != want {
			t.Errorf("create:\n got %s\nwant %s", got, want)
		}
		// The sample's filter names pages of Sobot's own tenant.
		if got, want := s.post("get_title_list", read(t, "topics/get_title_list.json")), errBody("210002", "appids 11 is not a page of this app"); got != want {
			t.Errorf("the sample's pages:\n got %s\nwant %s", got, want)
		}
		list := strings.NewReplacer(`"11,22,33"`, `"`+harness.Page+`"`, "1573693149125", ms(created)).Replace(read(t, "topics/get_title_list.json"))
		want := strings.NewReplacer("c72d7e67c0f64d38879747c9cfd68e85", s.BotID, "1713871710134", ms(created), "爱你一万年", "Test shop",
			"10d7de1db4884c43b4b88e3fcbbf47d2", configID, "106474898833640", harness.Page).Replace(read(t, "topics/get_title_list.answer.json"))
		if got := s.post("get_title_list", list); got != compact(t, want) {
			t.Errorf("list:\n got %s\nwant %s", got, compact(t, want))
		}
	})
}

func TestTopicRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		firstToken := s.Token
		s.secondPage(otherPage)
		topic := func(page, title string, extra ...string) string {
			fields := []string{`"appid":"` + page + `"`, `"title":"` + title + `"`, `"describe":"Daily deals"`,
				`"image_ratio":"SQUARE"`, `"button_type":"ALLOW"`}
			// An extra field replaces the default of its name (a repeated
			// key would be refused).
			for _, e := range extra {
				name, _, _ := strings.Cut(e, ":")
				i := slices.IndexFunc(fields, func(f string) bool { return strings.HasPrefix(f, name+":") })
				if i < 0 {
					fields = append(fields, e)
				} else {
					fields[i] = e
				}
			}
			return "{" + strings.Join(fields, ",") + "}"
		}
		created := s.clock.Now()
		deals := item(t, s.post("create_or_update_title", topic(harness.Page, "Deals", `"image_url":"https://example.com/d.png"`, `"timezone":"UTC"`)))
		other := item(t, s.post("create_or_update_title", topic(otherPage, "Deals")))
		long := strings.Repeat("订", 65)
		item(t, s.post("create_or_update_title", topic(harness.Page, long)))

		cases := []struct{ name, body, want string }{
			{"no appid", `{"title":"T","describe":"D","image_ratio":"SQUARE","button_type":"ALLOW"}`, errBody("210001", "appid is required: the Facebook page id")},
			{"unknown page", topic("42", "T"), errBody("210002", "appid 42 is not a page of this app")},
			{"no title", topic(harness.Page, " "), errBody("210003", "title is required")},
			{"66-character title", topic(harness.Page, long+"阅"), errBody("210004", "title is 66 characters; at most 65 are allowed")},
			{"no describe", topic(harness.Page, "T", `"describe":""`), errBody("210005", "describe is required")},
			{"66-character describe", topic(harness.Page, "T", `"describe":"`+long+`x"`), errBody("210006", "describe is 66 characters; at most 65 are allowed")},
			{"no button_type", topic(harness.Page, "T", `"button_type":""`), errBody("210007", "button_type is required: one of ALLOW, GET, GET_UPDATES, OPT_IN, SIGN_UP")},
			{"unknown button_type", topic(harness.Page, "T", `"button_type":"CLICK"`), errBody("210007", `button_type must be one of ALLOW, GET, GET_UPDATES, OPT_IN, SIGN_UP, not "CLICK"`)},
			{"no image_ratio", topic(harness.Page, "T", `"image_ratio":""`), errBody("210012", "image_ratio is required: SQUARE or HORIZONTAL")},
			{"unknown image_ratio", topic(harness.Page, "T", `"image_ratio":"WIDE"`), errBody("210012", `image_ratio must be SQUARE or HORIZONTAL, not "WIDE"`)},
			{"relative image_url", topic(harness.Page, "T", `"image_url":"/d.png"`), errBody("999999", "image_url: must be an absolute http or https URL")},
			{"title taken", topic(harness.Page, "Deals"), errBody("210008", `page `+harness.Page+` has a topic titled "Deals" already; give its configid to change it`)},
			{"unknown configid", topic(harness.Page, "Deals", `"configid":"nope"`), errBody("210013", "configid nope is not a topic (wrong, or deleted)")},
			{"new title", topic(harness.Page, "News", `"configid":"`+deals+`"`),
				errBody("210011", `an update cannot change the page (appid `+harness.Page+`) or the title ("Deals") of topic `+deals+`; create a new topic instead`)},
			{"new page", topic(otherPage, "Deals", `"configid":"`+deals+`"`),
				errBody("210011", `an update cannot change the page (appid `+harness.Page+`) or the title ("Deals") of topic `+deals+`; create a new topic instead`)},
			{"malformed", `{"appid":`, errBody("999999", "malformed JSON: the body ends early")},
		}
		for _, c := range cases {
			if got := s.post("create_or_update_title", c.body); got != c.want {
				t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
			}
		}

		// An update, by the seed's other spelling config_id, replaces the whole topic.
		s.clock.Add(time.Minute)
		got := s.post("create_or_update_title", topic(harness.Page, "Deals", `"describe":"Weekly deals"`, `"button_type":"SIGN_UP"`, `"config_id":"`+deals+`"`))
		if want := `{"item":"` + deals + `","ret_code":"000000","ret_msg":"成功"}`; got != want {
			t.Errorf("update:\n got %s\nwant %s", got, want)
		}
		got = s.post("get_title_list", `{"title":"Deals","appids":"`+harness.Page+`"}`)
		want := `{"item":[{"companyid":"` + s.BotID + `","create_time":` + ms(created) + `,"timezone":"","button_type":"SIGN_UP","image_url":"",` +
			`"title":"Deals","app_name":"Test shop","update_time":` + ms(s.clock.Now()) + `,"configid":"` + deals + `","image_ratio":"SQUARE",` +
			`"describe":"Weekly deals","appid":"` + harness.Page + `"}],"page_count":1,"page_no":1,"page_size":15,"ret_code":"000000","ret_msg":"成功","total_count":1}`
		if got != want {
			t.Errorf("updated topic:\n got %s\nwant %s", got, want)
		}

		// Deleting: an app reaches only its pages' topics.
		del := func(token, query string) string {
			return s.do("GET", "/chat-facebook/api/messenger/del_title"+query, token, "")
		}
		deletions := []struct{ name, token, query, want string }{
			{"no configid", s.Token, "", errBody("210013", "configid is required")},
			{"unknown configid", s.Token, "?configid=nope", errBody("210013", "configid nope is not a topic (wrong, or deleted)")},
			{"another app's page", firstToken, "?configid=" + other, errBody("210013", "configid "+other+" is not a topic of this app's pages")},
			{"delete", s.Token, "?configid=" + deals, `{"ret_code":"000000","ret_msg":"成功"}`},
			{"delete again", s.Token, "?configid=" + deals, errBody("210013", "configid "+deals+" is not a topic (wrong, or deleted)")},
			{"by config_id", s.Token, "?config_id=" + other, `{"ret_code":"000000","ret_msg":"成功"}`},
		}
		for _, c := range deletions {
			if got := del(c.token, c.query); got != c.want {
				t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
			}
		}
		if got, want := s.post("create_or_update_title", topic(harness.Page, "Deals", `"configid":"`+deals+`"`)),
			errBody("210013", "configid "+deals+" is not a topic (wrong, or deleted)"); got != want {
			t.Errorf("update after delete:\n got %s\nwant %s", got, want)
		}
		// The title is free again.
		item(t, s.post("create_or_update_title", topic(harness.Page, "Deals")))
	})
}

// summary reads a get_title_list answer as its titles and pagination.
func summary(t *testing.T, body string) string {
	t.Helper()
	var out struct {
		RetCode string `json:"ret_code"`
		RetMsg  string `json:"ret_msg"`
		Item    []struct {
			Title string `json:"title"`
		} `json:"item"`
		PageNo     int `json:"page_no"`
		PageSize   int `json:"page_size"`
		PageCount  int `json:"page_count"`
		TotalCount int `json:"total_count"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if out.RetCode != "000000" {
		return out.RetCode + " " + out.RetMsg
	}
	var titles []string
	for _, it := range out.Item {
		titles = append(titles, it.Title)
	}
	return fmt.Sprintf("[%s] page %d of %d, size %d, total %d", strings.Join(titles, " "), out.PageNo, out.PageCount, out.PageSize, out.TotalCount)
}

func TestTopicList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		s.secondPage(otherPage)
		var at []time.Time
		for i, title := range []string{"Apples", "apricots", "Beans", "100%_off"} {
			page := harness.Page
			if i == 2 {
				page = otherPage
			}
			s.clock.Add(time.Second)
			at = append(at, s.clock.Now())
			item(t, s.post("create_or_update_title", `{"appid":"`+page+`","title":"`+title+`","describe":"D","image_ratio":"SQUARE","button_type":"ALLOW"}`))
		}
		cases := []struct{ body, want string }{
			{``, "[100%_off Beans apricots Apples] page 1 of 1, size 15, total 4"},
			{`{}`, "[100%_off Beans apricots Apples] page 1 of 1, size 15, total 4"},
			{`{"page_no":0,"page_size":0}`, "[100%_off Beans apricots Apples] page 1 of 1, size 15, total 4"},
			{`{"page_size":3}`, "[100%_off Beans apricots] page 1 of 2, size 3, total 4"},
			{`{"page_size":"3","page_no":"2"}`, "[Apples] page 2 of 2, size 3, total 4"},
			{`{"page_size":3,"page_no":3}`, "[] page 3 of 2, size 3, total 4"},
			{`{"page_size":4}`, "[100%_off Beans apricots Apples] page 1 of 1, size 4, total 4"},
			{`{"page_size":1000}`, "[100%_off Beans apricots Apples] page 1 of 1, size 1000, total 4"},
			{`{"title":"AP"}`, "[apricots Apples] page 1 of 1, size 15, total 2"},
			{`{"title":"%"}`, "[100%_off] page 1 of 1, size 15, total 1"},
			{`{"title":"_"}`, "[100%_off] page 1 of 1, size 15, total 1"},
			{`{"title":"pears"}`, "[] page 1 of 0, size 15, total 0"},
			{`{"start_time":` + ms(at[1]) + `}`, "[100%_off Beans apricots] page 1 of 1, size 15, total 3"},
			{`{"end_time":"` + ms(at[1]) + `"}`, "[apricots Apples] page 1 of 1, size 15, total 2"},
			{`{"start_time":` + ms(at[1]) + `,"end_time":` + ms(at[2]) + `}`, "[Beans apricots] page 1 of 1, size 15, total 2"},
			{`{"appids":"` + otherPage + `"}`, "[Beans] page 1 of 1, size 15, total 1"},
			{`{"appids":" ` + harness.Page + `, ` + otherPage + `,"}`, "[100%_off Beans apricots Apples] page 1 of 1, size 15, total 4"},
			{`{"appids":110661988000001}`, "[Beans] page 1 of 1, size 15, total 1"},
			{`{"appids":"1,` + harness.Page + `"}`, "210002 appids 1 is not a page of this app"},
			{`{"page_no":-1}`, "999999 page_no: must be 1 or more, not -1"},
			{`{"page_no":1.5}`, `999999 page_no: must be a whole number, not "1.5"`},
			{`{"page_size":1001}`, "999999 page_size: must be at most 1000, not 1001"},
			{`{"page_no":"x"}`, `999999 page_no: must be a whole number, not "x"`},
			{`{"start_time":"yesterday"}`, `999999 start_time: must be a time in Unix milliseconds, not "yesterday"`},
			{`{"end_time":99999999999999999999}`, `999999 end_time: is out of range`},
			{`{"title":7}`, `999999 title: must be a string, not a JSON number`},
		}
		for _, c := range cases {
			if got := summary(t, s.post("get_title_list", c.body)); got != c.want {
				t.Errorf("%s:\n got %s\nwant %s", c.body, got, c.want)
			}
		}
	})
}
