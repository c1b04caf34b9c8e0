// Package gateway is the service every face calls: it authenticates callers,
// checks requests with the core's rules, records and queues them in one
// transaction, and, for sync requests, sends them before answering.
package gateway

import (
	"context"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/dispatch"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

// Service accepts sends.
type Service struct {
	Store       *store.Store
	Dispatch    *dispatch.Dispatcher
	WakeSends   func()        // wakes the send workers after an async accept commits
	Owner       string        // this process, for the leases of sync sends
	Lease       time.Duration // how long a sync send may hold its job before others take it
	SyncTimeout time.Duration // bound on a sync request, retries included
	MaxAttempts int           // Graph calls an async send gets before it fails
}

// Authenticate returns the bot an API key belongs to.
func (s *Service) Authenticate(ctx context.Context, apiKey string) (*core.Bot, error) {
	if apiKey == "" {
		return nil, core.Errorf(core.KindUnauthenticated, "an API key is required")
	}
	return s.Store.Authenticate(ctx, apiKey)
}

// Send accepts req for bot: checked, recorded and queued in one transaction,
// so an accepted request is never lost and a request id is used once. A sync
// request is sent before Send returns; the record says how it ended.
func (s *Service) Send(ctx context.Context, bot *core.Bot, req *core.SendRequest, f core.Fields) (*core.MessageRecord, error) {
	if err := req.Check(bot, f, s.resolver(ctx, bot)); err != nil {
		return nil, err
	}
	if !req.Sync && bot.CallbackURL == "" {
		return nil, core.Errorf(core.KindNoCallback, "async requests need a callback URL; set one on the bot or send with sync true")
	}
	m := &core.MessageRecord{ID: core.NewID("msg_", s.Store.Now()), BotID: bot.ID, Channel: core.ChannelMessenger, Request: *req, PSID: req.PSID}
	encoded, err := store.EncodeRequest(&m.Request)
	if err != nil {
		return nil, err
	}
	var job queue.Job
	write := s.Store.Write
	if req.Sync {
		write = s.Store.WriteUrgent // a caller is waiting on it
	}
	err = write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertMessage(m, encoded); err != nil {
			return err
		}
		var err error
		if req.Sync {
			job, err = queue.EnqueueClaimed(tx, dispatch.JobKind, m.ID, s.MaxAttempts, s.Owner, s.Lease)
			return err
		}
		err = queue.Enqueue(tx, dispatch.JobKind, m.ID, s.MaxAttempts, tx.Now())
		tx.AfterCommit(func() {
			s.Dispatch.Accepted.Put(m.ID, m)
			s.WakeSends()
		})
		return err
	})
	if err != nil || !req.Sync {
		return m, err
	}
	// The caller hanging up must not cut a send short: it would leave the
	// outcome unknown. The request's own bound still applies.
	deadline := time.Now().Add(s.SyncTimeout)
	work, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	defer cancel()
	return s.Dispatch.SendNow(work, bot, m, job, deadline)
}

// resolver finds the user a recipient names, and the parameters stored on it.
func (s *Service) resolver(ctx context.Context, bot *core.Bot) core.Resolver {
	return func(r core.Recipient, wantParams bool) (string, map[string]string, error) {
		if r.Linked() {
			return "", nil, &core.Error{Kind: core.KindUnknownUser, Field: "recipient",
				Message: "no Messenger user is linked to this " + r.Ways()[0]}
		}
		if r.ID == "" || !wantParams {
			return r.ID, nil, nil
		}
		c, err := s.Store.GetContact(ctx, bot.ID, r.ID)
		if err != nil || c == nil {
			return r.ID, nil, err
		}
		return r.ID, c.Params, nil
	}
}
