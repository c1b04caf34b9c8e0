package fakegraph

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The fake's WhatsApp message templates, per WhatsApp Business Account
// (GRAPH-FACTS "WhatsApp message templates"): listed in pages, created
// PENDING and reviewed after TemplateReview (rejected when the name
// contains "reject"), deleted by name; the review and later status changes
// reach botgate as message_template_status_update webhooks, quality ratings
// as message_template_quality_update. Sends of a template are checked
// against them once the account has any.

// WATemplate is a template of the fake's: Graph's listing shape.
type WATemplate struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	Language        string           `json:"language"`
	Status          string           `json:"status"`
	Category        string           `json:"category"`
	ParameterFormat string           `json:"parameter_format,omitempty"`
	Components      []map[string]any `json:"components"`
	RejectedReason  string           `json:"rejected_reason,omitempty"`
	QualityScore    *WAQuality       `json:"quality_score,omitempty"`
}

// WAQuality is a template's quality rating: GREEN, YELLOW, RED or UNKNOWN.
type WAQuality struct {
	Score string `json:"score"`
}

// WABAID is the WhatsApp Business Account the fake says owns a number.
func WABAID(phoneNumberID string) string { return wabaID(phoneNumberID) }

// AddWATemplate puts a template straight into the account of the number
// phoneNumberID, with the status it has (APPROVED if empty).
func (s *Server) AddWATemplate(phoneNumberID string, t WATemplate) WATemplate {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.Status == "" {
		t.Status = "APPROVED"
	}
	return s.putTemplateLocked(wabaID(phoneNumberID), t)
}

func (s *Server) putTemplateLocked(waba string, t WATemplate) WATemplate {
	if t.ID == "" {
		t.ID = strconv.FormatInt(1e15+s.ids.Int64N(9e15), 10)
	}
	list := slices.DeleteFunc(s.waTemplates[waba], func(o WATemplate) bool { return o.Name == t.Name && o.Language == t.Language })
	s.waTemplates[waba] = append(list, t)
	return t
}

// SetWATemplateStatus changes a template's status, as Meta's review or
// quality rating does, and tells botgate with the status webhook.
func (s *Server) SetWATemplateStatus(phoneNumberID, name, language, status, reason string) (Webhook, error) {
	return s.templateEvent(wabaID(phoneNumberID), name, language, status, reason)
}

func (s *Server) templateEvent(waba, name, language, status, reason string) (Webhook, error) {
	said := reason
	if said == "" {
		said = "NONE"
	}
	return s.changeTemplate(waba, name, language, "message_template_status_update",
		func(t *WATemplate) { t.Status, t.RejectedReason = status, reason },
		func(id int64) object {
			return object{{"event", status}, {"message_template_id", id}, {"message_template_name", name},
				{"message_template_language", language}, {"reason", said}}
		})
}

// SetWATemplateQuality rates a template, as Meta does from how its
// recipients react, and tells botgate with the quality webhook; the
// listing shows the rating from then on.
func (s *Server) SetWATemplateQuality(phoneNumberID, name, language, score string) (Webhook, error) {
	previous := "UNKNOWN"
	return s.changeTemplate(wabaID(phoneNumberID), name, language, "message_template_quality_update",
		func(t *WATemplate) {
			if t.QualityScore != nil {
				previous = t.QualityScore.Score
			}
			t.QualityScore = &WAQuality{Score: score}
		},
		func(id int64) object {
			return object{{"previous_quality_score", previous}, {"new_quality_score", score}, {"message_template_id", id},
				{"message_template_name", name}, {"message_template_language", language}}
		})
}

// changeTemplate edits the account's template (name, language), if it has
// it, and tells botgate with a webhook of field, its value made with the
// template's id (0 for a template the account lacks).
func (s *Server) changeTemplate(waba, name, language, field string, edit func(*WATemplate), value func(id int64) object) (Webhook, error) {
	s.mu.Lock()
	var id string
	for i, t := range s.waTemplates[waba] {
		if t.Name == name && t.Language == language {
			edit(&s.waTemplates[waba][i])
			id = t.ID
		}
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	change := object{{"value", value(n)}, {"field", field}}
	entry := object{{"id", waba}, {"time", s.now().Unix()}, {"changes", []object{change}}}
	body := s.encodeWebhook(object{{"object", "whatsapp_business_account"}, {"entry", []object{entry}}})
	target := s.whatsAppHook
	s.mu.Unlock()
	return s.post(target, "whatsapp", body, id)
}

// wabaForLocked is the account a call names, when the token belongs to
// one of its numbers.
func (s *Server) wabaForLocked(waba, token string) *GraphError {
	for id, n := range s.waNumbers {
		if wabaID(id) == waba && n.tokens[token] {
			return nil
		}
	}
	e := ErrInvalidToken
	if token != "" && s.knownTokenLocked(token) {
		e.Message = "Error validating access token: the token does not belong to WhatsApp Business Account " + waba
	}
	return &e
}

var templateNameRE = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)

// serveTemplates answers GET, POST and DELETE /{waba-id}/message_templates.
func (s *Server) serveTemplates(c *call) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rep reply
	if err := s.wabaForLocked(c.node, c.token); err != nil {
		rep = s.errorReplyLocked(*err, "")
	} else {
		switch c.req.Method {
		case http.MethodGet:
			rep = s.listTemplatesLocked(c)
		case http.MethodPost:
			rep = s.createTemplateLocked(c)
		case http.MethodDelete:
			rep = s.deleteTemplateLocked(c)
		default:
			rep = s.errorReplyLocked(unsupportedRequest(c.req.Method, c.node), "")
		}
	}
	s.recordLocked(c, rep)
	return rep
}

