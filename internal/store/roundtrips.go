package store

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
)

// roundTrips counts the statements botgate sends PostgreSQL, BEGIN and
// COMMIT included: each is one network round trip and one wake-up of a
// backend, so per message they are what PostgreSQL's throughput depends on.
// The bench divides it by messages; it stays stable when a busy machine
// makes every rate noisy.
var roundTrips = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "botgate_store_statements_total",
	Help: "Statements sent to PostgreSQL (BEGIN and COMMIT included), by pool: each is one round trip.",
}, []string{"pool"})

func init() {
	// Exported from the start, and on SQLite as zero (it has no round trips).
	roundTrips.WithLabelValues("read")
	roundTrips.WithLabelValues("write")
}

type countTracer struct{ c prometheus.Counter }

func (t countTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	t.c.Inc()
	return ctx
}

func (countTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// openPgx opens a pgx pool whose statements are counted under pool.
func openPgx(dsn, pool string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.Tracer = countTracer{roundTrips.WithLabelValues(pool)}
	return stdlib.OpenDB(*cfg), nil
}
