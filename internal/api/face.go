package api

import "strings"

// FaceOf names the API a path belongs to: a vendor face (bothub, sobot,
// whatsapp), admin, v1, inbound (Graph's webhooks), sandbox, console, or ops
// for the rest (health, metrics, unmatched paths). It is the one map from
// paths to faces: access lines, HTTP error metrics and the request log use it.
func FaceOf(path string) string {
	switch {
	case path == "/api":
		return "bothub"
	case strings.HasPrefix(path, "/api/"), strings.HasPrefix(path, "/chat-facebook/"):
		return "sobot"
	case strings.HasPrefix(path, "/channels/"):
		return "whatsapp"
	case strings.HasPrefix(path, "/admin/"):
		return "admin"
	case path == "/v1" || strings.HasPrefix(path, "/v1/"):
		return "v1"
	case strings.HasPrefix(path, "/webhooks/"):
		return "inbound"
	case strings.HasPrefix(path, "/sandbox/"):
		return "sandbox"
	case strings.HasPrefix(path, "/console"):
		return "console"
	}
	return "ops"
}
