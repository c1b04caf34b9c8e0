package fakegraph

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// delivered is one webhook as a receiver saw it.
type delivered struct {
	body     []byte
	header   http.Header
	verified bool // both signatures matched the raw body
}

// receiver is a webhook endpoint checking signatures the way botgate must:
// HMAC over the raw body, compared in constant time, 403 when they do not
// match. It answers 200 otherwise and hands every delivery to the test.
type receiver struct {
	URL  string
	got  chan delivered
	call func() // run before answering, to call back into the fake
}

func newReceiver(t *testing.T, secret string) *receiver {
	t.Helper()
	rc := &receiver{got: make(chan delivered, 64)}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		d := delivered{body: body, header: r.Header.Clone()}
		d.verified = validSignature(r.Header.Get("X-Hub-Signature-256"), "sha256=", sha256Hex(secret, body)) &&
			validSignature(r.Header.Get("X-Hub-Signature"), "sha1=", sha1Hex(secret, body))
		rc.got <- d
		if rc.call != nil {
			rc.call()
		}
		if !d.verified {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(ts.Close)
	rc.URL = ts.URL
	return rc
}

// next is the delivery the last helper call made. The helpers return only
// once the receiver answered, so it is already there.
func (rc *receiver) next(t *testing.T) delivered {
	t.Helper()
	select {
	case d := <-rc.got:
		return d
	default:
		t.Fatal("nothing was delivered")
		return delivered{}
	}
}

func (rc *receiver) none(t *testing.T) {
	t.Helper()
	select {
	case d := <-rc.got:
		t.Fatalf("unexpected delivery %s", d.body)
	default:
	}
}

func validSignature(header, prefix, want string) bool {
	return len(header) > len(prefix) && header[:len(prefix)] == prefix &&
		hmac.Equal([]byte(header[len(prefix):]), []byte(want))
}

func sha256Hex(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func sha1Hex(secret string, body []byte) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}
