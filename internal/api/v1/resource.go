package v1

import (
	"encoding/json"
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

// message is the message resource: the one the admin API shows, in the
// contract's shape; detail adds the request, parts, attempts and history.
func (h *Server) message(r *http.Request, m *core.MessageRecord, detail bool) (Message, error) {
	q := m.Request
	out := Message{Id: m.ID, RequestId: q.RequestID, Channel: Channel(m.Channel), Face: q.Face, Status: MessageStatus(m.Status),
		To: recipientOut(m), MessageIds: []string{}, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
		SentAt: m.SentAt, DeliveredAt: m.DeliveredAt, ReadAt: m.ReadAt, FailedAt: m.FailedAt,
		Psid: opt(m.PSID), RecipientId: opt(m.RecipientID), MessagingType: opt(q.MessagingType), Tag: opt(q.Tag),
		EffectiveTag: opt(q.EffectiveTag), Block: opt(q.Block)}
	if q.BlockVersion > 0 {
		out.BlockVersion = ptr(q.BlockVersion)
	}
	if len(q.Meta) > 0 {
		var meta map[string]any
		if json.Unmarshal(q.Meta, &meta) == nil && meta != nil {
			out.Metadata = &meta
		}
	}
	for _, p := range m.Parts {
		out.MessageIds = append(out.MessageIds, p.GraphID)
	}
	if m.Error != nil {
		out.Error = &MessageError{Code: string(m.Error.Kind), Message: m.Error.Message, Field: opt(m.Error.Field)}
		if m.Error.Upstream != nil {
			out.Error.Upstream = asObject(m.Error.Upstream)
		}
	}
	if !detail {
		return out, nil
	}
	out.Request = asObject(&q)
	parts := make([]MessagePart, 0, len(m.Parts))
	for _, p := range m.Parts {
		var body map[string]any
		_ = json.Unmarshal(p.Body, &body)
		parts = append(parts, MessagePart{Seq: p.Seq, MessageId: p.GraphID, Body: body, SentAt: p.SentAt})
	}
	out.Parts = &parts
	attempts, err := h.Store.Attempts(r.Context(), m.ID)
	if err != nil {
		return out, err
	}
	as := make([]Attempt, 0, len(attempts))
	for _, a := range attempts {
		as = append(as, Attempt{Part: a.Seq, At: a.At, Request: raw(a.Request), StatusCode: a.StatusCode, Response: raw(a.Response),
			Outcome: AttemptOutcome(a.Outcome), Error: opt(a.Error), MessageId: opt(a.GraphID), DurationMs: float64(a.Duration.Microseconds()) / 1000})
	}
	out.Attempts = &as
	events, err := h.Store.Events(r.Context(), m)
	if err != nil {
		return out, err
	}
	history := make([]Event, 0, len(events))
	for _, e := range events {
		history = append(history, Event{At: e.At, Kind: e.Kind, Detail: opt(e.Detail)})
	}
	out.History = &history
	return out, nil
}

// recipientOut names the user as the request did, in v1's words.
func recipientOut(m *core.MessageRecord) Recipient {
	r := m.Request.Recipient
	if m.Channel == core.ChannelWhatsApp {
		return Recipient{WaId: opt(r.PhoneNumber)}
	}
	return Recipient{Psid: opt(r.ID), Phone: opt(r.PhoneNumber), FirstName: opt(r.FirstName), LastName: opt(r.LastName),
		Username: opt(r.Username), Email: opt(r.Email), UserPhoneNumber: opt(r.UserPhoneNumber), NotificationToken: opt(r.NotificationToken)}
}

// opt is nil for "", so empty fields are left out.
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// raw decodes a stored JSON body for the resource; a body that is not JSON
// is shown as its text.
func raw(data json.RawMessage) any {
	if len(data) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(data, &v) != nil {
		return string(data)
	}
	return v
}

func asObject(v any) *map[string]any {
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out map[string]any
	if json.Unmarshal(data, &out) != nil {
		return nil
	}
	return &out
}
