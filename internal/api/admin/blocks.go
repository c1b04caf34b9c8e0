package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/gateway"
)

// putBlock saves a block's cards as its next version. The body is a block
// file as `botgate blocks pull` writes it, {"name", "cards"}; the name may be
// left out, and must be the path's when given.
func (h *Handler) putBlock(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Name  *string        `json:"name"`
		Cards []core.Message `json:"cards"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	name := r.PathValue("name")
	if in.Name != nil && *in.Name != name {
		return 0, nil, core.Invalid("name", "%q is not the block %q the URL names", *in.Name, name)
	}
	if err := core.ValidateBlock(name, in.Cards); err != nil {
		return 0, nil, err
	}
	b, created, err := h.Store.SaveBlock(ctx, bot.ID, name, in.Cards)
	if err != nil {
		return 0, nil, err
	}
	// System blocks always exist, so saving one is an update.
	status := http.StatusOK
	if created && !b.System {
		status = http.StatusCreated
	}
	return status, b, nil
}

func (h *Handler) getBlock(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		if version, err = strconv.Atoi(v); err != nil || version < 1 {
			return 0, nil, core.Invalid("version", "must be a version number (1 or more)")
		}
	}
	b, err := h.Store.GetBlock(ctx, bot.ID, r.PathValue("name"), version)
	return http.StatusOK, b, err
}

func (h *Handler) listBlocks(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	blocks, err := h.Store.ListBlocks(ctx, bot.ID)
	return http.StatusOK, map[string]any{"blocks": blocks}, err
}

func (h *Handler) blockVersions(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	versions, err := h.Store.BlockVersions(ctx, bot.ID, r.PathValue("name"))
	return http.StatusOK, map[string]any{"versions": versions}, err
}

// restoreBlock saves an earlier version's cards as the block's next version.
func (h *Handler) restoreBlock(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Version int `json:"version"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Version < 1 {
		return 0, nil, core.Invalid("version", "is required: the version to restore")
	}
	old, err := h.Store.GetBlock(ctx, bot.ID, r.PathValue("name"), in.Version)
	if err != nil {
		return 0, nil, err
	}
	if old.Deleted {
		return 0, nil, core.Invalid("version", "version %d is the deletion; restore one before it", in.Version)
	}
	b, _, err := h.Store.SaveBlock(ctx, bot.ID, old.Name, old.Cards)
	return http.StatusOK, b, err
}

func (h *Handler) deleteBlock(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, h.Store.DeleteBlock(ctx, bot.ID, r.PathValue("name"))
}

// renderBlock answers the exact Graph bodies a send of the block to a user
// would make, without sending: `botgate blocks render` prints them.
func (h *Handler) renderBlock(ctx context.Context, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		PSID          string            `json:"psid"`
		Params        map[string]string `json:"params"`
		MessagingType string            `json:"messaging_type"`
		Tag           string            `json:"message_tag"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	name := r.PathValue("name")
	b, err := h.Store.GetBlock(ctx, bot.ID, name, 0)
	if err != nil {
		return 0, nil, err
	}
	if len(b.Cards) == 0 {
		return 0, nil, core.Errorf(core.KindUnknownBlock, "block %q has no cards yet", name)
	}
	bodies, err := h.Gateway.RenderBlock(ctx, bot, gateway.BlockRender{Name: name, Version: b.Version, Cards: b.Cards,
		PSID: in.PSID, Params: in.Params, MessagingType: in.MessagingType, Tag: in.Tag})
	if err != nil {
		return 0, nil, err
	}
	out := make([]json.RawMessage, len(bodies))
	for i, body := range bodies {
		out[i] = body
	}
	return http.StatusOK, map[string]any{"block": name, "version": b.Version, "bodies": out}, nil
}
