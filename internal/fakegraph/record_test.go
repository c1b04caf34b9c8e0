package fakegraph

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"
)

func TestRequestsAreRecorded(t *testing.T) {
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, base := newFake(t, Options{Now: func() time.Time { return clock }})
	res := postJSON(t, base+sendPath+"&appsecret_proof=abc", validText)
	do(t, "GET", base+"/v25.0/7?fields=locale&access_token="+testToken, "", "")
	do(t, "GET", base+"/_fake/sends/count", "", "")

	got := s.Requests()
	if len(got) != 2 {
		t.Fatalf("%d requests recorded, want 2 (control calls are not recorded)", len(got))
	}
	r := got[0]
	wantQuery := url.Values{"access_token": {testToken}, "appsecret_proof": {"abc"}}
	if r.Seq != 1 || !r.Time.Equal(clock) || r.Method != "POST" || r.Path != "/v25.0/me/messages" ||
		!reflect.DeepEqual(r.Query, wantQuery) || string(r.Body) != validText ||
		r.Status != 200 || string(r.Response) != res.body || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("recorded %+v", r)
	}
	if p := got[1]; p.Seq != 2 || p.Method != "GET" || p.Path != "/v25.0/7" || p.Status != 200 ||
		string(p.Response) != `{"locale":"en_US","id":"7"}` {
		t.Errorf("recorded %+v", p)
	}
	send := lastSend(t, s)
	want := Send{Seq: 1, PageID: testPage, Token: testToken, Body: []byte(validText),
		Parsed: map[string]any{"recipient": map[string]any{"id": "1"}, "messaging_type": "RESPONSE",
			"message": map[string]any{"text": "hi"}},
		Recipient: map[string]any{"id": "1"}, MessageID: send.MessageID, Status: 200}
	if !reflect.DeepEqual(send, want) {
		t.Errorf("send %+v\nwant %+v", send, want)
	}
}

func TestMaxRecordedDropsOldest(t *testing.T) {
	s, base := newFake(t, Options{MaxRecorded: 3})
	for range 5 {
		postJSON(t, base+sendPath, validText)
	}
	var seqs []int
	for _, r := range s.Requests() {
		seqs = append(seqs, r.Seq)
	}
	var sendSeqs []int
	for _, send := range s.Sends() {
		sendSeqs = append(sendSeqs, send.Seq)
	}
	if want := []int{3, 4, 5}; !reflect.DeepEqual(seqs, want) || !reflect.DeepEqual(sendSeqs, want) {
		t.Errorf("kept requests %v and sends %v, want %v", seqs, sendSeqs, want)
	}
	if n := s.SendCount(); n != 5 {
		t.Errorf("SendCount %d, want 5", n)
	}
}

func TestWaitSends(t *testing.T) {
	s, base := newFake(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitSends(ctx, 0); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.WaitSends(ctx, 3) }()
	postJSON(t, base+sendPath, validText)
	postJSON(t, base+sendPath, msg(`{}`)) // failed sends count too
	do(t, "GET", base+"/v25.0/7?access_token="+testToken, "", "")
	postJSON(t, base+sendPath, validText)
	if err := <-done; err != nil {
		t.Fatalf("WaitSends: %v", err)
	}
	if n := s.SendCount(); n != 3 {
		t.Errorf("SendCount %d, want 3", n)
	}
}

func TestWaitSendsEndsWithContext(t *testing.T) {
	s, _ := newFake(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.WaitSends(ctx, 1) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitSends: %v, want context.Canceled", err)
	}
}

func TestReset(t *testing.T) {
	s, base := newFake(t, Options{Latency: time.Millisecond})
	s.AddUser(testPage, "1", Profile{FirstName: "Ann"})
	s.OutsideWindow("1")
	s.FailNext(5, ErrService)
	s.SetTransientRate(1)
	s.SetLatency(time.Second)
	postJSON(t, base+sendPath, validText)

	s.Reset()
	if len(s.Requests()) != 0 || len(s.Sends()) != 0 || s.SendCount() != 0 {
		t.Fatal("records survived Reset")
	}
	if s.rules.latency != time.Millisecond {
		t.Errorf("latency %v after Reset, want Options.Latency", s.rules.latency)
	}
	wantSent(t, s, postJSON(t, base+sendPath, validText), "1")
	res := do(t, "GET", base+"/v25.0/1?fields=first_name&access_token="+testToken, "", "")
	if res.status != http.StatusOK || res.body != `{"first_name":"Ann","id":"1"}` {
		t.Errorf("user lost in Reset: %s", res.body)
	}
	if seq := lastSend(t, s).Seq; seq != 2 {
		t.Errorf("Seq %d after Reset, want 2: Seq keeps counting", seq)
	}
}
