package fakegraph

import (
	"net/http"
	"reflect"
	"testing"
)

const tagged = `{"recipient":{"id":"1"},"messaging_type":"MESSAGE_TAG","tag":"ACCOUNT_UPDATE","message":{"text":"hi"}}`

func to(psid string) string {
	return `{"recipient":{"id":"` + psid + `"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`
}

func toPhone(phone string) string {
	return `{"recipient":{"phone_number":"` + phone + `"},"messaging_type":"UPDATE","message":{"text":"hi"}}`
}

const outsideWindowMessage = "(#10) This message is sent outside of allowed window. Learn more about the new policy here: " +
	"https://developers.facebook.com/docs/messenger-platform/policy-overview"

func TestOutsideWindow(t *testing.T) {
	s, base := newFake(t, Options{})
	s.OutsideWindow("1")
	wantError(t, postJSON(t, base+sendPath, to("1")), 400, 10, 2018278, outsideWindowMessage)
	wantError(t, postJSON(t, base+sendPath, `{"recipient":{"id":"1"},"sender_action":"typing_on"}`),
		400, 10, 2018278, outsideWindowMessage)
	wantSent(t, s, postJSON(t, base+sendPath, tagged), "1")
	wantSent(t, s, postJSON(t, base+sendPath, to("2")), "2")
	if e := s.Sends()[0].Err; e == nil || e.Code != 10 || e.Subcode != 2018278 {
		t.Errorf("recorded error %+v", e)
	}
}

func TestUnavailable(t *testing.T) {
	s, base := newFake(t, Options{})
	s.Unavailable("1")
	wantError(t, postJSON(t, base+sendPath, to("1")), 400, 10, 2018108, "(#10) This person isn't available right now.")
	wantError(t, postJSON(t, base+sendPath, tagged), 400, 10, 2018108, "(#10) This person isn't available right now.")
	wantSent(t, s, postJSON(t, base+sendPath, to("2")), "2")
}

func TestUnmatchedPhone(t *testing.T) {
	s, base := newFake(t, Options{})
	s.UnmatchedPhone("+1 555-0100")
	wantError(t, postJSON(t, base+sendPath, toPhone("+15550100")), 400, 100, 2018001, "(#100) No matching user found")
	wantSent(t, s, postJSON(t, base+sendPath, toPhone("+15550199")), "")
	if got := lastSend(t, s).Recipient; !reflect.DeepEqual(got, map[string]any{"phone_number": "+15550199"}) {
		t.Errorf("recipient %v", got)
	}
}

func TestStrictUsers(t *testing.T) {
	s, base := newFake(t, Options{StrictUsers: true})
	s.AddPage("200", "tok-200")
	s.AddUser(testPage, "1", Profile{FirstName: "Ann"})
	s.AddUser("200", "2", Profile{FirstName: "Bob"})
	wantSent(t, s, postJSON(t, base+sendPath, to("1")), "1")
	wantError(t, postJSON(t, base+sendPath, to("3")), 400, 100, 2018001, "(#100) No matching user found")
	// PSIDs are page-scoped: page 200's user is unknown to page 100.
	wantError(t, postJSON(t, base+sendPath, to("2")), 400, 100, 2018001, "(#100) No matching user found")
}

func TestFailNext(t *testing.T) {
	s, base := newFake(t, Options{})
	s.FailNext(2, ErrRateLimitPage)
	// A body Graph rejects is answered as such and does not use up an injected failure.
	wantError(t, postJSON(t, base+sendPath, msg(`{}`)), 400, 100, 0,
		"(#100) Message cannot be empty, must provide valid attachment or text")
	for range 2 {
		res := postJSON(t, base+sendPath, validText)
		wantError(t, res, 400, 32, 0, "(#32) Page request limit reached")
		want := `{"100":[{"type":"messenger","call_count":100,"total_cputime":10,"total_time":10,"estimated_time_to_regain_access":1}]}`
		if got := res.header.Get("X-Business-Use-Case-Usage"); got != want {
			t.Errorf("usage header %q, want %q", got, want)
		}
	}
	wantSent(t, s, postJSON(t, base+sendPath, validText), "1")
	if got := ErrRateLimitPage.Header.Get("X-Business-Use-Case-Usage"); got == "" || got[2:11] != "{page-id}" {
		t.Errorf("answering changed the predefined header: %q", got)
	}
}

