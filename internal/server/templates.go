package server

import (
	"context"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

// TemplateSyncJob is the queue kind (and ref) of the periodic template
// sync: one job shared by every process on the database, like the
// retention pass (internal/retention), so each account is synced once per
// interval however many instances run.
const TemplateSyncJob = "template_sync"

// runTemplateSync takes part in the periodic template sync until ctx ends:
// it makes sure the job exists, due one interval from now (the first send
// of an unknown template syncs at once), then runs it whenever this
// process claims it.
func (s *Server) runTemplateSync(ctx context.Context, owner string, lease time.Duration) {
	err := s.Store.WriteAlone(ctx, false, func(tx *store.Tx) error {
		return queue.EnqueueOnce(tx, TemplateSyncJob, TemplateSyncJob, tx.Now().Add(s.cfg.TemplateSync))
	})
	if err != nil && ctx.Err() == nil {
		s.log.Warn("botgate: could not schedule the template sync", "err", err)
	}
	r := &queue.Runner{Store: s.Store, Kind: TemplateSyncJob, Owner: owner, Concurrency: 1, Lease: lease,
		Poll: min(s.cfg.TemplateSync, time.Minute), Log: s.log,
		Handler: func(_ context.Context, j queue.Job) error { return s.syncTemplates(ctx, j, lease) }}
	r.Run(ctx)
}

// syncTemplates refreshes every WhatsApp Business Account's template copy,
// once per account, renewing the job's lease between accounts, then puts
// the job back for the next interval. A failed account is logged and
// waits for the next turn; changes found are told once (templatesChanged).
func (s *Server) syncTemplates(ctx context.Context, j queue.Job, lease time.Duration) error {
	bots, err := s.Store.ListBots(ctx)
	if err != nil {
		return err // the runner tries again later
	}
	renewed := time.Now()
	done := map[string]bool{}
	for _, b := range bots {
		if ctx.Err() != nil {
			break
		}
		if b.WhatsApp == nil || b.WhatsApp.WABAID == "" || done[b.WhatsApp.WABAID] {
			continue
		}
		done[b.WhatsApp.WABAID] = true
		if _, _, err := s.Gateway.SyncTemplates(ctx, b); err != nil && ctx.Err() == nil {
			s.log.Warn("botgate: template sync failed", "waba_id", b.WhatsApp.WABAID, "err", err)
		}
		if time.Since(renewed) > lease/3 {
			renewed = time.Now()
			if err := s.Store.WriteAlone(ctx, false, func(tx *store.Tx) error { return queue.Extend(tx, j, lease) }); err != nil {
				return nil // another process took the job over, or the database is away: its lease decides
			}
		}
	}
	next := s.Store.Now().Add(s.cfg.TemplateSync)
	if ctx.Err() != nil {
		next = s.Store.Now() // stopped mid-pass: the next claimer goes on at once
	}
	return s.Store.WriteAlone(context.WithoutCancel(ctx), false, func(tx *store.Tx) error {
		return queue.Reschedule(tx, j, next)
	})
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
			if b.WhatsApp == nil || b.WhatsApp.WABAID != waba {
				continue
			}
			for _, c := range changes {
				if isNew, err := tx.FirstSeen(b.ID, "wa:tpl:"+waba+":"+c.Name+":"+c.Language+":"+c.From+">"+c.To+":"+tx.Now().UTC().Format("2006010215")); err != nil || !isNew {
					if err != nil {
						return err
					}
					continue
				}
				if err := s.Notify.TemplateStatusChanged(tx, b, core.TemplateStatusEvent{WABAID: waba,
					Name: c.Name, Language: c.Language, From: c.From, Status: c.To, Reason: c.Reason, At: tx.Now()}); err != nil {
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
