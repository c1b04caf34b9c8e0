package console

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/core"
)

// The compose form's fields are named after the v1 API's JSON (issue 14):
// "content.message", "audience.filter", "schedule.local_time", ..., so an
// error the engine names by its JSON path shows beside its field. A few
// radio buttons choose which part of a one-of is meant (content, audience,
// schedule), and quiet hours are two time inputs.

// Choices the form offers.
var (
	contentKinds  = []string{"message", "block", "template"}
	audienceKinds = []string{"list", "topic", "window_open", "wrote_within", "filter", "upload"}
	listKinds     = []string{"psid", "wa_id", "phone", "username", "email"}
	scheduleKinds = []string{"now", "at", "local"}
	// zones are offered for contacts whose zone is unknown; any IANA name is accepted.
	zones = []string{"UTC", "Europe/London", "Europe/Berlin", "Europe/Moscow", "Asia/Dubai", "Asia/Kolkata", "Asia/Kathmandu",
		"Asia/Shanghai", "Asia/Singapore", "Asia/Taipei", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland", "Pacific/Kiritimati",
		"America/Sao_Paulo", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Pacific/Honolulu"}
)

// specFromForm reads the compose form into a broadcast's spec. It checks
// only what the form itself adds (a radio's choice, JSON text, numbers and
// times typed); everything else is the engine's to refuse.
func specFromForm(f url.Values) (broadcast.Spec, error) {
	v := func(name string) string { return strings.TrimSpace(f.Get(name)) }
	s, err := contentFromForm(f)
	if err != nil {
		return s, err
	}
	if err := audienceFromForm(f, &s.Audience); err != nil {
		return s, err
	}
	if err := scheduleFromForm(f, &s.Schedule); err != nil {
		return s, err
	}
	if at, err := parseTime("expires_at", v("expires_at")); err != nil {
		return s, err
	} else if !at.IsZero() {
		s.ExpiresAt = &at
	}
	if rate := v("rate_per_second"); rate != "" {
		n, err := strconv.ParseFloat(rate, 64)
		if err != nil {
			return s, core.Invalid("rate_per_second", "must be a number")
		}
		s.RatePerSecond = n
	}
	return s, nil
}

// contentFromForm reads what is sent (the preview needs only this part):
// name, channel, content, messaging type and tag.
func contentFromForm(f url.Values) (broadcast.Spec, error) {
	v := func(name string) string { return strings.TrimSpace(f.Get(name)) }
	s := broadcast.Spec{Name: v("name"), Channel: v("channel"), MessagingType: v("messaging_type"), Tag: v("tag")}
	if s.Channel == core.ChannelWhatsApp {
		s.MessagingType, s.Tag = "", "" // Messenger's; the form hides them for WhatsApp
	}
	if s.MessagingType != core.TypeMessageTag {
		s.Tag = ""
	}
	switch v("content") {
	case "message":
		msg, err := jsonField("content.message", f.Get("content.message"))
		if err != nil {
			return s, err
		}
		s.Content.Message = msg
	case "block":
		s.Content.Block = &broadcast.BlockRef{Name: v("content.block.name"), Params: readParamLines(f.Get("content.block.params"))}
	case "template":
		tpl, err := jsonField("content.template", f.Get("content.template"))
		if err != nil {
			return s, err
		}
		s.Content.Template = tpl
	default:
		return s, core.Invalid("content", "choose a message, a block or a template")
	}
	return s, nil
}

func audienceFromForm(f url.Values, a *broadcast.Audience) error {
	v := func(name string) string { return strings.TrimSpace(f.Get(name)) }
	switch v("audience") {
	case "list":
		kind := v("audience.list_kind")
		for _, line := range strings.Split(f.Get("audience.list"), "\n") {
			id := strings.TrimSpace(line)
			if id == "" {
				continue
			}
			var e broadcast.ListEntry
			switch kind {
			case "psid":
				e.PSID = id
			case "wa_id":
				e.WaID = id
			case "phone":
				e.Phone = id
			case "username":
				e.Username = id
			case "email":
				e.Email = id
			default:
				return core.Invalid("audience.list_kind", "must be one of %s", strings.Join(listKinds, ", "))
			}
			a.List = append(a.List, e)
		}
		if len(a.List) == 0 {
			return core.Invalid("audience.list", "is empty: paste one recipient a line")
		}
	case "topic":
		a.Topic = v("audience.topic")
	case "window_open":
		a.WindowOpen = true
	case "wrote_within":
		days, err := strconv.ParseFloat(v("audience.wrote_within"), 64)
		if err != nil || days <= 0 {
			return core.Invalid("audience.wrote_within", "must be a number of days above 0")
		}
		a.WroteWithin = time.Duration(days * float64(24*time.Hour))
	case "filter":
		a.Filter = v("audience.filter")
	case "upload":
		if a.Upload = v("audience.upload"); a.Upload == "" {
			return core.Invalid("audience.upload", "upload a CSV or JSON Lines file first")
		}
	default:
		return core.Invalid("audience", "choose who receives the broadcast")
	}
	return nil
}

func scheduleFromForm(f url.Values, s *broadcast.Schedule) error {
	v := func(name string) string { return strings.TrimSpace(f.Get(name)) }
	switch v("schedule") {
	case "", "now":
	case "at":
		at, err := parseTime("schedule.at", v("schedule.at"))
		if err != nil {
			return err
		}
		if at.IsZero() {
			return core.Invalid("schedule.at", "is required: the moment to send (UTC)")
		}
		s.At = &at
	case "local":
		s.LocalTime, s.Date = v("schedule.local_time"), v("schedule.date")
		s.DefaultTimezone, s.Late = v("schedule.default_timezone"), v("schedule.late")
	default:
		return core.Invalid("schedule", "must be now, at a moment, or at a local time")
	}
	from, to := v("schedule.quiet_from"), v("schedule.quiet_to")
	switch {
	case from != "" && to != "":
		s.QuietHours = []string{from, to}
	case from != "" || to != "":
		return core.Invalid("schedule.quiet_hours", "needs both ends: from (e.g. 21:00) and to (e.g. 08:00)")
	}
	return nil
}

// jsonField is a textarea's JSON, refused with its field when it is not.
func jsonField(field, text string) (json.RawMessage, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, core.Invalid(field, "is required")
	}
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, core.Invalid(field, "is not JSON: %v", err)
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, core.Invalid(field, "must be a JSON object")
	}
	return json.RawMessage(text), nil
}
