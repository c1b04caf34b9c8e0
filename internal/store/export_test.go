package store

import (
	"context"

	dto "github.com/prometheus/client_model/go"

	"github.com/botgate/botgate/internal/core"
)

// MigrateTo and MigrateDownTo move the schema to a version, for upgrade tests.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	_, err := s.migrator.UpTo(ctx, version)
	return err
}

func (s *Store) MigrateDownTo(ctx context.Context, version int64) error {
	_, err := s.migrator.DownTo(ctx, version)
	return err
}

// Writers is how many group-commit writers s runs.
func Writers(s *Store) int { return s.writers }

// UrgentWaiting is how many urgent operations wait for a writer.
func UrgentWaiting(s *Store) int { return len(s.writer.urgent) }

// OneReader makes s read on a single connection, so that a test's later
// read sees the session state (prepared statements) of its earlier ones.
func OneReader(s *Store) { s.read.SetMaxOpenConns(1) }

// RecordDeliveryAttempt stores one POST's outcome and the delivery's new
// state, as the notifier's settling UPDATE does, for tests that seed
// deliveries without a job.
func (tx *Tx) RecordDeliveryAttempt(id string, a core.DeliveryAttempt, state string) error {
	if err := tx.InsertDeliveryAttempt(id, a); err != nil {
		return err
	}
	set, args := Assignments(tx.DeliveryResult(a, state), []any{id})
	_, err := tx.Exec(`UPDATE deliveries SET `+set+` WHERE id = $1`, args...)
	return err
}

// AdvanceUpToSQL is the statement a delivery or read watermark runs.
func AdvanceUpToSQL(status core.Status) string { return advanceUpToSQL(status) }

// ConversationSQL is the statement that reads a user's newest messages.
const ConversationSQL = conversationSQL

// WriteStatements is how many statements the write pool has sent
// PostgreSQL (zero on SQLite).
func WriteStatements() float64 {
	var m dto.Metric
	_ = roundTrips.WithLabelValues("write").Write(&m)
	return m.GetCounter().GetValue()
}
