package inbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
)

// The WhatsApp Cloud API's webhooks (GRAPH-FACTS.md): a
// whatsapp_business_account object whose changes carry, per phone number,
// the users' messages and the statuses of the number's own messages.

type waEnvelope struct {
	Object string `json:"object"`
	Entry  []struct {
		Changes []struct {
			Field string  `json:"field"`
			Value waValue `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

type waValue struct {
	Metadata struct {
		PhoneNumberID string `json:"phone_number_id"`
	} `json:"metadata"`
	Messages []json.RawMessage `json:"messages"`
	Statuses []json.RawMessage `json:"statuses"`
}

type waMessage struct {
	From      string `json:"from"`
	ID        string `json:"id"`
	Timestamp string `json:"timestamp"`
	// A reply: to an interactive message (button_reply, list_reply) or a
	// template's quick-reply button, naming the message answered.
	Type    string `json:"type"`
	Context struct {
		ID string `json:"id"`
	} `json:"context"`
	Interactive struct {
		ButtonReply *waReply `json:"button_reply"`
		ListReply   *waReply `json:"list_reply"`
	} `json:"interactive"`
	Button *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
}

type waStatus struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Timestamp   string `json:"timestamp"`
	RecipientID string `json:"recipient_id"`
	Errors      []struct {
		Code      int    `json:"code"`
		Title     string `json:"title"`
		Message   string `json:"message"`
		ErrorData struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"errors"`
}

// waEvent is one message or status of a WhatsApp webhook.
type waEvent struct {
	number string // phone_number_id
	raw    json.RawMessage
	msg    *waMessage
	status *waStatus
}

// key identifies the event across Meta's redeliveries, which retry for days.
func (ev waEvent) key() string {
	if ev.msg != nil {
		return "wa:msg:" + ev.msg.ID
	}
	return "wa:status:" + ev.status.ID + ":" + ev.status.Status
}

// parseWhatsApp reads a webhook's messages and statuses, and the phone
// numbers it speaks for: those of its "messages" changes, in order. Changes
// of other fields (template reviews, account updates) concern the business
// account, not a number, and botgate does not act on them.
func parseWhatsApp(body []byte) (events []waEvent, numbers []string, err error) {
	var env waEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, nil, err
	}
	if env.Object != "whatsapp_business_account" {
		return nil, nil, fmt.Errorf("object %q is not whatsapp_business_account", env.Object)
	}
	seen := map[string]bool{}
	for _, e := range env.Entry {
		for _, c := range e.Changes {
			if c.Field != "messages" {
				continue
			}
			number := c.Value.Metadata.PhoneNumberID
			if number == "" {
				return nil, nil, errors.New("a messages change has no metadata.phone_number_id")
			}
			if !seen[number] {
				seen[number] = true
				numbers = append(numbers, number)
			}
			for _, raw := range c.Value.Messages {
				var m waMessage
				if err := json.Unmarshal(raw, &m); err != nil || m.ID == "" || m.From == "" {
					return nil, nil, fmt.Errorf("a message without id or from: %.200s", raw)
				}
				events = append(events, waEvent{number: number, raw: raw, msg: &m})
			}
			for _, raw := range c.Value.Statuses {
				var st waStatus
				if err := json.Unmarshal(raw, &st); err != nil || st.ID == "" || st.Status == "" {
					return nil, nil, fmt.Errorf("a status without id or status: %.200s", raw)
				}
				events = append(events, waEvent{number: number, raw: raw, status: &st})
			}
		}
	}
	return events, numbers, nil
}

// verifyWhatsApp answers Meta's subscription check with the verify token of
// any bot's WhatsApp number.
func (h *Handler) verifyWhatsApp(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("hub.verify_token")
	if q.Get("hub.mode") == "subscribe" && token != "" {
		bots, err := h.Store.ListBots(r.Context())
		if err == nil {
			for _, b := range bots {
				if b.WhatsApp != nil && b.WhatsApp.VerifyToken != "" && seal.Equal(token, b.WhatsApp.VerifyToken) {
					w.Header().Set("Content-Type", "text/plain")
					_, _ = io.WriteString(w, q.Get("hub.challenge"))
					return
				}
			}
		}
	}
	http.Error(w, "forbidden", http.StatusForbidden)
}

// receiveWhatsApp verifies a webhook's signature with the app secret of the
// bot of every number it is about, then keeps it for processing.
func (h *Handler) receiveWhatsApp(w http.ResponseWriter, r *http.Request) {
	body, ok := h.readBody(w, r, objectWhatsApp)
	if !ok {
		return
	}
	sig := r.Header.Get("X-Hub-Signature-256")
	_, nums, err := parseWhatsApp(body)
	switch {
	case sig == "":
		h.refuse(w, r, objectWhatsApp, "signature")
		return
	case err != nil:
		h.refuse(w, r, objectWhatsApp, "malformed")
		return
	}
	if len(nums) == 0 {
		// About the business account only: template changes are acted on
		// for the bots of the account that signed it; anything else is
		// answered, so Meta stops retrying, when some number's app signed it.
		signed, err := h.applyTemplateChanges(r.Context(), sig, body)
		if err != nil {
			h.Log.Error("inbound: could not apply a template change", "err", err)
			http.Error(w, "try again", http.StatusServiceUnavailable) // Meta retries
			return
		}
		if !signed && !h.signedByAnyWhatsAppApp(r.Context(), sig, body) {
			h.refuse(w, r, objectWhatsApp, "signature")
			return
		}
		h.Stats.Webhook(objectWhatsApp, "accepted")
		_, _ = io.WriteString(w, "EVENT_RECEIVED")
		return
	}
	// Numbers botgate does not serve are left out (their events are not
	// acted on); every number it serves must have signed the body, and at
	// least one must be served.
	var botID string
	var served []string
	for _, n := range nums {
		b, err := h.Store.BotByPhoneNumberID(r.Context(), n)
		if core.ErrorKind(err) == core.KindNotFound {
			continue
		}
		if err != nil || b.WhatsApp.AppSecret == "" || !validSignature(b.WhatsApp.AppSecret, sig, body) {
			h.refuse(w, r, objectWhatsApp, "signature")
			return
		}
		if botID == "" {
			botID = b.ID
		}
		served = append(served, n)
	}
	if botID == "" {
		h.refuse(w, r, objectWhatsApp, "unknown")
		return
	}
	h.keepAndAnswer(w, r, objectWhatsApp, core.ChannelWhatsApp, botID, body, served)
}

func (h *Handler) signedByAnyWhatsAppApp(ctx context.Context, sig string, body []byte) bool {
	bots, err := h.Store.ListBots(ctx)
	if err != nil {
		return false
	}
	for _, b := range bots {
		if b.WhatsApp != nil && b.WhatsApp.AppSecret != "" && validSignature(b.WhatsApp.AppSecret, sig, body) {
			return true
		}
	}
	return false
}

// handleWhatsApp acts on a kept WhatsApp webhook's new events and forwards
// them, in one transaction with the job.
func (h *Handler) handleWhatsApp(ctx context.Context, job queue.Job, wh *store.Webhook) error {
	events, nums, err := parseWhatsApp(wh.Body)
	if err != nil {
		return queue.SetAside(ctx, h.Store, h.Log, job, "unreadable webhook: "+err.Error())
	}
	bots := map[string]*core.Bot{} // by phone number id; nil once the number has no bot
	for _, n := range nums {
		b, err := h.Store.BotByPhoneNumberID(ctx, n)
		if err != nil && core.ErrorKind(err) != core.KindNotFound {
			return err
		}
		bots[n] = b
	}
	return h.Store.Write(ctx, func(tx *store.Tx) error {
		// Each new event, by its number and bytes: forwarding picks items out
		// of the body by them, without reading them again.
		fresh := map[string]bool{}
		byBot := map[string]int{} // new events per bot
		for _, ev := range events {
			b := bots[ev.number]
			if b == nil {
				continue
			}
			isNew, err := tx.FirstSeen(b.ID, ev.key())
			if err != nil {
				return err
			}
			if !isNew {
				continue
			}
			fresh[ev.number+"\x00"+string(ev.raw)] = true
			byBot[b.ID]++
			if err := h.applyWhatsApp(tx, b, ev); err != nil {
				return fmt.Errorf("event %s: %w", ev.key(), err)
			}
			if s := ev.status; s != nil && (s.Status == "delivered" || s.Status == "read" || s.Status == "failed") {
				tx.AfterCommit(func() { h.Stats.StatusEvent(core.ChannelWhatsApp, s.Status) })
			}
		}
		ownedBy := func(number string, b *core.Bot) bool { return bots[number] != nil && bots[number].ID == b.ID }
		forwarded := map[string]bool{}
		for _, number := range nums {
			b := bots[number]
			if b == nil || byBot[b.ID] == 0 || forwarded[b.ID] || b.WebhookURL == "" || !b.Forwarding {
				continue
			}
			forwarded[b.ID] = true
			keep := func(number string, raw json.RawMessage) bool {
				return ownedBy(number, b) && fresh[number+"\x00"+string(raw)]
			}
			// Whole, as Meta sent it, only when every event is new and every
			// number in it is this bot's.
			whole := byBot[b.ID] == len(events)
			for _, n := range nums {
				whole = whole && ownedBy(n, b)
			}
			out, err := whatsAppForwardBody(wh.Body, keep, whole)
			if err != nil {
				return err
			}
			if err := h.Notify.Enqueue(tx, &core.Delivery{BotID: b.ID, Kind: core.DeliveryEvent, URL: b.WebhookURL, Body: out}); err != nil {
				return err
			}
		}
		return queue.Complete(tx, job)
	})
}

// applyWhatsApp acts on one new event: a user's message opens their
// customer-service window; a status moves the message it names along, never
// back (statuses arrive in any order).
func (h *Handler) applyWhatsApp(tx *store.Tx, b *core.Bot, ev waEvent) error {
	if err := h.emitWhatsApp(tx, b, ev); err != nil {
		return err
	}
	if m := ev.msg; m != nil {
		at := waTime(m.Timestamp, tx.Now())
		if err := h.emitWindow(tx, b, core.WAContact(m.From), at); err != nil {
			return err
		}
		if err := tx.InsertInboundMessage(&store.InboundMessage{BotID: b.ID, PSID: core.WAContact(m.From),
			Channel: core.ChannelWhatsApp, Kind: core.EventMessage, At: at, Body: ev.raw}); err != nil {
			return err
		}
		if err := tx.TouchContact(b.ID, core.WAContact(m.From), &at); err != nil {
			return err
		}
		return applyReply(tx, b, m)
	}
	s := ev.status
	switch s.Status {
	case "delivered", "read":
		status := core.Status(s.Status)
		moved, err := tx.AdvanceByGraphIDs(b.ID, []string{s.ID}, status)
		if err != nil {
			return err
		}
		return h.emitMoved(tx, b, status, moved)
	case "failed":
		e := &core.Error{Kind: core.KindUpstream, Message: "WhatsApp reported the message failed"}
		if len(s.Errors) > 0 {
			x := s.Errors[0]
			msg := x.Title
			if x.ErrorData.Details != "" && x.ErrorData.Details != x.Title {
				msg += " (" + x.ErrorData.Details + ")"
			}
			e.Message = fmt.Sprintf("WhatsApp reported the message failed: (#%d) %s", x.Code, msg)
			e.Upstream = &core.UpstreamError{Code: x.Code, Message: x.Title, Details: x.ErrorData.Details}
		}
		id, err := tx.FailByGraphID(b.ID, s.ID, e)
		if err != nil || id == "" {
			return err
		}
		return h.failedLater(tx, b, id)
	}
	return nil // "sent" is what the send's answer already said
}

// failedLater tells of a message WhatsApp failed after accepting it as the
// dispatcher tells of its own failures: a message.failed event, the
// messages metric and a log line.
func (h *Handler) failedLater(tx *store.Tx, b *core.Bot, id string) error {
	m, err := tx.GetMessage(id)
	if err != nil {
		return err
	}
	if err := h.Notify.Emit(tx, b.ID, core.EventMessageFailed, notify.NewMessageData(m)); err != nil {
		return err
	}
	tx.AfterCommit(func() {
		h.Stats.Message(m.Request.Face, string(m.Channel), string(core.StatusFailed))
		args := []any{"message", m.ID, "client_request_id", m.Request.RequestID, "bot", m.BotID, "face", m.Request.Face,
			"channel", string(m.Channel), "code", string(m.Error.Kind), "reason", m.Error.Message, "by", "status webhook"}
		if m.Error.Upstream != nil {
			args = append(args, "graph_code", m.Error.Upstream.Code)
		}
		h.Log.Info("message failed", args...)
	})
	return nil
}

// waTime reads the Cloud API's timestamps: seconds, as a string.
func waTime(s string, fallback time.Time) time.Time {
	secs, err := strconv.ParseInt(s, 10, 64)
	if err != nil || secs <= 0 {
		return fallback
	}
	return time.Unix(secs, 0).UTC()
}

// whatsAppForwardBody is what a bot's merchant receives for one WhatsApp
// webhook: the body byte for byte when all of it is the bot's and new;
// otherwise the envelope with each member's order and bytes kept, holding
// only the bot's new messages and statuses.
func whatsAppForwardBody(body []byte, keep func(number string, raw json.RawMessage) bool, whole bool) ([]byte, error) {
	if whole {
		return body, nil
	}
	out, _, err := rewriteMember(body, "entry", func(entries json.RawMessage) (json.RawMessage, int, error) {
		return filterArray(entries, func(entry json.RawMessage) (json.RawMessage, int, error) {
			return rewriteMember(entry, "changes", func(changes json.RawMessage) (json.RawMessage, int, error) {
				return filterArray(changes, func(change json.RawMessage) (json.RawMessage, int, error) {
					return rewriteMember(change, "value", func(value json.RawMessage) (json.RawMessage, int, error) {
						var v waValue
						if err := json.Unmarshal(value, &v); err != nil {
							return nil, 0, err
						}
						items := func(arr json.RawMessage) (json.RawMessage, int, error) {
							return filterArray(arr, func(it json.RawMessage) (json.RawMessage, int, error) {
								if keep(v.Metadata.PhoneNumberID, it) {
									return it, 1, nil
								}
								return nil, 0, nil
							})
						}
						value, n1, err := rewriteMember(value, "messages", items)
						if err != nil {
							return nil, 0, err
						}
						value, n2, err := rewriteMember(value, "statuses", items)
						return value, n1 + n2, err
					})
				})
			})
		})
	})
	return out, err
}

// rewriteMember returns obj with member key's value replaced by f's, every
// other member's bytes and the order kept, and the count f reports.
func rewriteMember(obj json.RawMessage, key string, f func(json.RawMessage) (json.RawMessage, int, error)) (json.RawMessage, int, error) {
	members, err := fields(obj)
	if err != nil {
		return nil, 0, err
	}
	var out bytes.Buffer
	count := 0
	out.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			out.WriteByte(',')
		}
		writeKey(&out, m.key)
		if m.key != key {
			out.Write(m.raw)
			continue
		}
		v, n, err := f(m.raw)
		if err != nil {
			return nil, 0, err
		}
		count += n
		out.Write(v)
	}
	out.WriteByte('}')
	return out.Bytes(), count, nil
}

// filterArray maps an array's elements through f, dropping those whose
// count is zero, and returns the total count.
func filterArray(arr json.RawMessage, f func(json.RawMessage) (json.RawMessage, int, error)) (json.RawMessage, int, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(arr, &elems); err != nil {
		return nil, 0, err
	}
	var out bytes.Buffer
	out.WriteByte('[')
	count, written := 0, 0
	for _, e := range elems {
		v, n, err := f(e)
		if err != nil {
			return nil, 0, err
		}
		if n == 0 {
			continue
		}
		if written > 0 {
			out.WriteByte(',')
		}
		written++
		count += n
		out.Write(v)
	}
	out.WriteByte(']')
	return out.Bytes(), count, nil
}
