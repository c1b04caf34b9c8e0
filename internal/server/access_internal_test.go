package server

import (
	"strings"
	"testing"
)

func TestSaneRequestID(t *testing.T) {
	for id, want := range map[string]bool{
		"trace-42": true, "4bf92f3577b34da6a3ce929d0e0e4736": true, "a:b/c=d+e~f.g_h": true,
		"": false, "has space": false, "tab\t": false, "new\nline": false, `quote"`: false, "ünïcode": false,
		strings.Repeat("x", 128): true, strings.Repeat("x", 129): false,
	} {
		if got := saneRequestID(id); got != want {
			t.Errorf("saneRequestID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestFaceOfRoute(t *testing.T) {
	for route, want := range map[string]string{
		"POST /api": "bothub", "POST /chat-facebook/api/messenger/send": "sobot", "GET /api/get_token": "sobot",
		"POST /channels/{bot_phone}/messages": "whatsapp", "GET /admin/v1/bots": "admin",
		"POST /webhooks/messenger/{bot}": "inbound", "GET /sandbox/inbox": "sandbox",
		"GET /healthz": "ops", "GET /metrics": "ops", "unmatched": "ops",
	} {
		if got := face(route); got != want {
			t.Errorf("face(%q) = %q, want %q", route, got, want)
		}
	}
}
