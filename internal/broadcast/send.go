package broadcast

import (
	"context"
	"encoding/json"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// due is a recipient row a worker took.
type due struct {
	seq       int64
	recipient string
	way       string
	contact   string
	zone      string
	params    map[string]string
}

// outcome is what became of a taken recipient.
type outcome struct {
	seq       int64
	state     string // queued, skipped, or scheduled again (released)
	messageID string
	reason    string
	dueAt     int64 // ms, when released
}

// ReasonMissingParam: a WhatsApp template placeholder the recipient has no
// parameter for.
const ReasonMissingParam = "missing_param"

// requestID is the send's request id: one per (broadcast, recipient), so
// the gateway's duplicate guard lets each recipient's send through once,
// whichever worker, process or restart tries it.
func requestID(broadcastID string, seq int64) string {
	return broadcastID + ":" + strconv.FormatInt(seq, 10)
}

var sendFields = core.Fields{RequestID: "request_id", Recipient: "recipient", MessagingType: "messaging_type",
	Tag: "tag", Message: "content", Params: "params"}

// sendOne decides the recipient's policy and, allowed, hands its message
// to the gateway.
func (s *Service) sendOne(ctx context.Context, bot *core.Bot, r *record, d due) outcome {
	o := outcome{seq: d.seq, state: RecipientSkipped}
	req, reason, err := s.request(ctx, bot, r, d)
	if err == nil && reason == "" {
		reason, err = s.policy(ctx, bot, r, d, req)
	}
	if err != nil {
		return s.retryLater(o)
	}
	if reason != "" {
		o.reason = reason
		return o
	}
	m, err := s.Gateway.Send(ctx, bot, req, sendFields)
	switch kind := core.ErrorKind(err); kind {
	case "":
		o.state, o.messageID = RecipientQueued, m.ID
	case core.KindDuplicate:
		// Sent before a crash or by another worker whose lease ran out:
		// the message is there; point at it.
		if err := s.Store.ReadRow(ctx, `SELECT id FROM messages WHERE bot_id = $1 AND request_id = $2`, bot.ID, req.RequestID).Scan(&o.messageID); err != nil {
			return s.retryLater(o)
		}
		o.state = RecipientQueued
	case core.KindUnavailable, core.KindInternal, core.KindRateLimited:
		return s.retryLater(o)
	default:
		o.reason = refusal(core.AsError(err), req)
	}
	return o
}

// retryLater releases a recipient whose send met a passing trouble (the
// database, say) to be tried again shortly.
func (s *Service) retryLater(o outcome) outcome {
	o.state, o.reason = RecipientScheduled, ""
	o.dueAt = s.Store.Now().Add(retryWait).UnixMilli()
	return o
}

// refusal names the reason the gateway refused a recipient's send.
func refusal(e *core.Error, req *core.SendRequest) string {
	switch {
	case e.Kind == core.KindPolicy && e.Subcode == core.SubcodeOutsideWindow:
		return ReasonOutsideWindow
	case e.Kind == core.KindPolicy && e.Subcode == core.WAMarketingStopped:
		return ReasonOptedOut
	case e.Kind == core.KindPolicy && req.Recipient.NotificationToken != "":
		return ReasonUnsubscribed
	case e.Kind == core.KindUnknownUser || e.Kind == core.KindPhoneNotMatched:
		return ReasonUnknown
	}
	return string(e.Kind)
}

// policy decides before sending whether the recipient may be sent to:
// Messenger's window for the broadcast's messaging type and tag, a stopped
// notification-messages subscription, a WhatsApp user's marketing opt-out.
// The gateway applies the bot's own window policy too; this one holds
// whatever that policy is, since a broadcast reaches many users at once.
func (s *Service) policy(ctx context.Context, bot *core.Bot, r *record, d due, req *core.SendRequest) (string, error) {
	switch {
	case r.channel == core.ChannelWhatsApp:
		out, err := s.Store.MarketingOptedOut(ctx, bot.ID, d.contact)
		if out {
			return ReasonOptedOut, err
		}
		return "", err
	case d.way == WayToken:
		sub, err := s.Store.TokenSubscription(ctx, bot.ID, d.recipient)
		if err != nil || sub == nil {
			return "", err
		}
		if sub.Status == 0 || sub.ExpiresAt != nil && !sub.ExpiresAt.After(s.Store.Now()) {
			return ReasonUnsubscribed, nil
		}
		return "", nil
	case d.contact == "":
		return "", nil // a phone number: Facebook matches it, no window is known
	}
	c, err := s.Store.GetContact(ctx, bot.ID, d.contact)
	if err != nil {
		return "", err
	}
	check := *req
	check.PSID = d.contact
	check.EffectiveTag, _ = core.ResolveTag(req.MessagingType, req.Tag, bot.Settings.WithDefaults().LegacyTags, "messaging_type", "tag")
	var last *time.Time // nil: never wrote to the page
	if c != nil {
		last = c.LastInboundAt
	}
	if check.CheckWindow(s.Store.Now(), last) != nil {
		return ReasonOutsideWindow, nil
	}
	return "", nil
}

// request builds the recipient's send: the broadcast's content, the
// recipient's way, the broadcast's params under the recipient's own.
func (s *Service) request(ctx context.Context, bot *core.Bot, r *record, d due) (*core.SendRequest, string, error) {
	spec := &r.spec
	req := &core.SendRequest{Face: core.FaceV1, Method: "broadcast", RequestID: requestID(r.id, d.seq),
		MessagingType: spec.MessagingType, Tag: spec.Tag}
	params := map[string]string{}
	if spec.Content.Block != nil {
		maps.Copy(params, spec.Content.Block.Params)
	}
	maps.Copy(params, d.params)
	if r.channel == core.ChannelWhatsApp {
		t, err := decodeTemplate(spec.Content.Template)
		if err != nil {
			return nil, "", err
		}
		if templateHasPlaceholders(spec.Content.Template) {
			c, err := s.Store.GetContact(ctx, bot.ID, d.contact)
			if err != nil {
				return nil, "", err
			}
			vars := map[string]string{}
			if c != nil {
				maps.Copy(vars, c.Params)
			}
			maps.Copy(vars, params)
			if !fillTemplate(t, vars) {
				return nil, ReasonMissingParam, nil
			}
		}
		req.Recipient = core.Recipient{PhoneNumber: d.recipient}
		req.WhatsApp = &core.WAMessage{Type: "template", Template: t, Source: "botchat",
			Timestamp: strconv.FormatInt(s.Store.Now().Unix(), 10)}
		return req, "", nil
	}
	switch {
	case d.way == WayToken:
		req.Recipient.NotificationToken = d.recipient
	case d.contact != "":
		req.Recipient.ID = d.contact
	case d.way == WayPhone:
		req.Recipient.PhoneNumber = d.recipient
	}
	if len(params) > 0 {
		req.Params = params
	}
	if spec.Content.Block != nil {
		req.Method, req.Block = "broadcast_block", spec.Content.Block.Name
		return req, "", nil
	}
	var m core.Message
	if err := json.Unmarshal(spec.Content.Message, &m); err != nil {
		return nil, "", err
	}
	core.Normalize(&m)
	req.Cards = []core.Message{m}
	return req, "", nil
}

var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

func templateHasPlaceholders(raw []byte) bool { return placeholder.Match(raw) }

// fillTemplate puts the recipient's parameters into the template's
// {{name}} placeholders; false when one has no value.
func fillTemplate(t *core.WATemplate, vars map[string]string) bool {
	ok := true
	fill := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			v, found := vars[strings.TrimSpace(m[2:len(m)-2])]
			if !found {
				ok = false
			}
			return v
		})
	}
	for k, v := range t.Params {
		t.Params[k] = fill(v)
	}
	for i := range t.Components {
		for j := range t.Components[i].Parameters {
			p := &t.Components[i].Parameters[j]
			p.Text, p.Payload = fill(p.Text), fill(p.Payload)
		}
	}
	return ok
}
