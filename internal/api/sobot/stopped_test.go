package sobot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// A marketing token works from Bothub's recipient.notification_messages_token
// as from Sobot's recipient_token; once the user stops the topic (STOP),
// both faces refuse a send to the token before Graph, with a policy error.
func TestNotificationTokenAndStop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		if _, err := s.Fake.UserOptsIn(harness.Page, harness.User, fakegraph.OptIn{Title: "Deals", Token: "tok-1", Payload: "weekly"}); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "the opt-in", 5*time.Second, func() bool {
			sub, err := s.Server.Store.TokenSubscription(t.Context(), s.BotID, "tok-1")
			return err == nil && sub != nil && sub.Status == 1
		})
		bothub := func(id string) (int, string) {
			status, body := s.Bothub(fmt.Sprintf(`{"request":{"method":"send_message","id":%q},"recipient":{"notification_messages_token":"tok-1"},"message":{"text":"Deal of the day"}}`, id))
			return status, strings.TrimSpace(string(body))
		}
		sobotSend := `{"recipient_token":"tok-1","pageid":"` + harness.Page + `","type":"text","payload":"Deal of the day"}`
		if status, body := bothub("b1"); status != 200 {
			t.Fatalf("Bothub to a token: %d %s", status, body)
		}
		if got := lastSend(t, s); !strings.Contains(string(got.Body), `"notification_messages_token":"tok-1"`) {
			t.Errorf("Graph received %s", got.Body)
		}
		if got := s.post("send", sobotSend); !strings.Contains(got, `"ret_code":"000000"`) {
			t.Fatalf("Sobot to a token: %s", got)
		}

		if _, err := s.Fake.UserOptsIn(harness.Page, harness.User, fakegraph.OptIn{Title: "Deals", Token: "tok-1", Status: "STOP_NOTIFICATIONS"}); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "the stop", 5*time.Second, func() bool {
			sub, err := s.Server.Store.TokenSubscription(t.Context(), s.BotID, "tok-1")
			return err == nil && sub != nil && sub.Status == 0
		})
		sent := s.Fake.SendCount()
		const why = `the user stopped the notification messages of topic \"Deals\" (STOP); this token sends nothing until they resume`
		status, body := bothub("b2")
		if want := `{"error":{"message":"` + why + `","type":"InvalidRequest","code":10100,"error_subcode":0,"request_id":"b2"}}`; status != 403 || body != want {
			t.Errorf("Bothub after STOP: %d %s\nwant %s", status, body, want)
		}
		if got, want := s.post("send", sobotSend), `{"ret_code":"999999","ret_msg":"`+why+`"}`; got != want {
			t.Errorf("Sobot after STOP: %s\nwant %s", got, want)
		}
		if s.Fake.SendCount() != sent {
			t.Error("a send to a stopped token reached Graph")
		}
		// The request id was not burnt: refusals happen before recording.
		if _, err := s.Fake.UserOptsIn(harness.Page, harness.User, fakegraph.OptIn{Title: "Deals", Token: "tok-1", Status: "RESUME_NOTIFICATIONS"}); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "the resume", 5*time.Second, func() bool {
			status, _ := bothub("b2")
			return status == 200
		})
	})
}
