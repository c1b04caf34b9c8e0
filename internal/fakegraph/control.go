package fakegraph

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// controlMux serves the /_fake/ API described in doc.go, for processes that
// cannot call the Server's methods.
func (s *Server) controlMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_fake/requests", s.controlRequests)
	mux.HandleFunc("GET /_fake/sends", s.controlSends)
	mux.HandleFunc("GET /_fake/sends/count", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]int{"count": s.SendCount()})
	})
	mux.HandleFunc("POST /_fake/reset", func(w http.ResponseWriter, r *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_fake/pages", s.controlPages)
	mux.HandleFunc("POST /_fake/users", s.controlUsers)
	mux.HandleFunc("POST /_fake/rules", s.controlRules)
	s.whatsAppControl(mux)
	s.actControl(mux)
	mux.HandleFunc("GET /_fake/chats", s.controlChats)
	mux.HandleFunc("GET /_fake/chats/{channel}/{business}/{user}", s.controlConversation)
	return mux
}

type requestJSON struct {
	Seq      int             `json:"seq"`
	Time     time.Time       `json:"time"`
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Query    url.Values      `json:"query"`
	Header   http.Header     `json:"header"`
	Body     json.RawMessage `json:"body"`
	Status   int             `json:"status"`
	Response json.RawMessage `json:"response"`
}

func (s *Server) controlRequests(w http.ResponseWriter, r *http.Request) {
	requests := s.Requests()
	out := make([]requestJSON, len(requests))
	for i, q := range requests {
		out[i] = requestJSON{q.Seq, q.Time, q.Method, q.Path, q.Query, q.Header,
			jsonOrString(q.Body), q.Status, jsonOrString(q.Response)}
	}
	writeJSON(w, http.StatusOK, out)
}

type sendJSON struct {
	Seq       int             `json:"seq"`
	PageID    string          `json:"page_id"`
	Token     string          `json:"token"`
	Body      json.RawMessage `json:"body"`
	Parsed    map[string]any  `json:"parsed"`
	Recipient map[string]any  `json:"recipient"`
	MessageID string          `json:"message_id,omitempty"`
	Status    int             `json:"status"`
	Error     *errorJSON      `json:"error,omitempty"`
}

type errorJSON struct {
	HTTPStatus int    `json:"http_status"`
	Code       int    `json:"code"`
	Subcode    int    `json:"subcode,omitempty"`
	Type       string `json:"type"`
	Message    string `json:"message"`
	Details    string `json:"details,omitempty"`
}

func toErrorJSON(e *GraphError) *errorJSON {
	if e == nil {
		return nil
	}
	return &errorJSON{e.HTTPStatus, e.Code, e.Subcode, e.Type, e.Message, e.Details}
}

func (s *Server) controlSends(w http.ResponseWriter, r *http.Request) {
	sends := s.Sends()
	out := make([]sendJSON, len(sends))
	for i, send := range sends {
		out[i] = sendJSON{send.Seq, send.PageID, send.Token, jsonOrString(send.Body), send.Parsed,
			send.Recipient, send.MessageID, send.Status, toErrorJSON(send.Err)}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) controlPages(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PageID      string `json:"page_id"`
		AccessToken string `json:"access_token"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.PageID == "" || in.AccessToken == "" {
		writeJSON(w, http.StatusBadRequest, controlError("page_id and access_token are required"))
		return
	}
	s.AddPage(in.PageID, in.AccessToken)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) controlUsers(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PageID string `json:"page_id"`
		PSID   string `json:"psid"`
		Profile
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.PageID == "" || in.PSID == "" {
		writeJSON(w, http.StatusBadRequest, controlError("page_id and psid are required"))
		return
	}
	s.AddUser(in.PageID, in.PSID, in.Profile)
	w.WriteHeader(http.StatusNoContent)
}

// rulesJSON adds to the rules in place; absent fields leave theirs alone.
type rulesJSON struct {
	OutsideWindow   []string     `json:"outside_window"`
	Unavailable     []string     `json:"unavailable"`
	UnmatchedPhones []string     `json:"unmatched_phones"`
	TransientRate   *float64     `json:"transient_rate"`
	LatencyMS       *float64     `json:"latency_ms"`
	FailNext        *failJSON    `json:"fail_next"`
	WhatsAppFail    []waFailJSON `json:"whatsapp_fail"`
}

type failJSON struct {
	N int `json:"n"`
	errorSpec
}

type waFailJSON struct {
	To string `json:"to"`
	errorSpec
}

// errorSpec names a predefined error by code and subcode; a code without a
// predefined error is answered with a generic message of that code. Set
// fields override the predefined ones.
type errorSpec struct {
	Code       int    `json:"code"`
	Subcode    int    `json:"subcode"`
	HTTPStatus int    `json:"http_status"`
	Message    string `json:"message"`
	Details    string `json:"details"`
}

func (f errorSpec) graphError() GraphError {
	e := errorFor(f.Code, f.Subcode)
	if f.HTTPStatus != 0 {
		e.HTTPStatus = f.HTTPStatus
	}
	if f.Message != "" {
		e.Message = f.Message
	}
	if f.Details != "" {
		e.Details = f.Details
	}
	return e
}

func (s *Server) controlRules(w http.ResponseWriter, r *http.Request) {
	var in rulesJSON
	if !readJSON(w, r, &in) {
		return
	}
	if in.TransientRate != nil && (*in.TransientRate < 0 || *in.TransientRate > 1) {
		writeJSON(w, http.StatusBadRequest, controlError("transient_rate must be within [0,1]"))
		return
	}
	if in.FailNext != nil && in.FailNext.Code == 0 {
		writeJSON(w, http.StatusBadRequest, controlError("fail_next.code is required"))
		return
	}
	for _, f := range in.WhatsAppFail {
		if f.To == "" || f.Code == 0 {
			writeJSON(w, http.StatusBadRequest, controlError("whatsapp_fail needs to and code"))
			return
		}
	}
	for _, psid := range in.OutsideWindow {
		s.OutsideWindow(psid)
	}
	for _, psid := range in.Unavailable {
		s.Unavailable(psid)
	}
	for _, phone := range in.UnmatchedPhones {
		s.UnmatchedPhone(phone)
	}
	if in.TransientRate != nil {
		s.SetTransientRate(*in.TransientRate)
	}
	if in.LatencyMS != nil {
		s.SetLatency(time.Duration(*in.LatencyMS * float64(time.Millisecond)))
	}
	if f := in.FailNext; f != nil {
		s.FailNext(f.N, f.graphError())
	}
	for _, f := range in.WhatsAppFail {
		s.WhatsAppFail(f.To, f.graphError())
	}
	w.WriteHeader(http.StatusNoContent)
}

// readJSON decodes a control body strictly, so that a misspelt rule is an
// error rather than silently ignored.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, controlError(fmt.Sprintf("invalid JSON body: %v", err)))
		return false
	}
	return true
}

func controlError(msg string) map[string]string {
	return map[string]string{"error": msg}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(controlError(err.Error()))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// jsonOrString shows a body as JSON when it is JSON, else as a string.
func jsonOrString(b []byte) json.RawMessage {
	if len(b) > 0 && json.Valid(b) {
		return b
	}
	s, _ := json.Marshal(string(b))
	return s
}

type chatJSON struct {
	Channel  string    `json:"channel"`
	Business string    `json:"business"`
	User     string    `json:"user"`
	Name     string    `json:"name"`
	Last     time.Time `json:"last"`
	Turns    int       `json:"turns"`
}

func (s *Server) controlChats(w http.ResponseWriter, r *http.Request) {
	out := []chatJSON{}
	for _, c := range s.Chats() {
		out = append(out, chatJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
}

type turnJSON struct {
	Seq       int             `json:"seq"`
	Time      time.Time       `json:"time"`
	FromUser  bool            `json:"from_user"`
	MessageID string          `json:"message_id,omitempty"`
	Body      json.RawMessage `json:"body,omitempty"`
	Kind      string          `json:"kind,omitempty"`
	Text      string          `json:"text,omitempty"`
	Payload   string          `json:"payload,omitempty"`
	Context   string          `json:"context,omitempty"`
}

func (s *Server) controlConversation(w http.ResponseWriter, r *http.Request) {
	_, turns := s.Conversation(r.PathValue("channel"), r.PathValue("business"), r.PathValue("user"))
	out := []turnJSON{}
	for _, t := range turns {
		out = append(out, turnJSON(t))
	}
	writeJSON(w, http.StatusOK, out)
}
