// Package client is the Go client of botgate's own API, /v1: the generated
// client (gen.go, from api/openapi.yaml) and Botgate, a thin wrapper that
// sets the API key, the idempotency key and Prefer: wait, and turns problem
// answers into errors.
//
//	bg, err := client.New("http://127.0.0.1:8080", "bgk_…")
//	m, err := bg.Send(ctx, client.SendMessageRequest{
//		Channel: client.Messenger,
//		To:      client.Recipient{Psid: client.Ptr("24011998000001")},
//		Message: &map[string]any{"text": "Your order shipped"},
//	}, "order-42", 10*time.Second)
//	m, err = bg.Message(ctx, m.Id)
//
// Example runs this against a real botgate with the fake Graph API.
package client

//go:generate go tool oapi-codegen -config oapi.yaml ../api/openapi.yaml

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Botgate calls botgate's /v1 with one API key.
type Botgate struct {
	*ClientWithResponses
}

// New returns a client of the botgate at baseURL that authenticates with apiKey.
func New(baseURL, apiKey string, opts ...ClientOption) (*Botgate, error) {
	auth := WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+apiKey)
		return nil
	})
	c, err := NewClientWithResponses(baseURL, append([]ClientOption{auth}, opts...)...)
	if err != nil {
		return nil, err
	}
	return &Botgate{c}, nil
}

// Send sends a message. idempotencyKey (optional, but retries need it) is
// the message's request id: sending again with it answers the first answer.
// wait > 0 waits up to that long (at most 30 s) for the message to be sent
// or to fail; otherwise Send returns once it is accepted.
func (b *Botgate) Send(ctx context.Context, req SendMessageRequest, idempotencyKey string, wait time.Duration) (*Message, error) {
	var params SendMessageParams
	if idempotencyKey != "" {
		params.IdempotencyKey = &idempotencyKey
	}
	if wait > 0 {
		params.Prefer = Ptr("wait=" + strconv.Itoa(int(wait/time.Second)))
	}
	resp, err := b.SendMessageWithResponse(ctx, &params, req)
	if err != nil {
		return nil, err
	}
	if m := resp.JSON200; m != nil {
		return m, nil
	}
	if m := resp.JSON202; m != nil {
		return m, nil
	}
	return nil, problem(resp.HTTPResponse, resp.Body)
}

// Message reads one message with its attempts and history.
func (b *Botgate) Message(ctx context.Context, id string) (*Message, error) {
	resp, err := b.GetMessageWithResponse(ctx, id)
	if err != nil {
		return nil, err
	}
	if resp.JSON200 == nil {
		return nil, problem(resp.HTTPResponse, resp.Body)
	}
	return resp.JSON200, nil
}

// Messages reads a page of messages, newest first; pass the page's
// NextCursor as params.Cursor for the next.
func (b *Botgate) Messages(ctx context.Context, params *ListMessagesParams) (*MessagePage, error) {
	resp, err := b.ListMessagesWithResponse(ctx, params)
	if err != nil {
		return nil, err
	}
	if resp.JSON200 == nil {
		return nil, problem(resp.HTTPResponse, resp.Body)
	}
	return resp.JSON200, nil
}

// Error makes a problem answer an error.
func (p *Problem) Error() string {
	if p.Detail != nil {
		return fmt.Sprintf("botgate: %d %s: %s", p.Status, p.Code, *p.Detail)
	}
	return fmt.Sprintf("botgate: %d %s", p.Status, p.Code)
}

// problem reads an answer that is not the success the call expects.
func problem(resp *http.Response, body []byte) error {
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil || p.Code == "" {
		return fmt.Errorf("botgate: unexpected answer %s", resp.Status)
	}
	return &p
}

// Ptr returns a pointer to v, for the optional fields of requests.
func Ptr[T any](v T) *T { return &v }
