package broadcast

import (
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// A 09:00-local broadcast reaches each zone at its own 09:00: the
// Messenger profile's hours offsets (fractional too) and IANA names.
func TestLocalTimePerZone(t *testing.T) {
	p, err := parsePlan(Schedule{LocalTime: "09:00", Date: "2026-12-24", DefaultTimezone: "America/New_York"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := utc("2026-12-23T12:00:00Z")
	for zone, want := range map[string]string{
		"8":              "2026-12-24T01:00:00Z",
		"-5":             "2026-12-24T14:00:00Z",
		"5.75":           "2026-12-24T03:15:00Z",
		"14":             "2026-12-23T19:00:00Z",
		"Asia/Kathmandu": "2026-12-24T03:15:00Z",
		"":               "2026-12-24T14:00:00Z", // the default zone
	} {
		at, reason := p.when(zone, start)
		if reason != "" || !at.Equal(utc(want)) {
			t.Errorf("zone %q: %v %q, want %s", zone, at, reason, want)
		}
	}
}

// Recipients whose local time passed when the broadcast starts follow the
// late rule: send now, or skip.
func TestLateRule(t *testing.T) {
	start := utc("2026-12-24T02:00:00Z") // 10:00 at UTC+8, 21:00 the day before at UTC−5
	for late, want := range map[string]struct {
		at     string
		reason string
	}{
		"":         {"2026-12-24T02:00:00Z", ""},
		"send_now": {"2026-12-24T02:00:00Z", ""},
		"skip":     {"2026-12-24T01:00:00Z", ReasonLate},
	} {
		p, err := parsePlan(Schedule{LocalTime: "09:00", Date: "2026-12-24", Late: late}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if at, reason := p.when("8", start); !at.Equal(utc(want.at)) || reason != want.reason {
			t.Errorf("late %q: %v %q, want %s %q", late, at, reason, want.at, want.reason)
		}
		if at, reason := p.when("-5", start); !at.Equal(utc("2026-12-24T14:00:00Z")) || reason != "" {
			t.Errorf("late %q, UTC-5 not yet due: %v %q", late, at, reason)
		}
	}
}

// Quiet hours move a send to their end, local, across midnight too; an
// expiry before the send's time skips it as expired.
func TestQuietHoursAndExpiry(t *testing.T) {
	expires := utc("2026-12-25T00:00:00Z")
	p, err := parsePlan(Schedule{QuietHours: []string{"21:00", "08:00"}}, &expires)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ zone, start, want, reason string }{
		{"0", "2026-12-24T12:00:00Z", "2026-12-24T12:00:00Z", ""},            // outside the window
		{"0", "2026-12-24T22:30:00Z", "2026-12-25T08:00:00Z", ReasonExpired}, // to 08:00 next day, past the expiry
		{"8", "2026-12-23T22:30:00Z", "2026-12-24T00:00:00Z", ""},            // 06:30 local → 08:00 local
		{"-5", "2026-12-24T03:00:00Z", "2026-12-24T13:00:00Z", ""},           // 22:00 local → 08:00 local
	} {
		if at, reason := p.when(c.zone, utc(c.start)); !at.Equal(utc(c.want)) || reason != c.reason {
			t.Errorf("zone %s from %s: %v %q, want %s %q", c.zone, c.start, at, reason, c.want, c.reason)
		}
	}
}

func TestScheduleRefusals(t *testing.T) {
	for _, c := range []struct {
		s     Schedule
		field string
	}{
		{Schedule{LocalTime: "9am", Date: "2026-12-24"}, "schedule.local_time"},
		{Schedule{LocalTime: "09:00"}, "schedule.date"},
		{Schedule{LocalTime: "09:00", Date: "2026-12-24", DefaultTimezone: "Mars/Olympus"}, "schedule.default_timezone"},
		{Schedule{Late: "later"}, "schedule.late"},
		{Schedule{QuietHours: []string{"21:00"}}, "schedule.quiet_hours"},
		{Schedule{QuietHours: []string{"21:00", "25:00"}}, "schedule.quiet_hours[1]"},
	} {
		_, err := parsePlan(c.s, nil)
		if e, ok := err.(interface{ Error() string }); !ok || fieldOf(err) != c.field {
			t.Errorf("%+v: %v, want an error on %s", c.s, e, c.field)
		}
	}
}
