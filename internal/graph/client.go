// Package graph talks to Facebook's Graph API: the Messenger Send API, the
// User Profile API, attachment upload, and (later) the WhatsApp Cloud API.
// It knows Graph's wire format and error codes; what to do about an error is
// the dispatcher's business, told by Error's classification.
package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/metrics"
)

// maxResponse bounds what is read of an answer; Graph's are a few hundred bytes.
const maxResponse = 1 << 20

// Client calls one Graph base URL at one API version.
type Client struct {
	base    string
	version string
	http    *http.Client
	// Stats records every call's latency and error code; nil records nothing.
	Stats *metrics.Set
}

// New returns a client for base (e.g. https://graph.facebook.com) and version (e.g. v25.0).
func New(base, version string, hc *http.Client) *Client {
	if hc == nil {
		hc = NewHTTPClient(30 * time.Second)
	}
	return &Client{base: strings.TrimRight(base, "/"), version: version, http: hc}
}

// NewHTTPClient returns an HTTP client sized for thousands of calls per second
// to one host: many idle connections kept, so calls do not wait on handshakes.
func NewHTTPClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 1024
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{Timeout: timeout, Transport: t}
}

// Response is Graph's answer to one call, kept for the message log.
type Response struct {
	Status   int
	Body     []byte
	Header   http.Header
	Duration time.Duration
}

// call makes one request. A transport failure is an *Error with Network set;
// an answer other than 2xx is an *Error parsed from Graph's envelope.
//
// endpoint names the call in metrics: a fixed word, never the path (which
// holds ids).
func (c *Client) call(ctx context.Context, endpoint, method, path string, query url.Values, header http.Header, body []byte) (Response, error) {
	r, err := c.do(ctx, method, path, query, header, body)
	outcome, code := "ok", ""
	var ge *Error
	switch {
	case errors.As(err, &ge) && ge.Network:
		outcome, code = "network", "network"
	case errors.As(err, &ge) && ge.Code != 0:
		outcome, code = "error", strconv.Itoa(ge.Code)
	case err != nil:
		outcome, code = "error", "http_"+strconv.Itoa(r.Status)
	}
	c.Stats.GraphCall(endpoint, r.Duration, outcome, code)
	return r, err
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, header http.Header, body []byte) (Response, error) {
	u := c.base + "/" + c.version + "/" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return Response{Duration: time.Since(start)}, networkError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	r := Response{Status: resp.StatusCode, Body: data, Header: resp.Header, Duration: time.Since(start)}
	if err != nil {
		return r, networkError(err)
	}
	if resp.StatusCode/100 != 2 {
		return r, parseError(resp.StatusCode, resp.Header, data)
	}
	return r, nil
}

func networkError(err error) *Error {
	msg := err.Error()
	// The URL in a transport error carries the access token; never repeat it.
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Op + ": " + ue.Err.Error()
	}
	timeout := false
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		timeout = true
	}
	return &Error{Network: true, Timeout: timeout, Message: msg}
}

// SendResult is Graph's answer to a send.
type SendResult struct {
	RecipientID string `json:"recipient_id"` // absent for phone_number and user_ref recipients
	MessageID   string `json:"message_id"`
}

// SendMessage posts a Messenger Send API body for the page whose token is given.
func (c *Client) SendMessage(ctx context.Context, pageToken string, body []byte) (SendResult, Response, error) {
	resp, err := c.call(ctx, "messages", http.MethodPost, "me/messages", url.Values{"access_token": {pageToken}}, nil, body)
	if err != nil {
		return SendResult{}, resp, err
	}
	var out SendResult
	if err := json.Unmarshal(resp.Body, &out); err != nil || out.MessageID == "" {
		return SendResult{}, resp, &Error{Status: resp.Status, Message: fmt.Sprintf("unreadable send answer: %.200s", resp.Body)}
	}
	return out, resp, nil
}

// ProfileFields are the User Profile API fields botgate asks for.
const ProfileFields = "first_name,last_name,profile_pic,locale,timezone,gender"

// Profile is a user's Messenger profile.
type Profile struct {
	ID         string  `json:"id"`
	FirstName  string  `json:"first_name"`
	LastName   string  `json:"last_name"`
	ProfilePic string  `json:"profile_pic"`
	Locale     string  `json:"locale"`
	Gender     string  `json:"gender"`
	Timezone   float64 `json:"timezone"`
}

// GetProfile fetches a user's profile.
func (c *Client) GetProfile(ctx context.Context, pageToken, psid string) (Profile, error) {
	resp, err := c.call(ctx, "profile", http.MethodGet, url.PathEscape(psid), url.Values{"fields": {ProfileFields}, "access_token": {pageToken}}, nil, nil)
	if err != nil {
		return Profile{}, err
	}
	var p Profile
	if err := json.Unmarshal(resp.Body, &p); err != nil {
		return Profile{}, &Error{Status: resp.Status, Message: fmt.Sprintf("unreadable profile: %.200s", resp.Body)}
	}
	return p, nil
}

// UploadAttachment uploads media by URL and returns its reusable attachment id.
func (c *Client) UploadAttachment(ctx context.Context, pageToken, mediaType, mediaURL string) (string, Response, error) {
	body, _ := json.Marshal(map[string]any{"message": map[string]any{"attachment": map[string]any{
		"type": mediaType, "payload": map[string]any{"url": mediaURL, "is_reusable": true}}}})
	resp, err := c.call(ctx, "attachments", http.MethodPost, "me/message_attachments", url.Values{"access_token": {pageToken}}, nil, body)
	if err != nil {
		return "", resp, err
	}
	var out struct {
		AttachmentID string `json:"attachment_id"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil || out.AttachmentID == "" {
		return "", resp, &Error{Status: resp.Status, Message: fmt.Sprintf("unreadable upload answer: %.200s", resp.Body)}
	}
	return out.AttachmentID, resp, nil
}