func (s *Server) listTemplatesLocked(c *call) reply {
	list := slices.Clone(s.waTemplates[c.node])
	slices.SortFunc(list, func(a, b WATemplate) int { return strings.Compare(a.ID, b.ID) })
	limit, _ := strconv.Atoi(c.query.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	start := 0
	if after := c.query.Get("after"); after != "" {
		start = slices.IndexFunc(list, func(t WATemplate) bool { return t.ID > after })
		if start < 0 {
			start = len(list)
		}
	}
	end := min(start+limit, len(list))
	page := list[start:end]
	paging := map[string]any{}
	if len(page) > 0 {
		paging["cursors"] = map[string]string{"before": page[0].ID, "after": page[len(page)-1].ID}
	}
	if end < len(list) {
		q := c.req.URL.Query()
		q.Set("after", page[len(page)-1].ID)
		paging["next"] = "https://graph.facebook.com" + c.req.URL.Path + "?" + q.Encode()
	}
	body, _ := json.Marshal(map[string]any{"data": page, "paging": paging})
	return reply{status: 200, body: body}
}

func (s *Server) createTemplateLocked(c *call) reply {
	var t WATemplate
	if err := json.Unmarshal(c.body, &t); err != nil {
		return s.errorReplyLocked(*waInvalid("The request body is not a template: %v", err), "")
	}
	switch {
	case !templateNameRE.MatchString(t.Name):
		return s.errorReplyLocked(*waInvalid("Param name must be lowercase letters, digits and underscores."), "")
	case t.Language == "":
		return s.errorReplyLocked(*waInvalid("Param language is required."), "")
	case !slices.Contains([]string{"MARKETING", "UTILITY", "AUTHENTICATION"}, t.Category):
		return s.errorReplyLocked(*waInvalid("Param category must be one of {MARKETING, UTILITY, AUTHENTICATION}."), "")
	case len(t.Components) == 0:
		return s.errorReplyLocked(*waInvalid("Param components is required."), "")
	}
	for _, o := range s.waTemplates[c.node] {
		if o.Name == t.Name && o.Language == t.Language {
			return s.errorReplyLocked(*waInvalid("Content in this language already exists (%s, %s).", t.Name, t.Language), "")
		}
	}
	t.ID, t.Status, t.RejectedReason = "", "PENDING", ""
	t = s.putTemplateLocked(c.node, t)
	verdict, reason := "APPROVED", ""
	if strings.Contains(t.Name, "reject") {
		verdict, reason = "REJECTED", "INVALID_FORMAT"
	}
	waba := c.node
	time.AfterFunc(s.templateReview, func() { _, _ = s.templateEvent(waba, t.Name, t.Language, verdict, reason) })
	body, _ := json.Marshal(map[string]string{"id": t.ID, "status": t.Status, "category": t.Category})
	return reply{status: 200, body: body}
}

func (s *Server) deleteTemplateLocked(c *call) reply {
	name, id := c.query.Get("name"), c.query.Get("hsm_id")
	if name == "" {
		return s.errorReplyLocked(*waInvalid("Param name is required."), "")
	}
	before := len(s.waTemplates[c.node])
	s.waTemplates[c.node] = slices.DeleteFunc(s.waTemplates[c.node], func(t WATemplate) bool {
		return t.Name == name && (id == "" || t.ID == id)
	})
	if len(s.waTemplates[c.node]) == before {
		e := ErrWATemplateMissing
		e.HTTPStatus = 400
		return s.errorReplyLocked(e, "")
	}
	return reply{status: 200, body: []byte(`{"success":true}`)}
}

// waTemplateSendLocked checks a template send against the account's
// templates, once it has any: it exists approved in the language (132001),
// is not paused (132015) or disabled (132016), and the body gets as many
// parameters as it names (132000).
func (s *Server) waTemplateSendLocked(phoneNumberID string, params map[string]any) *GraphError {
	list := s.waTemplates[wabaID(phoneNumberID)]
	m, _ := params["template"].(map[string]any)
	if len(list) == 0 || m == nil {
		return nil
	}
	name, _ := m["name"].(string)
	lang, _ := m["language"].(map[string]any)
	code, _ := lang["code"].(string)
	i := slices.IndexFunc(list, func(t WATemplate) bool { return t.Name == name && t.Language == code })
	var e GraphError
	switch {
	case i < 0:
		e = ErrWATemplateMissing
	case list[i].Status == "PAUSED":
		e = waError(400, 132015, "Template is paused", "The template is paused due to low quality.")
	case list[i].Status == "DISABLED":
		e = waError(400, 132016, "Template is disabled", "The template has been paused too many times and is disabled.")
	case list[i].Status != "APPROVED":
		e = ErrWATemplateMissing
	case bodyParams(list[i]) != givenBodyParams(m):
		e = ErrWATemplateParams
	default:
		return nil
	}
	return &e
}

var templateVarRE = regexp.MustCompile(`\{\{\s*[A-Za-z0-9_]+\s*\}\}`)

func bodyParams(t WATemplate) int {
	for _, c := range t.Components {
		if c["type"] == "BODY" {
			text, _ := c["text"].(string)
			return len(templateVarRE.FindAllString(text, -1))
		}
	}
	return 0
}

func givenBodyParams(m map[string]any) int {
	parts, _ := m["components"].([]any)
	for _, p := range parts {
		if c, _ := p.(map[string]any); c["type"] == "body" {
			list, _ := c["parameters"].([]any)
			return len(list)
		}
	}
	return 0
}
