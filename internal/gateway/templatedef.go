package gateway

import (
	"context"
	"errors"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/graph"
)

// Templates as managed objects: what the admin API, v1 and the console do
// with a WhatsApp Business Account's templates, in one place each.

// TemplateAccount is the bot's WhatsApp number, refused when it has none or
// no waba_id (its templates live in that account).
func TemplateAccount(bot *core.Bot) (*core.WhatsAppChannel, error) {
	if bot.WhatsApp == nil {
		return nil, core.Errorf(core.KindNotFound, "bot %s has no WhatsApp number", bot.ID)
	}
	if bot.WhatsApp.WABAID == "" {
		return nil, core.Invalid("waba_id", "bot %s's WhatsApp number has no waba_id: set it (PUT /admin/v1/bots/%s/whatsapp) to manage its templates", bot.ID, bot.ID)
	}
	return bot.WhatsApp, nil
}

// CreateTemplate validates a template, submits it to Graph for review and
// keeps it in the copy with the status Graph gave (PENDING); the review's
// result arrives by webhook or the next sync.
func (s *Service) CreateTemplate(ctx context.Context, bot *core.Bot, d *core.WATemplateDef) error {
	ch, err := TemplateAccount(bot)
	if err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return err
	}
	id, status, category, err := s.Dispatch.Graph.CreateTemplate(ctx, ch.AccessToken, ch.WABAID, d)
	if err != nil {
		return graphRefusal("WhatsApp refused the template", err)
	}
	d.ID, d.Status = id, status
	if category != "" {
		d.Category = category // Meta may re-categorise
	}
	return s.Store.AddTemplate(ctx, ch.WABAID, d)
}

// DeleteTemplate deletes a template, in every language, at Graph and in
// the copy.
func (s *Service) DeleteTemplate(ctx context.Context, bot *core.Bot, name string) error {
	ch, err := TemplateAccount(bot)
	if err != nil {
		return err
	}
	if err := s.Dispatch.Graph.DeleteTemplate(ctx, ch.AccessToken, ch.WABAID, name); err != nil {
		return graphRefusal("WhatsApp did not delete the template", err)
	}
	return s.Store.DeleteTemplate(ctx, ch.WABAID, name)
}

// graphRefusal is Graph's refusal of a template call, its envelope kept.
func graphRefusal(what string, err error) error {
	var ge *graph.Error
	if !errors.As(err, &ge) {
		return err
	}
	e := ge.WhatsAppError()
	e.Message = what + ": " + ge.Message
	if ge.Details != "" && ge.Details != ge.Message {
		e.Message += ": " + ge.Details
	}
	return e
}
