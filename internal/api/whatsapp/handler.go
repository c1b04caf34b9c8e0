// Package whatsapp is Bothub's WhatsApp face (seed 003): POST
// /channels/{bot_phone}/messages with an APIKEY header and a flat JSON body.
// It reads the vendor's shape into a core send and maps the core's errors to
// the vendor's codes; the rules, the pacing and the sending live below it.
package whatsapp

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/api/bothub"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/logs"
)

// Face is the name results are formatted under.
const Face = "whatsapp"

// Handler serves the WhatsApp send API.
type Handler struct {
	Service *gateway.Service
	Log     *slog.Logger
}

// Register mounts the face.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /channels/{bot_phone}/messages", h.serve)
}

// body is the request, as seed 003's table and samples give it. sync is
// botgate's addition: false queues the send and reports to the callback URL.
type body struct {
	ID        core.FlexString `json:"id"`
	To        core.FlexString `json:"to"`
	Timestamp core.FlexString `json:"timestamp"`
	Source    string          `json:"source"`
	Type      string          `json:"type"`
	Sync      json.RawMessage `json:"sync"`
	Text      *struct {
		Body string `json:"body"`
	} `json:"text"`
	Image    *media `json:"image"`
	Document *media `json:"document"`
	Audio    *media `json:"audio"`
	// botgate's extensions (docs/whatsapp.md): the Cloud API's own objects,
	// and Meetbot-style params filling a template's named parameters.
	Template    *core.WATemplate    `json:"template"`
	Interactive *core.WAInteractive `json:"interactive"`
	Params      map[string]string   `json:"params"`
	// WhatsApp's other message types: known by name so that a "video" with
	// its object is refused as a type (41014), not as an unknown field.
	Video    json.RawMessage `json:"video"`
	Sticker  json.RawMessage `json:"sticker"`
	Location json.RawMessage `json:"location"`
	Contacts json.RawMessage `json:"contacts"`
	Reaction json.RawMessage `json:"reaction"`
}

type media struct {
	URL       string `json:"url"`
	Caption   string `json:"caption"`
	Extension string `json:"extension"`
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	var id string
	out, status, err := h.call(w, r, &id)
	if err != nil {
		out, status = NewErrorBody(err, id)
		logs.SetError(r.Context(), string(core.ErrorKind(err)))
		if status >= 500 {
			logs.From(r.Context(), h.Log).Error("whatsapp: request failed", "id", id, "err", err)
		}
	}
	api.WriteJSON(w, status, out)
}

// call checks in the order of seed 003's error table: the key and its bot,
// then the body's fields by code (core.ValidateWhatsApp keeps that order for
// the message's own), then sends.
func (h *Handler) call(w http.ResponseWriter, r *http.Request, id *string) (any, int, error) {
	bot, err := h.Service.Authenticate(r.Context(), r.Header.Get("APIKEY"))
	if err != nil {
		return nil, 0, err
	}
	if err := api.CheckRequest(r); err != nil {
		return nil, 0, err
	}
	if err := h.ownsNumber(r, bot); err != nil {
		return nil, 0, err
	}
	if err := api.CheckContentType(r); err != nil {
		return nil, 0, err
	}
	data, err := api.ReadBody(w, r)
	if err != nil {
		return nil, 0, err
	}
	// The id is echoed in every answer, even one refusing the body's shape.
	var echo struct {
		ID core.FlexString `json:"id"`
	}
	if json.Unmarshal(data, &echo) == nil && core.CheckString("id", string(echo.ID)) == nil {
		*id = strings.TrimSpace(string(echo.ID))
	}
	var b body
	if err := core.DecodeStrict(data, &b, ""); err != nil {
		return nil, 0, err
	}
	*id = strings.TrimSpace(string(b.ID))
	req, err := parse(&b, *id)
	if err != nil {
		return nil, 0, err
	}
	m, err := h.Service.Send(r.Context(), bot, req, core.Fields{RequestID: "id", Recipient: "to"})
	if err != nil {
		return nil, 0, err
	}
	if !req.Sync {
		return Result{Result: true, Data: Data{ID: *id, To: req.Recipient.PhoneNumber, Status: "accepted"}}, http.StatusOK, nil
	}
	if m.Status == core.StatusFailed {
		out, status := NewErrorBody(m.Error, *id)
		return out, status, nil
	}
	return newResult(m), http.StatusOK, nil
}

