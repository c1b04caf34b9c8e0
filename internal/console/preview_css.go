package console

import (
	"net/http"

	"github.com/botgate/botgate/internal/preview"
)

// previewCSS serves the stylesheet of message previews (package preview):
// every page showing a message links /console/static/preview.css.
func (c *Console) previewCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte(preview.Stylesheet))
}
