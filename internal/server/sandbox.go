package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
)

// The sandbox's demo page and user, known to the in-process fake Graph.
const (
	sandboxPage      = "100000000000001"
	sandboxPageToken = "sandbox-page-token"
	sandboxUser      = "2000000000000001"
	sandboxAppSecret = "sandbox-app-secret"

	// The demo bot's WhatsApp number and the demo WhatsApp user.
	sandboxWAPhone  = "+15550100001"
	sandboxWANumber = "100000000000777"
	sandboxWAToken  = "sandbox-whatsapp-token"
	sandboxWAUser   = "+447700900001"
)

// sandbox runs the fake Graph server beside botgate and keeps a demo bot
// whose callbacks land in a local inbox, so a new user can try every call
// without a Facebook account.
type sandbox struct {
	fake     *fakegraph.Server
	http     *http.Server
	graphURL string
	botID    string
	store    *store.Store
	// generatedToken: no admin token was configured, so the sandbox made one
	// and prints it; a configured token is never printed.
	generatedToken bool
	key            string // the demo bot's API key, on the first start only
	demoPassword   string // the console user demo's password, the same on every start

	mu    sync.Mutex
	inbox []inboxEntry
}

type inboxEntry struct {
	ReceivedAt time.Time       `json:"received_at"`
	WebhookID  string          `json:"webhook_id"`
	Verified   bool            `json:"signature_verified"`
	Body       json.RawMessage `json:"body"`
}

func startSandbox(ctx context.Context, s *Server, generatedToken bool) (*sandbox, error) {
	// The fake keeps WhatsApp's window (131047) and reviews new templates
	// in a few seconds, as a real account would in minutes.
	fake := fakegraph.New(fakegraph.Options{MaxRecorded: 1000, WhatsAppWindow: true, TemplateReview: 3 * time.Second})
	fake.AddPage(sandboxPage, sandboxPageToken)
	fake.AddUser(sandboxPage, sandboxUser, fakegraph.Profile{FirstName: "Ada", LastName: "Lovelace", Locale: "en_GB", Gender: "female"})
	fake.AddWhatsAppNumber(sandboxWANumber, sandboxWAPhone[1:], sandboxWAToken)
	addSandboxTemplates(fake)
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sb := &sandbox{fake: fake, store: s.Store, generatedToken: generatedToken, graphURL: "http://" + ln.Addr().String(), http: &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = sb.http.Serve(ln) }()
	return sb, nil
}

func (sb *sandbox) close() { _ = sb.http.Close() }

// addSandboxTemplates gives the demo number two approved templates, so a
// customer who never wrote can be reached (docs/whatsapp.md).
func addSandboxTemplates(fake *fakegraph.Server) {
	fake.AddWATemplate(sandboxWANumber, fakegraph.WATemplate{Name: "order_update", Language: "en_US", Category: "UTILITY",
		Components: []map[string]any{
			{"type": "BODY", "text": "Hi! Your order {{1}} has shipped.", "example": map[string]any{"body_text": [][]string{{"#1001"}}}},
			{"type": "BUTTONS", "buttons": []map[string]any{{"type": "QUICK_REPLY", "text": "Track it"}}},
		}})
	fake.AddWATemplate(sandboxWANumber, fakegraph.WATemplate{Name: "shipping_update", Language: "en_US", Category: "UTILITY",
		Components: []map[string]any{
			{"type": "HEADER", "format": "IMAGE", "example": map[string]any{"header_handle": []string{"https://example.com/parcel.jpg"}}},
			{"type": "BODY", "text": "Your parcel {{1}} is on its way.", "example": map[string]any{"body_text": [][]string{{"P-42"}}}},
		}})
}

