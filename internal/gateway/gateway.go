// Package gateway is the service every face calls: it authenticates callers,
// checks requests with the core's rules, records and queues them in one
// transaction, and, for sync requests, sends them before answering.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/dispatch"
	"github.com/botgate/botgate/internal/logs"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

// Service accepts sends.
type Service struct {
	Store       *store.Store
	Dispatch    *dispatch.Dispatcher
	Sends       *queue.Runner // this process's send workers, which send what it accepts when they have room
	Owner       string        // this process, for the leases of the sends it claims as it accepts them
	Lease       time.Duration // how long such a claim holds before others may take the job
	SyncTimeout time.Duration // bound on a sync request, retries included
	MaxAttempts int           // Graph calls an async send gets before it fails
	// TemplatesChanged hears of template status changes a sync found, to
	// tell the merchant.
	TemplatesChanged func(ctx context.Context, bot *core.Bot, changes []store.TemplateChange)

	syncs syncs
}

// Authenticate returns the bot an API key belongs to, for the vendor faces:
// their keys must have the send scope, and their dialects know no other
// refusal than an invalid key.
func (s *Service) Authenticate(ctx context.Context, apiKey string) (*core.Bot, error) {
	bot, err := s.AuthenticateScope(ctx, apiKey, core.ScopeSend)
	if core.ErrorKind(err) == core.KindForbidden {
		return nil, core.Errorf(core.KindBadCredential, "%s", core.AsError(err).Message)
	}
	return bot, err
}

// AuthenticateScope returns the bot an API key belongs to when the key has
// scope; KindForbidden, naming the scope, when it has not.
func (s *Service) AuthenticateScope(ctx context.Context, apiKey, scope string) (*core.Bot, error) {
	if apiKey == "" {
		return nil, core.Errorf(core.KindUnauthenticated, "an API key is required")
	}
	bot, scopes, err := s.Store.AuthenticateKey(ctx, apiKey)
	if err != nil {
		return nil, err
	}
	logs.SetBot(ctx, bot.ID) // for the request's access line
	if !slices.Contains(scopes, scope) {
		return nil, &core.Error{Kind: core.KindForbidden, Field: "scope", Message: "this API key lacks the " + scope + " scope"}
	}
	return bot, nil
}

// Send accepts req for bot: checked, recorded and queued in one transaction,
// so an accepted request is never lost and a request id is used once. A sync
// request is sent before Send returns; the record says how it ended.
func (s *Service) Send(ctx context.Context, bot *core.Bot, req *core.SendRequest, f core.Fields) (*core.MessageRecord, error) {
	p, err := s.prepare(ctx, bot, req, f)
	if err != nil {
		return nil, err
	}
	channel := core.ChannelMessenger
	if req.WhatsApp != nil {
		channel = core.ChannelWhatsApp
	}
	m := &core.MessageRecord{ID: core.NewID("msg_", s.Store.Now()), BotID: bot.ID, Channel: channel, Request: *req, PSID: req.PSID}
	encoded, err := store.EncodeRequest(&m.Request)
	if err != nil {
		return nil, err
	}
	var job queue.Job
	write := s.Store.Write
	if req.Sync {
		// A caller is waiting on it, and is answered only after a later
		// commit (the send's result, or SyncMessage below), whose wait for
		// the disk covers this one.
		write = s.Store.WriteUnsynced
	}
	// An async message is claimed by this process as it is accepted when
	// its send workers have room, and handed to them: no claim statement,
	// and no other process reads it back. The lease makes it anyone's
	// should this process die first.
	local := !req.Sync && s.Sends.Reserve()
	until := time.Now().Add(s.Lease)
	err = write(ctx, func(tx *store.Tx) error {
		// The message is its own send job: claimed by this process, which
		// sends it at once, when sync or when its workers have room.
		jobCols := queue.Messages.NewJob(s.MaxAttempts, tx.Now())
		if req.Sync || local {
			job, jobCols = queue.Messages.NewClaimedJob(m.ID, s.MaxAttempts, s.Owner, tx.Now(), s.Lease)
			job.Until = until
		}
		if err := tx.InsertMessage(m, encoded, jobCols...); err != nil {
			return err
		}
		if err := s.Dispatch.Notify.Emit(tx, bot.ID, core.EventMessageAccepted, notify.NewMessageData(m)); err != nil {
			return err
		}
		if p.warning != "" {
			if err := tx.AddEvent(m.ID, core.EventWarning, p.warning); err != nil {
				return err
			}
		}
		if p.windowUnknown != "" {
			if err := tx.AddEvent(m.ID, core.EventWindowUnknown, p.windowUnknown); err != nil {
				return err
			}
		}
		if !req.Sync {
			tx.AfterCommit(func() {
				// The send workers get their own copy: they record the send
				// on it while the caller still reads m for its answer.
				sending := *m
				s.Dispatch.Accepted.Put(m.ID, &sending)
				if local {
					s.Sends.Offer(job)
				} else {
					s.Sends.Wake()
				}
			})
		}
		return nil
	})
	if err != nil && local {
		s.Sends.Release()
	}
	if err != nil || !req.Sync {
		return m, err
	}
	// The caller hanging up must not cut a send short: it would leave the
	// outcome unknown. The request's own bound still applies.
	bound := s.SyncTimeout
	if req.Wait > 0 {
		bound = req.Wait
	}
	deadline := time.Now().Add(bound)
	work, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	defer cancel()
	m, err = s.Dispatch.SendNow(work, bot, m, job, deadline)
	if err == nil && m.Status == core.StatusAccepted {
		// The send went back to the queue without a record of its own:
		// the accept must reach the disk before the caller hears of it.
		if err := s.Store.SyncMessage(work, m.ID); err != nil {
			return nil, err
		}
	}
	if err == nil && m.Status == core.StatusFailed && m.Error != nil {
		logs.SetError(ctx, string(m.Error.Kind)) // the caller is answered with it
	}
	return m, err
}

