package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
)

// Names of what the sandbox keeps in the store's sandbox state.
const (
	stateAdminToken = "admin-token"
	stateAPIKey     = "demo-api-key"
	stateFakePages  = "fake-pages"
	stateFakeUsers  = "fake-users"
	stateInbox      = "inbox"
	inboxSize       = 100
)

type inboxEntry struct {
	ReceivedAt time.Time       `json:"received_at"`
	WebhookID  string          `json:"webhook_id"`
	Verified   bool            `json:"signature_verified"`
	Body       json.RawMessage `json:"body"`
}

// sandboxAdminToken is the token the sandbox made on its first start.
func sandboxAdminToken(ctx context.Context, st *store.Store) (string, error) {
	token, err := st.SandboxValue(ctx, stateAdminToken)
	if err != nil || token != "" {
		return token, err
	}
	token = "sandbox-" + seal.Random(16)
	return token, st.SetSandboxValue(ctx, stateAdminToken, token)
}

// apiKey is the demo bot's kept key, or a new one when there is none or the
// user revoked it.
func (sb *sandbox) apiKey(ctx context.Context) (string, error) {
	key, err := sb.store.SandboxValue(ctx, stateAPIKey)
	if err != nil {
		return "", err
	}
	if key != "" {
		if b, err := sb.store.Authenticate(ctx, key); err == nil && b.ID == sb.botID {
			return key, nil
		}
	}
	if _, key, err = sb.store.CreateAPIKey(ctx, sb.botID); err != nil {
		return "", err
	}
	return key, sb.store.SetSandboxValue(ctx, stateAPIKey, key)
}

// fakeUser is what POST /_fake/users takes, and what is kept of it.
type fakeUser struct {
	PageID string `json:"page_id"`
	PSID   string `json:"psid"`
	fakegraph.Profile
}

type fakePage struct {
	PageID      string `json:"page_id"`
	AccessToken string `json:"access_token"`
}

// restore gives the fake Graph the pages and users added in earlier runs,
// and the inbox its entries.
func (sb *sandbox) restore(ctx context.Context) error {
	var pages []fakePage
	var users []fakeUser
	for name, v := range map[string]any{stateFakePages: &pages, stateFakeUsers: &users, stateInbox: &sb.inbox} {
		raw, err := sb.store.SandboxValue(ctx, name)
		if err != nil {
			return err
		}
		if raw != "" {
			if err := json.Unmarshal([]byte(raw), v); err != nil {
				return err
			}
		}
	}
	for _, p := range pages {
		sb.fake.AddPage(p.PageID, p.AccessToken)
	}
	for _, u := range users {
		sb.fake.AddUser(u.PageID, u.PSID, u.Profile)
	}
	return nil
}

// graphHandler is the fake Graph, remembering the pages and users its
// control API adds.
func (sb *sandbox) graphHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || (r.URL.Path != "/_fake/pages" && r.URL.Path != "/_fake/users") {
			sb.fake.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &statusWriter{ResponseWriter: w}
		sb.fake.ServeHTTP(rec, r)
		if rec.status/100 != 2 {
			return
		}
		if r.URL.Path == "/_fake/pages" {
			err = remember(r.Context(), sb, stateFakePages, body, func(p fakePage) string { return p.PageID })
		} else {
			err = remember(r.Context(), sb, stateFakeUsers, body, func(u fakeUser) string { return u.PageID + "/" + u.PSID })
		}
		if err != nil {
			sb.log.Warn("sandbox: the fake Graph's new page or user is not kept for the next start", "err", err)
		}
	})
}

// remember adds one control request's body to the list kept under name,
// replacing an earlier one with the same key.
func remember[T any](ctx context.Context, sb *sandbox, name string, body []byte, key func(T) string) error {
	var item T
	if err := json.Unmarshal(body, &item); err != nil {
		return err
	}
	sb.mu.Lock()
	defer sb.mu.Unlock()
	var list []T
	raw, err := sb.store.SandboxValue(ctx, name)
	if err != nil {
		return err
	}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &list); err != nil {
			return err
		}
	}
	kept := list[:0]
	for _, old := range list {
		if key(old) != key(item) {
			kept = append(kept, old)
		}
	}
	data, err := json.Marshal(append(kept, item))
	if err != nil {
		return err
	}
	return sb.store.SetSandboxValue(ctx, name, string(data))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
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
// secret as a merchant would; the last inboxSize are kept in the database.
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
	if !json.Valid(body) {
		body, _ = json.Marshal(string(body)) // kept as a string, so the inbox stays JSON
	}
	sb.mu.Lock()
	defer sb.mu.Unlock()
	sb.inbox = append(sb.inbox, inboxEntry{ReceivedAt: time.Now().UTC(), WebhookID: r.Header.Get("webhook-id"), Verified: verified, Body: body})
	if len(sb.inbox) > inboxSize {
		sb.inbox = sb.inbox[len(sb.inbox)-inboxSize:]
	}
	raw, err := json.Marshal(sb.inbox)
	if err == nil {
		err = sb.store.SetSandboxValue(r.Context(), stateInbox, string(raw))
	}
	if err != nil {
		// The sender retries, as it would against a merchant that failed.
		http.Error(w, "the inbox could not keep this: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
