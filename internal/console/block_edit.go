package console

import (
	"context"
	"html/template"
	"net/http"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/store"
)

// blockEditor is the editor page: the block as text, the validator's error
// beside it, and the live preview rendered by the core for a chosen contact
// with sample parameters.
type blockEditor struct {
	BotID    string
	Name     string // "" for a new block
	Version  int
	Text     string
	Err      *core.Error
	ErrLine  int
	Contacts []store.ContactRow
	PSID     string
	Params   string // sample parameters, name=value lines
	Preview  []template.HTML
	PrevErr  string // why the preview cannot be shown
}

// newBlockText is what a new block's editor starts with.
const newBlockText = `{
  "name": "new_block",
  "cards": [
    {"text": "Hello {{first_name}}!"}
  ]
}`

// blockEdit shows the editor of a block, or of a new one.
func (c *Console) blockEdit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	e := blockEditor{BotID: r.PathValue("bot"), Name: r.PathValue("name"), Text: newBlockText}
	if e.BotID == "" {
		e.BotID = r.URL.Query().Get("bot")
	}
	if _, err := c.store.GetBot(ctx, e.BotID); err != nil {
		c.fail(w, r, err)
		return
	}
	if e.Name != "" {
		b, err := c.store.GetBlock(ctx, e.BotID, e.Name, 0)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		e.Version, e.Text = b.Version, blockText(b.Name, b.Cards)
	}
	c.editor(w, r, http.StatusOK, &e)
}

// blockSave saves the editor's text as the block's next version, after
// the core's validation; an error shows beside the text, nothing saved.
func (c *Console) blockSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	e := blockEditor{BotID: r.PathValue("bot"), Name: r.FormValue("original"), Text: r.FormValue("text"),
		PSID: r.FormValue("psid"), Params: r.FormValue("params")}
	name, cards, err := parseBlockText(e.Text)
	if err == nil {
		err = core.ValidateBlock(name, cards)
	}
	if err == nil && e.Name != "" && name != e.Name {
		err = core.Invalid("name", "is %q; to save under another name, create a new block (this one stays %q)", name, e.Name)
	}
	var saved *core.Block
	if err == nil {
		saved, _, err = c.store.SaveBlock(ctx, e.BotID, name, cards)
	}
	if k := core.ErrorKind(err); k == core.KindInvalid || k == core.KindBadMessage || k == core.KindMissing {
		e.Err = core.AsError(err)
		e.ErrLine = fieldLine(e.Text, e.Err.Field)
		c.editor(w, r, http.StatusBadRequest, &e)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "block.save", e.BotID+"/"+saved.Name, "version "+itoa(saved.Version))
	redirect(w, r, "/console/blocks/"+e.BotID+"/"+saved.Name, "Saved "+saved.Name+" as version "+itoa(saved.Version))
}

// blockPreview answers the editor's live preview (htmx): the text as it is
// now, validated and rendered by the core, shown as the phone shows it.
func (c *Console) blockPreview(w http.ResponseWriter, r *http.Request) {
	e := blockEditor{BotID: r.PathValue("bot"), Name: r.FormValue("original"), Text: r.FormValue("text"),
		PSID: r.FormValue("psid"), Params: r.FormValue("params")}
	c.editor(w, r, http.StatusOK, &e)
}

// editor renders the editor page (or, for htmx, its preview part),
// rendering the preview from e.Text.
func (c *Console) editor(w http.ResponseWriter, r *http.Request, status int, e *blockEditor) {
	ctx := r.Context()
	contacts, err := c.store.ListContacts(ctx, store.ContactFilter{BotID: e.BotID, Limit: 100})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	e.Contacts = contacts.Contacts
	if e.Name != "" && e.Version == 0 {
		if b, err := c.store.GetBlock(ctx, e.BotID, e.Name, 0); err == nil {
			e.Version = b.Version
		}
	}
	if e.PSID == "" && len(e.Contacts) > 0 {
		e.PSID = e.Contacts[0].PSID
	}
	c.renderPreview(ctx, e)
	c.render(w, r, status, "block_edit.html", e)
}

func (c *Console) renderPreview(ctx context.Context, e *blockEditor) {
	name, cards, err := parseBlockText(e.Text)
	if err == nil {
		err = core.ValidateBlock(name, cards)
	}
	if err != nil {
		if e.Err == nil {
			e.Err = core.AsError(err)
			e.ErrLine = fieldLine(e.Text, e.Err.Field)
		}
		e.PrevErr = "Fix the error to see the preview."
		return
	}
	bot, err := c.store.GetBot(ctx, e.BotID)
	if err != nil || c.Gateway == nil {
		e.PrevErr = "The preview needs the bot and the gateway."
		return
	}
	psid := e.PSID
	if psid == "" {
		psid = "preview-user" // no contact yet: a user without profile or parameters
	}
	params := readParamLines(e.Params)
	bodies, err := c.Gateway.RenderBlock(ctx, bot, gateway.BlockRender{Name: name, Cards: cards, PSID: psid, Params: params})
	if err != nil {
		e.PrevErr = core.AsError(err).Message
		return
	}
	for _, b := range bodies {
		e.Preview = append(e.Preview, phone(core.ChannelMessenger, b, nil))
	}
}
