// Package inbound receives the platforms' webhooks: it verifies them, keeps
// them, and acts on each event once — contacts and their messaging windows,
// delivery and read statuses, opt-ins, block-button replies — then forwards
// the events to the merchant.
//
// A webhook is answered as soon as its body and job are committed; the work
// happens from the queue, so Meta gets a fast answer and a crash loses nothing.
package inbound

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/logs"
	"github.com/botgate/botgate/internal/metrics"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
)

// Queue kinds: processing a received webhook, and replying to a block button.
const (
	JobKind      = "inbound"
	ReplyJobKind = "reply"
)

// Handler serves /webhooks/… and processes what arrives.
type Handler struct {
	Store    *store.Store
	Gateway  *gateway.Service // sends a tapped block button's block
	Notify   *notify.Notifier // forwards events to the merchant
	Wake     func()           // wakes the inbound runner after a webhook commits
	Received *queue.Handoff[*store.Webhook]
	Log      *slog.Logger
	Stats    *metrics.Set

	sample   logs.Sampler // a probe or a misconfigured app sends refusals in floods
	recorded sync.Map     // "channel source" already in webhook_sources: no statement per webhook
}

// The objects webhooks are counted under, one per endpoint.
const (
	objectPage     = "page"
	objectWhatsApp = "whatsapp_business_account"
)

// refuse answers 403 and says why in the log (sampled) and the metrics;
// the caller learns nothing more: it may be probing. why is one of
// signature, malformed, unknown.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, object, why string) {
	h.Stats.Webhook(object, "refused_"+why)
	h.sample.Log(logs.From(r.Context(), h.Log), slog.LevelWarn, "webhook:"+object+":"+why, "webhook refused",
		"object", object, "why", why, "remote", r.RemoteAddr)
	http.Error(w, "forbidden", http.StatusForbidden)
}

// Register mounts the Messenger and WhatsApp webhook endpoints.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /webhooks/whatsapp", h.verifyWhatsApp)
	mux.HandleFunc("POST /webhooks/whatsapp", h.receiveWhatsApp)
	mux.HandleFunc("GET /webhooks/messenger", h.verify)
	mux.HandleFunc("GET /webhooks/messenger/{bot}", h.verify)
	mux.HandleFunc("POST /webhooks/messenger", h.receiveMessenger)
	mux.HandleFunc("POST /webhooks/messenger/{bot}", h.receiveMessenger)
}

// verify answers Meta's subscription check: the challenge when the verify
// token is the bot's (any bot's, on the path without one), else 403.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || token == "" {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	bots, err := h.candidates(r.Context(), r.PathValue("bot"))
	if err != nil {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	for _, b := range bots {
		if b.Messenger != nil && b.Messenger.VerifyToken != "" && seal.Equal(token, b.Messenger.VerifyToken) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, q.Get("hub.challenge"))
			return
		}
	}
	http.Error(w, "forbidden", http.StatusForbidden)
}

func (h *Handler) candidates(ctx context.Context, botID string) ([]*core.Bot, error) {
	if botID == "" {
		return h.Store.ListBots(ctx)
	}
	b, err := h.Store.GetBot(ctx, botID)
	if err != nil || b.Deleted {
		return nil, core.Errorf(core.KindNotFound, "no bot")
	}
	return []*core.Bot{b}, nil
}

// receiveMessenger verifies a page webhook's signature with the app secret of
// the bot of every page it is about, then keeps it for processing. Failures
// say nothing more than 403: the caller may be probing.
func (h *Handler) receiveMessenger(w http.ResponseWriter, r *http.Request) {
	body, ok := h.readBody(w, r, objectPage)
	if !ok {
		return
	}
	sig := r.Header.Get("X-Hub-Signature-256")
	if sig == "" {
		h.refuse(w, r, objectPage, "signature")
		return
	}
	pages, err := pageIDs(body)
	if err != nil {
		h.refuse(w, r, objectPage, "malformed")
		return
	}
	bot, why := h.signedBy(r.Context(), r.PathValue("bot"), pages, sig, body)
	if why != "" {
		h.refuse(w, r, objectPage, why)
		return
	}
	h.keepAndAnswer(w, r, objectPage, core.ChannelMessenger, bot, body, pages)
}

