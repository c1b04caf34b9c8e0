package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// withBot opens db with bot_1 in it.
func withBot(t *testing.T, db storetest.DB) *store.Store {
	t.Helper()
	s := db.Open(t, store.Options{})
	if err := s.CreateBot(context.Background(), newBot("bot_1", "page-1")); err != nil {
		t.Fatal(err)
	}
	return s
}

// acceptedMessage records a queued message of bot_1.
func acceptedMessage(t *testing.T, s *store.Store, requestID string) *core.MessageRecord {
	t.Helper()
	m := &core.MessageRecord{ID: core.NewID("msg_", s.Now()), BotID: "bot_1", Channel: core.ChannelMessenger,
		Request: core.SendRequest{RequestID: requestID, Face: "bothub", Method: "send_message"}}
	if err := s.Write(context.Background(), func(tx *store.Tx) error {
		return tx.InsertMessage(m, mustEncode(m), queue.Messages.NewJob(5, tx.Now())...)
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

func sentAttempt(messageID, graphID string) *core.Attempt {
	return &core.Attempt{MessageID: messageID, Request: json.RawMessage(`{}`), StatusCode: 200, Response: json.RawMessage(`{}`),
		Outcome: core.OutcomeSent, GraphID: graphID}
}

// TestAttemptRidesWithTheStatus: on PostgreSQL a send's attempt and the
// message's move to sent are one round trip, and both are recorded.
func TestAttemptRidesWithTheStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := withBot(t, db)
		m := acceptedMessage(t, s, "r1")
		before := store.WriteStatements()
		if err := s.Write(ctx, func(tx *store.Tx) error {
			if err := tx.AddAttempt(sentAttempt(m.ID, "m_1")); err != nil {
				return err
			}
			return tx.MarkSent(m.ID, "rcpt", "psid-1")
		}); err != nil {
			t.Fatal(err)
		}
		want := 0.0 // SQLite has no round trips
		if db.Kind == "postgres" {
			want = 3 // BEGIN, the UPDATE with the INSERT in front of it, COMMIT
		}
		if got := store.WriteStatements() - before; got != want {
			t.Errorf("statements sent = %v, want %v", got, want)
		}
		got, err := s.GetMessage(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		attempts, err := s.Attempts(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != core.StatusSent || len(attempts) != 1 || attempts[0].GraphID != "m_1" {
			t.Fatalf("status %s, attempts %+v; want sent with attempt m_1", got.Status, attempts)
		}
	})
}

// TestHeldInsertIsSeenByItsOperation: an operation that reads or updates
// the table it just inserted into sees its row, though PostgreSQL would not
// have shown it to a statement the INSERT rode in.
func TestHeldInsertIsSeenByItsOperation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := withBot(t, db)
		m := acceptedMessage(t, s, "r1")
		var counted, updated int64
		if err := s.Write(ctx, func(tx *store.Tx) error {
			if err := tx.AddAttempt(sentAttempt(m.ID, "")); err != nil {
				return err
			}
			if err := tx.QueryRow(`SELECT count(*) FROM attempts WHERE message_id = $1`, m.ID).Scan(&counted); err != nil {
				return err
			}
			if err := tx.AddAttempt(sentAttempt(m.ID, "")); err != nil {
				return err
			}
			res, err := tx.Exec(`UPDATE attempts SET error = 'seen' WHERE message_id = $1`, m.ID)
			if err != nil {
				return err
			}
			updated, err = res.RowsAffected()
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if counted != 1 || updated != 2 {
			t.Fatalf("the operation counted %d of its attempts (want 1) and updated %d (want 2)", counted, updated)
		}
	})
}

// TestHeldInsertFailsItsOwnOperation: when a held INSERT fails, whether it
// rode in front of the operation's UPDATE or went alone at the end, the
// operation fails with its error and nothing of it stays; the operations
// committed with it are kept.
func TestHeldInsertFailsItsOwnOperation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := withBot(t, db)
		first, riding, alone, other := acceptedMessage(t, s, "r1"), acceptedMessage(t, s, "r2"), acceptedMessage(t, s, "r3"), acceptedMessage(t, s, "r4")
		if err := s.Write(ctx, func(tx *store.Tx) error { return tx.AddAttempt(sentAttempt(first.ID, "m_dup")) }); err != nil {
			t.Fatal(err)
		}
		// Every writer holds a transaction open, so the three operations
		// below queue and join them together.
		release := make(chan struct{})
		var held, wg sync.WaitGroup
		for range store.Writers(s) {
			held.Add(1)
			wg.Add(1)
			var once sync.Once
			go func() {
				defer wg.Done()
				_ = s.Write(ctx, func(*store.Tx) error { once.Do(held.Done); <-release; return nil })
			}()
		}
		held.Wait()
		errs := make([]error, 3)
		for i, fn := range []func(*store.Tx) error{
			func(tx *store.Tx) error { // the duplicate rides in front of the UPDATE
				if err := tx.AddAttempt(sentAttempt(riding.ID, "m_dup")); err != nil {
					return err
				}
				return tx.MarkSent(riding.ID, "rcpt", "p")
			},
			func(tx *store.Tx) error { // the duplicate goes alone when the operation ends
				if err := tx.MarkSent(alone.ID, "rcpt", "p"); err != nil {
					return err
				}
				return tx.AddAttempt(sentAttempt(alone.ID, "m_dup"))
			},
			func(tx *store.Tx) error {
				if err := tx.AddAttempt(sentAttempt(other.ID, "m_other")); err != nil {
					return err
				}
				return tx.MarkSent(other.ID, "rcpt", "p")
			},
		} {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = s.Write(ctx, fn) }()
		}
		close(release)
		wg.Wait()
		for i, m := range []*core.MessageRecord{riding, alone} {
			if errs[i] == nil || !strings.Contains(errs[i].Error(), "graph_id") {
				t.Errorf("operation %d with a duplicate graph id: error %v, want the unique index's", i, errs[i])
			}
			got, err := s.GetMessage(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			attempts, _ := s.Attempts(ctx, m.ID)
			if got.Status != core.StatusAccepted || len(attempts) != 0 {
				t.Errorf("failed operation %d left status %s and %d attempts", i, got.Status, len(attempts))
			}
		}
		if errs[2] != nil {
			t.Fatalf("the operation beside them failed: %v", errs[2])
		}
		got, _ := s.GetMessage(ctx, other.ID)
		attempts, _ := s.Attempts(ctx, other.ID)
		if got.Status != core.StatusSent || len(attempts) != 1 {
			t.Fatalf("the operation beside them left status %s and %d attempts", got.Status, len(attempts))
		}
	})
}

// TestRidingFailureKeepsItsName: when the statement a held INSERT rode in
// fails because of the INSERT, the operation fails with the INSERT's error,
// even if its code took the failure for one of the statement's own.
func TestRidingFailureKeepsItsName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := withBot(t, db)
		first, second := acceptedMessage(t, s, "r1"), acceptedMessage(t, s, "r2")
		if err := s.Write(ctx, func(tx *store.Tx) error { return tx.AddAttempt(sentAttempt(first.ID, "m_dup")) }); err != nil {
			t.Fatal(err)
		}
		err := s.Write(ctx, func(tx *store.Tx) error {
			if err := tx.AddAttempt(sentAttempt(second.ID, "m_dup")); err != nil {
				return err
			}
			if _, err := tx.Exec(`UPDATE messages SET updated_at = updated_at WHERE id = $1`, second.ID); err != nil {
				return core.Errorf(core.KindConflict, "taken for the UPDATE's own")
			}
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "graph_id") {
			t.Fatalf("error %v; want the attempt's unique violation on graph_id", err)
		}
	})
}
