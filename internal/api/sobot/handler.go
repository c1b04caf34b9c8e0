// Package sobot is the Sobot face: Sobot's Facebook Messenger API (seed 002)
// — signed token issuance, sends, async attachment upload, subscription
// topics, opt-in messages and subscribed users — in Sobot's envelope
// {"ret_code", "ret_msg", "item" | "items"}. docs/sobot.md is its reference.
package sobot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/graph"
	"github.com/botgate/botgate/internal/logs"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
)

// Face is the name Sobot's sends are recorded under.
const Face = "sobot"

// UploadJobKind is the queue kind of async attachment uploads.
const UploadJobKind = "upload"

// Handler serves Sobot's paths.
type Handler struct {
	Store    *store.Store
	Gateway  *gateway.Service
	Graph    *graph.Client    // attachment uploads
	Notify   *notify.Notifier // upload results to the bot's webhook URL
	WakeJobs func()           // wakes the upload runner after an enqueue commits
	TokenTTL time.Duration    // lifetime of an issued token (expires_in)
	SignSkew time.Duration    // how far create_time may be from now
	Log      *slog.Logger
	// OptIns sends a topic's opt-in request; nil means Messenger's
	// notification_messages template through the gateway.
	OptIns OptInSender
}

// Register mounts Sobot's paths, exactly as seed 002 names them.
func (h *Handler) Register(mux *http.ServeMux) {
	const m = "/chat-facebook/api/messenger/"
	mux.HandleFunc("GET /api/get_token", h.handle(false, okToken, h.getToken))
	mux.HandleFunc("POST "+m+"send", h.handle(true, ok, h.send))
	mux.HandleFunc("POST "+m+"upload_async", h.handle(true, ok, h.uploadAsync))
	mux.HandleFunc("POST "+m+"create_or_update_title", h.handle(true, ok, h.saveTopic))
	mux.HandleFunc("GET "+m+"del_title", h.handle(true, ok, h.deleteTopic))
	mux.HandleFunc("POST "+m+"get_title_list", h.handle(true, ok, h.listTopics))
	mux.HandleFunc("POST "+m+"send_opt_in_message", h.handle(true, ok, h.sendOptIn))
	mux.HandleFunc("GET "+m+"query_sub_users", h.handle(true, ok, h.querySubUsers))
}

// call is one request: the app its token belongs to (nil for get_token).
type call struct {
	app *store.SobotApp
	w   http.ResponseWriter
	r   *http.Request
}

// endpoint answers a call with the envelope's fields besides ret_code and ret_msg.
type endpoint func(ctx context.Context, c *call) (fields, error)

func (h *Handler) handle(withToken bool, okMsg string, fn endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := &call{w: w, r: r}
		var out fields
		var err error
		if withToken {
			c.app, err = h.authenticate(r)
		}
		if err == nil {
			err = api.CheckRequest(r)
		}
		if err == nil && r.Method == http.MethodPost {
			err = api.CheckContentType(r)
		}
		if err == nil {
			out, err = fn(r.Context(), c)
		}
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		writeOK(w, okMsg, out)
	}
}

// authenticate finds the app of the request's token header.
func (h *Handler) authenticate(r *http.Request) (*store.SobotApp, error) {
	token := r.Header.Get("token")
	if token == "" {
		return nil, core.Errorf(core.KindUnauthenticated, "the token header is required; get one from /api/get_token")
	}
	return h.Store.SobotTokenApp(r.Context(), seal.Hash(token))
}

// pageBot returns the live bot of the app serving pageID; field names the
// request's field ("pageid", or "appid" where Sobot calls the page so).
func (h *Handler) pageBot(ctx context.Context, app *store.SobotApp, pageID, field string) (*core.Bot, error) {
	if pageID == "" {
		return nil, fail(kindNoPage, "%s is required: the Facebook page id", field)
	}
	bots, err := h.appBots(ctx, app)
	if err != nil {
		return nil, err
	}
	for _, b := range bots {
		if b.Messenger.PageID == pageID {
			logs.SetBot(ctx, b.ID)
			return b, nil
		}
	}
	return nil, fail(kindUnknownPage, "%s %s is not a page of this app", field, pageID)
}

// appBots returns the app's live bots with a Messenger page.
func (h *Handler) appBots(ctx context.Context, app *store.SobotApp) ([]*core.Bot, error) {
	var bots []*core.Bot
	for _, id := range app.BotIDs {
		b, err := h.Store.GetBot(ctx, id)
		if err != nil {
			return nil, err
		}
		if !b.Deleted && b.Messenger != nil && b.Messenger.PageID != "" {
			bots = append(bots, b)
		}
	}
	return bots, nil
}

// newHexID returns 32 random lowercase hex characters, the shape of Sobot's
// ids and tokens.
func newHexID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newRequestID names a send: Sobot's calls carry no request id, so each call
// is a new message.
func newRequestID(now time.Time) string { return core.NewID("sobot_", now) }
