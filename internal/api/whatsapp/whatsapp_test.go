package whatsapp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The user the tests write to, as WhatsApp writes numbers.
const to = "447700900123"

func textBody(id string) string {
	return fmt.Sprintf(`{"id":%q,"to":%q,"timestamp":"1700000000","source":"botchat","type":"text","text":{"body":"Hello world"}}`, id, to)
}

func start(t *testing.T, db storetest.DB, opts harness.Options, limits map[string]any) *harness.Env {
	t.Helper()
	env := harness.Start(t, db, opts)
	env.AttachWhatsApp(limits)
	return env
}

type messageOut struct {
	ID      string
	Status  string
	Channel string
	Error   *struct{ Kind, Message string }
	Request struct {
		WhatsApp map[string]any `json:"whatsapp"`
	}
	History []struct{ Kind, Detail string }
}

func message(t *testing.T, env *harness.Env, id string) messageOut {
	t.Helper()
	var list struct{ Messages []struct{ ID string } }
	env.Admin(http.MethodGet, "/admin/v1/messages?bot_id="+env.BotID+"&request_id="+id, nil, http.StatusOK, &list)
	if len(list.Messages) != 1 {
		t.Fatalf("%d messages with id %s", len(list.Messages), id)
	}
	var m messageOut
	env.Admin(http.MethodGet, "/admin/v1/messages/"+list.Messages[0].ID, nil, http.StatusOK, &m)
	return m
}

// TestSeedSamples sends seed 003's four samples, their placeholders filled,
// and checks the exact Cloud API body and the exact answer. The audio sample
// says "type": "document" with an audio object: it goes as the audio it
// carries, without the caption WhatsApp does not take, which the record keeps.
func TestSeedSamples(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := start(t, db, harness.Options{}, nil)
		samples := []struct {
			name, body, upstream string
		}{
			{"text",
				`{"id": "s-text", "to": "447700900123", "timestamp": "1700000000", "source": "botchat", "type": "text", "text": {"body": "Hello world"}}`,
				`{"messaging_product":"whatsapp","recipient_type":"individual","to":"447700900123","type":"text","text":{"body":"Hello world"}}`},
			{"image",
				`{"id": "s-image", "to": "447700900123", "timestamp": "1700000000", "source": "livechat", "type": "image",
				  "image": {"url": "https://cdn.example.com/p/shoe.jpg", "caption": "your-image-caption", "extension": "jpg"}}`,
				`{"messaging_product":"whatsapp","recipient_type":"individual","to":"447700900123","type":"image","image":{"link":"https://cdn.example.com/p/shoe.jpg","caption":"your-image-caption"}}`},
			{"document",
				`{"id": "s-document", "to": "447700900123", "timestamp": "1700000000", "source": "botchat", "type": "document",
				  "document": {"url": "https://cdn.example.com/invoices/A-17?sig=x", "caption": "your-document-caption", "extension": "pdf"}}`,
				`{"messaging_product":"whatsapp","recipient_type":"individual","to":"447700900123","type":"document","document":{"link":"https://cdn.example.com/invoices/A-17?sig=x","caption":"your-document-caption","filename":"A-17.pdf"}}`},
			{"audio",
				`{"id": "s-audio", "to": "447700900123", "timestamp": "1700000000", "source": "botchat", "type": "document",
				  "audio": {"url": "https://cdn.example.com/a/greeting.mp3", "caption": "your-audio-caption", "extension": "mp3"}}`,
				`{"messaging_product":"whatsapp","recipient_type":"individual","to":"447700900123","type":"audio","audio":{"link":"https://cdn.example.com/a/greeting.mp3"}}`},
		}
		for i, s := range samples {
			status, body := env.WhatsApp(s.body)
			sends := env.Fake.WhatsAppSends()
			if len(sends) != i+1 {
				t.Fatalf("%s: %d Cloud API sends, want %d (answer %d %s)", s.name, len(sends), i+1, status, body)
			}
			sent := sends[i]
			if string(sent.Body) != s.upstream || sent.PhoneNumberID != harness.WANumberID {
				t.Errorf("%s: sent to %s\n%s\nwant\n%s", s.name, sent.PhoneNumberID, sent.Body, s.upstream)
			}
			want := fmt.Sprintf(`{"result":true,"data":{"id":"s-%s","wamid":%q,"to":"+447700900123","wa_id":"447700900123","status":"sent"}}`, s.name, sent.WAMID)
			if status != http.StatusOK || harness.Compact(t, body) != want {
				t.Errorf("%s: %d %s\nwant %s", s.name, status, body, want)
			}
		}
		m := message(t, env, "s-audio")
		if m.Channel != "whatsapp" || m.Request.WhatsApp["type"] != "audio" || m.Request.WhatsApp["caption"] != "your-audio-caption" {
			t.Errorf("the audio's record: %+v", m)
		}
	})
}

