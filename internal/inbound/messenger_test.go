package inbound

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/core"
)

func load(t testing.TB, name string) []byte {
	data, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(data)
}

func TestParseEveryEventKind(t *testing.T) {
	cases := []struct {
		file, kind, psid, key string
	}{
		{"text", core.EventMessage, "524807506000000", "mid:m_hAxxtkOsBG8UEtO0RQNcwPgfxWKYaLWowT0Z7iLv"},
		{"video", core.EventMessage, "5248075068000000", "mid:m_6RK4gK9eklpa6uPCNFvNEvgfxWKYaLWowT0Z7iLv8BXpnCPA8KDnJOQOD26NINRuF"},
		{"image", core.EventMessage, "524807506000000", "mid:m_378ZrH7cpKmUUlmqOi5jQPgfxWKYaLWowT0Z7iLv8BWDeU"},
		{"file", core.EventMessage, "5248075068000000", "mid:m_0xp5Sj8GPFoLroU33qbcjPgfxWKYaLWowT0Z7iLv8BWnRj"},
		{"postback", core.EventPostback, "524807506000000", "mid:m_postback_0001"},
		{"echo", core.EventEcho, "524807506000000", "echo:m_echo_0001"},
		{"delivery", core.EventDelivery, "5248075068000000", "hash:"},
		{"delivery_no_mids", core.EventDelivery, "524807506000000", "hash:"},
		{"read", core.EventRead, "5248075068000000", "hash:"},
		{"subscribe", core.EventOptIn, "524807506000000", "hash:"},
		{"unsubscribe", core.EventOptIn, "524807506000000", "hash:"},
		{"optin_plugin", core.EventOptIn, "524807506000000", "hash:"},
		{"referral", core.EventReferral, "524807506000000", "hash:"},
	}
	for _, c := range cases {
		events, err := parseMessenger(load(t, c.file))
		if err != nil || len(events) != 1 {
			t.Fatalf("%s: %d events, %v", c.file, len(events), err)
		}
		ev := events[0]
		if ev.kind != c.kind || ev.psid != c.psid || !strings.HasPrefix(ev.key(), c.key) || ev.page != "110661988000000" {
			t.Errorf("%s: kind %q psid %q key %q page %q", c.file, ev.kind, ev.psid, ev.key(), ev.page)
		}
	}
	events, _ := parseMessenger(load(t, "delivery"))
	if events[0].watermark.UnixMilli() != 1714120250796 || len(events[0].mids) != 1 {
		t.Errorf("delivery watermark %v mids %v", events[0].watermark, events[0].mids)
	}
	events, _ = parseMessenger(load(t, "unsubscribe"))
	if o := events[0].optin; o.NotificationMessagesStatus != "STOP_NOTIFICATIONS" || o.Title != "订阅主题" || o.NotificationMessagesToken != "86334189411000000" {
		t.Errorf("unsubscribe optin %+v", o)
	}
	// The same content hashes the same, whitespace aside; another page does not.
	a, _ := parseMessenger(load(t, "read"))
	b, _ := parseMessenger([]byte(strings.ReplaceAll(string(load(t, "read")), ",", ", ")))
	c, _ := parseMessenger([]byte(strings.ReplaceAll(string(load(t, "read")), `"id":"110661988000000","messaging"`, `"id":"110661988000001","messaging"`)))
	if a[0].key() != b[0].key() || a[0].key() == c[0].key() {
		t.Errorf("content keys: %s %s %s", a[0].key(), b[0].key(), c[0].key())
	}
}

func TestForwardBodyKeepsOrderAndBytes(t *testing.T) {
	body := load(t, "batch_two_pages")
	events, err := parseMessenger(body)
	if err != nil || len(events) != 3 {
		t.Fatalf("%d events, %v", len(events), err)
	}
	all, err := forwardBody(body, func(string, json.RawMessage) bool { return true }, 3, 3)
	if err != nil || !bytes.Equal(all, body) {
		t.Fatalf("everything kept: %s, %v", all, err)
	}
	// Keep the read only: the first entry with one item, the second entry gone.
	onlyRead, err := forwardBody(body, func(page string, raw json.RawMessage) bool {
		return strings.Contains(string(raw), `"read"`)
	}, 3, 1)
	want := `{"object":"page","entry":[{"id":"110661988000000","time":1714121000000,"messaging":[{"sender":{"id":"524807506000000"},"recipient":{"id":"110661988000000"},"timestamp":1714121000100,"read":{"watermark":1714121000050}}]}]}`
	if err != nil || string(onlyRead) != want {
		t.Fatalf("read only:\n got %s\nwant %s (%v)", onlyRead, want, err)
	}
	// Field order is Facebook's, whatever it is: the seed's opt-ins put id before time.
	sub := load(t, "subscribe")
	filtered, err := forwardBody(sub, func(string, json.RawMessage) bool { return true }, 2, 1)
	if err != nil || !bytes.Equal(filtered, sub) {
		t.Fatalf("rebuilt opt-in differs:\n got %s\nwant %s", filtered, sub)
	}
}

// FuzzParse feeds arbitrary bodies to everything that reads a webhook: no
// panic, and a rebuilt forward body is always valid JSON.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"text", "batch_two_pages", "subscribe", "delivery_no_mids", "postback", "echo"} {
		f.Add(load(f, name))
	}
	f.Add([]byte(`{"object":"page","entry":[{"id":"1","messaging":[{}]}]}`))
	// NUL and invalid UTF-8, which botgate sets aside as unreadable.
	f.Add([]byte(`{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"a\u0000"},"message":{"mid":"m","text":"x"}}]}]}`))
	f.Add([]byte("{\"object\":\"page\",\"entry\":[{\"id\":\"1\",\"messaging\":[{\"sender\":{\"id\":\"2\"},\"message\":{\"mid\":\"m\",\"text\":\"\xff\"}}]}]}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = pageIDs(body)
		events, err := parseMessenger(body)
		if err != nil {
			return
		}
		for _, ev := range events {
			_ = ev.key()
		}
		n := 0
		out, err := forwardBody(body, func(string, json.RawMessage) bool { n++; return n%2 == 0 }, len(events)+1, len(events))
		if err == nil && !json.Valid(out) {
			t.Fatalf("forward body is not JSON: %s", out)
		}
	})
}
