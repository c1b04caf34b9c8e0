package broadcast

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// target is one resolved recipient, before its time is reckoned.
type target struct {
	recipient string // as the recipients list shows it; unique per broadcast
	way       string // psid, wa_id, phone, username, email, token
	contact   string // the contact's key when known: a PSID or "wa:digits"
	zone      string // an hours offset or an IANA name; '' unknown
	params    map[string]string
	skip      string // a reason known at once (no such linked user)
}

// Ways a recipient is named.
const (
	WayPSID     = "psid"
	WayWaID     = "wa_id"
	WayPhone    = "phone"
	WayUsername = "username"
	WayEmail    = "email"
	WayToken    = "token"
)

// pageSize bounds one page of an audience: memory and one transaction.
const pageSize = 2000

// page reads the audience after cursor, up to pageSize targets, resolved
// (links, zones). done is true on the last page.
func (s *Service) page(ctx context.Context, botID string, spec *Spec, cursor string) (ts []target, next string, done bool, err error) {
	a := &spec.Audience
	switch {
	case a.List != nil:
		ts, next, done = listPage(spec.Channel, a.List, cursor)
	case a.Upload != "":
		ts, next, done, err = s.uploadPage(ctx, spec.Channel, a.Upload, cursor)
	case a.Topic != "":
		ts, next, done, err = s.topicPage(ctx, botID, a.Topic, cursor)
	default:
		ts, next, done, err = s.contactPage(ctx, botID, spec, cursor)
	}
	if err != nil {
		return nil, "", false, err
	}
	return ts, next, done, s.resolve(ctx, botID, ts)
}

func listPage(channel string, list []ListEntry, cursor string) ([]target, string, bool) {
	from, _ := strconv.Atoi(cursor)
	to := min(from+pageSize, len(list))
	ts := make([]target, 0, to-from)
	for _, e := range list[from:to] {
		way, value := e.way()
		ts = append(ts, newTarget(channel, way, value, e.Params))
	}
	return ts, strconv.Itoa(to), to == len(list)
}

// way returns the one way e names its user.
func (e ListEntry) way() (string, string) {
	switch {
	case e.PSID != "":
		return WayPSID, e.PSID
	case e.WaID != "":
		return WayWaID, e.WaID
	case e.Phone != "":
		return WayPhone, e.Phone
	case e.Username != "":
		return WayUsername, e.Username
	}
	return WayEmail, e.Email
}

// newTarget names a recipient as its way and channel make it: WhatsApp
// users by their number, Messenger users by PSID, linked account or phone.
func newTarget(channel, way, value string, params map[string]string) target {
	t := target{way: way, recipient: value, params: params}
	switch {
	case channel == core.ChannelWhatsApp && (way == WayWaID || way == WayPhone):
		digits := strings.TrimPrefix(value, "+")
		t.way, t.recipient, t.contact = WayWaID, "+"+digits, core.WAContact(digits)
	case channel == core.ChannelWhatsApp || way == WayWaID:
		t.skip = ReasonUnknown // a Messenger way on WhatsApp, or the other way round
	case way == WayPSID:
		t.contact = value
	case way == WayUsername || way == WayEmail:
		t.recipient = way + ":" + value
	}
	return t
}

func (s *Service) topicPage(ctx context.Context, botID, topic, cursor string) ([]target, string, bool, error) {
	rows, err := s.Store.Read(ctx, `SELECT psid, token, timezone FROM subscriptions
		WHERE bot_id = $1 AND title = $2 AND psid > $3 AND status = 1 AND (expires_at IS NULL OR expires_at > $4)
		ORDER BY psid LIMIT $5`, botID, topic, cursor, s.Store.Now().UnixMilli(), pageSize)
	if err != nil {
		return nil, "", false, err
	}
	defer rows.Close()
	var ts []target
	for rows.Next() {
		var psid, token, zone string
		if err := rows.Scan(&psid, &token, &zone); err != nil {
			return nil, "", false, err
		}
		ts = append(ts, target{recipient: token, way: WayToken, contact: psid, zone: zone})
		cursor = psid
	}
	return ts, cursor, len(ts) < pageSize, rows.Err()
}

