// Package api holds botgate's own API contract, api/openapi.yaml: the
// source of truth the v1 server interfaces and the Go client are generated
// from, embedded so the server can serve it and check routes against it.
package api

import _ "embed"

// OpenAPI is api/openapi.yaml as written.
//
//go:embed openapi.yaml
var OpenAPI []byte
