package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

func waBot(t *testing.T, s *store.Store, limits core.WALimits) *core.Bot {
	t.Helper()
	ctx := context.Background()
	b := newBot("bot_wa", "")
	b.Messenger = nil
	if err := s.CreateBot(ctx, b); err != nil {
		t.Fatal(err)
	}
	ch := &core.WhatsAppChannel{Phone: "+15550001111", PhoneNumberID: "109000", AccessToken: "wa-token",
		AppSecret: "wa-secret", VerifyToken: "wa-verify", Limits: limits.WithDefaults(), Tier: 1}
	if err := s.SetWhatsApp(ctx, b.ID, ch); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetBot(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func reserve(t *testing.T, s *store.Store, botID, contact string, maxWait time.Duration) (store.WAReservation, error) {
	t.Helper()
	var r store.WAReservation
	err := s.Write(context.Background(), func(tx *store.Tx) error {
		var err error
		r, err = tx.ReserveWhatsApp(botID, contact, maxWait, 0)
		return err
	})
	return r, err
}

func TestWhatsAppChannelRoundTripsAndConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := db.Open(t, store.Options{})
		bot := waBot(t, s, core.WALimits{Preset: "meta"})
		ch := bot.WhatsApp
		if ch == nil || ch.Phone != "+15550001111" || ch.PhoneNumberID != "109000" || ch.AccessToken != "wa-token" ||
			ch.AppSecret != "wa-secret" || ch.VerifyToken != "wa-verify" || ch.Tier != 1 {
			t.Fatalf("channel did not round-trip: %+v", ch)
		}
		if !slices.Equal(ch.Limits.Tiers, core.TierPresets["meta"]) || ch.Limits.Burst != 60 {
			t.Fatalf("limits = %+v", ch.Limits)
		}
		for _, find := range []func() (*core.Bot, error){
			func() (*core.Bot, error) { return s.BotByWhatsAppPhone(ctx, "+15550001111") },
			func() (*core.Bot, error) { return s.BotByPhoneNumberID(ctx, "109000") },
		} {
			if b, err := find(); err != nil || b.ID != bot.ID {
				t.Fatalf("lookup = %v, %v", b, err)
			}
		}
		other := newBot("bot_other", "page-9")
		if err := s.CreateBot(ctx, other); err != nil {
			t.Fatal(err)
		}
		err := s.SetWhatsApp(ctx, other.ID, &core.WhatsAppChannel{Phone: "+15550001111", PhoneNumberID: "2", Limits: ch.Limits, Tier: 1})
		if core.ErrorKind(err) != core.KindConflict {
			t.Fatalf("taking another bot's number: %v, want conflict", err)
		}
		if err := s.DeleteBot(ctx, bot.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.BotByWhatsAppPhone(ctx, "+15550001111"); core.ErrorKind(err) != core.KindNotFound {
			t.Fatalf("deleted bot's number: %v", err)
		}
		if err := s.SetWhatsApp(ctx, other.ID, &core.WhatsAppChannel{Phone: "+15550001111", PhoneNumberID: "109000", Limits: ch.Limits, Tier: 1}); err != nil {
			t.Fatalf("a deleted bot's number is free: %v", err)
		}
	})
}

// TestWhatsAppPacingOverTime queues 1,000 sends at once, to 350 new users and
// 50 known ones, and plays them out on a simulated clock the way the send
// workers do: every send asks for a turn, waits for it, and goes at it. No
// one-second window may hold more than 60 requests (a new user's two
// counted) or 10 new users, and past the first burst the rate must stay at
// 20 requests a second. A sync send in the middle of the backlog must still
// find a turn within its bound. After a quiet spell, 200 sends to known
// users use the burst and hold to the same limits.
func TestWhatsAppPacingOverTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		start := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		clock := storetest.NewClock(start)
		s := db.Open(t, store.Options{Now: clock.Now})
		bot := waBot(t, s, core.WALimits{})
		requests, _ := bot.WhatsApp.Limits.Paces()
		p := &pacePlayer{t: t, s: s, clock: clock, botID: bot.ID, seen: map[string]bool{}}

		var contacts []string
		for i := range 1000 {
			contact := core.WAContact(fmt.Sprintf("+1555%07d", i))
			if i >= 350 {
				contact = core.WAContact(fmt.Sprintf("+1666%07d", i%50)) // 50 users, written to again and again
			}
			contacts = append(contacts, contact)
		}
		// Everyone wrote first, so the daily tier does not come into it.
		err := s.Write(context.Background(), func(tx *store.Tx) error {
			for _, c := range contacts {
				if err := tx.TouchContact(bot.ID, c, &start); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sends := p.play(contacts, 500)
		if len(sends) != 1001 {
			t.Fatalf("%d sends went, want 1001", len(sends))
		}
		maxReq, maxNew := busiestSecond(sends)
		if maxReq > 60 || maxNew > 10 {
			t.Fatalf("busiest second held %d requests and %d new users; limits are 60 and 10", maxReq, maxNew)
		}
		total := requestsOf(sends)
		span := sends[len(sends)-1].at.Sub(sends[0].at).Seconds()
		steady := float64(total-requests.Capacity) / span
		if steady > 20.0001 || steady < 19 {
			t.Fatalf("steady rate %.3f requests/s past the first burst of %d; the limit is 20, and turns must not go unused", steady, requests.Capacity)
		}
		t.Logf("%d requests over %.1fs: %.2f/s steady past a burst of %d, %.2f/s overall; busiest second %d requests, %d new users; %d asks for 1001 sends",
			total, span, steady, requests.Capacity, float64(total)/span, maxReq, maxNew, p.asks)

		clock.AtLeast(clock.Now().Add(10 * time.Second))
		sends = p.play(contacts[350:550], -1)
		maxReq, maxNew = busiestSecond(sends)
		if maxReq > 60 || maxReq < 55 || maxNew != 0 {
			t.Fatalf("after a quiet spell the busiest second held %d requests (want the burst, 55 to 60) and %d new users", maxReq, maxNew)
		}
	})
}

