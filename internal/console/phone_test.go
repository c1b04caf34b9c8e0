package console

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

const (
	waNumber = "109876543210"
	waUser   = "16505551234"
	waToken  = "wa-token"
)

// phoneEnv is a console over a fake Graph whose WhatsApp webhooks land in
// hooks, with an admin's and a viewer's session cookies.
type phoneEnv struct {
	t       *testing.T
	console *Console
	h       http.Handler
	fake    *fakegraph.Server
	graph   string
	hooks   chan string
	admin   *http.Cookie
	viewer  *http.Cookie
	noPhone http.Handler // the same console outside the sandbox
}

func newPhoneEnv(t *testing.T) *phoneEnv {
	st := storetest.New(t, "sqlite").Open(t, store.Options{})
	fake := fakegraph.New(fakegraph.Options{Seed: 1})
	fake.AddWhatsAppNumber(waNumber, "15550001111", waToken)
	graph := httptest.NewServer(fake)
	t.Cleanup(graph.Close)
	hooks := make(chan string, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hooks <- string(body)
	}))
	t.Cleanup(receiver.Close)
	fake.SetWhatsAppWebhook(receiver.URL, "secret")

	c, err := New(Deps{Store: st, Fake: fake, Sandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	off, err := New(Deps{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	e := &phoneEnv{t: t, console: c, h: c.Handler(), fake: fake, graph: graph.URL, hooks: hooks, noPhone: off.Handler()}
	e.admin = e.session("ada", core.RoleAdmin)
	e.viewer = e.session("vic", core.RoleViewer)
	return e
}

func (e *phoneEnv) session(name string, role core.Role) *http.Cookie {
	ctx := context.Background()
	u, err := e.console.store.CreateUser(ctx, name, "pw-"+name+"-0123456789", role)
	if err != nil {
		e.t.Fatal(err)
	}
	id, err := e.console.store.CreateSession(ctx, u.ID, "127.0.0.1")
	if err != nil {
		e.t.Fatal(err)
	}
	return &http.Cookie{Name: sessionCookie, Value: id}
}

// do runs one request through the console as the holder of cookie.
func (e *phoneEnv) do(h http.Handler, cookie *http.Cookie, method, target string, form url.Values, header http.Header) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		r.Header[k] = v
	}
	if cookie != nil {
		r.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

var phoneCSRF = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// A WhatsApp user's phone shows the interactive message sent to them with
// tappable reply buttons; a tap makes the fake post the button_reply
// webhook naming that message, and the user's own bubble appears.
func TestPhoneWhatsAppReplyButton(t *testing.T) {
	e := newPhoneEnv(t)
	if _, err := e.fake.WAUserSendsText(waNumber, "+"+waUser, "Ann <b>Lee</b>", "Hi <script>alert(1)</script>"); err != nil {
		t.Fatal(err)
	}
	<-e.hooks
	send := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"` + waUser + `","type":"interactive",` +
		`"interactive":{"type":"button","body":{"text":"Deliver tomorrow?"},"action":{"buttons":[` +
		`{"type":"reply","reply":{"id":"yes-1","title":"Yes"}},{"type":"reply","reply":{"id":"no-1","title":"No"}}]}}}`
	req, _ := http.NewRequest("POST", e.graph+"/v25.0/"+waNumber+"/messages", strings.NewReader(send))
	req.Header.Set("Authorization", "Bearer "+waToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("send to the fake: %v %v", res, err)
	}
	res.Body.Close()
	wamid := e.fake.WhatsAppSends()[0].WAMID

	path := "/console/phone/whatsapp/" + waNumber + "/" + waUser
	w := e.do(e.h, e.admin, "GET", path, nil, nil)
	page := w.Body.String()
	if w.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, w.Code, page)
	}
	for _, want := range []string{
		`<div class="pv-bubble" title="text">Hi &lt;script&gt;alert(1)&lt;/script&gt;</div>`,
		`<h1>Ann &lt;b&gt;Lee&lt;/b&gt;</h1>`,
		`<input type="hidden" name="context" value="` + wamid + `">`,
		`<input type="hidden" name="kind" value="button_reply"><input type="hidden" name="payload" value="yes-1">`,
		`<button type="submit" class="pv-wa-btn">Yes</button>`,
		`<form class="phone-composer" method="post" action="` + path + `">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the phone page lacks %s\n%s", want, page)
		}
	}
	token := phoneCSRF.FindStringSubmatch(page)
	if token == nil {
		t.Fatal("no CSRF field")
	}
	form := url.Values{"csrf": {token[1]}, "kind": {"button_reply"}, "payload": {"yes-1"}, "title": {"Yes"}, "context": {wamid}}
	w = e.do(e.h, e.admin, "POST", path, form, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != path {
		t.Fatalf("tap: %d %v %s", w.Code, w.Header(), w.Body)
	}
	hook := <-e.hooks
	if want := `"messages":[{"context":{"from":"15550001111","id":"` + wamid + `"},"from":"` + waUser + `",`; !strings.Contains(hook, want) ||
		!strings.Contains(hook, `"interactive":{"type":"button_reply","button_reply":{"id":"yes-1","title":"Yes"}},"type":"interactive"`) {
		t.Errorf("webhook %s", hook)
	}

	// Reading sends a delivered and a read status for what the user received.
	w = e.do(e.h, e.admin, "POST", path, url.Values{"csrf": {token[1]}, "kind": {"read"}}, nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("read: %d %s", w.Code, w.Body)
	}
	for _, status := range []string{"delivered", "read"} {
		if hook := <-e.hooks; !strings.Contains(hook, `"statuses":[{"id":"`+wamid+`","status":"`+status+`"`) {
			t.Errorf("%s: webhook %s", status, hook)
		}
	}

	// htmx polls with the latest turn it shows: nothing new is 204, news is the chat alone.
	_, turns := e.fake.Conversation(fakegraph.ChannelWhatsApp, waNumber, waUser)
	htmx := http.Header{"Hx-Request": {"true"}, "Hx-Target": {"phone-chat"}}
	if w := e.do(e.h, e.admin, "GET", path+"?seq="+strconv.Itoa(turns[len(turns)-1].Seq), nil, htmx); w.Code != http.StatusNoContent {
		t.Errorf("poll with nothing new: %d", w.Code)
	}
	w = e.do(e.h, e.admin, "GET", path+"?seq="+strconv.Itoa(turns[0].Seq), nil, htmx)
	if body := w.Body.String(); w.Code != 200 || strings.Contains(body, "<html") ||
		!strings.Contains(body, `<div class="pv-bubble" title="button_reply: yes-1">Yes</div>`) {
		t.Errorf("poll with news: %d %s", w.Code, body)
	}
}

// A viewer watches the phone: no forms, and a forged tap is refused.
func TestPhoneViewer(t *testing.T) {
	e := newPhoneEnv(t)
	if _, err := e.fake.WAUserSendsText(waNumber, waUser, "Ann", "Hi"); err != nil {
		t.Fatal(err)
	}
	<-e.hooks
	path := "/console/phone/whatsapp/" + waNumber + "/" + waUser
	w := e.do(e.h, e.viewer, "GET", path, nil, nil)
	page := w.Body.String()
	if w.Code != 200 || strings.Contains(page, "phone-composer") || strings.Contains(page, "pv-tap") || !strings.Contains(page, "Viewers watch") {
		t.Errorf("viewer's phone page: %d\n%s", w.Code, page)
	}
	token := phoneCSRF.FindStringSubmatch(page)
	w = e.do(e.h, e.viewer, "POST", path, url.Values{"csrf": {token[1]}, "kind": {"text"}, "text": {"hi"}}, nil)
	if w.Code != http.StatusForbidden {
		t.Errorf("viewer's tap: %d", w.Code)
	}
	select {
	case hook := <-e.hooks:
		t.Errorf("a viewer's tap reached botgate: %s", hook)
	default:
	}
}

// Outside the sandbox the phone pages do not exist, signed in or not, and
// the navigation has no Phone link.
func TestPhoneOutsideSandbox(t *testing.T) {
	e := newPhoneEnv(t)
	for _, path := range []string{"/console/phone", "/console/phone/whatsapp/" + waNumber + "/" + waUser} {
		for _, cookie := range []*http.Cookie{nil, e.admin} {
			if w := e.do(e.noPhone, cookie, "GET", path, nil, nil); w.Code != http.StatusNotFound {
				t.Errorf("GET %s (signed in %v): %d", path, cookie != nil, w.Code)
			}
		}
	}
	if w := e.do(e.noPhone, e.admin, "GET", "/console/", nil, nil); strings.Contains(w.Body.String(), `href="/console/phone"`) {
		t.Error("the navigation shows Phone outside the sandbox")
	}
	if w := e.do(e.h, e.admin, "GET", "/console/", nil, nil); !strings.Contains(w.Body.String(), `href="/console/phone"`) {
		t.Error("the navigation hides Phone in the sandbox")
	}
	if w := e.do(e.h, e.admin, "GET", "/console/phone/open?to=whatsapp:"+waNumber+"&user=%2B44+7700+900002", nil, nil); w.Code != http.StatusSeeOther ||
		w.Header().Get("Location") != "/console/phone/whatsapp/"+waNumber+"/447700900002" {
		t.Errorf("open another user: %d %v", w.Code, w.Header())
	}
	if w := e.do(e.h, e.admin, "GET", "/console/phone/open?to=telegram:1&user=2", nil, nil); w.Code != http.StatusBadRequest {
		t.Errorf("open on an unknown channel: %d", w.Code)
	}
	if w := e.do(e.h, e.admin, "GET", "/console/phone/telegram/1/2", nil, nil); w.Code != http.StatusNotFound {
		t.Errorf("an unknown channel: %d", w.Code)
	}
}
