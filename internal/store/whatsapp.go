package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// A WhatsApp number's pacing and daily tier live on its row, which every
// reservation locks: processes sharing the database take turns on one row,
// so the limits hold across all of them.

type waSecrets struct {
	AccessToken string `json:"access_token"`
	AppSecret   string `json:"app_secret"`
	VerifyToken string `json:"verify_token"`
}

// waSealContext binds a number's sealed secrets to its bot.
func waSealContext(botID string) string { return "whatsapp:" + botID }

// SetWhatsApp attaches a WhatsApp number to a bot, or replaces its
// credentials and limits. A number another bot holds is a conflict. Moving
// the bot to another phone number id starts that number's pacing afresh,
// with its reach counted from the users it reached in the last 24 hours.
// ch.Tier 0 keeps the stored tier (1 for a new number).
func (s *Store) SetWhatsApp(ctx context.Context, botID string, ch *core.WhatsAppChannel) error {
	plain, err := json.Marshal(waSecrets{AccessToken: ch.AccessToken, AppSecret: ch.AppSecret, VerifyToken: ch.VerifyToken})
	if err != nil {
		return err
	}
	limits, err := json.Marshal(ch.Limits)
	if err != nil {
		return err
	}
	sealed := s.box.Seal(plain, waSealContext(botID))
	err = s.Write(ctx, func(tx *Tx) error {
		var other string
		err := tx.QueryRow(`SELECT bot_id FROM whatsapp_numbers WHERE (phone = $1 OR phone_number_id = $2) AND bot_id <> $3`,
			ch.Phone, ch.PhoneNumberID, botID).Scan(&other)
		if err == nil {
			return core.Errorf(core.KindConflict, "WhatsApp number %s (%s) already belongs to bot %s", ch.Phone, ch.PhoneNumberID, other)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := tx.Now()
		var current string
		err = tx.QueryRow(`SELECT phone_number_id FROM whatsapp_numbers WHERE bot_id = $1`, botID).Scan(&current)
		switch {
		case err == nil && current == ch.PhoneNumberID:
			// The tier moves on by itself (upgrades); it changes here only
			// when given, never from a cached copy.
			_, err = tx.Exec(`UPDATE whatsapp_numbers SET phone = $2, secrets = $3, limits = $4,
				tier = CASE WHEN $5 > 0 THEN $5 ELSE tier END, updated_at = $6, waba_id = $7 WHERE bot_id = $1`,
				botID, ch.Phone, sealed, string(limits), ch.Tier, ms(now), ch.WABAID)
			return err
		case err == nil:
			if _, err := tx.Exec(`DELETE FROM whatsapp_numbers WHERE bot_id = $1`, botID); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		since := now.Add(-core.StandardWindow).UnixMicro()
		var reach int
		if err := tx.QueryRow(`SELECT COUNT(*) FROM tier_reach WHERE phone_number_id = $1 AND at > $2`, ch.PhoneNumberID, since).Scan(&reach); err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO whatsapp_numbers (bot_id, phone, phone_number_id, secrets, limits, tier, reach, reach_since, created_at, updated_at, waba_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)`,
			botID, ch.Phone, ch.PhoneNumberID, sealed, string(limits), max(ch.Tier, 1), reach, since, ms(now), ch.WABAID)
		if isUnique(err) {
			return core.Errorf(core.KindConflict, "WhatsApp number %s (%s) already belongs to another bot", ch.Phone, ch.PhoneNumberID)
		}
		return err
	})
	s.bots.clear()
	return err
}

// RemoveWhatsApp detaches a bot's number. Its reach stays with the number,
// for a bot it is attached to later.
func (s *Store) RemoveWhatsApp(ctx context.Context, botID string) error {
	err := s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`DELETE FROM whatsapp_numbers WHERE bot_id = $1`, botID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.KindNotFound, "bot %s has no WhatsApp number", botID)
		}
		return nil
	})
	s.bots.clear()
	return err
}

// BotByWhatsAppPhone returns the live bot whose WhatsApp number is phone
// (E.164).
func (s *Store) BotByWhatsAppPhone(ctx context.Context, phone string) (*core.Bot, error) {
	return s.botByNumber(ctx, `phone`, phone)
}

// BotByPhoneNumberID returns the live bot whose WhatsApp number Graph knows
// by phoneNumberID.
func (s *Store) BotByPhoneNumberID(ctx context.Context, phoneNumberID string) (*core.Bot, error) {
	return s.botByNumber(ctx, `phone_number_id`, phoneNumberID)
}

func (s *Store) botByNumber(ctx context.Context, column, value string) (*core.Bot, error) {
	key := "wa:" + column + ":" + value
	if id, ok := s.bots.get(key); ok {
		return s.numberBot(ctx, id.(string), column, value)
	}
	var id string
	err := s.queryRow(ctx, `SELECT w.bot_id FROM whatsapp_numbers w JOIN bots b ON b.id = w.bot_id
		WHERE w.`+column+` = $1 AND b.deleted_at IS NULL`, value).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "no bot has the WhatsApp number %s", value)
	}
	if err != nil {
		return nil, err
	}
	s.bots.put(key, id)
	return s.numberBot(ctx, id, column, value)
}

// numberBot returns bot id if it has the number: the bot cache of a process
// may be older than the number's attachment to the bot, made by another.
func (s *Store) numberBot(ctx context.Context, id, column, value string) (*core.Bot, error) {
	b, err := s.GetBot(ctx, id)
	if err != nil {
		return nil, err
	}
	if w := b.WhatsApp; b.Deleted || w == nil || (column == "phone" && w.Phone != value) || (column == "phone_number_id" && w.PhoneNumberID != value) {
		return nil, core.Errorf(core.KindNotFound, "no bot has the WhatsApp number %s (yet, as this process knows)", value)
	}
	return b, nil
}

// openWhatsApp reads a number's sealed columns into its channel.
func (s *Store) openWhatsApp(botID string, phone, phoneNumberID, sealed, limits sql.NullString, tier sql.NullInt64) (*core.WhatsAppChannel, error) {
	if !phone.Valid {
		return nil, nil
	}
	plain, err := s.box.Open(sealed.String, waSealContext(botID))
	if err != nil {
		return nil, fmt.Errorf("store: bot %s WhatsApp secrets: %w", botID, err)
	}
	var sec waSecrets
	if err := json.Unmarshal(plain, &sec); err != nil {
		return nil, fmt.Errorf("store: bot %s WhatsApp secrets: %w", botID, err)
	}
	ch := &core.WhatsAppChannel{Phone: phone.String, PhoneNumberID: phoneNumberID.String,
		AccessToken: sec.AccessToken, AppSecret: sec.AppSecret, VerifyToken: sec.VerifyToken, Tier: int(tier.Int64)}
	if err := json.Unmarshal([]byte(limits.String), &ch.Limits); err != nil {
		return nil, fmt.Errorf("store: bot %s WhatsApp limits: %w", botID, err)
	}
	ch.Limits = ch.Limits.WithDefaults()
	return ch, nil
}

// WAHorizon is how far ahead queued sends take turns. A queued send whose
// turn is further away takes a place in line instead and asks again when
// its turn nears, so turns are never booked far ahead: a sync send, which
// waits at most its bound, finds one within about WAHorizon even while
// thousands of queued sends wait.
const WAHorizon = time.Second

// WAReservation is what a send to a WhatsApp user was granted.
type WAReservation struct {
	At time.Time // when the send may go, or ask again
	// Paced is true when At is the send's turn under the number's pace.
	// When false, At is when to ask again: a place in line, or the first
	// place the daily tier frees, which is held for the send.
	Paced   bool
	NewUser bool // the number had never sent to the user
	// Counted is true when the send reaches the user outside a
	// customer-service window for the first time in 24 hours: it takes a
	// place in the daily tier.
	Counted bool
}

// NoteOutbound records that a message reached contact: from then on the
// user is no longer new. It is noted when the message went, not when its
// turn was reserved, since a turn missed is given up and taken again.
func (tx *Tx) NoteOutbound(botID, contact string) error {
	now := ms(tx.Now())
	_, err := tx.Exec(`INSERT INTO contacts (bot_id, psid, last_outbound_at, created_at, updated_at) VALUES ($1, $2, $3, $3, $3)
		ON CONFLICT (bot_id, psid) DO UPDATE SET last_outbound_at = excluded.last_outbound_at, updated_at = excluded.updated_at`,
		botID, contact, now)
	return err
}

// waNumber is a number's row as a reservation reads and writes it.
type waNumber struct {
	botID, phoneNumberID string
	limits               core.WALimits
	tier                 int
	requestTAT, newTAT   time.Time
	queueTAT             time.Time
	reach                int
	reachSince           time.Time
	upgradeCheckedAt     time.Time
}

// ReserveWhatsApp takes a turn for one send from bot's number to contact, at
// the earliest time every limit allows: the request pace (a new user costs
// core.NewUserCost requests), the new-user pace and the daily tier.
//
// A sync send passes maxWait, its bound: a turn further ahead is not taken,
// and the error says which limit held it back (core.KindRateLimited or
// core.KindTierExhausted). A queued send passes a negative maxWait: beyond
// WAHorizon it gets a place in line instead, and over the daily tier it
// holds the first place the tier frees; both come with Paced false.
//
// lead puts the earliest turn that far ahead of now: a sender that found its
// last turn passed before it could take it asks for one it can reach.
func (tx *Tx) ReserveWhatsApp(botID, contact string, maxWait, lead time.Duration) (WAReservation, error) {
	n, err := tx.lockNumber(botID)
	if err != nil {
		return WAReservation{}, err
	}
	// The time now, not the transaction's start: on PostgreSQL the lock may
	// have been waited for, and a turn reckoned from a stale time would be
	// in the past when it is taken.
	now := tx.s.now().UTC()
	var lastIn, lastOut, lined sql.NullInt64
	err = tx.QueryRow(`SELECT last_inbound_at, last_outbound_at, lined_at FROM contacts WHERE bot_id = $1 AND psid = $2`,
		botID, contact).Scan(&lastIn, &lastOut, &lined)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return WAReservation{}, err
	}
	r := WAReservation{NewUser: !lastOut.Valid}

	if core.Outside(now, fromNullMS(lastIn)) {
		if r.Counted, err = tx.notCountedToday(n, contact, now); err != nil {
			return WAReservation{}, err
		}
	}
	if r.Counted {
		if err := tx.slideReach(n, now); err != nil {
			return WAReservation{}, err
		}
		if err := tx.maybeUpgrade(n, now, false); err != nil {
			return WAReservation{}, err
		}
		if limit := n.limits.TierLimit(n.tier); limit != 0 && n.reach >= limit {
			free, err := tx.tierFreesAt(n, limit, now)
			if err != nil {
				return WAReservation{}, err
			}
			if maxWait >= 0 {
				return WAReservation{}, &core.Error{Kind: core.KindTierExhausted, Message: fmt.Sprintf(
					"the number's daily tier is used up: it reached %d users outside a customer-service window in 24 hours (tier %d allows %d); the next place frees at %s",
					n.reach, n.tier, limit, free.UTC().Format(time.RFC3339))}
			}
			if err := tx.addReach(n, contact, free); err != nil {
				return WAReservation{}, err
			}
			return WAReservation{At: free, NewUser: r.NewUser, Counted: true}, tx.saveNumber(n)
		}
	}

	requests, newUsers := n.limits.Paces()
	limits, tats, costs := []core.Pace{requests}, []time.Time{n.requestTAT}, []int{1}
	if r.NewUser {
		limits, tats, costs = append(limits, newUsers), append(tats, n.newTAT), []int{core.NewUserCost, 1}
	}
	at, newTATs := core.Reserve(now.Add(lead), limits, tats, costs)
	wait := at.Sub(now)
	if maxWait < 0 && wait > WAHorizon {
		// In line: places are spaced at the request rate, so the queued
		// sends ask again one by one as turns come near, not all at once.
		// A new user's first send in line is spaced as the two requests
		// it will cost; the sends behind it to the same user as one.
		place := at.Add(-WAHorizon)
		if n.queueTAT.After(place) {
			place = n.queueTAT
		}
		cost := 1
		if r.NewUser && !lined.Valid {
			cost = core.NewUserCost
			if _, err := tx.Exec(`INSERT INTO contacts (bot_id, psid, lined_at, created_at, updated_at) VALUES ($1, $2, $3, $3, $3)
				ON CONFLICT (bot_id, psid) DO UPDATE SET lined_at = excluded.lined_at`, botID, contact, ms(now)); err != nil {
				return WAReservation{}, err
			}
		}
		n.queueTAT = place.Add(time.Duration(cost) * requests.Interval)
		return WAReservation{At: place, NewUser: r.NewUser}, tx.saveNumber(n)
	}
	if maxWait >= 0 && wait > maxWait {
		what := fmt.Sprintf("%g requests a second, %d in any one second", n.limits.RequestsPerSecond, n.limits.Burst)
		if r.NewUser {
			what += fmt.Sprintf(", %g new users a second", n.limits.NewUsersPerSecond)
		}
		return WAReservation{}, &core.Error{Kind: core.KindRateLimited, Message: fmt.Sprintf(
			"the number's pace (%s) has no turn within %s; the next is %s away", what, maxWait, wait.Round(time.Millisecond))}
	}
	n.requestTAT = newTATs[0]
	if r.NewUser {
		n.newTAT = newTATs[1]
	}
	r.At, r.Paced = at, true
	if r.Counted {
		if err := tx.addReach(n, contact, at); err != nil {
			return WAReservation{}, err
		}
	}
	return r, tx.saveNumber(n)
}

// lockNumber reads a bot's number for update: PostgreSQL processes wait
// for each other on the row; SQLite has one writer.
func (tx *Tx) lockNumber(botID string) (*waNumber, error) {
	lock := ""
	if tx.Dialect() == "postgres" {
		lock = " FOR UPDATE"
	}
	n := &waNumber{botID: botID}
	var limits string
	var reqTAT, newTAT, queueTAT, since, checked int64
	err := tx.QueryRow(`SELECT phone_number_id, limits, tier, request_tat, new_user_tat, queue_tat, reach, reach_since, upgrade_checked_at
		FROM whatsapp_numbers WHERE bot_id = $1`+lock, botID).
		Scan(&n.phoneNumberID, &limits, &n.tier, &reqTAT, &newTAT, &queueTAT, &n.reach, &since, &checked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "bot %s has no WhatsApp number", botID)
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(limits), &n.limits); err != nil {
		return nil, fmt.Errorf("store: bot %s WhatsApp limits: %w", botID, err)
	}
	n.limits = n.limits.WithDefaults()
	n.requestTAT, n.newTAT, n.queueTAT = micro(reqTAT), micro(newTAT), micro(queueTAT)
	n.reachSince, n.upgradeCheckedAt = micro(since), micro(checked)
	return n, nil
}

func (tx *Tx) saveNumber(n *waNumber) error {
	_, err := tx.Exec(`UPDATE whatsapp_numbers SET tier = $2, request_tat = $3, new_user_tat = $4, queue_tat = $5, reach = $6,
		reach_since = $7, upgrade_checked_at = $8 WHERE bot_id = $1`,
		n.botID, n.tier, toMicro(n.requestTAT), toMicro(n.newTAT), toMicro(n.queueTAT), n.reach, toMicro(n.reachSince), toMicro(n.upgradeCheckedAt))
	return err
}

// notCountedToday reports whether the number has not yet reached contact
// in the 24 hours before now (or holds a place for it ahead).
func (tx *Tx) notCountedToday(n *waNumber, contact string, now time.Time) (bool, error) {
	var one int
	err := tx.QueryRow(`SELECT 1 FROM tier_reach WHERE phone_number_id = $1 AND contact = $2 AND at > $3 LIMIT 1`,
		n.phoneNumberID, contact, now.Add(-core.StandardWindow).UnixMicro()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	return false, err
}

// slideReach drops from the number's reach the places older than 24 hours
// at now. The count is kept on the row and moved along, so a reservation
// reads only the places that expired since the last one.
func (tx *Tx) slideReach(n *waNumber, now time.Time) error {
	since := now.Add(-core.StandardWindow)
	if !since.After(n.reachSince) {
		return nil
	}
	var expired int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM tier_reach WHERE phone_number_id = $1 AND at > $2 AND at <= $3`,
		n.phoneNumberID, n.reachSince.UnixMicro(), since.UnixMicro()).Scan(&expired); err != nil {
		return err
	}
	n.reach, n.reachSince = max(n.reach-expired, 0), since
	return nil
}

func (tx *Tx) addReach(n *waNumber, contact string, at time.Time) error {
	_, err := tx.Exec(`INSERT INTO tier_reach (phone_number_id, contact, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		n.phoneNumberID, contact, at.UnixMicro())
	n.reach++
	return err
}

// tierFreesAt is when the 24-hour window ahead of now first holds fewer
// than limit places: 24 hours after the place that, once it expires,
// leaves limit-1.
func (tx *Tx) tierFreesAt(n *waNumber, limit int, now time.Time) (time.Time, error) {
	var at int64
	err := tx.QueryRow(`SELECT at FROM tier_reach WHERE phone_number_id = $1 AND at > $2 ORDER BY at LIMIT 1 OFFSET $3`,
		n.phoneNumberID, now.Add(-core.StandardWindow).UnixMicro(), n.reach-limit).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: tier of %s: %w", n.phoneNumberID, err)
	}
	return micro(at).Add(core.StandardWindow), nil
}

// upgradeCheckEvery bounds how often a number at its cap counts its users
// of the upgrade window, a count over up to days of places.
const upgradeCheckEvery = time.Minute

// maybeUpgrade moves the number up its ladder while it has reached the
// upgrade rule's count of unique users within the upgrade window. It runs
// when the tier is full (at most once a minute, unless forced) and when the
// admin API reads the number, which is when the tier matters.
func (tx *Tx) maybeUpgrade(n *waNumber, now time.Time, force bool) error {
	limit := n.limits.TierLimit(n.tier)
	if !force && (limit == 0 || n.reach < limit || now.Sub(n.upgradeCheckedAt) < upgradeCheckEvery) {
		return nil
	}
	n.upgradeCheckedAt = now
	for {
		need := n.limits.UpgradeAt(n.tier)
		if need == 0 {
			return nil
		}
		reached, err := tx.uniqueReach(n, now.Add(-n.limits.UpgradeWindow()), now)
		if err != nil || reached < need {
			return err
		}
		n.tier++
		tx.AfterCommit(tx.s.bots.clear)
	}
}

// uniqueReach counts the distinct users the number reached in (from, to].
func (tx *Tx) uniqueReach(n *waNumber, from, to time.Time) (int, error) {
	var c int
	err := tx.QueryRow(`SELECT COUNT(DISTINCT contact) FROM tier_reach WHERE phone_number_id = $1 AND at > $2 AND at <= $3`,
		n.phoneNumberID, from.UnixMicro(), to.UnixMicro()).Scan(&c)
	return c, err
}

// WATier is a number's daily tier as the admin API shows it.
type WATier struct {
	Tier      int `json:"tier"`
	Limit     int `json:"limit"`        // unique users per rolling 24 h outside a window; 0: unlimited
	Reached   int `json:"reached"`      // users reached in the last 24 h
	Scheduled int `json:"scheduled"`    // places held for queued sends, ahead of now
	Available int `json:"available"`    // what is left of Limit now (-1: unlimited)
	Window    int `json:"window_users"` // unique users reached within the upgrade window
	// UpgradeAt is how many unique users within the upgrade window move the
	// number up, and NextLimit the tier above's limit; both 0 at the top.
	UpgradeAt  int `json:"upgrade_at"`
	NextLimit  int `json:"next_limit"`
	WindowDays int `json:"upgrade_window_days"`
}

// WhatsAppTier reads a number's tier, first applying any upgrade it earned.
// It locks the number, as its sends do, so it runs alone (WriteAlone).
func (s *Store) WhatsAppTier(ctx context.Context, botID string) (*WATier, error) {
	var t WATier
	err := s.WriteAlone(ctx, false, func(tx *Tx) error {
		n, err := tx.lockNumber(botID)
		if err != nil {
			return err
		}
		now := tx.Now()
		if err := tx.slideReach(n, now); err != nil {
			return err
		}
		if err := tx.maybeUpgrade(n, now, true); err != nil {
			return err
		}
		if err := tx.saveNumber(n); err != nil {
			return err
		}
		t = WATier{Tier: n.tier, Limit: n.limits.TierLimit(n.tier), UpgradeAt: n.limits.UpgradeAt(n.tier),
			WindowDays: n.limits.UpgradeWindowDays}
		if t.UpgradeAt != 0 {
			t.NextLimit = n.limits.TierLimit(n.tier + 1)
		}
		if err := tx.QueryRow(`SELECT COUNT(*) FROM tier_reach WHERE phone_number_id = $1 AND at > $2`,
			n.phoneNumberID, now.UnixMicro()).Scan(&t.Scheduled); err != nil {
			return err
		}
		t.Reached = n.reach - t.Scheduled
		t.Available = -1
		if t.Limit != 0 {
			t.Available = max(t.Limit-n.reach, 0)
		}
		t.Window, err = tx.uniqueReach(n, now.Add(-n.limits.UpgradeWindow()), now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// pruneReach forgets the places no rule looks at any more: older than both
// 24 hours and the number's upgrade window. Each number's count is moved
// along first, so it never counts a place that is gone.
func (tx *Tx) pruneReach() (int64, error) {
	rows, err := tx.Query(`SELECT bot_id FROM whatsapp_numbers`)
	if err != nil {
		return 0, err
	}
	var bots []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		bots = append(bots, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var pruned int64
	for _, id := range bots {
		n, err := tx.lockNumber(id)
		if err != nil {
			return 0, err
		}
		now := tx.Now()
		if err := tx.slideReach(n, now); err != nil {
			return 0, err
		}
		if err := tx.saveNumber(n); err != nil {
			return 0, err
		}
		keep := max(n.limits.UpgradeWindow(), core.StandardWindow)
		res, err := tx.Exec(`DELETE FROM tier_reach WHERE phone_number_id = $1 AND at <= $2`, n.phoneNumberID, now.Add(-keep).UnixMicro())
		if err != nil {
			return 0, err
		}
		c, _ := res.RowsAffected()
		pruned += c
	}
	return pruned, nil
}

func toMicro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func micro(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