type paceSend struct {
	at      time.Time
	newUser bool
}

// pacePlayer plays queued sends out on a simulated clock as the send
// workers do: each asks for a turn, waits for its turn or its place in
// line, and goes when it holds a turn.
type pacePlayer struct {
	t     *testing.T
	s     *store.Store
	clock *storetest.Clock
	botID string
	seen  map[string]bool
	asks  int
}

// play sends to contacts, all queued at once; after syncAfter sends (if not
// negative) a sync send asks for a turn in the middle of the backlog.
func (p *pacePlayer) play(contacts []string, syncAfter int) []paceSend {
	t := p.t
	type job struct {
		contact string
		due     time.Time
		hold    bool
	}
	var queue []*job
	for _, c := range contacts {
		queue = append(queue, &job{contact: c, due: p.clock.Now()})
	}
	var sends []paceSend
	for len(queue) > 0 {
		slices.SortStableFunc(queue, func(a, b *job) int { return a.due.Compare(b.due) })
		j := queue[0]
		p.clock.AtLeast(j.due)
		if j.hold {
			queue = queue[1:]
			p.sent(j.contact)
			sends = append(sends, paceSend{at: j.due, newUser: !p.seen[j.contact]})
			p.seen[j.contact] = true
			continue
		}
		p.asks++
		r, err := reserve(t, p.s, p.botID, j.contact, -1)
		if err != nil {
			t.Fatal(err)
		}
		if r.NewUser == p.seen[j.contact] {
			t.Fatalf("%s: NewUser = %v, but sent to before = %v", j.contact, r.NewUser, p.seen[j.contact])
		}
		if r.At.Before(p.clock.Now()) {
			t.Fatalf("turn %s is before now %s", r.At, p.clock.Now())
		}
		j.due, j.hold = r.At, r.Paced
		if len(sends) == syncAfter {
			syncAfter = -1
			now, contact := p.clock.Now(), core.WAContact("+17770000001")
			r, err := reserve(t, p.s, p.botID, contact, 5*time.Second)
			if err != nil {
				t.Fatalf("a sync send behind %d queued ones: %v", len(queue), err)
			}
			if wait := r.At.Sub(now); wait > store.WAHorizon+time.Second {
				t.Fatalf("a sync send waited %s behind the queue; queued sends book at most %s ahead", wait, store.WAHorizon)
			}
			p.sent(contact)
			sends = append(sends, paceSend{at: r.At, newUser: r.NewUser})
			p.seen[contact] = true
		}
	}
	slices.SortFunc(sends, func(a, b paceSend) int { return a.at.Compare(b.at) })
	return sends
}

// sent notes that a send reached contact, as the dispatcher does.
func (p *pacePlayer) sent(contact string) {
	err := p.s.Write(context.Background(), func(tx *store.Tx) error { return tx.NoteOutbound(p.botID, contact) })
	if err != nil {
		p.t.Fatal(err)
	}
}

// busiestSecond is the most requests (a new user's counted twice) and new
// users any one-second window of sends holds.
func busiestSecond(sends []paceSend) (requests, newUsers int) {
	for i, first := range sends {
		var win []paceSend
		for _, x := range sends[i:] {
			if x.at.Sub(first.at) >= time.Second {
				break
			}
			win = append(win, x)
		}
		requests = max(requests, requestsOf(win))
		n := 0
		for _, x := range win {
			if x.newUser {
				n++
			}
		}
		newUsers = max(newUsers, n)
	}
	return requests, newUsers
}

func requestsOf(sends []paceSend) int {
	n := 0
	for _, x := range sends {
		n++
		if x.newUser {
			n += core.NewUserCost - 1
		}
	}
	return n
}

