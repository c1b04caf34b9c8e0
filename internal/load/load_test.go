package load

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCountsRequestsErrorsAndLatencies(t *testing.T) {
	res := Run(context.Background(), 4, 100, func(_ context.Context, _, seq int) error {
		time.Sleep(time.Duration(seq%10) * 100 * time.Microsecond)
		if seq%10 == 0 {
			return errors.New("failed")
		}
		return nil
	})
	if res.Requests != 100 || res.Errors != 10 {
		t.Fatalf("requests %d errors %d, want 100 and 10", res.Requests, res.Errors)
	}
	if res.Quantile(0) > res.Quantile(0.5) || res.Quantile(0.5) > res.Quantile(1) {
		t.Fatalf("quantiles not ordered: %v %v %v", res.Quantile(0), res.Quantile(0.5), res.Quantile(1))
	}
	if res.Quantile(1) < 900*time.Microsecond {
		t.Fatalf("slowest latency %v, want at least the 900µs sleep", res.Quantile(1))
	}
	if res.Rate() <= 0 {
		t.Fatalf("rate %v", res.Rate())
	}
}

func TestRunStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	res := Run(ctx, 2, 0, func(ctx context.Context, _, _ int) error {
		select {
		case <-time.After(time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if res.Errors != 0 || res.Requests == 0 {
		t.Fatalf("requests %d errors %d; a run cut off by its context counts no errors", res.Requests, res.Errors)
	}
}

// RunAt issues the i-th request no sooner than i/rate after the start.
func TestRunAtPacesRequests(t *testing.T) {
	const n, rate = 50, 500.0
	start := time.Now()
	var early atomic.Int64
	res := RunAt(context.Background(), 8, n, rate, func(_ context.Context, _, seq int) error {
		if time.Since(start) < time.Duration(float64(seq)/rate*float64(time.Second)) {
			early.Add(1)
		}
		return nil
	})
	if res.Requests != n || res.Errors != 0 || early.Load() != 0 {
		t.Fatalf("requests %d errors %d early %d; want %d, 0, 0", res.Requests, res.Errors, early.Load(), n)
	}
	if min := time.Duration(float64(n-1) / rate * float64(time.Second)); res.Elapsed < min {
		t.Fatalf("the run took %v, less than the %v its last request was due at", res.Elapsed, min)
	}
}
