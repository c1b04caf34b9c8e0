// Package broadcast sends one message to an audience: resolved in batches,
// scheduled per recipient (local time, quiet hours, expiry), checked against
// policy before sending, and sent through the gateway as ordinary messages
// whose request ids are deterministic per (broadcast, recipient), so the
// core's duplicate guard makes every recipient's send happen once.
package broadcast

import (
	"encoding/json"
	"time"
)

// States of a broadcast.
const (
	StateDraft     = "draft"
	StateScheduled = "scheduled"
	StateRunning   = "running"
	StatePaused    = "paused"
	StateCompleted = "completed"
	StateCancelled = "cancelled"
	StateExpired   = "expired"
)

// States of one recipient of a broadcast. Sent, delivered, read and failed
// are not stored here: they are the recipient's message's own status.
const (
	RecipientScheduled = "scheduled" // waits for its time
	RecipientQueued    = "queued"    // handed to the gateway; the message holds the rest
	RecipientSkipped   = "skipped"   // refused before sending; Reason says why
	RecipientSent      = "sent"      // reported only: the message was sent
	RecipientDelivered = "delivered" // reported only
	RecipientRead      = "read"      // reported only
	RecipientFailed    = "failed"    // reported only: the message failed; Reason is its error
)

// Reasons a recipient is skipped.
const (
	ReasonExpired       = "expired"        // the broadcast expired before its time came
	ReasonLate          = "late"           // its local time had passed when the broadcast started (late: skip)
	ReasonCancelled     = "cancelled"      // the broadcast was cancelled before its time came
	ReasonOutsideWindow = "outside_window" // Messenger: the window is closed and no tag allows the send
	ReasonUnsubscribed  = "unsubscribed"   // the Sobot subscription was stopped
	ReasonOptedOut      = "opted_out"      // WhatsApp: the contact opted out of marketing
	ReasonUnknown       = "unknown_recipient"
	ReasonDuplicate     = "duplicate" // an earlier recipient of the audience reaches the same user under another name
	ReasonInvalid       = "invalid"   // the message for this recipient failed the core's checks
)

// Spec is what a merchant asks for.
type Spec struct {
	Name          string     `json:"name"`
	Channel       string     `json:"channel"` // core.ChannelMessenger | core.ChannelWhatsApp
	Content       Content    `json:"content"`
	Audience      Audience   `json:"audience"`
	Schedule      Schedule   `json:"schedule"`                 // zero: now
	MessagingType string     `json:"messaging_type,omitempty"` // Messenger: RESPONSE | UPDATE | MESSAGE_TAG
	Tag           string     `json:"tag,omitempty"`
	RatePerSecond float64    `json:"rate_per_second,omitempty"` // 0: only the channel's own pacing
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
	DryRun        bool       `json:"dry_run,omitempty"` // count the audience and skips by reason; store nothing, send nothing
	// Draft stores the broadcast as a draft: no jobs, nothing sent, until
	// Schedule. Not kept in the stored spec: the state says it.
	Draft bool `json:"draft,omitempty"`
}

// Content is one of a Messenger message, a block, or a WhatsApp template.
type Content struct {
	Message  json.RawMessage `json:"message,omitempty"`  // Graph's own message object (Messenger)
	Block    *BlockRef       `json:"block,omitempty"`    // personal {{params}} filled per recipient
	Template json.RawMessage `json:"template,omitempty"` // WhatsApp template object, Cloud API shape
}

// BlockRef names a block and its broadcast-wide params; a recipient's own
// params win over these.
type BlockRef struct {
	Name   string            `json:"name"`
	Params map[string]string `json:"params,omitempty"`
}

