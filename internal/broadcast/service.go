package broadcast

import (
	"context"
	"io"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/store"
)

// Service creates broadcasts and reports on them; the queue's jobs (see
// Jobs) do the expansion and the sending. Its clock is the store's.
type Service struct {
	Store   *store.Store
	Gateway *gateway.Service
	// Wake tells this process's broadcast runner that work is due now
	// (after a create or a resume); nil: the runner finds it on its own.
	Wake func()
}

func notYet() error { return core.Errorf(core.KindUnavailable, "broadcasts are not implemented yet") }

// Create checks spec and stores the broadcast for bot, scheduled; with
// spec.DryRun it stores nothing and returns the audience's counts and skips.
func (s *Service) Create(ctx context.Context, bot *core.Bot, spec Spec) (*Broadcast, error) {
	return nil, notYet()
}

// Get returns one broadcast of botID with its live counts.
func (s *Service) Get(ctx context.Context, botID, id string) (*Broadcast, error) {
	return nil, notYet()
}

// List returns botID's broadcasts, newest first, a page at a time; the
// returned cursor is empty on the last page.
func (s *Service) List(ctx context.Context, botID, cursor string, limit int) ([]Broadcast, string, error) {
	return nil, "", notYet()
}

// Pause stops new sends of a scheduled or running broadcast within a second.
func (s *Service) Pause(ctx context.Context, botID, id string) (*Broadcast, error) {
	return nil, notYet()
}

// Resume continues a paused broadcast where it stopped.
func (s *Service) Resume(ctx context.Context, botID, id string) (*Broadcast, error) {
	return nil, notYet()
}

// Cancel stops a broadcast for good; what went out stays in its counts.
func (s *Service) Cancel(ctx context.Context, botID, id string) (*Broadcast, error) {
	return nil, notYet()
}

// Recipients lists a broadcast's recipients, filtered, a page at a time.
func (s *Service) Recipients(ctx context.Context, botID, id string, f RecipientFilter, cursor string, limit int) ([]Recipient, string, error) {
	return nil, "", notYet()
}

// Upload stores a recipient list read from r ("csv" or "jsonl"), streamed,
// for an audience's Upload to name.
func (s *Service) Upload(ctx context.Context, botID string, r io.Reader, format string) (*Upload, error) {
	return nil, notYet()
}
