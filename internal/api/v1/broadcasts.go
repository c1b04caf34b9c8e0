package v1

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/core"
)

// broadcastBody is POST /v1/broadcasts's body in the names. Times
// are read as text so a malformed one is named by its path; the content's
// message and template stay raw: the engine reads them per channel.
type broadcastBody struct {
	Name          string       `json:"name"`
	Channel       string       `json:"channel"`
	Content       contentBody  `json:"content"`
	Audience      audienceBody `json:"audience"`
	Schedule      scheduleBody `json:"schedule"`
	MessagingType string       `json:"messaging_type"`
	Tag           string       `json:"tag"`
	RatePerSecond float64      `json:"rate_per_second"`
	ExpiresAt     string       `json:"expires_at"`
	DryRun        bool         `json:"dry_run"`
	Draft         bool         `json:"draft"`
}

// broadcastEditBody is PUT /v1/broadcasts/{id}'s body: a create's without
// dry_run and draft, which are refused as unknown fields. Its fields match
// broadcastBody's one for one, so it converts to it.
type broadcastEditBody struct {
	Name          string       `json:"name"`
	Channel       string       `json:"channel"`
	Content       contentBody  `json:"content"`
	Audience      audienceBody `json:"audience"`
	Schedule      scheduleBody `json:"schedule"`
	MessagingType string       `json:"messaging_type"`
	Tag           string       `json:"tag"`
	RatePerSecond float64      `json:"rate_per_second"`
	ExpiresAt     string       `json:"expires_at"`
	DryRun        bool         `json:"-"`
	Draft         bool         `json:"-"`
}

type contentBody struct {
	Message  json.RawMessage `json:"message"`
	Block    *BlockRef       `json:"block"`
	Template json.RawMessage `json:"template"`
}

type audienceBody struct {
	List        []AudienceEntry `json:"list"`
	Topic       string          `json:"topic"`
	WindowOpen  bool            `json:"window_open"`
	WroteWithin string          `json:"wrote_within"`
	Filter      string          `json:"filter"`
	Upload      string          `json:"upload"`
}

type scheduleBody struct {
	At              string   `json:"at"`
	LocalTime       string   `json:"local_time"`
	Date            string   `json:"date"`
	DefaultTimezone string   `json:"default_timezone"`
	Late            string   `json:"late"`
	QuietHours      []string `json:"quiet_hours"`
}

