package server

import (
	"fmt"
	"strings"
)

// welcome is what the sandbox prints on every start: the same text each
// time on the same database and addresses, so that commands a user copied
// keep working. The request ids are fixed: sending one again answers as the
// first time and sends nothing twice.
func (sb *sandbox) welcome(s *Server) string {
	var b strings.Builder
	url := s.URL()
	fmt.Fprintf(&b, "\nbotgate sandbox: listening on %s, fake Graph API at %s\n", url, sb.graphURL)
	fmt.Fprintf(&b, "Console: %s/console/  (sign in as demo, password %s)\n", url, sb.demoPassword)
	fmt.Fprintf(&b, "Sandbox phone: %s/console/phone  (play the demo users: write, tap buttons, see the bot's answers)\n", url)
	fmt.Fprintf(&b, "Demo bot %s on page %s; demo user (PSID) %s.\n", sb.botID, sandboxPage, sandboxUser)
	token := "<your admin token>"
	if sb.generatedToken {
		token = s.cfg.AdminToken
		fmt.Fprintf(&b, "Admin token: %s (kept in the database; --admin-token or BOTGATE_ADMIN_TOKEN overrides it)\n", token)
	} else {
		fmt.Fprintf(&b, "Admin token: the one you gave (--admin-token or BOTGATE_ADMIN_TOKEN).\n")
	}
	fmt.Fprintf(&b, "Demo bot API key: %s\n", sb.key)
	fmt.Fprintf(&b, "Send a message (a request id is used once: change demo-1 to send another):\n  curl -s %s/api -H 'APIKEY: %s' -H 'Content-Type: application/json' \\\n", url, sb.key)
	fmt.Fprintf(&b, "    -d '{\"request\":{\"method\":\"send_message\",\"id\":\"demo-1\",\"sync\":true},\"recipient\":{\"id\":\"%s\"},\"messaging_type\":\"RESPONSE\",\"message\":{\"text\":\"Hello {{first_name}}!\"}}'\n",
		sandboxUser)
	fmt.Fprintf(&b, "See what happened to it:\n  curl -s '%s/admin/v1/messages?request_id=demo-1' -H 'Authorization: Bearer %s'\n", url, token)
	fmt.Fprintf(&b, "Send a WhatsApp message from %s to the demo user %s:\n  curl -s %s/channels/%s/messages -H 'APIKEY: %s' -H 'Content-Type: application/json' \\\n",
		sandboxWAPhone, sandboxWAUser, url, sandboxWAPhone, sb.key)
	fmt.Fprintf(&b, "    -d '{\"id\":\"wa-demo-1\",\"to\":\"%s\",\"timestamp\":\"1767225600\",\"source\":\"botchat\",\"type\":\"text\",\"text\":{\"body\":\"Hello from botgate\"}}'\n",
		sandboxWAUser[1:])
	fmt.Fprintf(&b, "Play the demo user: write to the page as their phone would (webhooks are signed; verify token %s):\n", sandboxVerifyToken)
	fmt.Fprintf(&b, "  curl -s %s/_fake/users/act -H 'Content-Type: application/json' \\\n", sb.graphURL)
	fmt.Fprintf(&b, "    -d '{\"action\":\"text\",\"page_id\":\"%s\",\"psid\":\"%s\",\"text\":\"Where is my order?\"}'\n", sandboxPage, sandboxUser)
	fmt.Fprintf(&b, "Async results (\"sync\":false) arrive at %s/sandbox/inbox (GET it to read them).\n\n", url)
	return b.String()
}