// Audience is exactly one way of choosing recipients.
type Audience struct {
	List        []ListEntry   `json:"list,omitempty"`         // inline list
	Topic       string        `json:"topic,omitempty"`        // Sobot topic: active subscribers' notification tokens
	WindowOpen  bool          `json:"window_open,omitempty"`  // contacts whose window is open now
	WroteWithin time.Duration `json:"wrote_within,omitempty"` // contacts who wrote within this long
	Filter      string        `json:"filter,omitempty"`       // `tier = gold and city in (a, b)`: see docs/broadcasts.md
	Upload      string        `json:"upload,omitempty"`       // id returned by Upload
}

// ListEntry names one recipient in one way, with its own params.
type ListEntry struct {
	PSID     string            `json:"psid,omitempty"`
	WaID     string            `json:"wa_id,omitempty"`
	Phone    string            `json:"phone,omitempty"`
	Username string            `json:"username,omitempty"`
	Email    string            `json:"email,omitempty"`
	Params   map[string]string `json:"params,omitempty"`
}

// Schedule says when each recipient's message goes out.
type Schedule struct {
	At              *time.Time `json:"at,omitempty"`
	LocalTime       string     `json:"local_time,omitempty"`       // "09:00" in each recipient's zone
	Date            string     `json:"date,omitempty"`             // "2026-12-24", with LocalTime
	DefaultTimezone string     `json:"default_timezone,omitempty"` // IANA name, for contacts whose zone is unknown
	Late            string     `json:"late,omitempty"`             // "send_now" (default) | "skip"
	QuietHours      []string   `json:"quiet_hours,omitempty"`      // ["21:00","08:00"], local
}

// Late rules.
const (
	LateSendNow = "send_now"
	LateSkip    = "skip"
)

// Counts are a broadcast's progress. Sent, delivered, read and failed come
// from the recipients' messages.
type Counts struct {
	Targeted  int64 `json:"targeted"`
	Scheduled int64 `json:"scheduled"`
	Queued    int64 `json:"queued"`
	Sent      int64 `json:"sent"`
	Delivered int64 `json:"delivered"`
	Read      int64 `json:"read"`
	Failed    int64 `json:"failed"`
	Skipped   int64 `json:"skipped"`
}

// Broadcast is a broadcast with its live progress.
type Broadcast struct {
	ID                string           `json:"id"`
	BotID             string           `json:"bot_id"`
	Name              string           `json:"name"`
	Channel           string           `json:"channel"`
	State             string           `json:"state"`
	Spec              Spec             `json:"spec"`
	Counts            Counts           `json:"counts"`
	SkippedByReason   map[string]int64 `json:"skipped_by_reason"`
	FailedByReason    map[string]int64 `json:"failed_by_reason"`
	EstimatedFinishAt *time.Time       `json:"estimated_finish_at,omitempty"`
	// Hours counts recipients per UTC hour of their scheduled send: the
	// time-zone breakdown.
	Hours     []HourCount `json:"hours,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	// ScheduledAt is when it was scheduled (its create, or a draft's
	// Schedule): the moment its now, late and local-time rules count from.
	// None for a draft.
	ScheduledAt *time.Time `json:"scheduled_at,omitempty"`
	StartedAt   *time.Time `json:"started_at,omitempty"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
}

// HourCount is how many recipients are scheduled within one UTC hour.
type HourCount struct {
	Hour       time.Time `json:"hour"`
	Recipients int64     `json:"recipients"`
}

// Recipient is one recipient's row: State is one of the Recipient* states.
type Recipient struct {
	Recipient   string     `json:"recipient"`
	State       string     `json:"state"`
	ScheduledAt *time.Time `json:"scheduled_at,omitempty"`
	MessageID   string     `json:"message_id,omitempty"`
	Reason      string     `json:"reason,omitempty"`
}

// RecipientFilter narrows Recipients; empty fields match everything.
type RecipientFilter struct {
	State  string
	Reason string
}

// Upload is a stored recipient list: rows kept, rows refused with why.
type Upload struct {
	ID      string     `json:"id"`
	Rows    int64      `json:"rows"`
	Refused []RowError `json:"refused,omitempty"`
}

// RowError is a refused upload row.
type RowError struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}