// Verdict is a dry run's answer: whether the request would be sent, and
// exactly what would reach Graph.
type Verdict struct {
	Bodies  [][]byte
	Warning string // set when the window policy warns instead of refusing
}

// Check runs everything Send runs before accepting — the block, the core's
// checks, the window policy, rendering — and sends nothing.
func (s *Service) Check(ctx context.Context, bot *core.Bot, req *core.SendRequest, f core.Fields) (*Verdict, error) {
	p, err := s.prepare(ctx, bot, req, f)
	if err != nil {
		return nil, err
	}
	var profile *core.Profile
	if p.contact != nil {
		profile = p.contact.Profile
	}
	bodies, err := dispatch.Bodies(bot, req, profile)
	if err != nil {
		return nil, err
	}
	warning := p.warning
	if warning == "" {
		warning = p.windowUnknown
	}
	return &Verdict{Bodies: bodies, Warning: warning}, nil
}

type prepared struct {
	contact       *core.Contact
	warning       string
	windowUnknown string // why the user's window is unknown, when the send goes out on that ground
}

// prepare loads the block a request names, checks it with the core's rules
// and applies the bot's window policy.
func (s *Service) prepare(ctx context.Context, bot *core.Bot, req *core.SendRequest, f core.Fields) (prepared, error) {
	var p prepared
	if err := req.CheckIDs(f); err != nil {
		return p, err
	}
	policy := bot.Settings.WindowPolicy
	if req.WhatsApp != nil {
		if err := s.checkWhatsApp(ctx, bot, req, &p.contact, policy != core.WindowOff); err != nil {
			return p, err
		}
	} else {
		if req.Block != "" && req.RequestID != "" {
			if err := s.loadBlock(ctx, bot, req, f); err != nil {
				return p, err
			}
		}
		if err := req.Check(bot, f, s.resolver(ctx, bot, &p.contact, policy != core.WindowOff)); err != nil {
			return p, err
		}
		if err := s.checkBlockButtons(ctx, bot, req, f); err != nil {
			return p, err
		}
		if err := s.needProfile(ctx, bot, req, f); err != nil {
			return p, err
		}
	}
	if err := s.checkToken(ctx, bot, req); err != nil {
		return p, err
	}
	if !req.Sync && bot.CallbackURL == "" && core.ReportsToCallback(req.Face) {
		return p, core.Errorf(core.KindNoCallback, "async requests need a callback URL; set one on the bot or send with sync true")
	}
	if policy == core.WindowOff {
		return p, nil
	}
	var last *time.Time
	if p.contact != nil {
		last = p.contact.LastInboundAt
	}
	if refusal := req.CheckWindow(s.Store.Now(), last); refusal != nil {
		if last == nil {
			since, err := s.receivingSince(ctx, bot, req)
			if err != nil {
				return p, err
			}
			if req.WindowUnknown(s.Store.Now(), last, since) {
				p.windowUnknown = "window unknown: botgate has not yet received this " + sourceNoun(req) +
					"'s webhooks for a full window and never saw this user write; sent, and Graph decides"
				return p, nil
			}
		}
		if req.WhatsApp != nil {
			refusal.Message += s.approvedTemplate(ctx, bot)
		}
		if policy == core.WindowEnforce {
			return p, refusal
		}
		p.warning = "window policy warn: sent although " + refusal.Message
	}
	return p, nil
}

