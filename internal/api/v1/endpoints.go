package v1

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/notify"
)

// CreateWebhookEndpoint adds an endpoint; its secret is shown here only.
func (h *Server) CreateWebhookEndpoint(w http.ResponseWriter, r *http.Request, _ CreateWebhookEndpointParams) {
	var in struct {
		URL         string   `json:"url"`
		Events      []string `json:"events"`
		Description string   `json:"description"`
	}
	err := readJSON(r, &in)
	e := &core.WebhookEndpoint{BotID: botOf(r.Context()).ID, URL: strings.TrimSpace(in.URL), Description: in.Description, Secret: notify.NewSecret()}
	if err == nil {
		e.Events, err = checkEndpoint(e.URL, in.Events, in.Description)
	}
	if err == nil {
		err = h.Store.CreateEndpoint(r.Context(), e)
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	w.Header().Set("Location", "/v1/webhook-endpoints/"+e.ID)
	writeJSON(w, "application/json", http.StatusCreated, endpointOut(e, true))
}

func checkEndpoint(url string, events []string, description string) ([]string, error) {
	if url == "" {
		return nil, core.Missing("url")
	}
	if err := core.CheckURL("url", url); err != nil {
		return nil, err
	}
	if len(description) > 500 {
		return nil, core.Invalid("description", "is %d characters; at most 500", len(description))
	}
	return core.CheckEvents("events", events)
}

// ListWebhookEndpoints answers the bot's endpoints.
func (h *Server) ListWebhookEndpoints(w http.ResponseWriter, r *http.Request) {
	list, err := h.Store.ListEndpoints(r.Context(), botOf(r.Context()).ID)
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	out := WebhookEndpointList{Items: []WebhookEndpoint{}}
	for _, e := range list {
		out.Items = append(out.Items, endpointOut(e, false))
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}

// GetWebhookEndpoint answers one endpoint.
func (h *Server) GetWebhookEndpoint(w http.ResponseWriter, r *http.Request, id string) {
	e, err := h.Store.GetEndpoint(r.Context(), botOf(r.Context()).ID, id)
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, endpointOut(e, false))
}

// UpdateWebhookEndpoint changes an endpoint's url, events, description or
// disabled state.
func (h *Server) UpdateWebhookEndpoint(w http.ResponseWriter, r *http.Request, id string) {
	var in struct {
		URL         *string   `json:"url"`
		Events      *[]string `json:"events"`
		Description *string   `json:"description"`
		Disabled    *bool     `json:"disabled"`
	}
	err := readJSON(r, &in)
	var e *core.WebhookEndpoint
	if err == nil {
		e, err = h.Store.GetEndpoint(r.Context(), botOf(r.Context()).ID, id)
	}
	if err == nil {
		if in.URL != nil {
			e.URL = strings.TrimSpace(*in.URL)
		}
		if in.Description != nil {
			e.Description = *in.Description
		}
		if in.Events != nil {
			e.Events = *in.Events
		}
		if in.Disabled != nil && *in.Disabled != e.Disabled {
			e.Disabled, e.DisabledReason = *in.Disabled, "disabled through the API"
		}
		e.Events, err = checkEndpoint(e.URL, e.Events, e.Description)
	}
	if err == nil {
		err = h.Store.UpdateEndpoint(r.Context(), e)
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, endpointOut(e, false))
}

// DeleteWebhookEndpoint removes an endpoint.
func (h *Server) DeleteWebhookEndpoint(w http.ResponseWriter, r *http.Request, id string) {
	if err := h.Store.DeleteEndpoint(r.Context(), botOf(r.Context()).ID, id); err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// RotateWebhookSecret gives the endpoint a new secret; the old one signs
// beside it for core.SecretOverlap.
func (h *Server) RotateWebhookSecret(w http.ResponseWriter, r *http.Request, id string) {
	e, err := h.Store.GetEndpoint(r.Context(), botOf(r.Context()).ID, id)
	if err == nil {
		err = h.Store.RotateEndpointSecret(r.Context(), e, notify.NewSecret(), core.SecretOverlap)
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, endpointOut(e, true))
}

// ListWebhookDeliveries answers a page of an endpoint's deliveries.
func (h *Server) ListWebhookDeliveries(w http.ResponseWriter, r *http.Request, id string, params ListWebhookDeliveriesParams) {
	limit, before, err := pageOf(params.Limit, params.Cursor)
	if err == nil {
		_, err = h.Store.GetEndpoint(r.Context(), botOf(r.Context()).ID, id)
	}
	var page DeliveryPage
	if err == nil {
		var list []*core.Delivery
		list, err = h.Store.EndpointDeliveries(r.Context(), id, before, limit)
		page.Items = make([]Delivery, 0, len(list))
		for _, d := range list {
			page.Items = append(page.Items, deliveryOut(d))
		}
		if len(list) == limit {
			page.NextCursor = ptr(base64.RawURLEncoding.EncodeToString([]byte(list[len(list)-1].ID)))
		}
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, page)
}

// ReplayWebhookDelivery sends one of the endpoint's deliveries again.
func (h *Server) ReplayWebhookDelivery(w http.ResponseWriter, r *http.Request, id, deliveryID string) {
	d, err := h.Store.GetDelivery(r.Context(), deliveryID)
	if err == nil && (d.EndpointID != id || d.BotID != botOf(r.Context()).ID) {
		err = core.Errorf(core.KindNotFound, "no delivery %s of webhook endpoint %s", deliveryID, id)
	}
	if err == nil {
		d, err = h.Notify.Replay(r.Context(), deliveryID)
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	writeJSON(w, "application/json", http.StatusAccepted, deliveryOut(d))
}

func endpointOut(e *core.WebhookEndpoint, withSecret bool) WebhookEndpoint {
	out := WebhookEndpoint{Id: e.ID, Url: e.URL, Description: e.Description, Disabled: e.Disabled, DisabledReason: opt(e.DisabledReason),
		FailingSince: e.FailingSince, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, Events: []EventType{}}
	for _, t := range e.Events {
		out.Events = append(out.Events, EventType(t))
	}
	if e.OldSecret != "" && e.OldSecretUntil != nil {
		out.OldSecretExpiresAt = e.OldSecretUntil
	}
	if withSecret {
		out.Secret = &e.Secret
	}
	return out
}

func deliveryOut(d *core.Delivery) Delivery {
	out := Delivery{Id: d.ID, State: DeliveryState(d.State), Attempts: d.Attempts, CreatedAt: d.CreatedAt, DeliveredAt: d.DeliveredAt,
		LastError: opt(d.LastError)}
	if d.LastStatus != 0 {
		out.LastStatus = ptr(d.LastStatus)
	}
	_ = json.Unmarshal(d.Body, &out.Body)
	return out
}
