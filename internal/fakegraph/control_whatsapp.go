package fakegraph

import (
	"encoding/json"
	"net/http"
	"time"
)

// whatsAppControl adds the WhatsApp parts of the /_fake/ API (doc.go).
func (s *Server) whatsAppControl(mux *http.ServeMux) {
	mux.HandleFunc("POST /_fake/whatsapp/numbers", s.controlWANumbers)
	mux.HandleFunc("GET /_fake/whatsapp/sends", s.controlWASends)
	mux.HandleFunc("GET /_fake/whatsapp/sends/count", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]int{"count": s.WhatsAppSendCount()})
	})
}

func (s *Server) controlWANumbers(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PhoneNumberID      string `json:"phone_number_id"`
		DisplayPhoneNumber string `json:"display_phone_number"`
		AccessToken        string `json:"access_token"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.PhoneNumberID == "" || in.AccessToken == "" {
		writeJSON(w, http.StatusBadRequest, controlError("phone_number_id and access_token are required"))
		return
	}
	s.AddWhatsAppNumber(in.PhoneNumberID, in.DisplayPhoneNumber, in.AccessToken)
	w.WriteHeader(http.StatusNoContent)
}

type waSendJSON struct {
	Seq           int             `json:"seq"`
	Time          time.Time       `json:"time"`
	PhoneNumberID string          `json:"phone_number_id"`
	Body          json.RawMessage `json:"body"`
	Parsed        map[string]any  `json:"parsed"`
	To            string          `json:"to"`
	Type          string          `json:"type"`
	WAMID         string          `json:"wamid,omitempty"`
	Status        int             `json:"status"`
	Error         *errorJSON      `json:"error,omitempty"`
}

func (s *Server) controlWASends(w http.ResponseWriter, r *http.Request) {
	sends := s.WhatsAppSends()
	out := make([]waSendJSON, len(sends))
	for i, send := range sends {
		out[i] = waSendJSON{send.Seq, send.Time, send.PhoneNumberID, jsonOrString(send.Body), send.Parsed,
			send.To, send.Type, send.WAMID, send.Status, toErrorJSON(send.Err)}
	}
	writeJSON(w, http.StatusOK, out)
}
