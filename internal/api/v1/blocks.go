package v1

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/botgate/botgate/internal/core"
)

// ListBlocks answers the bot's blocks at their current versions.
func (h *Server) ListBlocks(w http.ResponseWriter, r *http.Request) {
	blocks, err := h.Store.ListBlocks(r.Context(), botOf(r.Context()).ID)
	h.answerBlocks(w, r, blocks, err)
}

// ListBlockVersions answers every version of a block, newest first.
func (h *Server) ListBlockVersions(w http.ResponseWriter, r *http.Request, name string) {
	versions, err := h.Store.BlockVersions(r.Context(), botOf(r.Context()).ID, name)
	h.answerBlocks(w, r, versions, err)
}

// GetBlock answers a block at its current version or the one asked.
func (h *Server) GetBlock(w http.ResponseWriter, r *http.Request, name string, params GetBlockParams) {
	version := val(params.Version)
	if version < 0 || (params.Version != nil && version == 0) {
		writeProblem(w, r, core.Invalid("version", "must be a version number (1 or more)"), h.Log)
		return
	}
	b, err := h.Store.GetBlock(r.Context(), botOf(r.Context()).ID, name, version)
	h.answerBlock(w, r, http.StatusOK, b, err)
}

// CreateBlock saves a new block's first version; a name in use is a conflict.
func (h *Server) CreateBlock(w http.ResponseWriter, r *http.Request, _ CreateBlockParams) {
	var in struct {
		Name  string         `json:"name"`
		Cards []core.Message `json:"cards"`
	}
	if err := readJSON(r, &in); err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	bot := botOf(r.Context())
	if b, err := h.Store.GetBlock(r.Context(), bot.ID, in.Name, 0); err == nil && !b.Deleted && (b.Version > 0 || b.System) {
		writeProblem(w, r, core.Errorf(core.KindConflict, "block %q exists; PUT /v1/blocks/%s saves its next version", in.Name, in.Name), h.Log)
		return
	}
	if err := core.ValidateBlock(in.Name, in.Cards); err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	b, _, err := h.Store.SaveBlock(r.Context(), bot.ID, in.Name, in.Cards)
	if err == nil {
		w.Header().Set("Location", "/v1/blocks/"+url.PathEscape(b.Name))
	}
	h.answerBlock(w, r, http.StatusCreated, b, err)
}

// PutBlock saves the block's cards as its next version.
func (h *Server) PutBlock(w http.ResponseWriter, r *http.Request, name string) {
	var in struct {
		Cards []core.Message `json:"cards"`
	}
	if err := readJSON(r, &in); err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	if err := core.ValidateBlock(name, in.Cards); err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	b, created, err := h.Store.SaveBlock(r.Context(), botOf(r.Context()).ID, name, in.Cards)
	status := http.StatusOK
	if created && err == nil && !b.System {
		status = http.StatusCreated
	}
	h.answerBlock(w, r, status, b, err)
}

// DeleteBlock deletes a block; its versions stay.
func (h *Server) DeleteBlock(w http.ResponseWriter, r *http.Request, name string) {
	if err := h.Store.DeleteBlock(r.Context(), botOf(r.Context()).ID, name); err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Server) answerBlocks(w http.ResponseWriter, r *http.Request, blocks []*core.Block, err error) {
	out := BlockList{Items: []Block{}}
	for _, b := range blocks {
		out.Items = append(out.Items, blockOut(b))
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}

func (h *Server) answerBlock(w http.ResponseWriter, r *http.Request, status int, b *core.Block, err error) {
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	writeJSON(w, "application/json", status, blockOut(b))
}

// blockOut is the block resource; its cards are Graph message objects.
func blockOut(b *core.Block) Block {
	out := Block{Name: b.Name, Version: b.Version, System: b.System, CreatedAt: b.CreatedAt, Cards: []map[string]any{}}
	if b.Deleted {
		out.Deleted = ptr(true)
	}
	for _, c := range b.Cards {
		data, _ := json.Marshal(c)
		var card map[string]any
		_ = json.Unmarshal(data, &card)
		out.Cards = append(out.Cards, card)
	}
	return out
}
