// Package load is botgate's load generator: a closed loop of workers, each
// issuing one request after another, recording every latency. Closed-loop
// load measures the highest rate a server sustains at a given concurrency;
// it is what the benchmark targets are stated in.
package load

import (
	"context"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what a run measured.
type Result struct {
	Requests  int
	Errors    int
	Elapsed   time.Duration
	latencies []time.Duration // sorted
}

// Rate is successful requests per second.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

// Quantile returns the q-th latency quantile (0 ≤ q ≤ 1).
func (r Result) Quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(q * float64(len(r.latencies)-1))
	return r.latencies[i]
}

// Do is one request; worker and seq identify it. A non-nil error counts as failed.
type Do func(ctx context.Context, worker, seq int) error

// Run runs workers until ctx ends or n requests were issued (n ≤ 0: no limit).
func Run(ctx context.Context, workers, n int, do Do) Result {
	return run(ctx, workers, n, 0, do)
}

// RunAt is Run issuing requests at rate per second, the i-th at i/rate from
// the start (open loop), so long as a worker is free for it: the load of a
// given share of a server's capacity, rather than all it can take.
func RunAt(ctx context.Context, workers, n int, rate float64, do Do) Result {
	return run(ctx, workers, n, rate, do)
}

func run(ctx context.Context, workers, n int, rate float64, do Do) Result {
	var issued atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	var errs atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1024)
			for ctx.Err() == nil {
				seq := int(issued.Add(1)) - 1
				if n > 0 && seq >= n {
					break
				}
				if rate > 0 {
					due := start.Add(time.Duration(float64(seq) / rate * float64(time.Second)))
					select {
					case <-ctx.Done():
					case <-time.After(time.Until(due)):
					}
					if ctx.Err() != nil {
						break
					}
				}
				t := time.Now()
				if err := do(ctx, w, seq); err != nil {
					if ctx.Err() != nil {
						break // cut off by the end of the run, not failed
					}
					errs.Add(1)
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			all = append(all, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(all)
	return Result{Requests: len(all), Errors: int(errs.Load()), Elapsed: time.Since(start), latencies: all}
}

// Client returns an HTTP client that keeps a connection per worker open.
func Client(workers int) *http.Client {
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        workers * 2,
			MaxIdleConnsPerHost: workers * 2,
			IdleConnTimeout:     90 * time.Second,
		},
	}
}
