package gateway

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// resyncGap is how soon after a sync an unknown template may ask for
// another: a burst of sends naming a missing template makes one.
const resyncGap = 5 * time.Second

// syncs remembers each account's last sync, so an unknown template
// triggers one sync, not one per send.
type syncs struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// SyncTemplates refreshes the local copy of the bot's WhatsApp Business
// Account's templates from Graph, every page, and returns the templates
// whose status changed.
func (s *Service) SyncTemplates(ctx context.Context, bot *core.Bot) ([]store.TemplateChange, int, error) {
	ch := bot.WhatsApp
	if ch == nil || ch.WABAID == "" {
		return nil, 0, core.Errorf(core.KindInvalid, "the bot's WhatsApp number has no waba_id: set it to keep a copy of its templates")
	}
	s.syncs.mu.Lock()
	if s.syncs.last == nil {
		s.syncs.last = map[string]time.Time{}
	}
	s.syncs.last[ch.WABAID] = time.Now()
	s.syncs.mu.Unlock()
	// On the store's clock, as the copy's own times are: what was written
	// to the copy from now on is newer than the listing.
	listedAt := s.Store.Now()
	defs, err := s.Dispatch.Graph.ListTemplates(ctx, ch.AccessToken, ch.WABAID)
	if err != nil {
		return nil, 0, core.Errorf(core.KindUnavailable, "WhatsApp's template list could not be read: %v", err)
	}
	changes, err := s.Store.ReplaceTemplates(ctx, ch.WABAID, defs, listedAt)
	if err == nil && s.TemplatesChanged != nil {
		s.TemplatesChanged(ctx, bot, changes)
	}
	return changes, len(defs), err
}

// recentlySynced reports whether the account was synced within resyncGap.
func (s *Service) recentlySynced(wabaID string) bool {
	s.syncs.mu.Lock()
	defer s.syncs.mu.Unlock()
	return time.Since(s.syncs.last[wabaID]) < resyncGap
}

// checkTemplate checks a template send against the local copy of the
// account's templates, as Graph would check it, and refuses a marketing
// template to a user who stopped them. A template the copy lacks triggers
// one sync first. Without a waba_id there is no copy: Graph checks alone.
func (s *Service) checkTemplate(ctx context.Context, bot *core.Bot, req *core.SendRequest) error {
	ch, t := bot.WhatsApp, req.WhatsApp.Template
	if ch.WABAID == "" {
		return t.FillParams(nil)
	}
	d, err := s.Store.GetTemplate(ctx, ch.WABAID, t.Name, t.Language.Code)
	if core.ErrorKind(err) == core.KindNotFound && !s.recentlySynced(ch.WABAID) {
		if _, _, serr := s.SyncTemplates(ctx, bot); serr != nil {
			return serr
		}
		d, err = s.Store.GetTemplate(ctx, ch.WABAID, t.Name, t.Language.Code)
	}
	if core.ErrorKind(err) == core.KindNotFound {
		return core.TemplateRefusal(core.WATemplateMissing, "template.name",
			"WhatsApp Business Account %s has no template %q in %s", ch.WABAID, t.Name, t.Language.Code)
	}
	if err != nil {
		return err
	}
	if err := t.FillParams(d); err != nil {
		return err
	}
	if err := d.CheckSend(t); err != nil {
		return err
	}
	if d.Category != core.CategoryMarketing {
		return nil
	}
	stopped, err := s.Store.MarketingOptedOut(ctx, bot.ID, req.PSID)
	if err != nil || !stopped {
		return err
	}
	return core.TemplateRefusal(core.WAMarketingStopped, "", "the user stopped marketing messages from this business (WhatsApp answered 131050 before); %s is a marketing template", t.Name)
}

// approvedTemplate names one of the number's approved templates, for the
// advice of a refusal outside the window: "" when none is known.
func (s *Service) approvedTemplate(ctx context.Context, bot *core.Bot) string {
	if bot.WhatsApp.WABAID == "" {
		return ""
	}
	list, err := s.Store.ListTemplates(ctx, bot.WhatsApp.WABAID)
	if err != nil {
		return ""
	}
	for _, t := range list {
		if t.Status == core.TemplateApproved {
			return " (this number has " + t.Name + " in " + t.Language + ", for one)"
		}
	}
	return ""
}

// ReplyWithBlockOnWhatsApp sends the block a WhatsApp user's reply named
// (a reply button, a list row, a template's quick-reply button): every
// card, its placeholders filled from the contact's parameters as a
// Messenger block reply's are, mapped to WhatsApp's messages
// (core.WAFromCard). A card with no WhatsApp form refuses the whole block,
// naming the card's path, before any of it is sent. The reply makes the
// request ids, so a retried job replies once.
func (s *Service) ReplyWithBlockOnWhatsApp(ctx context.Context, bot *core.Bot, contact, block, tapID string) error {
	if core.IsSystemBlock(block) {
		return core.Invalid("block", "%q is a system block; system blocks cannot be sent through a reply", block)
	}
	b, err := s.Store.GetBlock(ctx, bot.ID, block, 0)
	if err != nil {
		return err
	}
	c, err := s.Store.GetContact(ctx, bot.ID, contact)
	if err != nil && core.ErrorKind(err) != core.KindNotFound {
		return err
	}
	probe := &core.SendRequest{PSID: contact}
	var profile *core.Profile
	if c != nil {
		probe.StoredParams, profile = c.Params, c.Profile
	}
	vars := probe.Vars(profile)
	type part struct {
		id string
		m  *core.WAMessage
	}
	var parts []part
	for i, card := range b.Cards {
		at := fmt.Sprintf("block %s: cards[%d]", block, i)
		filled, err := core.Render(card, vars, bot.Settings.UnfilledPlaceholder, at)
		if err != nil {
			return err
		}
		ms, err := core.WAFromCard(filled, at)
		if err != nil {
			return err
		}
		for j, m := range ms {
			id := fmt.Sprintf("tap:%s:%d", tapID, i)
			if j > 0 {
				id += fmt.Sprintf(".%d", j)
			}
			parts = append(parts, part{id, m})
		}
	}
	phone := "+" + strings.TrimPrefix(contact, "wa:")
	for _, p := range parts {
		req := &core.SendRequest{Face: core.FaceAuto, Method: "block_button", RequestID: p.id,
			Recipient: core.Recipient{PhoneNumber: phone}, WhatsApp: p.m, Block: block, BlockVersion: b.Version}
		if _, err := s.Send(ctx, bot, req, core.Fields{RequestID: "request_id", Recipient: "recipient"}); err != nil && core.ErrorKind(err) != core.KindDuplicate {
			return err
		}
	}
	return nil
}
