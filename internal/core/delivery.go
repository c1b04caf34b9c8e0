package core

import (
	"encoding/json"
	"net/http"
	"time"
)

// Delivery is one POST botgate owes a merchant URL: a send's result callback,
// a forwarded event, an upload result. Its id is the webhook-id header, the
// same on every attempt, so receivers can drop repeats.
type Delivery struct {
	ID          string          `json:"id"`
	BotID       string          `json:"bot_id"`
	Kind        string          `json:"kind"`
	MessageID   string          `json:"message_id,omitempty"`
	EndpointID  string          `json:"endpoint_id,omitempty"` // a v1 webhook endpoint's delivery
	URL         string          `json:"url"`
	Body        json.RawMessage `json:"body"`
	State       string          `json:"state"`
	Attempts    int             `json:"attempts"`
	LastStatus  int             `json:"last_status,omitempty"`
	LastError   string          `json:"last_error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	DeliveredAt *time.Time      `json:"delivered_at,omitempty"`
	// NextAttemptAt is when a pending delivery is next tried; the admin API
	// fills it from the queue.
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
}

// Delivery kinds.
const (
	DeliveryCallback = "callback" // a send's result
	DeliveryEvent    = "event"    // a forwarded webhook event
	DeliveryUpload   = "upload"   // an attachment upload's result
	DeliveryEndpoint = "endpoint" // a v1 event for a webhook endpoint
)

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// DeliveryAttempt is one POST of a delivery and its answer.
type DeliveryAttempt struct {
	N          int           `json:"n"`
	At         time.Time     `json:"at"`
	Duration   time.Duration `json:"-"`
	StatusCode int           `json:"status_code,omitempty"`
	Error      string        `json:"error,omitempty"`
	// What botgate sent (the signature, never the secret) and what the
	// receiver answered, bounded: see package notify. The console shows
	// them; the admin API's attempt_log keeps its documented shape.
	RequestHeaders  http.Header `json:"-"`
	ResponseHeaders http.Header `json:"-"`
	ResponseBody    string      `json:"-"`
}
