package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
)

// The sandbox's demo page and user, known to the in-process fake Graph.
const (
	sandboxPage        = "100000000000001"
	sandboxPageToken   = "sandbox-page-token"
	sandboxUser        = "2000000000000001"
	sandboxAppSecret   = "sandbox-app-secret"
	sandboxVerifyToken = "sandbox-verify-token"

	// The demo bot's WhatsApp number and the demo WhatsApp user.
	sandboxWAPhone  = "+15550100001"
	sandboxWANumber = "100000000000777"
	sandboxWAToken  = "sandbox-whatsapp-token"
	sandboxWAUser   = "+447700900001"
)

// sandbox runs the fake Graph server beside botgate and keeps a demo bot
// whose callbacks and forwarded events land in a local inbox, so a new user
// can try every call without a Facebook account. What a user copies (the
// admin token, the key) and builds (fake pages and users, the inbox) is kept
// in the database (sandbox_state.go), so a restart changes none of it.
type sandbox struct {
	fake     *fakegraph.Server
	http     *http.Server
	graphURL string
	botID    string
	store    *store.Store
	log      *slog.Logger
	// generatedToken: no admin token was configured, so the sandbox keeps one
	// and prints it; a configured token is never printed.
	generatedToken bool
	key            string // the demo bot's API key
	demoPassword   string // the console user demo's password, the same on every start

	mu    sync.Mutex // guards inbox and the remembered fake Graph setup
	inbox []inboxEntry
}

func startSandbox(ctx context.Context, s *Server, generatedToken bool) (*sandbox, error) {
	// The fake keeps WhatsApp's window (131047) and reviews new templates
	// in a few seconds, as a real account would in minutes.
	fake := fakegraph.New(fakegraph.Options{MaxRecorded: 1000, WhatsAppWindow: true, TemplateReview: 3 * time.Second})
	fake.AddPage(sandboxPage, sandboxPageToken)
	fake.AddUser(sandboxPage, sandboxUser, fakegraph.Profile{FirstName: "Ada", LastName: "Lovelace", Locale: "en_GB", Gender: "female"})
	fake.AddWhatsAppNumber(sandboxWANumber, sandboxWAPhone[1:], sandboxWAToken)
	addSandboxTemplates(fake)
	sb := &sandbox{fake: fake, store: s.Store, log: s.log, generatedToken: generatedToken}
	if err := sb.restore(ctx); err != nil {
		return nil, err
	}
	addr, err := sandboxGraphAddr(s.cfg)
	if err != nil {
		return nil, err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: the fake Graph API cannot listen on %s (choose another with --sandbox-graph-addr): %w", addr, err)
	}
	sb.graphURL = "http://" + ln.Addr().String()
	sb.http = &http.Server{Handler: sb.graphHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = sb.http.Serve(ln) }()
	return sb, nil
}

// sandboxGraphAddr is the configured address of the fake Graph, or the port
// after botgate's own, so that the URL a user copied stays the same.
func sandboxGraphAddr(cfg Config) (string, error) {
	if cfg.SandboxGraphAddr != "" {
		return cfg.SandboxGraphAddr, nil
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return "", fmt.Errorf("sandbox: --addr %q: %w", cfg.Addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p == 0 || p >= 65535 {
		return net.JoinHostPort(host, "0"), nil // botgate's own port is chosen by the system; so is this one
	}
	return net.JoinHostPort(host, strconv.Itoa(p+1)), nil
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

// provision makes sure the demo bot and its key exist, pointing at this
// process's inbox.
func (sb *sandbox) provision(ctx context.Context, s *Server) error {
	inbox := s.URL() + "/sandbox/inbox"
	bots, err := s.Store.ListBots(ctx)
	if err != nil {
		return err
	}
	for _, b := range bots {
		if !b.Deleted && b.Messenger != nil && b.Messenger.PageID == sandboxPage {
			sb.botID = b.ID
		}
	}
	if sb.botID == "" {
		b := &core.Bot{ID: core.NewID("bot_", s.Store.Now()), Name: "Sandbox shop", CallbackURL: inbox, WebhookURL: inbox,
			CallbackSecret: notify.NewSecret(), Settings: core.Settings{}.WithDefaults(), Forwarding: true,
			Messenger: &core.MessengerChannel{PageID: sandboxPage, AccessToken: sandboxPageToken, AppSecret: sandboxAppSecret, VerifyToken: sandboxVerifyToken}}
		if err := s.Store.CreateBot(ctx, b); err != nil {
			return err
		}
		sb.botID = b.ID
	} else if _, err := s.Store.UpdateBot(ctx, sb.botID, func(b *core.Bot) error {
		// The port may differ from the last start; a URL the user set stays.
		if b.CallbackURL == "" || strings.HasSuffix(b.CallbackURL, "/sandbox/inbox") {
			b.CallbackURL = inbox
		}
		if b.WebhookURL == "" || strings.HasSuffix(b.WebhookURL, "/sandbox/inbox") {
			b.WebhookURL = inbox
		}
		return nil
	}); err != nil {
		return err
	}
	if sb.key, err = sb.apiKey(ctx); err != nil {
		return err
	}
	b, err := s.Store.GetBot(ctx, sb.botID)
	if err != nil {
		return err
	}
	if b.WhatsApp == nil || b.WhatsApp.WABAID == "" { // a sandbox made before templates gets its account id
		ch := &core.WhatsAppChannel{Phone: sandboxWAPhone, PhoneNumberID: sandboxWANumber, AccessToken: sandboxWAToken,
			AppSecret: sandboxAppSecret, VerifyToken: sandboxVerifyToken, Limits: core.WALimits{}.WithDefaults(), Tier: 1,
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
	fmt.Fprint(s.cfg.Out, sb.welcome(s))
}

func (sb *sandbox) wrote(ctx context.Context, s *Server, psid string) bool {
	c, err := s.Store.GetContact(ctx, sb.botID, psid)
	return err == nil && c != nil && c.LastInboundAt != nil
}

// ResetSandbox makes the next `serve --sandbox` on cfg's database start over:
// the demo bot and the console user demo are deleted (the bot's messages stay
// readable) and the kept token, key, password, fake Graph setup and inbox
// are forgotten.
func ResetSandbox(ctx context.Context, cfg Config) error {
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	bots, err := st.ListBots(ctx)
	if err != nil {
		return err
	}
	for _, b := range bots {
		if !b.Deleted && b.Messenger != nil && b.Messenger.PageID == sandboxPage {
			if err := st.DeleteBot(ctx, b.ID); err != nil {
				return err
			}
		}
	}
	if err := st.DeleteUser(ctx, "demo"); err != nil && core.ErrorKind(err) != core.KindNotFound {
		return err
	}
	return st.ResetSandbox(ctx)
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
