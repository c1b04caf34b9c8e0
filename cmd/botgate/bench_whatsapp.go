package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/botgate/botgate/internal/load"
)

// The WhatsApp scenario's number and its limits: faster than seed 003's 20
// requests a second, so a run takes seconds, with the same shape.
const (
	benchWAPhone  = "+15550009999"
	benchWANumber = "109999000000001"
	benchWAToken  = "bench-whatsapp-token"
)

var benchWALimits = map[string]any{"requests_per_second": 100, "burst": 120, "new_users_per_second": 50}

// whatsApp measures paced throughput: the instances sharing one database
// (two on PostgreSQL, one on SQLite) take queued sends for one number,
// and the fake Cloud API's arrival times show whether together they kept
// the number's limits and how much of them they used.
func (b *benchRun) whatsApp(kind, callbackURL string) error {
	out := b.e.stdout
	fake, fakeURL, err := b.child("fakegraph-whatsapp", "fakegraph", "--max-recorded", "0")
	if err != nil {
		return err
	}
	defer fake.stop()
	if err := fakePost(fakeURL+"/_fake/whatsapp/numbers", map[string]any{"phone_number_id": benchWANumber,
		"display_phone_number": benchWAPhone[1:], "access_token": benchWAToken}); err != nil {
		return err
	}
	dsn, cleanup, err := b.database(kind, "whatsapp")
	if err != nil {
		return err
	}
	defer cleanup()
	instances := 1
	if kind == "postgres" {
		instances = 2
	}
	var urls []string
	for i := range instances {
		// One after the other: the first migrates the database.
		gw, u, err := b.gateway(fmt.Sprintf("%s-whatsapp-%d", kind, i), dsn, fakeURL)
		if err != nil {
			return err
		}
		defer gw.stop()
		urls = append(urls, u)
	}
	var bot struct{ ID string }
	if err := adminPost(urls[0]+"/admin/v1/bots", map[string]any{"name": "bench whatsapp", "callback_url": callbackURL,
		"settings": map[string]any{"window_policy": "off"}}, &bot); err != nil {
		return err
	}
	if err := adminDo(http.MethodPut, urls[0]+"/admin/v1/bots/"+bot.ID+"/whatsapp", map[string]any{"bot_phone": benchWAPhone,
		"phone_number_id": benchWANumber, "access_token": benchWAToken, "app_secret": benchSecret, "verify_token": "v",
		"limits": benchWALimits}, http.StatusOK, nil); err != nil {
		return err
	}
	var key struct{ Key string }
	if err := adminPost(urls[0]+"/admin/v1/bots/"+bot.ID+"/api-keys", nil, &key); err != nil {
		return err
	}

	// 1,200 queued sends to 200 users: each user's first is a new user's,
	// the rest are to users written to before.
	const messages, users = 1200, 200
	start := time.Now()
	res := load.Run(b.e.ctx, 8, messages, func(ctx context.Context, _, seq int) error {
		body := fmt.Sprintf(`{"id":"wa-%d","to":"4470090%05d","timestamp":"%d","source":"botchat","type":"text","text":{"body":"Your order has shipped"},"sync":false}`,
			seq, seq%users, start.Unix())
		return b.post(ctx, urls[seq%len(urls)]+"/channels/"+benchWAPhone+"/messages", key.Key, body)
	})
	if res.Errors > 0 {
		return fmt.Errorf("whatsapp run: %d of %d requests failed", res.Errors, res.Requests)
	}
	if err := waitFor(fakeURL+"/_fake/whatsapp/sends/count", messages, 5*time.Minute); err != nil {
		return err
	}
	var sends []struct {
		Time   time.Time
		To     string
		Status int
	}
	if err := getJSON(fakeURL+"/_fake/whatsapp/sends", &sends); err != nil {
		return err
	}
	var arrivals []arrival
	seen := map[string]bool{}
	for _, s := range sends { // in the order the fake recorded them
		if s.Status == 200 {
			arrivals = append(arrivals, arrival{at: s.Time, newUser: !seen[s.To]})
			seen[s.To] = true
		}
	}
	p := paceOf(arrivals)
	fmt.Fprintf(out, "whatsapp pacing, %d instance(s) sharing one %s database, one number limited to %d requests/s, %d in any second, %d new users/s: %d queued sends (%d to new users) went out in %.1fs\n",
		instances, kind, benchWALimits["requests_per_second"], benchWALimits["burst"], benchWALimits["new_users_per_second"], p.sends, p.newUsers, p.span.Seconds())
	fmt.Fprintf(out, "  steady request rate past the first burst %.1f/s = %.0f%% of the 100/s limit; busiest second %d requests (limit 120), %d new users (limit 50)\n",
		p.steady, p.steady, p.busiestRequests, p.busiestNew)
	return nil
}

// pace is what the fake's arrival times say about a run.
type pace struct {
	sends, newUsers             int
	span                        time.Duration
	steady                      float64 // requests a second past the first burst
	busiestRequests, busiestNew int     // in any one-second window
}

// arrival is one send reaching the fake Cloud API.
type arrival struct {
	at      time.Time
	newUser bool // the number's first send to the user
}

// paceOf counts a new user's send as the two requests seed 003 says it costs.
func paceOf(all []arrival) pace {
	slices.SortFunc(all, func(a, b arrival) int { return a.at.Compare(b.at) })
	var p pace
	requests := 0
	for i, a := range all {
		p.sends++
		requests++
		if a.newUser {
			p.newUsers++
			requests++
		}
		req, nu := 0, 0
		for _, x := range all[i:] {
			if x.at.Sub(a.at) >= time.Second {
				break
			}
			req++
			if x.newUser {
				req++
				nu++
			}
		}
		p.busiestRequests, p.busiestNew = max(p.busiestRequests, req), max(p.busiestNew, nu)
	}
	if len(all) > 1 {
		p.span = all[len(all)-1].at.Sub(all[0].at)
		// What the limits let go at once, before the steady rate.
		burst := float64(benchWALimits["burst"].(int) - benchWALimits["requests_per_second"].(int))
		p.steady = math.Max(0, float64(requests)-burst) / p.span.Seconds()
	}
	return p
}

func getJSON(u string, out any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}
