package store

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"
)

// Processes sharing a PostgreSQL database reckon job leases and WhatsApp
// turns against each other's: a lease one process wrote ends when another
// reads it as past, a turn one reserved is spaced from turns the others
// took. Each process's own clock would let a process whose clock runs ahead
// take a job whose lease has not ended, or send a turn early. So on
// PostgreSQL the store's clock is the database server's: the process's
// clock corrected by its offset from clock_timestamp(), measured when the
// store opens and again every dbClockEvery.
//
// Measuring the offset, rather than reading now() in every transaction,
// keeps time free of round trips, and gives the same time to the code that
// waits for a turn or a job outside any transaction (dispatch, the queue
// runner), which a per-transaction reading would not reach.

// dbClockEvery is how often the offset is measured again: process clocks
// are stepped (NTP) or drift, and the offset follows within this.
const dbClockEvery = 10 * time.Second

// dbClock is the process's clock (local) plus its measured offset from the
// database server's.
type dbClock struct {
	local  func() time.Time
	offset atomic.Int64 // nanoseconds
	stop   chan struct{}
	done   chan struct{}
}

func (c *dbClock) now() time.Time { return c.local().Add(time.Duration(c.offset.Load())) }

// measure reads the database's clock a few times and keeps the offset of
// the reading with the shortest round trip: taken as read halfway through
// it, the database's time is off by at most half the round trip.
func (c *dbClock) measure(ctx context.Context, db *sql.DB) error {
	best, offset := time.Duration(-1), time.Duration(0)
	for range 3 {
		sent := c.local()
		var us int64
		if err := db.QueryRowContext(ctx, `SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint`).Scan(&us); err != nil {
			return err
		}
		rtt := c.local().Sub(sent)
		if best < 0 || rtt < best {
			best, offset = rtt, time.UnixMicro(us).Sub(sent.Add(rtt/2))
		}
	}
	c.offset.Store(int64(offset))
	return nil
}

// follow measures the offset again every dbClockEvery until closed. A
// failed measurement keeps the last offset: the database being away for a
// moment says nothing about the clocks.
func (c *dbClock) follow(db *sql.DB) {
	defer close(c.done)
	tick := time.NewTicker(dbClockEvery)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = c.measure(ctx, db)
			cancel()
		}
	}
}

// useDatabaseClock makes the store's clock the database server's, after a
// first measurement.
func (s *Store) useDatabaseClock(ctx context.Context) error {
	c := &dbClock{local: s.now, stop: make(chan struct{}), done: make(chan struct{})}
	if err := c.measure(ctx, s.read); err != nil {
		return err
	}
	s.clock, s.now = c, c.now
	go c.follow(s.read)
	return nil
}

// ClockOffset is how far the store's clock is set from the process's: the
// process clock's measured offset from the database server's on
// PostgreSQL, zero otherwise.
func (s *Store) ClockOffset() time.Duration {
	if s.clock == nil {
		return 0
	}
	return time.Duration(s.clock.offset.Load())
}
