package v1

import (
	"encoding/base64"
	"encoding/csv"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/core"
)

const (
	// exportPage is how many recipients the CSV export reads at a time.
	exportPage = 500
	// maxUpload bounds an audience upload: 1,000,000 rows with parameters.
	maxUpload = 512 << 20
	// slowBody is how long an upload may take to arrive or an export to
	// leave, beyond the server's bounds for ordinary requests.
	slowBody = 15 * time.Minute
)

// ListBroadcastRecipients answers a page of recipients, or every matching
// one as CSV (Accept: text/csv or format=csv).
func (h *Server) ListBroadcastRecipients(w http.ResponseWriter, r *http.Request, id string, params ListBroadcastRecipientsParams) {
	f := broadcast.RecipientFilter{State: string(val(params.State)), Reason: val(params.Reason)}
	csvWanted, err := wantsCSV(r, params)
	if params.State != nil && !params.State.Valid() {
		err = core.Invalid("state", "must be one of scheduled, queued, sent, delivered, read, failed, skipped")
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	if csvWanted {
		h.exportRecipients(w, r, id, f)
		return
	}
	limit, cursor, err := pageOf(params.Limit, params.Cursor)
	var list []broadcast.Recipient
	var next string
	if err == nil {
		list, next, err = h.Broadcasts.Recipients(r.Context(), botOf(r.Context()).ID, id, f, cursor, limit)
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	page := BroadcastRecipientPage{Items: make([]BroadcastRecipient, 0, len(list))}
	for _, rc := range list {
		page.Items = append(page.Items, BroadcastRecipient{Recipient: rc.Recipient, State: BroadcastRecipientState(rc.State), ScheduledAt: rc.ScheduledAt,
			MessageId: opt(rc.MessageID), Reason: opt(rc.Reason)})
	}
	page.NextCursor = cursorOut(next)
	writeJSON(w, "application/json", http.StatusOK, page)
}

// wantsCSV: format wins over Accept; the export has every row, so the
// paging parameters have no meaning there.
func wantsCSV(r *http.Request, params ListBroadcastRecipientsParams) (bool, error) {
	var csvWanted bool
	switch val(params.Format) {
	case "csv":
		csvWanted = true
	case "json":
	case "":
		csvWanted = prefersCSV(r.Header.Get("Accept"))
	default:
		return false, core.Invalid("format", "must be json or csv")
	}
	if csvWanted && (params.Limit != nil || params.Cursor != nil) {
		return false, core.Invalid("limit", "limit and cursor page the JSON listing; the CSV export has every recipient")
	}
	return csvWanted, nil
}

// prefersCSV reads Accept: text/csv listed before any JSON type.
func prefersCSV(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		switch mt {
		case "text/csv":
			return true
		case "application/json", "application/*", "*/*":
			return false
		}
	}
	return false
}

// exportRecipients streams every matching recipient as CSV, a page at a
// time. The first page is read before answering, so an unknown broadcast
// is still a problem; a failure later can only cut the export short.
func (h *Server) exportRecipients(w http.ResponseWriter, r *http.Request, id string, f broadcast.RecipientFilter) {
	bot := botOf(r.Context()).ID
	list, next, err := h.Broadcasts.Recipients(r.Context(), bot, id, f, "", exportPage)
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(slowBody))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(id, `"`, "")+`-recipients.csv"`)
	out := csv.NewWriter(w)
	_ = out.Write([]string{"recipient", "state", "scheduled_at", "message_id", "reason"})
	for {
		for _, rc := range list {
			at := ""
			if rc.ScheduledAt != nil {
				at = rc.ScheduledAt.UTC().Format(time.RFC3339Nano) // as the JSON listing has it
			}
			_ = out.Write([]string{rc.Recipient, rc.State, at, rc.MessageID, rc.Reason})
		}
		out.Flush()
		if next == "" || out.Error() != nil {
			return
		}
		if list, next, err = h.Broadcasts.Recipients(r.Context(), bot, id, f, next, exportPage); err != nil {
			h.Log.Error("v1: the recipients export stopped", "broadcast", id, "err", err)
			return
		}
	}
}

// UploadAudience reads a CSV or JSON Lines list as it arrives.
func (h *Server) UploadAudience(w http.ResponseWriter, r *http.Request) {
	format, err := uploadFormat(r.Header.Get("Content-Type"))
	var up *broadcast.Upload
	if err == nil {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(slowBody))
		up, err = h.Broadcasts.Upload(r.Context(), botOf(r.Context()).ID, http.MaxBytesReader(w, r.Body, maxUpload), format)
	}
	if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
		err = core.Errorf(core.KindTooLarge, "the list is larger than %d MiB", maxUpload>>20)
	}
	if err != nil {
		writeProblem(w, r, err, h.Log)
		return
	}
	out := AudienceUpload{Id: up.ID, Rows: up.Rows, Refused: []AudienceRowError{}}
	for _, e := range up.Refused {
		out.Refused = append(out.Refused, AudienceRowError{Line: e.Line, Reason: e.Reason})
	}
	writeJSON(w, "application/json", http.StatusCreated, out)
}

// uploadFormat is the engine's name for the body's type.
func uploadFormat(contentType string) (string, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "text/csv":
		return "csv", nil
	case "application/x-ndjson", "application/jsonl":
		return "jsonl", nil
	}
	return "", core.Errorf(kindUnsupportedType, "the list must be text/csv or JSON Lines (application/x-ndjson), not %q", contentType)
}

// cursorOut is the opaque cursor of the next page, nil on the last.
func cursorOut(next string) *string {
	if next == "" {
		return nil
	}
	return ptr(base64.RawURLEncoding.EncodeToString([]byte(next)))
}
