package notify

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks (standardwebhooks.com): the signature is
// base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)), the key being
// the base64 part of a "whsec_" secret. Merchants verify with any Standard
// Webhooks library.
const secretPrefix = "whsec_"

// NewSecret returns a fresh whsec_ secret.
func NewSecret() string {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return secretPrefix + base64.StdEncoding.EncodeToString(key)
}

func secretKey(secret string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
}

// Sign returns the webhook-id, webhook-timestamp and webhook-signature
// headers for body. With several secrets (a rotation's new and old) the
// signature header carries one signature per secret, space-separated, as
// Standard Webhooks allows; a receiver accepts any one it can verify.
func Sign(secret, id string, at time.Time, body []byte, more ...string) (http.Header, error) {
	ts := strconv.FormatInt(at.Unix(), 10)
	var sigs []string
	for _, s := range append([]string{secret}, more...) {
		key, err := secretKey(s)
		if err != nil {
			return nil, errors.New("notify: malformed signing secret")
		}
		sigs = append(sigs, "v1,"+signature(key, id, ts, body))
	}
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", ts)
	h.Set("webhook-signature", strings.Join(sigs, " "))
	return h, nil
}

func signature(key []byte, id, ts string, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Verify checks Standard Webhooks headers as a receiver would: a signature
// made with secret over this body, and a timestamp within tolerance of now.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	key, err := secretKey(secret)
	if err != nil {
		return errors.New("notify: malformed signing secret")
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if id == "" || err != nil {
		return errors.New("notify: missing webhook-id or webhook-timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("notify: timestamp outside tolerance")
	}
	want := signature(key, id, ts, body)
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		if v, ok := strings.CutPrefix(sig, "v1,"); ok && hmac.Equal([]byte(v), []byte(want)) {
			return nil
		}
	}
	return errors.New("notify: no valid signature")
}
