package whatsapp_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// A number just moved to botgate: until botgate has received its webhooks
// for 24 hours, a user it never saw write has an unknown window, so the
// send goes out under enforce and the message log says so; afterwards such
// a user is refused.
func TestWindowUnknownOnANewNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		start0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		clk := storetest.NewClock(start0)
		env := start(t, db, harness.Options{NewListener: true, Config: func(c *server.Config) { c.Now = clk.Now },
			Bot: map[string]any{"settings": map[string]any{"window_policy": "enforce"}}}, nil)
		if status, body := env.WhatsApp(textBody("u1")); status != http.StatusOK {
			t.Fatalf("unknown window: %d %s", status, body)
		}
		noted := false
		for _, h := range message(t, env, "u1").History {
			noted = noted || h.Kind == "window_unknown" && strings.Contains(h.Detail, "this number's webhooks")
		}
		if !noted {
			t.Errorf("history: %+v", message(t, env, "u1").History)
		}
		// A status webhook about the number starts the count.
		wamid := env.Fake.WhatsAppSends()[0].WAMID
		if hook, err := env.Fake.WAStatus(harness.WANumberID, wamid, to, "delivered"); err != nil || hook.Status != 200 {
			t.Fatalf("status webhook: %+v %v", hook, err)
		}
		clk.Set(start0.Add(25 * time.Hour))
		if status, body := env.WhatsApp(textBody("u2")); status != http.StatusForbidden || !strings.Contains(string(body), "never written to this number") {
			t.Errorf("after a full window of listening: %d %s", status, body)
		}
	})
}
