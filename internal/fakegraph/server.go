package fakegraph

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Server. The zero value is a usable, lenient fake.
type Options struct {
	Now     func() time.Time // default time.Now
	Seed    int64            // seeds transient failures and ids; 0 = time-based
	Latency time.Duration    // added to every Graph call before answering
	// StrictUsers makes PSIDs not added with AddUser unknown, as on real
	// Graph; otherwise any PSID is a reachable user with a made-up profile.
	StrictUsers bool
	// MaxRecorded bounds Requests and Sends (0 = unlimited); the oldest
	// records are dropped first, while SendCount keeps counting.
	MaxRecorded int
	// NotificationTitleMax is the length limit of a notification_messages
	// template title (0 = 65); GRAPH-FACTS marks 65 as unconfirmed.
	NotificationTitleMax int
	// EscapeWebhooks writes webhook bodies the way Meta's encoder does:
	// non-ASCII as \u00e4 (lowercase hex) and "/" as "\/". Meta signs those
	// escaped bytes, so a receiver that re-encodes the JSON before checking
	// X-Hub-Signature-256 fails. Off by default: seed 002's samples show
	// plain UTF-8.
	EscapeWebhooks bool
	// WhatsAppWindow refuses non-template sends with 131047 to users who
	// have not written to the number within 24 hours, as the Cloud API
	// does. Off by default: most tests send to users who never wrote.
	WhatsAppWindow bool
	// TemplateReview is how long a created template stays PENDING before
	// the fake approves it (or rejects it, when its name contains "reject").
	TemplateReview time.Duration
}

// Server is a fake Graph API. It is an http.Handler; every method is safe for
// concurrent use.
type Server struct {
	now         func() time.Time
	strictUsers bool
	maxRecorded int
	titleMax    int
	latency     time.Duration // the Options value, restored by Reset
	control     *http.ServeMux
	escapeHooks bool
	waWindow    bool
	// templateReview: Options.TemplateReview; waTemplates: per account.
	templateReview time.Duration
	waTemplates    map[string][]WATemplate
	hookClient     *http.Client // delivers the webhooks of the user actions
	inFlight       atomic.Int64 // Graph calls received and not yet answered

	mu          sync.Mutex
	ids         *rand.Rand        // message, attachment and trace ids
	failures    *rand.Rand        // transient failures, apart so ids do not shift them
	pages       map[string]string // access token → page id
	users       map[userKey]Profile
	attachments map[string]string // attachment id → page id
	rules       rules
	seq         int
	requests    []Request
	sends       []Send
	sendCount   int
	sendsSignal chan struct{} // closed on the next recorded send of either channel; nil when nobody waits

	messengerHook webhookTarget
	whatsAppHook  webhookTarget
	waNumbers     map[string]*waNumber // phone-number id → number
	waSends       []WhatsAppSend
	waSendCount   int

	chats   map[chatKey]*chatLog // what each user's phone shows (phone.go)
	turnSeq int
}

// maxBody bounds what the fake reads of a request; Messenger bodies are small.
const maxBody = 8 << 20

// New returns a Server with no pages, no users and no rules.
func New(opts Options) *Server {
	s := &Server{
		now:         opts.Now,
		strictUsers: opts.StrictUsers,
		maxRecorded: opts.MaxRecorded,
		titleMax:    opts.NotificationTitleMax,
		latency:     opts.Latency,
		pages:       map[string]string{},
		users:       map[userKey]Profile{},
		attachments: map[string]string{},
		waNumbers:   map[string]*waNumber{},
		chats:       map[chatKey]*chatLog{},

		escapeHooks:    opts.EscapeWebhooks,
		waWindow:       opts.WhatsAppWindow,
		templateReview: opts.TemplateReview,
		waTemplates:    map[string][]WATemplate{},
		hookClient:     &http.Client{Timeout: webhookTimeout},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.titleMax <= 0 {
		s.titleMax = 65
	}
	seed := uint64(opts.Seed)
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	s.ids = rand.New(rand.NewPCG(seed, 1))
	s.failures = rand.New(rand.NewPCG(seed, 2))
	s.rules = newRules(opts.Latency)
	s.control = s.controlMux()
	return s
}

// AddPage makes token a valid access token for pageID. A page may have
// several tokens; any token not added is rejected with code 190.
func (s *Server) AddPage(pageID, accessToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[accessToken] = pageID
}

// call is one Graph request on its way through the server.
type call struct {
	req      *http.Request
	received time.Time
	query    url.Values
	version  string
	node     string // "me", a page id, a PSID
	edge     string // "messages", "message_attachments" or "" for the node itself
	extra    bool   // more path segments than Graph has for these endpoints
	token    string
	body     []byte
	bodyErr  error // reported by the handlers that read the body
}

// reply is what the server answers; it is recorded before it is written.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_fake/") {
		s.control.ServeHTTP(w, r)
		return
	}
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	c := &call{req: r, received: s.now(), query: r.URL.Query()}
	c.version, c.node, c.edge, c.extra = splitPath(r.URL.Path)
	c.token = tokenFrom(r, c.query)
	c.body, c.bodyErr = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))

	s.pause(r.Context())
	rep := s.route(c)
	for k, vs := range rep.header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(rep.status)
	w.Write(rep.body)
}

