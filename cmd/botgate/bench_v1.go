package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/botgate/botgate/internal/load"
	"github.com/botgate/botgate/internal/seal"
)

// acceptV1 measures POST /v1/messages accepts like accept measures the
// Bothub face's: the same message, each with its own Idempotency-Key (which
// v1 keeps, so a v1 accept writes one row more than a Bothub one).
func (b *benchRun) acceptV1(u, key string) load.Result {
	ctx, cancel := context.WithTimeout(b.e.ctx, b.cmd.Duration)
	defer cancel()
	prefix := seal.Random(4)
	body := fmt.Sprintf(`{"channel":"messenger","to":{"psid":%q},"messaging_type":"RESPONSE","message":{"text":"Your order has shipped"}}`, benchUser)
	return load.Run(ctx, b.cmd.Concurrency, 0, func(ctx context.Context, w, seq int) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("v1-%s-%d", prefix, seq))
		resp, err := b.client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	})
}