// TestEveryErrorCode sends one body per code of seed 003's table and the
// codes it shares with Bothub's send API, and checks code and status.
func TestEveryErrorCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := start(t, db, harness.Options{}, nil)
		// A second bot with its own number and key, to misuse.
		var other struct{ ID string }
		env.Admin(http.MethodPost, "/admin/v1/bots", map[string]any{"name": "Other"}, http.StatusCreated, &other)
		env.Admin(http.MethodPut, "/admin/v1/bots/"+other.ID+"/whatsapp", map[string]any{"bot_phone": "+15550002222",
			"phone_number_id": "109000222", "access_token": "t2", "app_secret": "s2", "verify_token": "v2"}, http.StatusOK, nil)
		var otherKey struct{ Key string }
		env.Admin(http.MethodPost, "/admin/v1/bots/"+other.ID+"/api-keys", nil, http.StatusCreated, &otherKey)

		media := func(typ, obj string) string {
			return fmt.Sprintf(`{"id":"m","to":%q,"timestamp":"1","source":"botchat","type":%q,%s}`, to, typ, obj)
		}
		const img = `"image":{"url":"https://cdn.example.com/a.png","caption":"c","extension":"png"}`
		cases := []struct {
			name, body string
			code, http int
		}{
			{"nothing at all: the id first", `{"type":"video"}`, 41006, 400},
			{"no id", `{"to":"447700900123","timestamp":"1","source":"botchat","type":"text","text":{"body":"x"}}`, 41006, 400},
			{"no to", `{"id":"m","timestamp":"1","source":"botchat","type":"text","text":{"body":"x"}}`, 41007, 400},
			{"no type", `{"id":"m","to":"447700900123","timestamp":"1","source":"botchat","text":{"body":"x"}}`, 41008, 400},
			{"no timestamp", `{"id":"m","to":"447700900123","source":"botchat","type":"text","text":{"body":"x"}}`, 41009, 400},
			{"no image", `{"id":"m","to":"447700900123","timestamp":"1","source":"botchat","type":"image"}`, 41010, 400},
			{"no document", `{"id":"m","to":"447700900123","timestamp":"1","source":"botchat","type":"document"}`, 41011, 400},
			{"no text", `{"id":"m","to":"447700900123","timestamp":"1","source":"botchat","type":"text"}`, 41012, 400},
			{"no audio", `{"id":"m","to":"447700900123","timestamp":"1","source":"botchat","type":"audio"}`, 41013, 400},
			{"invalid type", `{"id":"m","to":"447700900123","timestamp":"1","source":"botchat","type":"video"}`, 41014, 400},
			{"invalid type with its object", media("video", `"video":{"url":"https://x.example/a.mp4","caption":"c"}`), 41014, 400},
			{"a sticker with its object", media("sticker", `"sticker":{"id":"1"}`), 41014, 400},
			{"no text body", media("text", `"text":{}`), 41015, 400},
			{"no document caption", media("document", `"document":{"url":"https://x.example/a.pdf","extension":"pdf"}`), 41016, 400},
			{"no document url", media("document", `"document":{"caption":"c","extension":"pdf"}`), 41017, 400},
			{"no document extension", media("document", `"document":{"url":"https://x.example/a.pdf","caption":"c"}`), 41018, 400},
			{"no image caption", media("image", `"image":{"url":"https://x.example/a.png","extension":"png"}`), 41019, 400},
			{"no image url", media("image", `"image":{"caption":"c","extension":"png"}`), 41021, 400},
			{"no image extension", media("image", `"image":{"url":"https://x.example/a.png","caption":"c"}`), 41022, 400},
			{"no audio caption", media("audio", `"audio":{"url":"https://x.example/a.mp3","extension":"mp3"}`), 41023, 400},
			{"no audio url", media("audio", `"audio":{"caption":"c","extension":"mp3"}`), 41024, 400},
			{"no audio extension", media("audio", `"audio":{"url":"https://x.example/a.mp3","caption":"c"}`), 41025, 400},
			{"no source", `{"id":"m","to":"447700900123","timestamp":"1","type":"text","text":{"body":"x"}}`, 41035, 400},
			{"invalid source", `{"id":"m","to":"447700900123","timestamp":"1","source":"bot","type":"text","text":{"body":"x"}}`, 41036, 400},
			{"an extension WhatsApp does not take", media("image", `"image":{"url":"https://x.example/a.gif","caption":"c","extension":"gif"}`), 10100, 400},
			{"a URL that is not http", media("image", `"image":{"url":"ftp://x.example/a.png","caption":"c","extension":"png"}`), 10100, 400},
			{"not a phone number", `{"id":"m","to":"call me","timestamp":"1","source":"botchat","type":"text","text":{"body":"x"}}`, 10100, 400},
			{"an unknown field", `{"id":"m","to":"447700900123","timestamp":"1","source":"botchat","type":"text","text":{"body":"x"},"colour":"red"}`, 10100, 400},
			{"an object type does not name", media("text", `"text":{"body":"x"},`+img), 10100, 400},
			{"text too long", media("text", `"text":{"body":"`+strings.Repeat("x", 4097)+`"}`), 10100, 400},
			{"sync neither true nor false", `{"id":"m","to":"447700900123","timestamp":"1","source":"botchat","type":"text","text":{"body":"x"},"sync":"maybe"}`, 10100, 400},
			{"malformed JSON", `{"id":"m",`, 10100, 400},
		}
		for _, c := range cases {
			status, body := env.WhatsApp(c.body)
			var out struct {
				Error struct {
					Code    int
					Message string
				}
			}
			if err := json.Unmarshal(body, &out); err != nil || out.Error.Code != c.code || status != c.http {
				t.Errorf("%s: %d %s, want code %d HTTP %d", c.name, status, body, c.code, c.http)
			}
			// The id is echoed whenever the body gives one, whatever is wrong.
			if json.Valid([]byte(c.body)) && strings.Contains(c.body, `"id":"m"`) && !strings.Contains(string(body), `"request_id":"m"`) {
				t.Errorf("%s: request_id not echoed: %s", c.name, body)
			}
		}
		if n := len(env.Fake.WhatsAppSends()); n != 0 {
			t.Fatalf("%d sends reached WhatsApp from invalid requests", n)
		}

		// The envelope, whole.
		status, body := env.WhatsApp(`{"to":"447700900123"}`)
		want := `{"error":{"message":"id is required","type":"InvalidRequest","code":41006,"error_subcode":0,"request_id":""}}`
		if status != 400 || harness.Compact(t, body) != want {
			t.Errorf("envelope: %d %s\nwant %s", status, body, want)
		}

		// A repeated id: sent once, answered with the seed's words.
		if status, body := env.WhatsApp(textBody("dup")); status != 200 {
			t.Fatalf("first: %d %s", status, body)
		}
		status, body = env.WhatsApp(textBody("dup"))
		want = `{"error":{"message":"Request already processed","type":"InvalidRequest","code":10011,"error_subcode":0,"request_id":"dup"}}`
		if status != http.StatusConflict || harness.Compact(t, body) != want {
			t.Errorf("repeat: %d %s\nwant %s", status, body, want)
		}
		if n := len(env.Fake.WhatsAppSends()); n != 1 {
			t.Errorf("%d sends for one id", n)
		}

		// Keys and numbers.
		keyed := func(key, phone string) (int, int) {
			h := http.Header{"Content-Type": {"application/json"}}
			if key != "" {
				h.Set("APIKEY", key)
			}
			status, body := env.Do(http.MethodPost, "/channels/"+phone+"/messages", h, []byte(textBody("k")))
			var out struct{ Error struct{ Code int } }
			_ = json.Unmarshal(body, &out)
			return status, out.Error.Code
		}
		for _, c := range []struct {
			name, key, phone string
			http, code       int
		}{
			{"no key", "", harness.WAPhone, 401, 10001},
			{"a key botgate never issued", "bgk_nope", harness.WAPhone, 401, 10002},
			{"another bot's number", env.APIKey, "+15550002222", 401, 10002},
			{"a number no bot has", env.APIKey, "+15559999999", 404, 10006},
			{"a path that is no number", env.APIKey, "shop", 404, 10006},
		} {
			if status, code := keyed(c.key, c.phone); status != c.http || code != c.code {
				t.Errorf("%s: HTTP %d code %d, want %d %d", c.name, status, code, c.http, c.code)
			}
		}
		env.Admin(http.MethodDelete, "/admin/v1/bots/"+other.ID, nil, http.StatusNoContent, nil)
		if status, code := keyed(otherKey.Key, "+15550002222"); status != 404 || code != 10006 {
			t.Errorf("a deleted bot's key: HTTP %d code %d, want 404 10006", status, code)
		}
	})
}

