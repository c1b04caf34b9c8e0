package v1

import (
	"embed"
	"net/http"
)

// docs is the reference page: Redoc, pinned and embedded (docs/README.md),
// rendering /v1/openapi.json without any network beyond this server.
//
//go:embed docs/index.html docs/redoc.standalone.js
var docs embed.FS

// docsPolicy allows the page's own script and no inline script; Redoc
// writes its styles inline and runs its search in a blob: worker.
const docsPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

func serveDocs(file, contentType string) http.HandlerFunc {
	data, err := docs.ReadFile(file)
	if err != nil {
		panic(err) // embedded at build time
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Security-Policy", docsPolicy)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(data)
	}
}