// keepAndAnswer keeps a verified webhook and answers Meta.
func (h *Handler) keepAndAnswer(w http.ResponseWriter, r *http.Request, object, channel, bot string, body []byte, sources []string) {
	logs.SetBot(r.Context(), bot)
	unreadable, err := h.keep(r.Context(), channel, bot, body, sources)
	if err != nil {
		h.Stats.Webhook(object, "failed")
		logs.From(r.Context(), h.Log).Error("inbound: could not keep a webhook", "object", object, "err", err)
		http.Error(w, "try again", http.StatusServiceUnavailable) // Meta retries
		return
	}
	if unreadable != "" {
		logs.From(r.Context(), h.Log).Warn("inbound: signed webhook set aside as unreadable", "object", object, "reason", unreadable)
		h.Stats.Webhook(object, "unreadable")
	} else {
		h.Stats.Webhook(object, "accepted")
	}
	_, _ = io.WriteString(w, "EVENT_RECEIVED")
}

// signedBy returns the bot the webhook is for, when the signature verifies
// with the app secret of the bot of every page in it (on a bot's own path,
// its pages must be that bot's). Otherwise it says why not: unknown (a page
// no bot serves here) or signature.
func (h *Handler) signedBy(ctx context.Context, pathBot string, pages []string, sig string, body []byte) (string, string) {
	var first string
	for _, page := range pages {
		b, err := h.Store.BotByPage(ctx, page)
		if err != nil || b.Messenger == nil || b.Messenger.AppSecret == "" || (pathBot != "" && b.ID != pathBot) {
			return "", "unknown"
		}
		if !validSignature(b.Messenger.AppSecret, sig, body) {
			return "", "signature"
		}
		if first == "" {
			first = b.ID
		}
	}
	return first, ""
}

// readBody reads a webhook's body, answering the failure itself.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request, object string) ([]byte, bool) {
	body, err := api.ReadBody(w, r)
	if err != nil {
		h.Stats.Webhook(object, "refused_malformed")
	}
	switch {
	case core.ErrorKind(err) == core.KindTooLarge:
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
	case err != nil:
		http.Error(w, "could not read the request body", http.StatusBadRequest)
	}
	return body, err == nil
}

// validSignature checks X-Hub-Signature-256 over the raw body, in constant time.
func validSignature(secret, header string, body []byte) bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// keep stores the body and its processing job in one transaction, and
// notes the pages or numbers (sources) it is about. A signed body that
// breaks the core's text rule (invalid UTF-8, a NUL character) is kept as
// received but set aside with the reason, logged and counted, and gets no
// job: Meta is answered 200 so it stops redelivering, and nothing retries it.
func (h *Handler) keep(ctx context.Context, channel, botID string, body []byte, sources []string) (unreadableWhy string, err error) {
	wh := &store.Webhook{ID: core.NewID("wh_", h.Store.Now()), Channel: channel, BotID: botID, Body: body}
	logs.SetBot(ctx, botID)
	if err := unreadable(body); err != nil {
		wh.Unreadable = err.Error()
	}
	err = h.Store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertWebhook(wh); err != nil {
			return err
		}
		if wh.Unreadable != "" {
			return nil
		}
		for _, src := range sources {
			if _, done := h.recorded.Load(channel + " " + src); done {
				continue
			}
			if err := tx.RecordSource(channel, src, tx.Now()); err != nil {
				return err
			}
			tx.AfterCommit(func() { h.recorded.Store(channel+" "+src, true) })
		}
		if err := queue.Enqueue(tx, JobKind, wh.ID, 20, tx.Now()); err != nil {
			return err
		}
		tx.AfterCommit(func() {
			h.Received.Put(wh.ID, wh)
			h.Wake()
		})
		return nil
	})
	return wh.Unreadable, err
}

// unreadable applies the core's text rule to a webhook body: what it
// refuses from a merchant, botgate cannot store or act on from Meta either.
func unreadable(body []byte) error {
	if err := core.CheckJSON(body, ""); core.ErrorKind(err) == core.KindBadText {
		return err
	}
	if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 {
		return errors.New("the body is not valid UTF-8 JSON")
	}
	return nil
}
