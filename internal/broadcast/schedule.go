package broadcast

import (
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // IANA zones even where the system has none

	"github.com/botgate/botgate/internal/core"
)

// A recipient's zone is, in this order: the Messenger profile's timezone
// (hours from UTC, possibly fractional: 5.75), the Sobot subscription's
// timezone (an IANA name), or the broadcast's default_timezone; UTC when
// none is known.

// offsetZone writes a Messenger profile's hours offset as a zone column value.
func offsetZone(hours float64) string { return strconv.FormatFloat(hours, 'f', -1, 64) }

var zones sync.Map // zone text → *time.Location

// location reads a zone column value: an hours offset ("5.75", "-5") or an
// IANA name. Unknown text gives nil.
func location(zone string) *time.Location {
	if zone == "" {
		return nil
	}
	if l, ok := zones.Load(zone); ok {
		return l.(*time.Location)
	}
	var loc *time.Location
	if h, err := strconv.ParseFloat(zone, 64); err == nil && h >= -12 && h <= 14 {
		loc = time.FixedZone("UTC"+zone, int(h*3600))
	} else if l, err := time.LoadLocation(zone); err == nil && zone != "Local" {
		loc = l
	}
	if loc != nil {
		zones.Store(zone, loc)
	}
	return loc
}

// clock is a "HH:MM" time of day, in minutes since midnight.
type clock int

func parseClock(field, s string) (clock, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || len(h) != 2 || len(m) != 2 || err1 != nil || err2 != nil || hh > 23 || mm > 59 || hh < 0 || mm < 0 {
		return 0, core.Invalid(field, "must be a time of day such as \"09:00\", not %q", s)
	}
	return clock(hh*60 + mm), nil
}

// plan is a Schedule checked and parsed, ready to time recipients.
type plan struct {
	at        *time.Time
	date      time.Time // with local: the date, at midnight UTC (its Y-M-D is what counts)
	local     *clock
	defZone   string
	skipLate  bool
	quiet     bool
	quietFrom clock
	quietTo   clock
	expires   *time.Time
}

func parsePlan(s Schedule, expires *time.Time) (*plan, error) {
	p := &plan{at: s.At, defZone: s.DefaultTimezone, expires: expires}
	if s.At != nil && (s.LocalTime != "" || s.Date != "") {
		return nil, core.Invalid("schedule", "give at, or local_time with date, not both")
	}
	if s.LocalTime != "" || s.Date != "" {
		c, err := parseClock("schedule.local_time", s.LocalTime)
		if err != nil {
			return nil, err
		}
		d, err := time.Parse("2006-01-02", s.Date)
		if err != nil {
			return nil, core.Invalid("schedule.date", "must be a date such as \"2026-12-24\", not %q", s.Date)
		}
		p.local, p.date = &c, d
	}
	if s.DefaultTimezone != "" && location(s.DefaultTimezone) == nil {
		return nil, core.Invalid("schedule.default_timezone", "must be an IANA time zone such as \"Asia/Shanghai\", not %q", s.DefaultTimezone)
	}
	switch s.Late {
	case "", LateSendNow:
	case LateSkip:
		p.skipLate = true
	default:
		return nil, core.Invalid("schedule.late", "must be send_now or skip, not %q", s.Late)
	}
	if len(s.QuietHours) > 0 {
		if len(s.QuietHours) != 2 {
			return nil, core.Invalid("schedule.quiet_hours", "must be two times of day, [from, to], such as [\"21:00\", \"08:00\"]")
		}
		var err error
		if p.quietFrom, err = parseClock("schedule.quiet_hours[0]", s.QuietHours[0]); err != nil {
			return nil, err
		}
		if p.quietTo, err = parseClock("schedule.quiet_hours[1]", s.QuietHours[1]); err != nil {
			return nil, err
		}
		p.quiet = p.quietFrom != p.quietTo
	}
	return p, nil
}

// zoneOf is where a recipient's local times are read: its own zone, else
// the default, else UTC.
func (p *plan) zoneOf(zone string) *time.Location {
	if l := location(zone); l != nil {
		return l
	}
	if l := location(p.defZone); l != nil {
		return l
	}
	return time.UTC
}

// when times one recipient for a broadcast that starts at start: the
// instant its message may go, or a skip reason.
func (p *plan) when(zone string, start time.Time) (time.Time, string) {
	loc := p.zoneOf(zone)
	t := start
	switch {
	case p.at != nil:
		if p.at.After(start) {
			t = *p.at
		}
	case p.local != nil:
		y, m, d := p.date.Date()
		t = time.Date(y, m, d, int(*p.local)/60, int(*p.local)%60, 0, 0, loc)
		if t.Before(start) {
			if p.skipLate {
				return t, ReasonLate
			}
			t = start
		}
	}
	t = p.afterQuiet(t, loc)
	if p.expires != nil && !t.Before(*p.expires) {
		return t, ReasonExpired
	}
	return t, ""
}

// afterQuiet moves t out of the quiet hours: to their end, local.
func (p *plan) afterQuiet(t time.Time, loc *time.Location) time.Time {
	if !p.quiet {
		return t
	}
	lt := t.In(loc)
	now := clock(lt.Hour()*60 + lt.Minute())
	var inside bool
	if p.quietFrom < p.quietTo {
		inside = now >= p.quietFrom && now < p.quietTo
	} else { // across midnight: 21:00 → 08:00
		inside = now >= p.quietFrom || now < p.quietTo
	}
	if !inside {
		return t
	}
	y, m, d := lt.Date()
	end := time.Date(y, m, d, int(p.quietTo)/60, int(p.quietTo)%60, 0, 0, loc)
	if !end.After(lt) {
		end = time.Date(y, m, d+1, int(p.quietTo)/60, int(p.quietTo)%60, 0, 0, loc)
	}
	return end
}
