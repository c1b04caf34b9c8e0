package inbound

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// event is one messaging item of a Messenger webhook, with what botgate acts
// on and the item's raw bytes, which forwarding passes on untouched.
type event struct {
	page string // the entry's page id
	raw  json.RawMessage
	kind string // core.Event*
	psid string // the user; empty for a checkbox opt-in known only by user_ref
	at   time.Time
	mid  string

	payload   string   // postback or quick-reply payload
	mids      []string // delivery
	watermark time.Time
	optin     *optIn
}

type optIn struct {
	Type                         string `json:"type"`
	Payload                      string `json:"payload"`
	Ref                          string `json:"ref"`
	UserRef                      string `json:"user_ref"`
	Title                        string `json:"title"`
	NotificationMessagesToken    string `json:"notification_messages_token"`
	TokenExpiryTimestamp         int64  `json:"token_expiry_timestamp"`
	UserTokenStatus              string `json:"user_token_status"`
	NotificationMessagesTimezone string `json:"notification_messages_timezone"`
	NotificationMessagesStatus   string `json:"notification_messages_status"`
}

// item is a messaging item as Graph sends it.
type item struct {
	Sender struct {
		ID      string `json:"id"`
		UserRef string `json:"user_ref"`
	} `json:"sender"`
	Recipient struct {
		ID string `json:"id"`
	} `json:"recipient"`
	Timestamp int64 `json:"timestamp"`
	Message   *struct {
		Mid        string `json:"mid"`
		IsEcho     bool   `json:"is_echo"`
		QuickReply *struct {
			Payload string `json:"payload"`
		} `json:"quick_reply"`
	} `json:"message"`
	Postback *struct {
		Mid     string `json:"mid"`
		Payload string `json:"payload"`
	} `json:"postback"`
	Delivery *struct {
		Mids      []string `json:"mids"`
		Watermark int64    `json:"watermark"`
	} `json:"delivery"`
	Read *struct {
		Watermark int64 `json:"watermark"`
	} `json:"read"`
	Optin    *optIn          `json:"optin"`
	Referral json.RawMessage `json:"referral"`
}

// pageEnvelope is the body of a Messenger webhook.
type pageEnvelope struct {
	Object string `json:"object"`
	Entry  []struct {
		ID        string            `json:"id"`
		Time      int64             `json:"time"`
		Messaging []json.RawMessage `json:"messaging"`
	} `json:"entry"`
}

// pageIDs returns the distinct pages a Messenger webhook body is about.
func pageIDs(body []byte) ([]string, error) {
	var env pageEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("not a webhook body: %w", err)
	}
	if env.Object != "page" {
		return nil, fmt.Errorf("object %q is not page", env.Object)
	}
	var ids []string
	seen := map[string]bool{}
	for _, e := range env.Entry {
		if e.ID == "" {
			return nil, errors.New("an entry has no id")
		}
		if !seen[e.ID] {
			seen[e.ID] = true
			ids = append(ids, e.ID)
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("no entries")
	}
	return ids, nil
}

// parseMessenger reads every messaging item of every entry. Items of kinds
// botgate does not know are kept (kind "") so they are still forwarded.
func parseMessenger(body []byte) ([]event, error) {
	var env pageEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	var events []event
	for _, e := range env.Entry {
		for _, raw := range e.Messaging {
			ev, err := parseItem(e.ID, raw)
			if err != nil {
				return nil, fmt.Errorf("entry %s: %w", e.ID, err)
			}
			events = append(events, ev)
		}
	}
	return events, nil
}

func parseItem(page string, raw json.RawMessage) (event, error) {
	var it item
	if err := json.Unmarshal(raw, &it); err != nil {
		return event{}, err
	}
	ev := event{page: page, raw: raw, psid: it.Sender.ID, at: time.UnixMilli(it.Timestamp).UTC()}
	switch {
	case it.Message != nil && it.Message.IsEcho:
		// An echo of the page's own message: the user is the recipient.
		ev.kind, ev.mid, ev.psid = core.EventEcho, it.Message.Mid, it.Recipient.ID
	case it.Message != nil && it.Message.QuickReply != nil:
		ev.kind, ev.mid, ev.payload = core.EventQuickReply, it.Message.Mid, it.Message.QuickReply.Payload
	case it.Message != nil:
		ev.kind, ev.mid = core.EventMessage, it.Message.Mid
	case it.Postback != nil:
		ev.kind, ev.mid, ev.payload = core.EventPostback, it.Postback.Mid, it.Postback.Payload
	case it.Delivery != nil:
		ev.kind, ev.mids, ev.watermark = core.EventDelivery, it.Delivery.Mids, time.UnixMilli(it.Delivery.Watermark).UTC()
	case it.Read != nil:
		ev.kind, ev.watermark = core.EventRead, time.UnixMilli(it.Read.Watermark).UTC()
	case it.Optin != nil:
		ev.kind, ev.optin = core.EventOptIn, it.Optin
	case len(it.Referral) > 0:
		ev.kind = core.EventReferral
	}
	return ev, nil
}

// key identifies an event across Meta's redeliveries: its mid where it has
// one, else a hash of its page and content.
func (ev event) key() string {
	if ev.mid != "" {
		if ev.kind == core.EventEcho {
			return "echo:" + ev.mid
		}
		return "mid:" + ev.mid
	}
	var compact bytes.Buffer
	if json.Compact(&compact, ev.raw) != nil {
		compact.Write(ev.raw)
	}
	sum := sha256.Sum256(append([]byte(ev.page+"\x00"), compact.Bytes()...))
	return "hash:" + hex.EncodeToString(sum[:])
}
