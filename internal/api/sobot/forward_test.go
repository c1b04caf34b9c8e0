package sobot_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// What the seed calls webhook forwarding: each of its samples, as Facebook
// posts it, reaches the merchant byte for byte, signed; the opt-in samples
// also keep the subscriber query_sub_users lists.
func TestWebhookForwarding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		merchant := harness.NewInbox(t)
		merchant.Secret = s.Secret
		s.Admin(http.MethodPatch, "/admin/v1/bots/"+s.BotID, map[string]any{"webhook_url": merchant.URL}, 200, nil)
		subscriber := func() string {
			return s.get("/chat-facebook/api/messenger/query_sub_users?appid="+harness.Page+"&title=%E8%AE%A2%E9%98%85%E4%B8%BB%E9%A2%98", s.Token)
		}
		status := map[string]string{"subscribe": `"sub_status":1`, "unsubscribe": `"sub_status":0`, "resubscribe": `"sub_status":1`}
		for i, name := range []string{"text", "video", "image", "file", "delivery", "read", "subscribe", "unsubscribe", "resubscribe"} {
			body := []byte(read(t, "webhooks/"+name+".json"))
			mac := hmac.New(sha256.New, []byte(harness.AppSecret))
			mac.Write(body)
			h := http.Header{"Content-Type": {"application/json"}, "X-Hub-Signature-256": {"sha256=" + hex.EncodeToString(mac.Sum(nil))}}
			if code, resp := s.Do(http.MethodPost, "/webhooks/messenger", h, body); code != http.StatusOK {
				t.Fatalf("%s: HTTP %d %s", name, code, resp)
			}
			// One at a time: the opt-in samples must apply in order.
			got := merchant.Wait(t, i+1, 5*time.Second)[i]
			if !bytes.Equal(got.Body, body) || !got.Verified {
				t.Errorf("%s: the merchant received (verified %v)\n%s\nwant\n%s", name, got.Verified, got.Body, body)
			}
			if want, ok := status[name]; ok && !bytes.Contains([]byte(subscriber()), []byte(want)) {
				t.Errorf("after %s: %s", name, subscriber())
			}
		}
	})
}