// checkBlockButtons refuses a block button naming a block the bot does not
// have: accepted, it would reach the user as a button that does nothing.
func (s *Service) checkBlockButtons(ctx context.Context, bot *core.Bot, req *core.SendRequest, f core.Fields) error {
	known := map[string]bool{}
	for i, card := range req.Cards {
		for _, b := range core.BlockButtons(card, req.CardPath(f, i)) {
			if _, seen := known[b.Block]; !seen {
				block, err := s.Store.GetBlock(ctx, bot.ID, b.Block, 0)
				if kind := core.ErrorKind(err); err != nil && kind != core.KindUnknownBlock && kind != core.KindNotFound {
					return err
				}
				known[b.Block] = err == nil && len(block.Cards) > 0
			}
			if !known[b.Block] {
				return &core.Error{Kind: core.KindUnknownBlock, Field: b.Path,
					Message: fmt.Sprintf("%s: the bot has no block named %q; create it before sending a button that opens it", b.Path, b.Block)}
			}
		}
	}
	return nil
}

// needProfile reads the user's profile now when a card is valid only with
// it ("{{first_name}}" alone as the text): should Graph not give it, the
// request is refused before it is recorded, so its request id can be used
// again, instead of failing later as an empty text. A message that stays
// valid with empty names is sent with them when the profile is missing.
func (s *Service) needProfile(ctx context.Context, bot *core.Bot, req *core.SendRequest, f core.Fields) error {
	if req.PSID == "" || !req.NeedsProfile() {
		return nil
	}
	invalid := req.ValidWithoutProfile(bot, f)
	if invalid == nil {
		return nil
	}
	if _, err := s.Dispatch.Profile(ctx, bot, req.PSID); err != nil {
		e := &core.Error{Kind: core.KindUpstream, Message: fmt.Sprintf("the user's profile could not be read from Facebook (%v), "+
			"and without it %s; nothing was recorded, so the same request id can be sent again", err, core.AsError(invalid).Message)}
		var g interface{ Upstream() *core.UpstreamError }
		if errors.As(err, &g) {
			e.Upstream = g.Upstream()
		}
		return e
	}
	return nil
}

