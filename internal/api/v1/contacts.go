package v1

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strings"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// ListContacts answers a page of the bot's contacts matching the filters,
// in id order.
func (h *Server) ListContacts(w http.ResponseWriter, r *http.Request, params ListContactsParams) {
	q, err := contactQuery(params)
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	q.BotID, q.Now = botOf(r.Context()).ID, h.Store.Now()
	contacts, err := h.Store.ContactsAfter(r.Context(), q)
	page := ContactPage{Items: []Contact{}}
	for _, c := range contacts {
		var out Contact
		if out, err = h.contact(r, c); err != nil {
			break
		}
		page.Items = append(page.Items, out)
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	if len(contacts) == q.Limit {
		page.NextCursor = ptr(base64.RawURLEncoding.EncodeToString([]byte(contacts[len(contacts)-1].PSID)))
	}
	writeJSON(w, "application/json", http.StatusOK, page)
}

// contactQuery checks a contact list's parameters, naming the one at fault.
func contactQuery(p ListContactsParams) (store.ContactQuery, error) {
	limit, after, err := pageOf(p.Limit, p.Cursor)
	if err != nil {
		return store.ContactQuery{}, err
	}
	q := store.ContactQuery{After: after, Limit: limit, Channel: string(val(p.Channel)), Window: string(val(p.Window)),
		Tag: val(p.Tag), Topic: val(p.Topic), Name: val(p.Name)}
	switch {
	case p.Channel != nil && !p.Channel.Valid():
		return q, core.Invalid("channel", "must be messenger or whatsapp")
	case p.Window != nil && !p.Window.Valid():
		return q, core.Invalid("window", "must be open or closed")
	case p.Tag != nil && (q.Tag == "" || len(q.Tag) > 64):
		return q, core.Invalid("tag", "a tag is 1 to 64 characters")
	case p.Topic != nil && (q.Topic == "" || len(q.Topic) > 200):
		return q, core.Invalid("topic", "a topic is 1 to 200 characters")
	case p.Name != nil && (q.Name == "" || len(q.Name) > 200):
		return q, core.Invalid("name", "a name search is 1 to 200 characters")
	}
	if p.Param != nil {
		name, value, ok := strings.Cut(*p.Param, ":")
		if !ok || core.ValidateParamName("param", name) != nil || len(value) > 2000 {
			return q, core.Invalid("param", "must be name:value, the name of letters, digits and underscores")
		}
		q.ParamName, q.ParamValue = name, value
	}
	if p.InteractedSince != nil {
		q.Since = *p.InteractedSince
	}
	if p.InteractedUntil != nil {
		q.Until = *p.InteractedUntil
	}
	return q, nil
}

// GetContact answers one contact.
func (h *Server) GetContact(w http.ResponseWriter, r *http.Request, id string) {
	out, err := h.readContact(r, id)
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}

// UpdateContact merges parameters (named by the core's rule) and replaces tags.
func (h *Server) UpdateContact(w http.ResponseWriter, r *http.Request, id string) {
	err := h.updateContact(r, id)
	var out Contact
	if err == nil {
		out, err = h.readContact(r, id)
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}

func (h *Server) updateContact(r *http.Request, id string) error {
	var in ContactUpdate
	if err := readJSON(r, &in); err != nil {
		return err
	}
	bot := botOf(r.Context())
	c, err := h.Store.GetContact(r.Context(), bot.ID, id)
	if err != nil {
		return err
	}
	if c == nil {
		return core.Errorf(core.KindNotFound, "no contact %s", id)
	}
	if in.Tags != nil {
		tags := slices.Compact(slices.Sorted(slices.Values(*in.Tags)))
		for _, t := range tags {
			if strings.TrimSpace(t) == "" || len(t) > 64 {
				return core.Invalid("tags", "a tag is 1 to 64 characters, not %q", t)
			}
		}
		if len(tags) > 50 {
			return core.Invalid("tags", "at most 50 tags")
		}
		if err := h.Store.SetTags(r.Context(), bot.ID, id, tags); err != nil {
			return err
		}
	}
	if in.Params != nil {
		if _, err := h.Service.SetParams(r.Context(), bot, id, *in.Params, false, "params"); err != nil {
			return err
		}
	}
	return nil
}

func (h *Server) readContact(r *http.Request, id string) (Contact, error) {
	c, err := h.Store.GetContact(r.Context(), botOf(r.Context()).ID, id)
	if err != nil {
		return Contact{}, err
	}
	if c == nil {
		return Contact{}, core.Errorf(core.KindNotFound, "no contact %s", id)
	}
	return h.contact(r, c)
}

// contact is the contact resource, with its window state and subscriptions.
func (h *Server) contact(r *http.Request, c *core.Contact) (Contact, error) {
	out := Contact{Id: c.PSID, Channel: Messenger, Params: c.Params, Tags: c.Tags, LastInboundAt: c.LastInboundAt,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Subscriptions: []Subscription{}}
	if strings.HasPrefix(c.PSID, "wa:") {
		out.Channel = Whatsapp
	}
	if out.Params == nil {
		out.Params = map[string]string{}
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if p := c.Profile; p != nil {
		out.Profile = &Profile{FirstName: opt(p.FirstName), LastName: opt(p.LastName), Locale: opt(p.Locale), Gender: opt(p.Gender), ProfilePic: opt(p.ProfilePic)}
	}
	if c.LastInboundAt != nil {
		closes := c.LastInboundAt.Add(core.StandardWindow)
		out.Window = Window{Open: h.Store.Now().Before(closes), ClosesAt: &closes}
	}
	subs, err := h.Store.ContactSubscriptions(r.Context(), c.BotID, c.PSID)
	if err != nil {
		return out, err
	}
	for _, s := range subs {
		out.Subscriptions = append(out.Subscriptions, Subscription{Topic: s.Title, Subscribed: s.Status == 1, Timezone: opt(s.Timezone),
			ExpiresAt: s.ExpiresAt, UpdatedAt: s.UpdatedAt})
	}
	return out, nil
}

// readJSON reads a JSON request body strictly.
func readJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return core.Errorf(kindUnsupportedType, "the body must be application/json, not %q", ct)
	}
	data, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeBody(data, v)
}