// TestWhatsAppTiersAcrossDays walks a number up a small ladder (3 → 6 →
// unlimited, up after twice the tier within 7 days) on a simulated clock:
// users reached outside a window count once per 24 hours, users who wrote
// do not count, a sync send over the tier is refused, a queued one holds
// the first place the tier frees and goes then.
func TestWhatsAppTiersAcrossDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		day0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		clock := storetest.NewClock(day0)
		s := db.Open(t, store.Options{Now: clock.Now})
		bot := waBot(t, s, core.WALimits{RequestsPerSecond: 1000, Burst: 1002, NewUsersPerSecond: 1000,
			Tiers: []int{3, 6, 0}, UpgradeMultiple: 2, UpgradeWindowDays: 7})
		user := func(i int) string { return core.WAContact(fmt.Sprintf("+4470000000%02d", i)) }
		send := func(i int, maxWait time.Duration) store.WAReservation {
			t.Helper()
			clock.AtLeast(clock.Now().Add(time.Second))
			r, err := reserve(t, s, bot.ID, user(i), maxWait)
			if err != nil {
				t.Fatalf("send to user %d: %v", i, err)
			}
			return r
		}
		tier := func() store.WATier {
			t.Helper()
			got, err := s.WhatsAppTier(ctx, bot.ID)
			if err != nil {
				t.Fatal(err)
			}
			return *got
		}

		for i := 1; i <= 3; i++ {
			if r := send(i, time.Second); !r.Counted || !r.Paced {
				t.Fatalf("user %d: %+v, want counted", i, r)
			}
		}
		if got, want := tier(), (store.WATier{Tier: 1, Limit: 3, Reached: 3, Available: 0, Window: 3, UpgradeAt: 6, NextLimit: 6, WindowDays: 7}); got != want {
			t.Fatalf("day 0 tier = %+v, want %+v", got, want)
		}
		if r := send(1, time.Second); r.Counted {
			t.Fatalf("user 1 again the same day counted: %+v", r)
		}
		written := day0.Add(time.Minute)
		if err := s.Write(ctx, func(tx *store.Tx) error { return tx.TouchContact(bot.ID, user(5), &written) }); err != nil {
			t.Fatal(err)
		}
		if r := send(5, time.Second); r.Counted {
			t.Fatalf("user 5 wrote within 24 hours, yet counted: %+v", r)
		}
		clock.AtLeast(day0.Add(2 * time.Minute))
		_, err := reserve(t, s, bot.ID, user(4), time.Second)
		if core.ErrorKind(err) != core.KindTierExhausted {
			t.Fatalf("sync send over the tier: %v, want tier exhausted", err)
		}
		held, err := reserve(t, s, bot.ID, user(4), -1)
		if err != nil || held.Paced || !held.Counted {
			t.Fatalf("queued send over the tier: %+v, %v; want a held place", held, err)
		}
		// The first place frees 24 hours after user 1 was reached.
		if want := day0.Add(time.Second + 24*time.Hour); !held.At.Equal(want) {
			t.Fatalf("held place at %s, want %s", held.At, want)
		}
		if got := tier(); got.Scheduled != 1 || got.Available != 0 {
			t.Fatalf("with a place held: %+v", got)
		}

		// Day 1: the held send goes at its place, counted already.
		clock.AtLeast(held.At)
		if r := send(4, 0); r.Counted || !r.Paced {
			t.Fatalf("the held send at its place: %+v", r)
		}
		for i := 6; i <= 7; i++ {
			send(i, time.Second)
		}
		// Six unique users within 7 days: the next send over tier 1 moves
		// the number to tier 2 instead of being refused.
		if r := send(8, time.Second); !r.Counted {
			t.Fatalf("user 8: %+v", r)
		}
		got := tier()
		if got.Tier != 2 || got.Limit != 6 || got.Reached != 4 || got.Window != 7 || got.UpgradeAt != 12 || got.NextLimit != 0 {
			t.Fatalf("day 1 tier = %+v, want tier 2 with 4 reached, 7 in the window", got)
		}
		b, err := s.GetBot(ctx, bot.ID)
		if err != nil || b.WhatsApp.Tier != 2 {
			t.Fatalf("bot's tier after the upgrade = %v, %v", b.WhatsApp, err)
		}

		// Day 2 to 8: 12 unique users within 7 days reach the top, unlimited.
		for d, next := 2, 9; d <= 8 && tier().Tier < 3; d++ {
			clock.AtLeast(day0.Add(time.Duration(d) * 24 * time.Hour))
			for range 6 {
				send(next, time.Second)
				next++
			}
		}
		if got := tier(); got.Tier != 3 || got.Limit != 0 || got.Available != -1 || got.UpgradeAt != 0 {
			t.Fatalf("top tier = %+v", got)
		}

		// Pruning forgets places older than the upgrade window, and the
		// count stays right.
		clock.AtLeast(clock.Now().Add(30 * 24 * time.Hour))
		if _, err := s.PruneReach(ctx); err != nil {
			t.Fatal(err)
		}
		if got := tier(); got.Reached != 0 || got.Window != 0 || got.Tier != 3 {
			t.Fatalf("a month later: %+v", got)
		}
	})
}
