package fakegraph

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// actControl adds the webhook targets and user actions to the /_fake/ API,
// so that the sandbox and benchmarks can play the user's phone.
func (s *Server) actControl(mux *http.ServeMux) {
	mux.HandleFunc("POST /_fake/webhooks/messenger", func(w http.ResponseWriter, r *http.Request) {
		s.controlTarget(w, r, s.SetMessengerWebhook)
	})
	mux.HandleFunc("POST /_fake/webhooks/whatsapp", func(w http.ResponseWriter, r *http.Request) {
		s.controlTarget(w, r, s.SetWhatsAppWebhook)
	})
	mux.HandleFunc("POST /_fake/users/act", s.controlAct)
}

func (s *Server) controlTarget(w http.ResponseWriter, r *http.Request, set func(url, appSecret string)) {
	var in struct {
		URL       string `json:"url"`
		AppSecret string `json:"app_secret"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	set(in.URL, in.AppSecret)
	w.WriteHeader(http.StatusNoContent)
}

// actJSON is one user action. Which fields count depends on the action;
// doc.go lists them.
type actJSON struct {
	Action string `json:"action"`

	PageID          string   `json:"page_id"`
	PSID            string   `json:"psid"`
	UserRef         string   `json:"user_ref"`
	Text            string   `json:"text"`
	Type            string   `json:"type"`
	URL             string   `json:"url"`
	Title           string   `json:"title"`
	Payload         string   `json:"payload"`
	MIDs            []string `json:"mids"`
	Ref             string   `json:"ref"`
	Token           string   `json:"token"`
	Timezone        string   `json:"timezone"`
	UserTokenStatus string   `json:"user_token_status"`
	ExpiryMS        int64    `json:"token_expiry_timestamp"`
	Status          string   `json:"status"`

	PhoneNumberID string      `json:"phone_number_id"`
	From          string      `json:"from"`
	Name          string      `json:"name"`
	WAMID         string      `json:"wamid"`
	Recipient     string      `json:"recipient"`
	Errors        []errorSpec `json:"errors"`
	Context       string      `json:"context"`
	ID            string      `json:"id"`
	Description   string      `json:"description"`
}

// controlAct answers {"status","mid","body"}, body being the delivered
// webhook as JSON: 400 for a bad action, 502 when the POST got no answer.
func (s *Server) controlAct(w http.ResponseWriter, r *http.Request) {
	var in actJSON
	if !readJSON(w, r, &in) {
		return
	}
	hook, err := s.act(in)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errDelivery) {
			status = http.StatusBadGateway
		}
		writeJSON(w, status, controlError(err.Error()))
		return
	}
	out := object{{"status", hook.Status}}
	if hook.MID != "" {
		out = append(out, member{"mid", hook.MID})
	}
	// Embedded as is, so that the bytes equal those delivered and signed.
	out = append(out, member{"body", json.RawMessage(hook.Body)})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(marshal(out))
}

func (s *Server) act(in actJSON) (Webhook, error) {
	switch in.Action {
	case "text":
		return s.UserSendsText(in.PageID, in.PSID, in.Text)
	case "attachment":
		return s.UserSendsAttachment(in.PageID, in.PSID, in.Type, in.URL)
	case "quick_reply":
		return s.UserTapsQuickReply(in.PageID, in.PSID, in.Title, in.Payload)
	case "postback":
		return s.UserTapsPostback(in.PageID, in.PSID, in.Title, in.Payload)
	case "delivery":
		return s.UserReceives(in.PageID, in.PSID, in.MIDs)
	case "read":
		return s.UserReads(in.PageID, in.PSID)
	case "optin":
		o := OptIn{Title: in.Title, Payload: in.Payload, Token: in.Token, Timezone: in.Timezone,
			Status: in.Status, UserTokenStatus: in.UserTokenStatus}
		if in.ExpiryMS != 0 {
			o.Expiry = time.UnixMilli(in.ExpiryMS)
		}
		return s.UserOptsIn(in.PageID, in.PSID, o)
	case "optin_plugin":
		if in.PSID == "" && in.UserRef != "" {
			return s.UserOptsInCheckbox(in.PageID, in.UserRef, in.Ref)
		}
		return s.UserOptsInPlugin(in.PageID, in.PSID, in.Ref)
	case "wa_text":
		return s.WAUserSendsText(in.PhoneNumberID, in.From, in.Name, in.Text)
	case "wa_status":
		errs := make([]GraphError, len(in.Errors))
		for i, e := range in.Errors {
			if e.Code == 0 {
				return Webhook{}, errors.New("errors[].code is required")
			}
			errs[i] = e.graphError()
		}
		return s.WAStatus(in.PhoneNumberID, in.WAMID, in.Recipient, in.Status, errs...)
	case "wa_button_reply":
		return s.WAUserTapsButton(in.PhoneNumberID, in.From, in.Name, in.Context, in.ID, in.Title)
	case "wa_list_reply":
		return s.WAUserPicksRow(in.PhoneNumberID, in.From, in.Name, in.Context, in.ID, in.Title, in.Description)
	case "wa_button":
		return s.WAUserTapsTemplateButton(in.PhoneNumberID, in.From, in.Name, in.Context, in.Payload, in.Title)
	}
	return Webhook{}, fmt.Errorf("unknown action %q: want text, attachment, quick_reply, postback, delivery, "+
		"read, optin, optin_plugin, wa_text, wa_status, wa_button_reply, wa_list_reply or wa_button", in.Action)
}