// provision makes sure the demo bot exists and prints how to use it. The API
// key is shown on the first start only, as keys always are.
func (sb *sandbox) provision(ctx context.Context, s *Server) error {
	inbox := s.URL() + "/sandbox/inbox"
	bots, err := s.Store.ListBots(ctx)
	if err != nil {
		return err
	}
	var key string
	for _, b := range bots {
		if b.Messenger != nil && b.Messenger.PageID == sandboxPage {
			sb.botID = b.ID
		}
	}
	if sb.botID == "" {
		b := &core.Bot{ID: core.NewID("bot_", s.Store.Now()), Name: "Sandbox shop", CallbackURL: inbox,
			CallbackSecret: notify.NewSecret(), Settings: core.Settings{}.WithDefaults(), Forwarding: true,
			Messenger: &core.MessengerChannel{PageID: sandboxPage, AccessToken: sandboxPageToken, AppSecret: sandboxAppSecret, VerifyToken: "sandbox-verify-token"}}
		if err := s.Store.CreateBot(ctx, b); err != nil {
			return err
		}
		if _, key, err = s.Store.CreateAPIKey(ctx, b.ID); err != nil {
			return err
		}
		sb.botID = b.ID
	} else if _, err := s.Store.UpdateBot(ctx, sb.botID, func(b *core.Bot) error { b.CallbackURL = inbox; return nil }); err != nil {
		return err // the port may differ from the last start
	}
	b, err := s.Store.GetBot(ctx, sb.botID)
	if err != nil {
		return err
	}
	if b.WhatsApp == nil || b.WhatsApp.WABAID == "" { // a sandbox made before templates gets its account id
		ch := &core.WhatsAppChannel{Phone: sandboxWAPhone, PhoneNumberID: sandboxWANumber, AccessToken: sandboxWAToken,
			AppSecret: sandboxAppSecret, VerifyToken: "sandbox-verify-token", Limits: core.WALimits{}.WithDefaults(), Tier: 1,
			WABAID: fakegraph.WABAID(sandboxWANumber)}
		if b.WhatsApp != nil {
			ch.Limits, ch.Tier = b.WhatsApp.Limits, 0
		}
		if err := s.Store.SetWhatsApp(ctx, sb.botID, ch); err != nil {
			return err
		}
	}
	if sb.demoPassword, err = demoUser(ctx, s.Store); err != nil {
		return err
	}
	sb.fake.SetMessengerWebhook(s.URL()+"/webhooks/messenger", sandboxAppSecret)
	sb.fake.SetWhatsAppWebhook(s.URL()+"/webhooks/whatsapp", sandboxAppSecret)
	sb.key = key
	return nil
}