// ownsNumber checks that the key's bot has the number the path names: a key
// of another bot's number is an invalid key for it (10002), a number no bot
// has is an unknown bot (10006).
func (h *Handler) ownsNumber(r *http.Request, bot *core.Bot) error {
	phone, err := core.NormalizePhone(internationalDigits(r.PathValue("bot_phone")), "", "bot_phone")
	if err != nil {
		return core.Errorf(core.KindBotGone, "no bot has the WhatsApp number %q", r.PathValue("bot_phone"))
	}
	if bot.WhatsApp != nil && bot.WhatsApp.Phone == phone {
		return nil
	}
	if owner, err := h.Service.Store.BotByWhatsAppPhone(r.Context(), phone); err == nil && owner.ID != bot.ID {
		return core.Errorf(core.KindBadCredential, "the API key is not a key of the bot that has the WhatsApp number %s", phone)
	}
	return core.Errorf(core.KindBotGone, "no bot has the WhatsApp number %s", phone)
}

// internationalDigits reads a WhatsApp phone number: WhatsApp writes them
// as the international number's digits, without the plus sign.
func internationalDigits(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "+") || strings.HasPrefix(s, "00") {
		return s
	}
	return "+" + s
}

// parse reads the body in the order of seed 003's codes: id, to, type,
// timestamp, then the type and its object, whose fields and the source the
// core checks. The seed's own audio sample says "type": "document" with an
// audio object and no document object: it is read as the audio it carries.
func parse(b *body, id string) (*core.SendRequest, error) {
	switch {
	case id == "":
		return nil, core.Missing("id")
	case strings.TrimSpace(string(b.To)) == "":
		return nil, core.Missing("to")
	case strings.TrimSpace(b.Type) == "":
		return nil, core.Missing("type")
	case strings.TrimSpace(string(b.Timestamp)) == "":
		return nil, core.Missing("timestamp")
	}
	sync, err := bothub.ParseSync(b.Sync, "sync")
	if err != nil {
		return nil, err
	}
	to, err := core.NormalizePhone(internationalDigits(string(b.To)), "", "to")
	if err != nil {
		return nil, err
	}
	typ := strings.ToLower(strings.TrimSpace(b.Type))
	if typ == "document" && b.Document == nil && b.Audio != nil {
		typ = "audio"
	}
	m := &core.WAMessage{Type: typ, Source: strings.ToLower(strings.TrimSpace(b.Source)), Timestamp: string(b.Timestamp)}
	objects := map[string]bool{"text": b.Text != nil, "image": b.Image != nil, "document": b.Document != nil, "audio": b.Audio != nil,
		"template": b.Template != nil, "interactive": b.Interactive != nil}
	present, known := objects[typ]
	if known && !present {
		return nil, core.Missing(typ)
	}
	for name, given := range objects {
		if given && name != typ && known {
			return nil, core.Invalid(name, "is given, but type is %s; send one object, the one type names", typ)
		}
	}
	switch typ {
	case "text":
		m.Body = b.Text.Body
	case "image", "document", "audio":
		o := map[string]*media{"image": b.Image, "document": b.Document, "audio": b.Audio}[typ]
		m.URL, m.Caption, m.Extension = strings.TrimSpace(o.URL), o.Caption, strings.TrimSpace(o.Extension)
	case "template":
		m.Template = b.Template
		if len(b.Params) > 0 {
			if len(m.Template.Params) > 0 {
				return nil, core.Invalid("params", "are given both beside and inside template; give them once")
			}
			m.Template.Params = b.Params
		}
	case "interactive":
		m.Interactive = b.Interactive
	}
	if len(b.Params) > 0 && typ != "template" {
		return nil, core.Invalid("params", "fill a template's named parameters; type is %s", typ)
	}
	return &core.SendRequest{Face: Face, Method: "whatsapp_message", RequestID: id, Sync: sync,
		Recipient: core.Recipient{PhoneNumber: to}, WhatsApp: m}, nil
}

// Result is a send's outcome, as seed 003's success sample has it, with the
// message's id, WhatsApp's id for it and its status in data: the sync
// answer, and the async callback body.
type Result struct {
	Result bool `json:"result"`
	Data   Data `json:"data"`
}

// Data is what botgate puts in the success sample's empty data.
type Data struct {
	ID     string `json:"id"`              // the caller's id
	WAMID  string `json:"wamid,omitempty"` // WhatsApp's message id, which its statuses carry
	To     string `json:"to"`
	WAID   string `json:"wa_id,omitempty"` // the user's WhatsApp id
	Status string `json:"status"`          // accepted, sent, delivered, read
}

func newResult(m *core.MessageRecord) Result {
	d := Data{ID: m.Request.RequestID, To: m.Request.Recipient.PhoneNumber, WAID: m.RecipientID, Status: string(m.Status)}
	if len(m.Parts) > 0 {
		d.WAMID = m.Parts[0].GraphID
	}
	return Result{Result: true, Data: d}
}

// ResultBody is the callback body for a finished async send: the body a
// sync call answers, or the error envelope.
func ResultBody(m *core.MessageRecord) ([]byte, error) {
	if m.Status == core.StatusFailed && m.Error != nil {
		out, _ := NewErrorBody(m.Error, m.Request.RequestID)
		return json.Marshal(out)
	}
	return json.Marshal(newResult(m))
}
