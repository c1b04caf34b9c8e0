package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

func newBot(id, page string) *core.Bot {
	return &core.Bot{
		ID: id, Name: "Shop " + id, CallbackSecret: "whsec_test",
		Messenger: &core.MessengerChannel{PageID: page, AccessToken: "tok-" + id, AppSecret: "sec-" + id, VerifyToken: "ver-" + id},
		Settings:  core.Settings{}.WithDefaults(),
	}
}

func TestBotsAndKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := db.Open(t, store.Options{})
		if err := s.CreateBot(ctx, newBot("bot_1", "page-1")); err != nil {
			t.Fatal(err)
		}
		err := s.CreateBot(ctx, newBot("bot_2", "page-1"))
		if core.ErrorKind(err) != core.KindConflict {
			t.Fatalf("second bot on page-1: %v, want conflict", err)
		}
		got, err := s.GetBot(ctx, "bot_1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Messenger.AccessToken != "tok-bot_1" || got.Messenger.AppSecret != "sec-bot_1" || got.CallbackSecret != "whsec_test" {
			t.Fatalf("secrets did not round-trip: %+v %+v", got, got.Messenger)
		}
		byPage, err := s.BotByPage(ctx, "page-1")
		if err != nil || byPage.ID != "bot_1" {
			t.Fatalf("BotByPage = %v, %v", byPage, err)
		}

		k, key, err := s.CreateAPIKey(ctx, "bot_1")
		if err != nil {
			t.Fatal(err)
		}
		if b, err := s.Authenticate(ctx, key); err != nil || b.ID != "bot_1" {
			t.Fatalf("Authenticate = %v, %v", b, err)
		}
		if _, err := s.Authenticate(ctx, key+"x"); core.ErrorKind(err) != core.KindBadCredential {
			t.Fatalf("tampered key: %v", err)
		}
		if _, err := s.SetAPIKeyEnabled(ctx, k.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, key); core.ErrorKind(err) != core.KindBadCredential {
			t.Fatalf("disabled key: %v", err)
		}
		if _, err := s.SetAPIKeyEnabled(ctx, k.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteBot(ctx, "bot_1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, key); core.ErrorKind(err) != core.KindBotGone {
			t.Fatalf("key of deleted bot: %v", err)
		}
		// The page is free again once its bot is deleted.
		if err := s.CreateBot(ctx, newBot("bot_3", "page-1")); err != nil {
			t.Fatalf("page of a deleted bot: %v", err)
		}
		if err := s.DeleteAPIKey(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, key); core.ErrorKind(err) != core.KindBadCredential {
			t.Fatalf("revoked key: %v", err)
		}
	})
}

func TestMessageStatusOnlyMovesForward(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := db.Open(t, store.Options{})
		m := &core.MessageRecord{ID: "msg_1", BotID: "bot_1", Channel: core.ChannelMessenger,
			Request: core.SendRequest{Face: "bothub", Method: "send_message", RequestID: "r1",
				Cards: []core.Message{{Text: "hi"}}, Recipient: core.Recipient{ID: "psid-1"}}}
		if err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertMessage(m, mustEncode(m)) }); err != nil {
			t.Fatal(err)
		}
		dup := *m
		dup.ID = "msg_2"
		err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertMessage(&dup, mustEncode(&dup)) })
		if core.ErrorKind(err) != core.KindDuplicate {
			t.Fatalf("duplicate request id: %v", err)
		}
		steps := []struct {
			status core.Status
			moved  bool
		}{
			{core.StatusSent, true},
			{core.StatusRead, true},
			{core.StatusDelivered, false}, // a late delivery never overwrites read
			{core.StatusFailed, false},
			{core.StatusSent, false},
		}
		for _, step := range steps {
			var moved bool
			err := s.Write(ctx, func(tx *store.Tx) error {
				var err error
				moved, err = tx.SetStatus("msg_1", step.status)
				return err
			})
			if err != nil || moved != step.moved {
				t.Fatalf("SetStatus(%s) = %v, %v; want moved=%v", step.status, moved, err, step.moved)
			}
		}
		got, err := s.GetMessage(ctx, "msg_1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != core.StatusRead || got.SentAt == nil || got.ReadAt == nil || got.DeliveredAt != nil {
			t.Fatalf("record = %+v", got)
		}
		if got.Request.RequestID != "r1" || got.Request.Face != "bothub" || got.Request.Cards[0].Text != "hi" {
			t.Fatalf("request did not round-trip: %+v", got.Request)
		}
		events, err := s.Events(ctx, got)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e.Kind)
		}
		if fmt.Sprint(kinds) != "[accepted sent read]" {
			t.Fatalf("history = %v", kinds)
		}
	})
}

// Concurrent writers share transactions; one failing operation must not undo
// the others that shared its transaction.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := db.Open(t, store.Options{})
		const n = 200
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.Write(ctx, func(tx *store.Tx) error {
					m := &core.MessageRecord{ID: fmt.Sprintf("msg_%03d", i), BotID: "bot_1", Channel: core.ChannelMessenger,
						Request: core.SendRequest{Face: "bothub", Method: "send_message", RequestID: fmt.Sprintf("r%d", i%150)}}
					if err := tx.InsertMessage(m, mustEncode(m)); err != nil {
						return err
					}
					if i%7 == 0 {
						return errors.New("this operation fails after writing")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		want := map[string]bool{}
		for i := range n {
			switch {
			case errs[i] == nil:
				want[fmt.Sprintf("msg_%03d", i)] = true
			case core.ErrorKind(errs[i]) == core.KindDuplicate, i%7 == 0:
			default:
				t.Fatalf("op %d: %v", i, errs[i])
			}
		}
		got, err := s.ListMessages(ctx, store.MessageFilter{BotID: "bot_1", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d messages stored, %d writes succeeded", len(got), len(want))
		}
		for _, m := range got {
			if !want[m.ID] {
				t.Fatalf("%s stored although its write failed", m.ID)
			}
		}
	})
}

func TestReadyAfterMigrate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := db.Open(t, store.Options{Now: func() time.Time { return time.Unix(1700000000, 0) }})
		if err := s.Ready(context.Background()); err != nil {
			t.Fatalf("Ready after Migrate: %v", err)
		}
	})
}

func mustEncode(m *core.MessageRecord) []byte {
	data, err := store.EncodeRequest(&m.Request)
	if err != nil {
		panic(err)
	}
	return data
}