// start runs once botgate serves: the demo users write to the page and to
// the WhatsApp number, as their phones would, which opens their 24-hour
// windows; the welcome, with ready-to-paste commands, is printed once both
// are open.
func (sb *sandbox) start(ctx context.Context, s *Server) {
	if _, err := sb.fake.UserSendsText(sandboxPage, sandboxUser, "Hi!"); err != nil {
		s.log.Warn("sandbox: the demo user's greeting did not arrive", "err", err)
	}
	if _, err := sb.fake.WAUserSendsText(sandboxWANumber, sandboxWAUser, "Grace", "Hi!"); err != nil {
		s.log.Warn("sandbox: the demo WhatsApp user's greeting did not arrive", "err", err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(20 * time.Millisecond) {
		if sb.wrote(ctx, s, sandboxUser) && sb.wrote(ctx, s, core.WAContact(sandboxWAUser)) {
			break
		}
	}
	sb.welcome(s, sb.key)
}

func (sb *sandbox) wrote(ctx context.Context, s *Server, psid string) bool {
	c, err := s.Store.GetContact(ctx, sb.botID, psid)
	return err == nil && c != nil && c.LastInboundAt != nil
}

func (sb *sandbox) welcome(s *Server, key string) {
	out := s.cfg.Out
	fmt.Fprintf(out, "\nbotgate sandbox: listening on %s, fake Graph API at %s\n", s.URL(), sb.graphURL)
	fmt.Fprintf(out, "Console: %s/console/  (sign in as demo, password %s)\n", s.URL(), sb.demoPassword)
	fmt.Fprintf(out, "Sandbox phone: %s/console/phone  (play the demo users: write, tap buttons, see the bot's answers)\n", s.URL())
	fmt.Fprintf(out, "Demo bot %s on page %s; demo user (PSID) %s.\n", sb.botID, sandboxPage, sandboxUser)
	token := "<your admin token>"
	if sb.generatedToken {
		token = s.cfg.AdminToken
		fmt.Fprintf(out, "Admin token (this run): %s\n", token)
	}
	if key == "" {
		key = "<your API key>"
		fmt.Fprintf(out, "The demo bot's first API key was shown on the first start. Make another:\n")
		fmt.Fprintf(out, "  curl -s -X POST %s/admin/v1/bots/%s/api-keys -H 'Authorization: Bearer %s'\n", s.URL(), sb.botID, token)
	} else {
		fmt.Fprintf(out, "Demo bot API key (shown once): %s\n", key)
	}
	fmt.Fprintf(out, "Send a message:\n  curl -s %s/api -H 'APIKEY: %s' -H 'Content-Type: application/json' \\\n", s.URL(), key)
	fmt.Fprintf(out, "    -d '{\"request\":{\"method\":\"send_message\",\"id\":\"demo-%d\",\"sync\":true},\"recipient\":{\"id\":\"%s\"},\"messaging_type\":\"RESPONSE\",\"message\":{\"text\":\"Hello {{first_name}}!\"}}'\n",
		time.Now().Unix(), sandboxUser)
	fmt.Fprintf(out, "Send a WhatsApp message from %s to the demo user %s:\n  curl -s %s/channels/%s/messages -H 'APIKEY: %s' -H 'Content-Type: application/json' \\\n",
		sandboxWAPhone, sandboxWAUser, s.URL(), sandboxWAPhone, key)
	fmt.Fprintf(out, "    -d '{\"id\":\"wa-demo-%d\",\"to\":\"%s\",\"timestamp\":\"%d\",\"source\":\"botchat\",\"type\":\"text\",\"text\":{\"body\":\"Hello from botgate\"}}'\n",
		time.Now().Unix(), sandboxWAUser[1:], time.Now().Unix())
	fmt.Fprintf(out, "Async results (\"sync\":false) arrive at %s/sandbox/inbox (GET it to read them).\n\n", s.URL())
}

func (sb *sandbox) register(mux *http.ServeMux) {
	mux.HandleFunc("POST /sandbox/inbox", sb.receive)
	mux.HandleFunc("GET /sandbox/inbox", func(w http.ResponseWriter, _ *http.Request) {
		sb.mu.Lock()
		defer sb.mu.Unlock()
		api.WriteJSON(w, http.StatusOK, map[string]any{"received": sb.inbox})
	})
}

// receive keeps a callback, checking its signature with the demo bot's
// secret as a merchant would.
func (sb *sandbox) receive(w http.ResponseWriter, r *http.Request) {
	body, err := api.ReadBody(w, r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	verified := false
	if b, err := sb.store.GetBot(r.Context(), sb.botID); err == nil {
		verified = notify.Verify(b.CallbackSecret, r.Header, body, time.Now(), 5*time.Minute) == nil
	}
	sb.mu.Lock()
	defer sb.mu.Unlock()
	sb.inbox = append(sb.inbox, inboxEntry{ReceivedAt: time.Now().UTC(), WebhookID: r.Header.Get("webhook-id"), Verified: verified, Body: body})
	if len(sb.inbox) > 100 {
		sb.inbox = sb.inbox[len(sb.inbox)-100:]
	}
	w.WriteHeader(http.StatusNoContent)
}

// DemoPasswordName is where the sandbox keeps the console user demo's
// password, sealed, so it is printed the same on every start.
const DemoPasswordName = "console-demo-password"

// demoUser makes sure the console user demo (admin) exists and returns its
// password. A password changed in the console since is the operator's
// business: the stored one is printed all the same.
func demoUser(ctx context.Context, st *store.Store) (string, error) {
	pw, err := st.SandboxValue(ctx, DemoPasswordName)
	if err != nil {
		return "", err
	}
	if pw == "" {
		pw = seal.Random(10)
		if err := st.SetSandboxValue(ctx, DemoPasswordName, pw); err != nil {
			return "", err
		}
	}
	if _, err := st.GetUser(ctx, "demo"); core.ErrorKind(err) == core.KindNotFound {
		_, err = st.CreateUser(ctx, "demo", pw, core.RoleAdmin)
		return pw, err
	} else if err != nil {
		return "", err
	}
	return pw, nil
}