// TestWhatsAppRefusals: an upstream error is 80001 with WhatsApp's code and
// details; an unreachable Cloud API is 80002.
func TestWhatsAppRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := start(t, db, harness.Options{}, nil)
		env.Fake.WhatsAppFail(to, fakegraph.ErrWANotRegistered)
		status, body := env.WhatsApp(textBody("r1"))
		var out struct {
			Error struct {
				Code     int
				Message  string
				Upstream struct {
					Code    int
					Details string
				}
			}
		}
		if err := json.Unmarshal(body, &out); err != nil || status != http.StatusUnprocessableEntity || out.Error.Code != 80001 ||
			out.Error.Upstream.Code != 133010 || out.Error.Upstream.Details != fakegraph.ErrWANotRegistered.Details ||
			out.Error.Message != "WhatsApp refused the message: (#133010) Phone number not registered: "+fakegraph.ErrWANotRegistered.Details {
			t.Fatalf("upstream refusal: %d %s", status, body)
		}
		if m := message(t, env, "r1"); m.Status != "failed" || m.Error == nil || m.Error.Kind != "upstream" {
			t.Fatalf("record: %+v", m)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		env := start(t, storetest.New(t, "sqlite"), harness.Options{Config: func(c *server.Config) {
			c.GraphURL = "http://127.0.0.1:1"
			c.SyncTimeout = 700 * time.Millisecond
		}}, nil)
		status, body := env.WhatsApp(textBody("n1"))
		var out struct{ Error struct{ Code int } }
		if err := json.Unmarshal(body, &out); err != nil || status != http.StatusServiceUnavailable || out.Error.Code != 80002 {
			t.Fatalf("network failure: %d %s", status, body)
		}
	})
	// WhatsApp answering 5xx until the sync bound runs out is a network
	// error too, not a refusal.
	t.Run("5xx until the bound", func(t *testing.T) {
		env := start(t, storetest.New(t, "sqlite"), harness.Options{Config: func(c *server.Config) {
			c.SyncTimeout = 700 * time.Millisecond
		}}, nil)
		env.Fake.WhatsAppFail(to, fakegraph.ErrWATransient)
		status, body := env.WhatsApp(textBody("t1"))
		var out struct{ Error struct{ Code int } }
		if err := json.Unmarshal(body, &out); err != nil || status != http.StatusServiceUnavailable || out.Error.Code != 80002 {
			t.Fatalf("5xx until the bound: %d %s", status, body)
		}
	})
}
