package bothub_test

import (
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// When Graph does not give the user's profile, a text that is only
// "{{first_name}}" would fail later as an empty text and use up its
// request id: it is refused before it is recorded, and the same id works
// once the profile can be read. A text that stays valid with an empty name
// is sent with it, as before.
func TestProfileUnavailable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		env.Fake.WithholdProfile(harness.User, true)
		send := func(id, text string) (int, string) {
			status, body := env.Bothub(`{"request":{"method":"send_message","id":"` + id + `"},"recipient":{"id":"` + harness.User +
				`"},"messaging_type":"RESPONSE","message":{"text":"` + text + `"}}`)
			return status, string(body)
		}
		status, body := send("n1", "{{first_name}}")
		if status != 422 || !strings.Contains(body, `"code":10000`) ||
			!strings.Contains(body, "the user's profile could not be read from Facebook") ||
			!strings.Contains(body, "nothing was recorded, so the same request id can be sent again") {
			t.Fatalf("name-only text without a profile: %d %s", status, body)
		}
		if n := env.Fake.SendCount(); n != 0 {
			t.Fatalf("%d sends", n)
		}
		if status, body := send("n2", "Hi {{first_name}}!"); status != 200 {
			t.Fatalf("a text valid with an empty name: %d %s", status, body)
		}
		if got := string(env.Fake.Sends()[0].Body); !strings.Contains(got, `"text":"Hi !"`) {
			t.Errorf("Graph received %s", got)
		}
		env.Fake.WithholdProfile(harness.User, false)
		if status, body := send("n1", "{{first_name}}"); status != 200 {
			t.Fatalf("the same request id once the profile reads: %d %s", status, body)
		}
	})
}