// contactPage reads the bot's contacts of the broadcast's channel that the
// audience picks: window open now, wrote within, or matching the filter.
func (s *Service) contactPage(ctx context.Context, botID string, spec *Spec, cursor string) ([]target, string, bool, error) {
	a := &spec.Audience
	var f filter
	if a.Filter != "" {
		var err error
		if f, err = parseFilter(a.Filter); err != nil {
			return nil, "", false, err
		}
	}
	since := time.Time{}
	switch {
	case a.WindowOpen:
		since = s.Store.Now().Add(-core.StandardWindow)
	case a.WroteWithin > 0:
		since = s.Store.Now().Add(-a.WroteWithin)
	}
	cs, err := s.Store.ContactsAfter(ctx, store.ContactQuery{BotID: botID, After: cursor, Limit: pageSize})
	if err != nil {
		return nil, "", false, err
	}
	var ts []target
	for _, c := range cs {
		cursor = c.PSID
		wa := strings.HasPrefix(c.PSID, "wa:")
		if wa != (spec.Channel == core.ChannelWhatsApp) {
			continue
		}
		if !since.IsZero() && (c.LastInboundAt == nil || !c.LastInboundAt.After(since)) {
			continue
		}
		if f != nil && !f.match(c.Params, c.Tags) {
			continue
		}
		t := target{recipient: c.PSID, way: WayPSID, contact: c.PSID}
		if wa {
			t.recipient, t.way = "+"+strings.TrimPrefix(c.PSID, "wa:"), WayWaID
		}
		if c.Profile != nil && c.Profile.Timezone != 0 {
			t.zone = offsetZone(c.Profile.Timezone)
		}
		ts = append(ts, t)
	}
	return ts, cursor, len(cs) < pageSize, nil
}

// resolve finds the users linked accounts name and the zones of the
// contacts that have none yet: the profile's, else a subscription's.
func (s *Service) resolve(ctx context.Context, botID string, ts []target) error {
	var keys []string
	for i := range ts {
		t := &ts[i]
		if t.skip != "" {
			continue
		}
		if t.way == WayUsername || t.way == WayEmail {
			psid, err := s.Store.ResolveLink(ctx, botID, t.way, strings.TrimPrefix(t.recipient, t.way+":"))
			if err != nil && core.ErrorKind(err) != core.KindUnknownUser {
				return err
			}
			if psid == "" {
				t.skip = ReasonUnknown
				continue
			}
			t.contact = psid
		}
		if t.contact != "" && t.zone == "" {
			keys = append(keys, t.contact)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	zones, err := s.zones(ctx, botID, keys)
	if err != nil {
		return err
	}
	for i := range ts {
		if z, ok := zones[ts[i].contact]; ok && ts[i].zone == "" {
			ts[i].zone = z
		}
	}
	return nil
}

// zones reads the known zones of contacts, a few hundred at a query.
func (s *Service) zones(ctx context.Context, botID string, keys []string) (map[string]string, error) {
	out := map[string]string{}
	for chunk := range slices.Chunk(keys, 4*insertChunk) {
		if err := s.zonesOf(ctx, botID, chunk, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) zonesOf(ctx context.Context, botID string, keys []string, out map[string]string) error {
	args := []any{botID}
	marks := make([]string, len(keys))
	for i, k := range keys {
		args = append(args, k)
		marks[i] = "$" + strconv.Itoa(i+2)
	}
	in := strings.Join(marks, ", ")
	rows, err := s.Store.Read(ctx, `SELECT psid, timezone FROM subscriptions WHERE bot_id = $1 AND timezone <> '' AND psid IN (`+in+`)`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var psid, zone string
		if err := rows.Scan(&psid, &zone); err != nil {
			rows.Close()
			return err
		}
		out[psid] = zone
	}
	rows.Close()
	rows, err = s.Store.Read(ctx, `SELECT psid, profile FROM contacts WHERE bot_id = $1 AND profile IS NOT NULL AND psid IN (`+in+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var psid, profile string
		if err := rows.Scan(&psid, &profile); err != nil {
			return err
		}
		var p core.Profile
		if json.Unmarshal([]byte(profile), &p) == nil && p.Timezone != 0 {
			out[psid] = offsetZone(p.Timezone) // the profile's zone wins
		}
	}
	return rows.Err()
}