func TestFailNextComesBeforeRecipientRules(t *testing.T) {
	s, base := newFake(t, Options{})
	s.OutsideWindow("1")
	s.FailNext(1, ErrService)
	wantError(t, postJSON(t, base+sendPath, to("1")), 500, 2, 0,
		"An unexpected error has occurred. Please retry your request later.")
	wantError(t, postJSON(t, base+sendPath, to("1")), 400, 10, 2018278, outsideWindowMessage)
}

func TestFailNextWithCustomError(t *testing.T) {
	s, base := newFake(t, Options{})
	s.FailNext(1, GraphError{HTTPStatus: 400, Code: 613, Type: "OAuthException", Message: "(#613) slow down",
		Header: http.Header{"Retry-After": {"3"}}})
	res := postJSON(t, base+sendPath, validText)
	wantError(t, res, 400, 613, 0, "(#613) slow down")
	if res.header.Get("Retry-After") != "3" {
		t.Errorf("headers %v", res.header)
	}
	s.FailNext(0, ErrService)
	wantSent(t, s, postJSON(t, base+sendPath, validText), "1")
}

// outcomes sends n messages and lists the answers' HTTP statuses.
func outcomes(t *testing.T, seed int64, rate float64, n int) []int {
	s, base := newFake(t, Options{Seed: seed})
	s.SetTransientRate(rate)
	var statuses []int
	for range n {
		statuses = append(statuses, postJSON(t, base+sendPath, validText).status)
	}
	return statuses
}

func TestTransientRateFollowsSeed(t *testing.T) {
	a, b := outcomes(t, 42, 0.5, 40), outcomes(t, 42, 0.5, 40)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different outcomes:\n%v\n%v", a, b)
	}
	if reflect.DeepEqual(a, outcomes(t, 43, 0.5, 40)) {
		t.Errorf("seeds 42 and 43 gave the same outcomes %v", a)
	}
	count := map[int]int{}
	for _, status := range a {
		count[status]++
	}
	if count[200] == 0 || count[400] == 0 || count[500] == 0 || count[500]-count[400] > 1 || count[500] < count[400] {
		t.Errorf("outcomes %v: want successes and alternating 500 and 400 failures", a)
	}
}

func TestTransientRateAlternatesErrors(t *testing.T) {
	s, base := newFake(t, Options{})
	s.SetTransientRate(2) // clamped to 1
	for range 2 {
		wantError(t, postJSON(t, base+sendPath, validText), 500, 2, 0,
			"An unexpected error has occurred. Please retry your request later.")
		wantError(t, postJSON(t, base+sendPath, validText), 400, 1200, 0,
			"(#1200) Temporary send message failure. Please try again later")
	}
	s.SetTransientRate(0)
	wantSent(t, s, postJSON(t, base+sendPath, validText), "1")
}

func TestErrorForFindsPredefinedErrors(t *testing.T) {
	for _, e := range knownErrors() {
		got := errorFor(e.Code, e.Subcode)
		if got.Message != e.Message || got.HTTPStatus != e.HTTPStatus || !reflect.DeepEqual(got.Header, e.Header) {
			t.Errorf("errorFor(%d, %d) = %+v, want %+v", e.Code, e.Subcode, got, e)
		}
	}
	want := GraphError{HTTPStatus: 400, Code: 368, Type: "OAuthException", Message: "(#368) Injected error"}
	if got := errorFor(368, 0); !reflect.DeepEqual(got, want) {
		t.Errorf("errorFor(368, 0) = %+v", got)
	}
}
