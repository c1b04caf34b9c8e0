package inbound

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// A WhatsApp Business Account's template webhooks (GRAPH-FACTS): review
// results and status changes (message_template_status_update) and quality
// ratings (message_template_quality_update). They name the account, not a
// number: every bot whose number belongs to it has its copy updated and
// its merchant told.

type waTemplateChange struct {
	WABA  string
	Time  int64
	Field string
	Value struct {
		Event      string      `json:"event"`
		ID         json.Number `json:"message_template_id"`
		Name       string      `json:"message_template_name"`
		Language   string      `json:"message_template_language"`
		Reason     string      `json:"reason"`
		NewQuality string      `json:"new_quality_score"`
	}
}

// parseTemplateChanges reads the template changes of a webhook body.
func parseTemplateChanges(body []byte) []waTemplateChange {
	var env struct {
		Entry []struct {
			ID      string `json:"id"`
			Time    int64  `json:"time"`
			Changes []struct {
				Field string          `json:"field"`
				Value json.RawMessage `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if json.Unmarshal(body, &env) != nil {
		return nil
	}
	var out []waTemplateChange
	for _, e := range env.Entry {
		for _, c := range e.Changes {
			if c.Field != "message_template_status_update" && c.Field != "message_template_quality_update" {
				continue
			}
			tc := waTemplateChange{WABA: e.ID, Time: e.Time, Field: c.Field}
			if json.Unmarshal(c.Value, &tc.Value) != nil || tc.Value.Name == "" {
				continue
			}
			out = append(out, tc)
		}
	}
	return out
}

// applyTemplateChanges updates the copies of the bots whose numbers belong
// to the accounts named, each change once however often Meta delivers it,
// and tells their merchants of status changes. It reports whether a bot of
// those accounts signed the body.
func (h *Handler) applyTemplateChanges(ctx context.Context, sig string, body []byte) (bool, error) {
	changes := parseTemplateChanges(body)
	if len(changes) == 0 {
		return false, nil
	}
	bots, err := h.Store.ListBots(ctx)
	if err != nil {
		return false, err
	}
	signed := false
	for _, c := range changes {
		for _, b := range bots {
			ch := b.WhatsApp
			if ch == nil || ch.WABAID != c.WABA || ch.AppSecret == "" || !validSignature(ch.AppSecret, sig, body) {
				continue
			}
			signed = true
			if err := h.applyTemplateChange(ctx, b, c); err != nil {
				return true, err
			}
		}
	}
	return signed, nil
}

func (h *Handler) applyTemplateChange(ctx context.Context, b *core.Bot, c waTemplateChange) error {
	v := c.Value
	status, quality, reason := v.Event, "", v.Reason
	if c.Field == "message_template_quality_update" {
		status, quality = "", v.NewQuality
	}
	if reason == "NONE" {
		reason = ""
	}
	was, found, err := h.Store.SetTemplateStatus(ctx, c.WABA, v.Name, v.Language, status, quality, reason)
	if err != nil {
		return err
	}
	if !found {
		// A template the copy lacks (created elsewhere, or reviewed before
		// its creation was recorded): the copy learns it whole from Graph,
		// and the merchant hears of its status all the same.
		changes, _, err := h.Gateway.SyncTemplates(ctx, b)
		if err != nil {
			h.Log.Warn("inbound: template sync after a status webhook failed", "waba_id", c.WABA, "err", err)
		}
		for _, ch := range changes {
			if ch.Name == v.Name && ch.Language == v.Language {
				return nil // the sync told the merchant of this change
			}
		}
	}
	if status == "" || status == was {
		return nil
	}
	key := "wa:tpl:" + c.WABA + ":" + v.Name + ":" + v.Language + ":" + status + ":" + strconv.FormatInt(c.Time, 10)
	return h.Store.Write(ctx, func(tx *store.Tx) error {
		isNew, err := tx.FirstSeen(b.ID, key)
		if err != nil || !isNew {
			return err
		}
		return h.Notify.TemplateStatusChanged(tx, b, core.TemplateStatusEvent{WABAID: c.WABA, Name: v.Name,
			Language: v.Language, From: was, Status: status, Reason: reason, At: tx.Now()})
	})
}
