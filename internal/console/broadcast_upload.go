package console

import (
	"net/http"
	"path"
	"strings"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/core"
)

// broadcastUpload stores a recipient file (CSV or JSON Lines) chosen in the
// compose form, streamed to the engine, and shows the form again with the
// audience set to it: rows kept, rows refused with their line and reason.
// The whole form comes along (the Upload button submits it as
// multipart), so nothing typed is lost.
func (c *Console) broadcastUpload(w http.ResponseWriter, r *http.Request) {
	botID := r.PathValue("bot")
	file, hdr, err := r.FormFile("audience.file")
	if err != nil {
		c.compose(w, r, http.StatusBadRequest, botID, newForm(r, core.Invalid("audience.file", "choose a CSV or JSON Lines file to upload")), nil)
		return
	}
	defer file.Close()
	format := "csv"
	switch strings.ToLower(path.Ext(hdr.Filename)) {
	case ".jsonl", ".ndjson", ".json":
		format = "jsonl"
	}
	up, err := c.Broadcasts.Upload(r.Context(), botID, file, format)
	if err != nil {
		if !formError(err) {
			c.fail(w, r, err)
			return
		}
		e := core.AsError(err)
		if e.Field == "" {
			e = &core.Error{Kind: e.Kind, Field: "audience.file", Message: e.Message}
		}
		c.compose(w, r, http.StatusBadRequest, botID, newForm(r, e), nil)
		return
	}
	c.audit(r, "broadcast.upload", botID+"/"+up.ID, hdr.Filename+": "+itoa(int(up.Rows))+" rows, "+itoa(len(up.Refused))+" refused")
	f := newForm(r, nil)
	f.Values["audience"], f.Values["audience.upload"] = "upload", up.ID
	c.compose(w, r, http.StatusOK, botID, f, func(d *composer) { d.Upload = up })
}

// uploadRefusedShown bounds the refused rows the form lists.
const uploadRefusedShown = 20

// refusedRows is the first of an upload's refused rows, for the form.
func refusedRows(u *broadcast.Upload) []broadcast.RowError {
	if u == nil {
		return nil
	}
	return u.Refused[:min(len(u.Refused), uploadRefusedShown)]
}