// CreateBroadcast creates a broadcast, or with dry_run counts its audience.
func (h *Server) CreateBroadcast(w http.ResponseWriter, r *http.Request, _ CreateBroadcastParams) {
	spec, err := readBroadcast(r)
	var b *broadcast.Broadcast
	if err == nil {
		b, err = h.Broadcasts.Create(r.Context(), botOf(r.Context()), spec)
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	if spec.DryRun {
		writeJSON(w, "application/json", http.StatusOK, BroadcastDryRun{DryRun: true, Channel: Channel(b.Channel),
			Counts: countsOut(b.Counts), SkippedByReason: reasons(b.SkippedByReason), EstimatedFinishAt: b.EstimatedFinishAt, Hours: hoursOut(b.Hours)})
		return
	}
	w.Header().Set("Location", "/v1/broadcasts/"+url.PathEscape(b.ID))
	writeJSON(w, "application/json", http.StatusCreated, broadcastOut(b))
}

// readBroadcast reads the create body into the engine's spec; the engine
// checks what the spec means (one content, one audience, the schedule).
func readBroadcast(r *http.Request) (broadcast.Spec, error) {
	var in broadcastBody
	if err := readJSON(r, &in); err != nil {
		return broadcast.Spec{}, err
	}
	return specOf(in)
}

// UpdateBroadcast replaces a draft's spec.
func (h *Server) UpdateBroadcast(w http.ResponseWriter, r *http.Request, id string) {
	var in broadcastEditBody
	err := readJSON(r, &in)
	var spec broadcast.Spec
	if err == nil {
		spec, err = specOf(broadcastBody(in))
	}
	var b *broadcast.Broadcast
	if err == nil {
		b, err = h.Broadcasts.Update(r.Context(), botOf(r.Context()), id, spec)
	}
	h.answerBroadcast(w, r, b, err)
}

// ScheduleBroadcast schedules a draft.
func (h *Server) ScheduleBroadcast(w http.ResponseWriter, r *http.Request, id string) {
	b, err := h.Broadcasts.Schedule(r.Context(), botOf(r.Context()), id)
	h.answerBroadcast(w, r, b, err)
}

// DeleteBroadcast removes a draft.
func (h *Server) DeleteBroadcast(w http.ResponseWriter, r *http.Request, id string) {
	if err := h.Broadcasts.Delete(r.Context(), botOf(r.Context()).ID, id); err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// specOf is a create or edit body as the engine's spec.
func specOf(in broadcastBody) (broadcast.Spec, error) {
	a := in.Audience
	spec := broadcast.Spec{Name: in.Name, Channel: in.Channel, MessagingType: in.MessagingType, Tag: in.Tag,
		RatePerSecond: in.RatePerSecond, DryRun: in.DryRun, Draft: in.Draft,
		Content:  broadcast.Content{Message: in.Content.Message, Template: in.Content.Template},
		Audience: broadcast.Audience{Topic: a.Topic, WindowOpen: a.WindowOpen, Filter: a.Filter, Upload: a.Upload}}
	if bl := in.Content.Block; bl != nil {
		spec.Content.Block = &broadcast.BlockRef{Name: bl.Name, Params: val(bl.Params)}
	}
	for _, e := range a.List {
		spec.Audience.List = append(spec.Audience.List, broadcast.ListEntry{PSID: val(e.Psid), WaID: val(e.WaId), Phone: val(e.Phone),
			Username: val(e.Username), Email: val(e.Email), Params: val(e.Params)})
	}
	var err error
	if a.WroteWithin != "" {
		if spec.Audience.WroteWithin, err = time.ParseDuration(a.WroteWithin); err != nil || spec.Audience.WroteWithin <= 0 {
			return spec, core.Invalid("audience.wrote_within", "must be a positive duration such as 168h, not %q", a.WroteWithin)
		}
	}
	if spec.ExpiresAt, err = instant("expires_at", in.ExpiresAt); err != nil {
		return spec, err
	}
	s := in.Schedule
	spec.Schedule = broadcast.Schedule{LocalTime: s.LocalTime, Date: s.Date, DefaultTimezone: s.DefaultTimezone, Late: s.Late, QuietHours: s.QuietHours}
	spec.Schedule.At, err = instant("schedule.at", s.At)
	return spec, err
}

// instant reads an optional RFC 3339 time.
func instant(field, text string) (*time.Time, error) {
	if text == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return nil, core.Invalid(field, "must be an RFC 3339 time such as 2026-12-24T09:00:00Z, not %q", text)
	}
	return &t, nil
}

// GetBroadcast answers one broadcast with its live counts.
func (h *Server) GetBroadcast(w http.ResponseWriter, r *http.Request, id string) {
	b, err := h.Broadcasts.Get(r.Context(), botOf(r.Context()).ID, id)
	h.answerBroadcast(w, r, b, err)
}

// ListBroadcasts answers a page of the bot's broadcasts, newest first.
func (h *Server) ListBroadcasts(w http.ResponseWriter, r *http.Request, params ListBroadcastsParams) {
	limit, cursor, err := pageOf(params.Limit, params.Cursor)
	var list []broadcast.Broadcast
	var next string
	if err == nil {
		list, next, err = h.Broadcasts.List(r.Context(), botOf(r.Context()).ID, cursor, limit)
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	page := BroadcastPage{Items: make([]Broadcast, 0, len(list))}
	for i := range list {
		page.Items = append(page.Items, broadcastOut(&list[i]))
	}
	page.NextCursor = cursorOut(next)
	writeJSON(w, "application/json", http.StatusOK, page)
}

// PauseBroadcast stops a broadcast's new sends.
func (h *Server) PauseBroadcast(w http.ResponseWriter, r *http.Request, id string) {
	b, err := h.Broadcasts.Pause(r.Context(), botOf(r.Context()).ID, id)
	h.answerBroadcast(w, r, b, err)
}

// ResumeBroadcast continues a paused broadcast.
func (h *Server) ResumeBroadcast(w http.ResponseWriter, r *http.Request, id string) {
	b, err := h.Broadcasts.Resume(r.Context(), botOf(r.Context()).ID, id)
	h.answerBroadcast(w, r, b, err)
}

// CancelBroadcast stops a broadcast for good.
func (h *Server) CancelBroadcast(w http.ResponseWriter, r *http.Request, id string) {
	b, err := h.Broadcasts.Cancel(r.Context(), botOf(r.Context()).ID, id)
	h.answerBroadcast(w, r, b, err)
}

func (h *Server) answerBroadcast(w http.ResponseWriter, r *http.Request, b *broadcast.Broadcast, err error) {
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, broadcastOut(b))
}

// broadcastOut is the broadcast resource: its spec in the create body's
// names (an inline list only counted), its state and its live figures.
func broadcastOut(b *broadcast.Broadcast) Broadcast {
	s := b.Spec
	out := Broadcast{Id: b.ID, Name: b.Name, Channel: Channel(b.Channel), State: BroadcastState(b.State), Counts: countsOut(b.Counts),
		SkippedByReason: reasons(b.SkippedByReason), FailedByReason: reasons(b.FailedByReason), EstimatedFinishAt: b.EstimatedFinishAt,
		Hours: hoursOut(b.Hours), CreatedAt: b.CreatedAt, ScheduledAt: b.ScheduledAt, StartedAt: b.StartedAt, FinishedAt: b.FinishedAt,
		MessagingType: opt(s.MessagingType), Tag: opt(s.Tag), ExpiresAt: s.ExpiresAt,
		Content:  BroadcastContent{Message: asMap(s.Content.Message), Template: asMap(s.Content.Template)},
		Audience: BroadcastAudience{Topic: opt(s.Audience.Topic), Filter: opt(s.Audience.Filter), Upload: opt(s.Audience.Upload)}}
	if s.RatePerSecond > 0 {
		out.RatePerSecond = ptr(s.RatePerSecond)
	}
	if bl := s.Content.Block; bl != nil {
		out.Content.Block = &BlockRef{Name: bl.Name}
		if len(bl.Params) > 0 {
			out.Content.Block.Params = &bl.Params
		}
	}
	a := s.Audience
	if n := len(a.List); n > 0 {
		out.Audience.ListSize = ptr(n)
	}
	if a.WindowOpen {
		out.Audience.WindowOpen = ptr(true)
	}
	if a.WroteWithin > 0 {
		out.Audience.WroteWithin = ptr(a.WroteWithin.String())
	}
	if sc := s.Schedule; sc.At != nil || sc.LocalTime != "" || len(sc.QuietHours) > 0 {
		out.Schedule = &BroadcastSchedule{At: sc.At, LocalTime: opt(sc.LocalTime), Date: opt(sc.Date), DefaultTimezone: opt(sc.DefaultTimezone),
			Late: (*BroadcastScheduleLate)(opt(sc.Late))}
		if len(sc.QuietHours) > 0 {
			out.Schedule.QuietHours = &sc.QuietHours
		}
	}
	return out
}

func countsOut(c broadcast.Counts) BroadcastCounts {
	return BroadcastCounts{Targeted: c.Targeted, Scheduled: c.Scheduled, Queued: c.Queued, Sent: c.Sent,
		Delivered: c.Delivered, Read: c.Read, Failed: c.Failed, Skipped: c.Skipped}
}

func hoursOut(hours []broadcast.HourCount) []HourCount {
	out := make([]HourCount, 0, len(hours))
	for _, hc := range hours {
		out = append(out, HourCount{Hour: hc.Hour.UTC(), Recipients: hc.Recipients})
	}
	return out
}

// reasons is never null: a client reads an empty object as "none".
func reasons(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

// asMap is a raw JSON object as the resource shows it, nil when absent.
func asMap(data json.RawMessage) *map[string]any {
	if len(data) == 0 || string(data) == "null" {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(data, &m) != nil || m == nil {
		return nil
	}
	return &m
}
