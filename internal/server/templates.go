package server

import (
	"context"
	"encoding/json"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// syncTemplates refreshes every WhatsApp Business Account's template copy
// each TemplateSync, once per account, starting one interval after start
// (the first send of an unknown template syncs at once). Processes sharing
// a database each sync: the copies are the same, and a change found twice
// is told once (see templatesChanged).
func (s *Server) syncTemplates(ctx context.Context) {
	tick := time.NewTicker(s.cfg.TemplateSync)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		bots, err := s.Store.ListBots(ctx)
		if err != nil {
			s.log.Warn("botgate: template sync could not list bots", "err", err)
			continue
		}
		done := map[string]bool{}
		for _, b := range bots {
			if b.WhatsApp == nil || b.WhatsApp.WABAID == "" || done[b.WhatsApp.WABAID] {
				continue
			}
			done[b.WhatsApp.WABAID] = true
			if _, _, err := s.Gateway.SyncTemplates(ctx, b); err != nil && ctx.Err() == nil {
				s.log.Warn("botgate: template sync failed", "waba_id", b.WhatsApp.WABAID, "err", err)
			}
		}
	}
}

// templatesChanged tells the merchants of every bot of the account about
// the status changes a sync found, as template.status_changed events.
func (s *Server) templatesChanged(ctx context.Context, bot *core.Bot, changes []store.TemplateChange) {
	if len(changes) == 0 {
		return
	}
	bots, err := s.Store.ListBots(ctx)
	if err != nil {
		s.log.Warn("botgate: template changes not told", "err", err)
		return
	}
	waba := bot.WhatsApp.WABAID
	err = s.Store.Write(ctx, func(tx *store.Tx) error {
		for _, b := range bots {
			if b.WhatsApp == nil || b.WhatsApp.WABAID != waba || b.WebhookURL == "" || !b.Forwarding {
				continue
			}
			for _, c := range changes {
				if isNew, err := tx.FirstSeen(b.ID, "wa:tpl:"+waba+":"+c.Name+":"+c.Language+":"+c.From+">"+c.To+":"+tx.Now().UTC().Format("2006010215")); err != nil || !isNew {
					if err != nil {
						return err
					}
					continue
				}
				body, err := json.Marshal(core.TemplateStatusEvent{Event: core.EventTemplateStatus, BotID: b.ID, WABAID: waba,
					Name: c.Name, Language: c.Language, From: c.From, Status: c.To, Reason: c.Reason, At: tx.Now()})
				if err != nil {
					return err
				}
				if err := s.Notify.Enqueue(tx, &core.Delivery{BotID: b.ID, Kind: core.DeliveryEvent, URL: b.WebhookURL, Body: body}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		s.log.Warn("botgate: template changes not told", "err", err)
	}
}
