package v1

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// sendBody is POST /v1/messages's body; message stays raw until the
// channel says whose shape it has.
type sendBody struct {
	Channel       string          `json:"channel"`
	To            Recipient       `json:"to"`
	Message       json.RawMessage `json:"message"`
	Block         *BlockRef       `json:"block"`
	MessagingType string          `json:"messaging_type"`
	Tag           string          `json:"tag"`
	Metadata      json.RawMessage `json:"metadata"`
}

var sendFields = core.Fields{RequestID: "Idempotency-Key", Recipient: "to", MessagingType: "messaging_type",
	Tag: "tag", Message: "message", Params: "block.params"}

// SendMessage accepts a message through the gateway, as every face does.
func (h *Server) SendMessage(w http.ResponseWriter, r *http.Request, params SendMessageParams) {
	m, err := h.send(r, params)
	if k := keyedOf(r.Context()); k != nil && core.ErrorKind(err) == core.KindDuplicate {
		m, err = h.sentBefore(r, k)
		if m != nil {
			w.Header().Set("Idempotent-Replayed", "true")
		}
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	w.Header().Set("Location", "/v1/messages/"+m.ID)
	if m.Request.Sync && w.Header().Get("Idempotent-Replayed") == "" {
		out, err := h.message(r, m, false)
		if err != nil {
			writeProblem(w, r, err, h.Log)
			return
		}
		w.Header().Set("Preference-Applied", "wait="+strconv.Itoa(int(m.Request.Wait/time.Second)))
		writeJSON(w, "application/json", http.StatusOK, out)
		return
	}
	out, err := h.message(r, asAccepted(m), false)
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	writeJSON(w, "application/json", http.StatusAccepted, out)
}

// sentBefore is the message an earlier request with this Idempotency-Key
// recorded, when it was this same request: its row carries the request's
// hash. Another request's key is refused (422); a request id another face
// used stays a duplicate (409).
func (h *Server) sentBefore(r *http.Request, k *keyed) (*core.MessageRecord, error) {
	m, err := h.Store.MessageByRequestID(r.Context(), botOf(r.Context()).ID, k.key)
	switch {
	case err != nil:
		return nil, err
	case m == nil:
		// Refused as a duplicate, yet not readable: its accept is committing.
		k.fromRow = true
		return nil, keyInProgress(k.key)
	case m.Request.RequestHash == "":
		return nil, core.Errorf(core.KindDuplicate, "request id %q was already used for this bot", k.key)
	case m.Request.RequestHash != k.hash:
		k.fromRow = true
		return nil, keyReused(k.key, k.operation)
	}
	k.fromRow = true
	return m, nil
}

// asAccepted is the message as its accept answered it, rebuilt from its
// record whatever happened since: a replayed accept answers the same bytes.
func asAccepted(m *core.MessageRecord) *core.MessageRecord {
	a := *m
	a.Status, a.UpdatedAt = core.StatusAccepted, m.CreatedAt
	a.SentAt, a.DeliveredAt, a.ReadAt, a.FailedAt = nil, nil, nil, nil
	a.Parts, a.Error, a.RecipientID, a.PSID = nil, nil, "", m.Request.PSID
	return &a
}

func (h *Server) send(r *http.Request, params SendMessageParams) (*core.MessageRecord, error) {
	var b sendBody
	if err := readJSON(r, &b); err != nil {
		return nil, err
	}
	var err error
	req := &core.SendRequest{Face: core.FaceV1, Method: "v1_message", Meta: b.Metadata,
		MessagingType: b.MessagingType, Tag: b.Tag}
	if params.IdempotencyKey != nil {
		req.RequestID = *params.IdempotencyKey
		if k := keyedOf(r.Context()); k != nil {
			req.RequestHash = k.hash
		}
	} else {
		req.RequestID = core.NewID("req_", h.Store.Now())
	}
	if params.Prefer != nil {
		if req.Wait, err = parseWait(*params.Prefer, h.MaxWait); err != nil {
			return nil, err
		}
		req.Sync = req.Wait > 0
	}
	switch {
	case len(b.Message) > 0 && b.Block != nil:
		return nil, core.Invalid("block", "is given beside message; send one of them")
	case b.Channel == "":
		return nil, core.Missing("channel")
	case b.Channel == core.ChannelWhatsApp:
		err = whatsAppRequest(req, &b, h.Store.Now())
	case b.Channel == core.ChannelMessenger:
		err = messengerRequest(req, &b)
	default:
		return nil, core.Invalid("channel", "must be messenger or whatsapp, not %q", b.Channel)
	}
	if err != nil {
		return nil, err
	}
	bot := botOf(r.Context())
	return h.Service.Send(r.Context(), bot, req, sendFields)
}

// messengerRequest reads a Messenger send: the recipient, and Graph's own
// message object or a block.
func messengerRequest(req *core.SendRequest, b *sendBody) error {
	to := b.To
	if to.WaId != nil {
		return core.Invalid("to.wa_id", "names a WhatsApp user; the channel is messenger")
	}
	req.Recipient = core.Recipient{ID: val(to.Psid), PhoneNumber: val(to.Phone), FirstName: val(to.FirstName), LastName: val(to.LastName),
		Username: val(to.Username), Email: val(to.Email), UserPhoneNumber: val(to.UserPhoneNumber), NotificationToken: val(to.NotificationToken)}
	if b.Block != nil {
		req.Method, req.Block = "v1_block", b.Block.Name
		if b.Block.Params != nil {
			req.Params = *b.Block.Params
		}
		if strings.TrimSpace(req.Block) == "" {
			return core.Missing("block.name")
		}
		return nil
	}
	if len(b.Message) == 0 || string(b.Message) == "null" {
		return nil // the core reports the missing message in its order
	}
	var msg core.Message
	if err := core.DecodeStrict(b.Message, &msg, "message"); err != nil {
		return err
	}
	core.Normalize(&msg)
	req.Cards = []core.Message{msg}
	return nil
}

// waBody is a WhatsApp message in v1: Cloud API's type and one object.
type waBody struct {
	Type     string   `json:"type"`
	Text     *waText  `json:"text"`
	Image    *waMedia `json:"image"`
	Document *waMedia `json:"document"`
	Audio    *waMedia `json:"audio"`
}

type waText struct {
	Body string `json:"body"`
}

type waMedia struct {
	URL       string `json:"url"`
	Caption   string `json:"caption"`
	Extension string `json:"extension"`
}

// whatsAppRequest reads a WhatsApp send; the core checks the message.
func whatsAppRequest(req *core.SendRequest, b *sendBody, now time.Time) error {
	phone := val(b.To.WaId)
	if phone == "" {
		phone = val(b.To.Phone)
	}
	if phone == "" || b.To.Psid != nil || b.To.Username != nil || b.To.Email != nil || b.To.NotificationToken != nil || b.To.UserPhoneNumber != nil {
		return &core.Error{Kind: core.KindBadRecipient, Field: "to", Message: "to: a WhatsApp user is named by wa_id (or phone), and only so"}
	}
	if !strings.HasPrefix(phone, "+") {
		phone = "+" + phone
	}
	to, err := core.NormalizePhone(phone, "", "to.wa_id")
	if err != nil {
		return err
	}
	if b.Block != nil {
		return core.Invalid("block", "blocks are Messenger's; send a WhatsApp message")
	}
	if len(b.Message) == 0 || string(b.Message) == "null" {
		return &core.Error{Kind: core.KindMissingMessage, Field: "message", Message: "message is required"}
	}
	var wb waBody
	if err := core.DecodeStrict(b.Message, &wb, "message"); err != nil {
		return err
	}
	m := &core.WAMessage{Type: wb.Type, Source: "botchat", Timestamp: strconv.FormatInt(now.Unix(), 10)}
	switch {
	case wb.Type == "text" && wb.Text != nil:
		m.Body = wb.Text.Body
	case wb.Type == "image" && wb.Image != nil:
		m.URL, m.Caption, m.Extension = wb.Image.URL, wb.Image.Caption, wb.Image.Extension
	case wb.Type == "document" && wb.Document != nil:
		m.URL, m.Caption, m.Extension = wb.Document.URL, wb.Document.Caption, wb.Document.Extension
	case wb.Type == "audio" && wb.Audio != nil:
		m.URL, m.Caption, m.Extension = wb.Audio.URL, wb.Audio.Caption, wb.Audio.Extension
	case wb.Type == "text" || wb.Type == "image" || wb.Type == "document" || wb.Type == "audio":
		return core.Missing("message." + wb.Type)
	}
	req.Method, req.Recipient, req.WhatsApp = "v1_whatsapp", core.Recipient{PhoneNumber: to}, m
	return nil
}

// parseWait reads Prefer: wait=N.
func parseWait(prefer string, max time.Duration) (time.Duration, error) {
	for _, pref := range strings.Split(prefer, ",") {
		v, ok := strings.CutPrefix(strings.TrimSpace(pref), "wait=")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || time.Duration(n)*time.Second > max {
			return 0, core.Invalid("Prefer", "wait must be a whole number of seconds from 0 to %d", int(max/time.Second))
		}
		return time.Duration(n) * time.Second, nil
	}
	return 0, nil
}

// GetMessage answers one of the bot's messages with its detail.
func (h *Server) GetMessage(w http.ResponseWriter, r *http.Request, id string) {
	m, err := h.Store.GetMessage(r.Context(), id)
	if err == nil && m.BotID != botOf(r.Context()).ID {
		err = core.Errorf(core.KindNotFound, "no message %s", id)
	}
	var out Message
	if err == nil {
		out, err = h.message(r, m, true)
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}

// ListMessages answers a page of the bot's messages, newest first.
func (h *Server) ListMessages(w http.ResponseWriter, r *http.Request, params ListMessagesParams) {
	page, err := h.listMessages(r, params)
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, page)
}

func (h *Server) listMessages(r *http.Request, params ListMessagesParams) (*MessagePage, error) {
	limit, before, err := pageOf(params.Limit, params.Cursor)
	if err != nil {
		return nil, err
	}
	f := store.MessageFilter{BotID: botOf(r.Context()).ID, Before: before, Limit: limit,
		Status: core.Status(val(params.Status)), Channel: string(val(params.Channel)), Face: val(params.Face), Recipient: val(params.Recipient)}
	if params.Since != nil {
		f.Since = *params.Since
	}
	if params.Until != nil {
		f.Until = *params.Until
	}
	if params.Status != nil && !params.Status.Valid() {
		return nil, core.Invalid("status", "must be one of accepted, sent, delivered, read, failed")
	}
	if params.Channel != nil && !params.Channel.Valid() {
		return nil, core.Invalid("channel", "must be messenger or whatsapp")
	}
	// A page may come back short when a filter no index serves reads its
	// window of rows; the cursor then goes on from where it stopped.
	found, err := h.Store.MessagePageWithParts(r.Context(), f)
	if err != nil {
		return nil, err
	}
	page := &MessagePage{Items: make([]Message, 0, len(found.Messages))}
	for _, m := range found.Messages {
		out, err := h.message(r, m, false)
		if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, out)
	}
	if found.Next != "" {
		page.NextCursor = ptr(base64.RawURLEncoding.EncodeToString([]byte(found.Next)))
	}
	return page, nil
}

// pageOf reads limit (1 to 500, default 100) and the opaque cursor.
func pageOf(limit *int, cursor *string) (int, string, error) {
	n := 100
	if limit != nil {
		if *limit < 1 || *limit > 500 {
			return 0, "", core.Invalid("limit", "must be from 1 to 500")
		}
		n = *limit
	}
	if cursor == nil {
		return n, "", nil
	}
	after, err := base64.RawURLEncoding.DecodeString(*cursor)
	if err != nil || len(after) == 0 {
		return 0, "", core.Invalid("cursor", "is not a cursor this API gave")
	}
	return n, string(after), nil
}

func val[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func readBody(r *http.Request) ([]byte, error) { return api.ReadBody(nil, r) }

// decodeBody reads a JSON object strictly: unknown fields are refused,
// named by their path.
func decodeBody(data []byte, v any) error {
	if err := api.DecodeJSON(data, new(map[string]json.RawMessage)); err != nil {
		return err
	}
	if err := core.DecodeStrict(data, v, ""); err != nil {
		e := *core.AsError(err)
		e.Kind = core.KindInvalid
		return &e
	}
	return nil
}
