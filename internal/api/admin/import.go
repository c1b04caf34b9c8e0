package admin

import (
	"context"
	"mime"
	"net/http"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/importer"
)

// maxListedRefusals bounds the refusals an answer lists; all are counted.
// `botgate import`, reading the database directly, prints every one.
const maxListedRefusals = 1000

// importTime bounds one import request: a million rows upload and commit
// in minutes, far beyond the server's usual read and write timeouts.
const importTime = time.Hour

// importRows is POST /admin/v1/bots/{id}/import?kind=&format=&dry_run=: the
// body, streamed, is a file of one kind (docs/import.md).
func (h *Handler) importRows(ctx context.Context, w http.ResponseWriter, r *http.Request) (int, any, error) {
	bot, err := h.liveBot(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	opt := importer.Options{Kind: q.Get("kind"), Format: q.Get("format")}
	if opt.Kind == "" {
		return 0, nil, &core.Error{Kind: core.KindInvalid, Field: "kind", Message: "kind is required: contacts, links, params, subscriptions or blocks"}
	}
	if opt.Format == "" {
		opt.Format = formatOf(r.Header.Get("Content-Type"))
	}
	switch q.Get("dry_run") {
	case "", "false", "0":
	case "true", "1":
		opt.DryRun = true
	default:
		return 0, nil, core.Invalid("dry_run", "must be true or false, not %q", q.Get("dry_run"))
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(importTime))
	_ = rc.SetWriteDeadline(time.Now().Add(importTime))
	refusals := []importer.Refusal{}
	sum, err := importer.Run(ctx, h.Store, bot, r.Body, opt, func(f importer.Refusal) {
		if len(refusals) < maxListedRefusals {
			refusals = append(refusals, f)
		}
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, importOut{sum, refusals}, nil
}

// importOut answers an import: its counts, and the first refused rows.
type importOut struct {
	Summary  importer.Summary   `json:"summary"`
	Refusals []importer.Refusal `json:"refusals"`
}

// formatOf names the format a Content-Type gives, or "" for none.
func formatOf(contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "text/csv":
		return importer.FormatCSV
	case "application/x-ndjson", "application/jsonl", "application/x-jsonlines":
		return importer.FormatJSONLines
	}
	return ""
}
