package console_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// Meta's redelivery of an event already seen is dropped and counted, and the
// webhooks page shows the count.
func TestDuplicatesDropped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := harness.Start(t, db, harness.Options{})
		ctx := context.Background()
		admin := signInAs(t, e, "ada", core.RoleAdmin)
		now := time.Now().UnixMilli()
		body := []byte(`{"object":"page","entry":[{"id":"` + harness.Page + `","time":` + itoa(now) + `,"messaging":[{"sender":{"id":"` +
			harness.User + `"},"recipient":{"id":"` + harness.Page + `"},"timestamp":` + itoa(now) + `,"message":{"mid":"m_dup_1","text":"Hello twice"}}]}]}`)
		mac := hmac.New(sha256.New, []byte(harness.AppSecret))
		mac.Write(body)
		h := http.Header{"X-Hub-Signature-256": {"sha256=" + hex.EncodeToString(mac.Sum(nil))}, "Content-Type": {"application/json"}}
		for i := range 2 {
			if status, resp := e.Do(http.MethodPost, "/webhooks/messenger", h, body); status != http.StatusOK {
				t.Fatalf("webhook %d: %d %s", i+1, status, resp)
			}
		}
		harness.WaitFor(t, "the redelivery dropped", 10*time.Second, func() bool {
			days, err := e.Server.Store.DuplicatesDropped(ctx, e.BotID, 7)
			return err == nil && len(days) == 1 && days[0].Dropped == 1
		})
		turns, err := e.Server.Store.Conversation(ctx, e.BotID, harness.User, time.Time{}, 10)
		if err != nil || len(turns) != 1 {
			t.Errorf("the event acted %d times, want once (%v)", len(turns), err)
		}
		want := "Duplicates dropped: <strong>1</strong> today (UTC) · <strong>1</strong> in the last 7 days"
		mustContain(t, admin.get("/console/deliveries/webhooks?bot="+e.BotID, http.StatusOK), "webhooks", want)
		mustContain(t, admin.get("/console/deliveries/webhooks", http.StatusOK), "webhooks of all bots", want)
		if page := admin.get("/console/deliveries/webhooks?bot=bot_other", http.StatusOK); !strings.Contains(page, "Duplicates dropped: <strong>0</strong>") {
			t.Error("another bot's page counts this bot's duplicates")
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
