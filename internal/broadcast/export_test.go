package broadcast

import (
	"context"
	"time"
)

// TierFrees exposes tierFrees to the tests: when the bot's WhatsApp
// number's oldest place in its tier frees, reckoned from now.
func (s *Service) TierFrees(ctx context.Context, botID string, now time.Time) (time.Time, error) {
	return s.tierFrees(ctx, &record{botID: botID}, now)
}
