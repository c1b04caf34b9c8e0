package broadcast

import (
	"context"
	"fmt"
	"strings"

	"github.com/botgate/botgate/internal/core"
)

// check refuses a spec that could not run, naming the field: everything
// that holds for every recipient is checked here, once; what depends on
// the recipient is decided when its time comes.
func (s *Service) check(ctx context.Context, bot *core.Bot, spec *Spec) (*plan, error) {
	if err := core.CheckName("name", spec.Name); err != nil {
		return nil, err
	}
	switch spec.Channel {
	case "":
		return nil, core.Missing("channel")
	case core.ChannelMessenger:
		if bot.Messenger == nil || bot.Messenger.PageID == "" {
			return nil, core.Invalid("channel", "the bot has no Messenger page")
		}
	case core.ChannelWhatsApp:
		if bot.WhatsApp == nil {
			return nil, core.Invalid("channel", "the bot has no WhatsApp number")
		}
	default:
		return nil, core.Invalid("channel", "must be messenger or whatsapp, not %q", spec.Channel)
	}
	if err := s.checkContent(ctx, bot, spec); err != nil {
		return nil, err
	}
	if err := s.checkAudience(ctx, bot.ID, spec); err != nil {
		return nil, err
	}
	if spec.Channel == core.ChannelMessenger && spec.Audience.Topic == "" {
		if _, err := core.ResolveTag(spec.MessagingType, spec.Tag, bot.Settings.WithDefaults().LegacyTags, "messaging_type", "tag"); err != nil {
			return nil, err
		}
	}
	if spec.RatePerSecond < 0 || spec.RatePerSecond > 1000 {
		return nil, core.Invalid("rate_per_second", "must be from 0 (the channel's own pace) to 1000")
	}
	if spec.RatePerSecond > 0 && spec.RatePerSecond < core.MinRate {
		return nil, core.Invalid("rate_per_second", "must be at least %v", core.MinRate)
	}
	if spec.ExpiresAt != nil && !spec.ExpiresAt.After(s.Store.Now()) {
		return nil, core.Invalid("expires_at", "is in the past")
	}
	return parsePlan(spec.Schedule, spec.ExpiresAt)
}

func (s *Service) checkContent(ctx context.Context, bot *core.Bot, spec *Spec) error {
	c := &spec.Content
	given := 0
	for _, set := range []bool{len(c.Message) > 0, c.Block != nil, len(c.Template) > 0} {
		if set {
			given++
		}
	}
	if given != 1 {
		return core.Invalid("content", "give exactly one of message, block, template")
	}
	switch {
	case spec.Channel == core.ChannelWhatsApp && len(c.Template) == 0:
		return core.Invalid("content", "a WhatsApp broadcast sends a template: give content.template")
	case spec.Channel == core.ChannelMessenger && len(c.Template) > 0:
		return core.Invalid("content.template", "templates are WhatsApp's; give content.message or content.block")
	case len(c.Message) > 0:
		var m core.Message
		if err := core.DecodeStrict(c.Message, &m, "content.message"); err != nil {
			return err
		}
		core.Normalize(&m)
	case c.Block != nil:
		if strings.TrimSpace(c.Block.Name) == "" {
			return core.Missing("content.block.name")
		}
		for k := range c.Block.Params {
			if err := core.ValidateParamName("content.block.params", k); err != nil {
				return err
			}
		}
		b, err := s.Store.GetBlock(ctx, bot.ID, c.Block.Name, 0)
		if err != nil {
			return err
		}
		if len(b.Cards) == 0 {
			return core.Errorf(core.KindUnknownBlock, "block %q has no cards yet", c.Block.Name)
		}
	default:
		t, err := decodeTemplate(c.Template)
		if err != nil {
			return err
		}
		return core.ValidateWhatsApp(&core.WAMessage{Type: "template", Template: t, Source: "botchat"})
	}
	return nil
}

func decodeTemplate(raw []byte) (*core.WATemplate, error) {
	var t core.WATemplate
	if err := core.DecodeStrict(raw, &t, "content.template"); err != nil {
		return nil, err
	}
	return &t, nil
}

func (s *Service) checkAudience(ctx context.Context, botID string, spec *Spec) error {
	a := &spec.Audience
	given := 0
	for _, set := range []bool{a.List != nil, a.Topic != "", a.WindowOpen, a.WroteWithin > 0, a.Filter != "", a.Upload != ""} {
		if set {
			given++
		}
	}
	if given != 1 {
		return core.Invalid("audience", "give exactly one of list, topic, window_open, wrote_within, filter, upload")
	}
	switch {
	case a.List != nil:
		if len(a.List) == 0 {
			return core.Invalid("audience.list", "is empty")
		}
		for i, e := range a.List {
			at := fmt.Sprintf("audience.list[%d]", i)
			named := map[string]string{WayPSID: e.PSID, WayWaID: e.WaID, WayPhone: e.Phone, WayUsername: e.Username, WayEmail: e.Email}
			r, err := checkRow(i+1, named, e.Params)
			if err != nil {
				return core.Invalid(at, "%s", err.(*rowError).reason)
			}
			if wa := r.way == WayWaID || r.way == WayPhone; spec.Channel == core.ChannelWhatsApp && !wa {
				return core.Invalid(at, "a WhatsApp user is named by wa_id or phone")
			} else if spec.Channel == core.ChannelMessenger && r.way == WayWaID {
				return core.Invalid(at+".wa_id", "names a WhatsApp user; the channel is messenger")
			}
			// Phones as the core writes them, so one user listed twice is one recipient.
			if r.way == WayWaID || r.way == WayPhone {
				a.List[i] = ListEntry{Params: e.Params}
				if r.way == WayWaID {
					a.List[i].WaID = r.value
				} else {
					a.List[i].Phone = r.value
				}
			}
		}
	case a.Topic != "":
		if spec.Channel != core.ChannelMessenger {
			return core.Invalid("audience.topic", "topics are Messenger's notification messages")
		}
	case a.Filter != "":
		if _, err := parseFilter(a.Filter); err != nil {
			return err
		}
	case a.Upload != "":
		var owner string
		err := s.Store.ReadRow(ctx, `SELECT bot_id FROM broadcast_uploads WHERE id = $1`, a.Upload).Scan(&owner)
		if err != nil || owner != botID {
			return core.Invalid("audience.upload", "no upload %q", a.Upload)
		}
	}
	return nil
}