// checkToken refuses a send to a notification-messages token whose user
// stopped the topic's messages (STOP) or whose token expired, before Graph
// refuses it; a token botgate has not seen goes out and Graph decides.
func (s *Service) checkToken(ctx context.Context, bot *core.Bot, req *core.SendRequest) error {
	if req.Recipient.NotificationToken == "" {
		return nil
	}
	sub, err := s.Store.TokenSubscription(ctx, bot.ID, req.Recipient.NotificationToken)
	switch {
	case err != nil || sub == nil:
		return err
	case sub.Status == 0:
		return core.Errorf(core.KindPolicy, "the user stopped the notification messages of topic %q (STOP); this token sends nothing until they resume", sub.Title)
	case sub.ExpiresAt != nil && !sub.ExpiresAt.After(s.Store.Now()):
		return core.Errorf(core.KindPolicy, "the notification-messages token of topic %q expired at %s; ask the user to opt in again",
			sub.Title, sub.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// receivingSince is when botgate first received a webhook about the page
// or number req goes out from (nil: never).
func (s *Service) receivingSince(ctx context.Context, bot *core.Bot, req *core.SendRequest) (*time.Time, error) {
	switch {
	case req.WhatsApp != nil && bot.WhatsApp != nil:
		return s.Store.SourceSince(ctx, core.ChannelWhatsApp, bot.WhatsApp.PhoneNumberID)
	case bot.Messenger != nil:
		return s.Store.SourceSince(ctx, core.ChannelMessenger, bot.Messenger.PageID)
	}
	return nil, nil
}

func sourceNoun(req *core.SendRequest) string {
	if req.WhatsApp != nil {
		return "number"
	}
	return "page"
}

// checkWhatsApp checks a WhatsApp send with the core's rules and names its
// user among the bot's contacts, reading the contact when the window
// policy needs it.
func (s *Service) checkWhatsApp(ctx context.Context, bot *core.Bot, req *core.SendRequest, contact **core.Contact, needContact bool) error {
	if req.RequestID == "" {
		return &core.Error{Kind: core.KindMissingRequestID, Field: "id", Message: "id is required"}
	}
	if bot.WhatsApp == nil {
		return core.Errorf(core.KindInvalid, "the bot has no WhatsApp number")
	}
	if err := core.ValidateWhatsApp(req.WhatsApp); err != nil {
		return err
	}
	req.PSID = core.WAContact(req.Recipient.PhoneNumber)
	if req.WhatsApp.Type == "template" {
		if err := s.checkTemplate(ctx, bot, req); err != nil {
			return err
		}
	}
	if !needContact {
		return nil
	}
	c, err := s.Store.GetContact(ctx, bot.ID, req.PSID)
	*contact = c
	return err
}

// loadBlock puts the current version of the block req names into req.
func (s *Service) loadBlock(ctx context.Context, bot *core.Bot, req *core.SendRequest, f core.Fields) error {
	// Nor through a tap: block buttons cannot name system blocks, so a tap
	// naming one is a postback someone wrote by hand.
	if core.IsSystemBlock(req.Block) {
		return core.Invalid(f.Message+".block_name", "%q is a system block; system blocks cannot be sent through the API", req.Block)
	}
	b, err := s.Store.GetBlock(ctx, bot.ID, req.Block, 0)
	if err != nil {
		return err
	}
	if len(b.Cards) == 0 {
		return core.Errorf(core.KindUnknownBlock, "block %q has no cards yet", req.Block)
	}
	req.Cards, req.BlockVersion = b.Cards, b.Version
	return nil
}

// resolver finds the user a recipient names and, when parameters or the
// window need it, reads the user's contact into *contact.
func (s *Service) resolver(ctx context.Context, bot *core.Bot, contact **core.Contact, needContact bool) core.Resolver {
	return func(r core.Recipient, wantParams bool) (string, map[string]string, error) {
		psid := r.ID
		if r.Linked() {
			kind, value := r.LinkOf()
			var err error
			if psid, err = s.Store.ResolveLink(ctx, bot.ID, kind, value); err != nil {
				return "", nil, err
			}
		}
		if psid == "" || !(wantParams || needContact) {
			return psid, nil, nil
		}
		c, err := s.Store.GetContact(ctx, bot.ID, psid)
		if err != nil || c == nil {
			return psid, nil, err
		}
		if contact != nil {
			*contact = c
		}
		return psid, c.Params, nil
	}
}

// PSID resolves a recipient that must name one Messenger user (by id or a
// linked account), for calls that act on the user rather than send.
func (s *Service) PSID(ctx context.Context, bot *core.Bot, r core.Recipient, field string) (string, error) {
	if err := r.Validate(field); err != nil {
		return "", err
	}
	if err := r.CheckIDs(field); err != nil {
		return "", err
	}
	if r.ID == "" && !r.Linked() {
		return "", &core.Error{Kind: core.KindBadRecipient, Field: field,
			Message: field + " must name a Messenger user by id or a linked account"}
	}
	psid, _, err := s.resolver(ctx, bot, nil, false)(r, false)
	return psid, err
}

// SetParams stores parameters on a user after checking their names.
func (s *Service) SetParams(ctx context.Context, bot *core.Bot, psid string, params map[string]string, replace bool, field string) (map[string]string, error) {
	for _, k := range slices.Sorted(maps.Keys(params)) {
		if err := core.ValidateParamName(field, k); err != nil {
			return nil, err
		}
	}
	return s.Store.SetParams(ctx, bot.ID, psid, params, replace)
}

// ReplyWithBlock sends a block to a user who tapped a block button. The tap's
// message id makes the request id, so a redelivered tap replies once.
func (s *Service) ReplyWithBlock(ctx context.Context, bot *core.Bot, psid, block, tapID string) (*core.MessageRecord, error) {
	req := &core.SendRequest{Face: core.FaceAuto, Method: "block_button", RequestID: "tap:" + tapID,
		Recipient: core.Recipient{ID: psid}, MessagingType: core.TypeResponse, Block: block}
	return s.Send(ctx, bot, req, core.Fields{RequestID: "request_id", Recipient: "recipient", MessagingType: "messaging_type",
		Tag: "tag", Message: "block", Params: "params"})
}
