package v1_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// filterContact is what the test imported for one contact, to compute each
// filter's expected answer independently of botgate.
type filterContact struct {
	id          string
	whatsapp    bool
	first, last string
	city        string
	vip         bool
	topic       string // subscribed topic, "" none
	interacted  time.Time
	neverWrote  bool
}

// importRows posts JSON Lines of kind through the admin import.
func (e *env) importRows(kind string, rows []map[string]any) {
	e.T.Helper()
	var b strings.Builder
	for _, r := range rows {
		line, _ := json.Marshal(r)
		b.Write(append(line, '\n'))
	}
	status, body := e.Do(http.MethodPost, "/admin/v1/bots/"+e.BotID+"/import?kind="+kind,
		http.Header{"Authorization": {"Bearer " + harness.AdminToken}, "Content-Type": {"application/x-ndjson"}}, []byte(b.String()))
	if status != 200 || !strings.Contains(string(body), `"refusals":[]`) {
		e.T.Fatalf("import %s: %d %s", kind, status, body)
	}
}

// TestContactFilters: every filter of GET /v1/contacts, alone and combined,
// answers exactly the contacts that match, in id order; paging over a
// filtered set with a small limit neither skips nor repeats; unknown
// parameters and bad values are refused naming the parameter.
func TestContactFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		e.AttachWhatsApp(nil)
		now := time.Now().UTC().Truncate(time.Second)
		var all []filterContact
		var contacts, params, subs []map[string]any
		for i := range 60 {
			c := filterContact{id: fmt.Sprintf("30000000000%04d", i), first: "Bob", last: fmt.Sprintf("Smith_%d", i%2),
				interacted: now.Add(-time.Duration(i) * time.Hour)}
			if i%4 == 0 {
				c.first = "Ada"
			}
			if i%2 == 0 {
				c.city = "Paris"
			} else if i%3 == 0 {
				c.city = "Lyon"
			}
			c.vip = i%3 == 0
			if i%5 == 0 {
				c.topic = "deals"
			}
			row := map[string]any{"psid": c.id, "first_name": c.first, "last_name": c.last}
			if c.neverWrote = i%10 == 9; !c.neverWrote {
				row["last_interaction_at"] = c.interacted.Format(time.RFC3339)
			}
			contacts = append(contacts, row)
			if c.city != "" {
				params = append(params, map[string]any{"psid": c.id, "key": "city", "value": c.city})
			}
			if c.topic != "" || i%5 == 1 {
				status := "subscribed"
				if i%5 == 1 { // stopped: not subscribed
					status = "stopped"
				}
				subs = append(subs, map[string]any{"psid": c.id, "topic": "deals", "token": fmt.Sprintf("tok-%d", i), "status": status})
			}
			all = append(all, c)
		}
		for i := range 3 {
			wa := fmt.Sprintf("44770090001%d", i)
			contacts = append(contacts, map[string]any{"wa_id": wa, "first_name": "Ada", "last_interaction_at": now.Format(time.RFC3339)})
			all = append(all, filterContact{id: "wa:" + wa, whatsapp: true, first: "Ada", interacted: now})
		}
		e.importRows("contacts", contacts)
		e.importRows("params", params)
		e.importRows("subscriptions", subs)
		for _, c := range all {
			if c.vip {
				status, _, body := e.call(http.MethodPatch, "/v1/contacts/"+c.id, e.APIKey, map[string]any{"tags": []string{"vip", "x"}})
				if status != 200 {
					t.Fatalf("tag %s: %d %s", c.id, status, body)
				}
			}
		}
		slices.SortFunc(all, func(a, b filterContact) int { return strings.Compare(a.id, b.id) })
		wrote := func(c filterContact) bool { return !c.neverWrote }
		named := func(text string) func(filterContact) bool {
			return func(c filterContact) bool { return strings.Contains(strings.ToLower(c.first+" "+c.last), text) }
		}
		since, until := now.Add(-20*time.Hour), now.Add(-5*time.Hour)
		for _, tc := range []struct {
			query string
			match func(filterContact) bool
		}{
			{"", func(filterContact) bool { return true }},
			{"channel=whatsapp", func(c filterContact) bool { return c.whatsapp }},
			{"channel=messenger", func(c filterContact) bool { return !c.whatsapp }},
			{"window=open", func(c filterContact) bool { return wrote(c) && now.Sub(c.interacted) < 24*time.Hour }},
			{"window=closed", func(c filterContact) bool { return !wrote(c) || now.Sub(c.interacted) >= 24*time.Hour }},
			{"tag=vip", func(c filterContact) bool { return c.vip }},
			{"tag=vi", func(filterContact) bool { return false }},
			{"param=city:Paris", func(c filterContact) bool { return c.city == "Paris" }},
			{"param=city:", func(filterContact) bool { return false }},
			{"topic=deals", func(c filterContact) bool { return c.topic != "" }},
			{"interacted_since=" + since.Format(time.RFC3339), func(c filterContact) bool { return wrote(c) && !c.interacted.Before(since) }},
			{"interacted_until=" + until.Format(time.RFC3339), func(c filterContact) bool { return wrote(c) && c.interacted.Before(until) }},
			{"name=aDA", named("ada")},
			{"name=ada+smith_0", named("ada smith_0")},
			{"name=h%25", named("h%")}, // % and _ are characters, not wildcards
			{"name=h_1", named("h_1")},
			{"name=hx1", named("hx1")},
			{"tag=vip&window=open&param=city:Paris&channel=messenger", func(c filterContact) bool {
				return c.vip && wrote(c) && now.Sub(c.interacted) < 24*time.Hour && c.city == "Paris"
			}},
			{"topic=deals&interacted_since=" + url.QueryEscape(since.Format(time.RFC3339)) + "&interacted_until=" + url.QueryEscape(until.Format(time.RFC3339)),
				func(c filterContact) bool {
					return c.topic != "" && wrote(c) && !c.interacted.Before(since) && c.interacted.Before(until)
				}},
		} {
			var want []string
			for _, c := range all {
				if tc.match(c) {
					want = append(want, c.id)
				}
			}
			// Pages of 7 over the filtered set, each id once, in order.
			var got []string
			cursor := ""
			for pages := 0; ; pages++ {
				q := "/v1/contacts?limit=7" + cursor
				if tc.query != "" {
					q += "&" + tc.query
				}
				status, _, body := e.call(http.MethodGet, q, e.APIKey, nil)
				page := decode(t, body)
				if status != 200 || pages > 20 {
					t.Fatalf("%s: %d %s", q, status, body)
				}
				for _, it := range page["items"].([]any) {
					got = append(got, it.(map[string]any)["id"].(string))
				}
				next, _ := page["next_cursor"].(string)
				if next == "" {
					break
				}
				cursor = "&cursor=" + next
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s:\n got %v\nwant %v", tc.query, got, want)
			}
		}
		for _, tc := range []struct{ query, field string }{
			{"colour=red", "colour"}, {"window=maybe", "window"}, {"channel=sms", "channel"}, {"param=city", "param"},
			{"param=first_name:Ada", "param"}, {"param=ci+ty:Paris", "param"}, {"tag=", "tag"}, {"interacted_since=yesterday", "interacted_since"},
			{"name=", "name"}, {"topic=" + strings.Repeat("t", 201), "topic"},
		} {
			status, h, body := e.call(http.MethodGet, "/v1/contacts?"+tc.query, e.APIKey, nil)
			p := problemOf(t, status, h, body, 400, "invalid")
			if errs, _ := p["errors"].([]any); len(errs) == 0 || errs[0].(map[string]any)["field"] != tc.field {
				t.Errorf("%s: %s; want field %s", tc.query, body, tc.field)
			}
		}
	})
}