// InFlight is how many Graph calls the server has received and not yet
// answered: a test can tell that a caller is waiting on the latency.
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// route is the one place that maps a Graph path to its handler. WhatsApp
// Cloud sends share the "{id}/messages" shape with Messenger's: they are told
// apart by whether the id is a registered phone-number id.
func (s *Server) route(c *call) reply {
	if !isVersion(c.version) || c.node == "" || c.extra {
		return s.fail(c, invalid("Unknown path components: %s", c.req.URL.Path), "")
	}
	method := c.req.Method
	switch {
	case c.edge == "messages" && method == http.MethodPost:
		if c.node != "me" && s.isWhatsAppNumber(c.node) { // "me" is always a page
			return s.serveWhatsAppSend(c)
		}
		return s.serveSend(c)
	case c.edge == "message_templates":
		return s.serveTemplates(c)
	case c.edge == "message_attachments" && method == http.MethodPost:
		return s.serveUpload(c)
	case c.edge == "" && method == http.MethodGet:
		return s.serveNode(c)
	case c.edge == "messages" || c.edge == "message_attachments" || c.edge == "":
		e := unsupportedRequest(method, c.node)
		return s.fail(c, &e, "")
	}
	return s.fail(c, invalid("Unknown path components: /%s", c.edge), "")
}

// unsupportedRequest is Graph's answer for a node or edge that does not exist
// or does not support the method.
func unsupportedRequest(method, node string) GraphError {
	e := ErrInvalidParameter
	e.Subcode = 33
	e.Message = "Unsupported " + strings.ToLower(method) + " request. Object with ID '" + node +
		"' does not exist, cannot be loaded due to missing permissions, or does not support this operation." +
		" Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
	return e
}

// splitPath splits "/v25.0/me/messages" into its version, node and edge.
func splitPath(path string) (version, node, edge string, extra bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	version = parts[0]
	if len(parts) > 1 {
		node = parts[1]
	}
	if len(parts) > 2 {
		edge = parts[2]
	}
	return version, node, edge, len(parts) > 3
}

// isVersion reports whether v looks like "v25.0": Graph accepts any
// published version, so any "vN.N" is accepted.
func isVersion(v string) bool {
	major, minor, ok := strings.Cut(strings.TrimPrefix(v, "v"), ".")
	return ok && strings.HasPrefix(v, "v") && allDigits(major) && allDigits(minor)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// tokenFrom finds the access token in the query or an Authorization header;
// a token in a form or JSON body is picked up by the handlers that parse it.
func tokenFrom(r *http.Request, query url.Values) string {
	if t := query.Get("access_token"); t != "" {
		return t
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth")) {
		return strings.TrimSpace(token)
	}
	return ""
}

// pageForLocked resolves the page a call acts for: "me" is the token's page,
// a page id must be the token's page.
func (s *Server) pageForLocked(node, token string) (string, *GraphError) {
	if token == "" {
		e := ErrInvalidToken
		e.Message = "An access token is required to request this resource."
		return pageOf(node), &e
	}
	pageID, ok := s.pages[token]
	if !ok {
		e := ErrInvalidToken
		return pageOf(node), &e
	}
	if node != "me" && node != pageID {
		e := ErrInvalidToken
		e.Message = "Error validating access token: the token does not belong to page " + node
		return node, &e
	}
	return pageID, nil
}

// pageOf is the page named in a path, for recording calls that failed auth.
func pageOf(node string) string {
	if node == "me" {
		return ""
	}
	return node
}

// pause applies the configured latency, giving up early if the client does.
func (s *Server) pause(ctx context.Context) {
	s.mu.Lock()
	d := s.rules.latency
	s.mu.Unlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// fail answers e for a call that no handler took further, and records it.
func (s *Server) fail(c *call, e *GraphError, pageID string) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	rep := s.errorReplyLocked(*e, pageID)
	s.recordLocked(c, rep)
	return rep
}

func (s *Server) errorReplyLocked(e GraphError, pageID string) reply {
	return errorReply(e, s.randomStringLocked(27), pageID)
}
