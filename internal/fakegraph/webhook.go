package fakegraph

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"time"
)

// webhookTimeout bounds one webhook POST. Meta gives receivers a few seconds
// and then retries; the fake does not retry, but must not hang a test on a
// receiver that never answers.
const webhookTimeout = 20 * time.Second

// webhookTarget is where one product's webhooks go and the app secret that
// signs them.
type webhookTarget struct {
	url    string
	secret string
}

// Webhook is one webhook the fake delivered: the exact body POSTed, the HTTP
// status the receiver answered, and the id of the message it carries (a
// Messenger mid or a WhatsApp wamid; "" for events without one).
type Webhook struct {
	Body   []byte
	Status int
	MID    string
}

// SetMessengerWebhook sends the Messenger user actions (UserSendsText, ...)
// and Deliver to url, e.g. http://127.0.0.1:8080/webhooks/messenger, signed
// with appSecret. An empty appSecret sends them unsigned; an empty url stops
// them. The target survives Reset, like the app's subscription on Facebook.
func (s *Server) SetMessengerWebhook(url, appSecret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messengerHook = webhookTarget{url, appSecret}
}

// SetWhatsAppWebhook is SetMessengerWebhook for the WhatsApp user actions
// (WAUserSendsText, WAStatus).
func (s *Server) SetWhatsAppWebhook(url, appSecret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.whatsAppHook = webhookTarget{url, appSecret}
}

// Deliver POSTs body as it is to the Messenger target, signed with signWith
// instead of the target's secret ("" = unsigned): for tests of bad
// signatures, batches and malformed payloads.
func (s *Server) Deliver(body []byte, signWith string) (Webhook, error) {
	s.mu.Lock()
	target := s.messengerHook
	s.mu.Unlock()
	target.secret = signWith
	return s.post(target, "messenger", body, "")
}

// DeliverWhatsApp is Deliver for the WhatsApp target.
func (s *Server) DeliverWhatsApp(body []byte, signWith string) (Webhook, error) {
	s.mu.Lock()
	target := s.whatsAppHook
	s.mu.Unlock()
	target.secret = signWith
	return s.post(target, "whatsapp", body, "")
}

var (
	// errNoTarget is returned by a user action before its webhook target is set.
	errNoTarget = errors.New("fakegraph: no webhook target set")
	// errDelivery wraps a POST that got no answer, to tell it from bad input.
	errDelivery = errors.New("fakegraph: webhook delivery failed")
)

// post delivers one webhook. It runs without the lock: the receiver may call
// back into the fake (a profile lookup, a reply) before it answers.
func (s *Server) post(target webhookTarget, product string, body []byte, mid string) (Webhook, error) {
	hook := Webhook{Body: body, MID: mid}
	if target.url == "" {
		return hook, fmt.Errorf("%w for %s", errNoTarget, product)
	}
	req, err := http.NewRequest(http.MethodPost, target.url, bytes.NewReader(body))
	if err != nil {
		return hook, fmt.Errorf("fakegraph: %s webhook target: %w", product, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	if target.secret != "" {
		req.Header.Set("X-Hub-Signature-256", "sha256="+sign(sha256.New, target.secret, body))
		req.Header.Set("X-Hub-Signature", "sha1="+sign(sha1.New, target.secret, body))
	}
	resp, err := s.hookClient.Do(req)
	if err != nil {
		return hook, fmt.Errorf("%w: %s webhook: %v", errDelivery, product, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody)) // lets the connection be reused
	hook.Status = resp.StatusCode
	return hook, nil
}

// sign is the hex HMAC of body under secret, as in X-Hub-Signature-256.
func sign(newHash func() hash.Hash, secret string, body []byte) string {
	mac := hmac.New(newHash, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// encodeWebhook turns a payload into the bytes sent, escaped as Meta does
// when Options.EscapeWebhooks is set.
func (s *Server) encodeWebhook(payload object) []byte {
	body := marshal(payload)
	if s.escapeHooks {
		body = metaEscape(body)
	}
	return body
}
