package admin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/store"
)

// readOnly are the admin API's POSTs that change nothing (dry runs and
// renders): they are not audited.
var readOnly = map[string]bool{
	"POST /admin/v1/bots/{id}/check":                true,
	"POST /admin/v1/bots/{id}/blocks/{name}/render": true,
}

// streamed are the routes whose body is a file read as it arrives
// (imports): their audit entry names the query, not the body's fields, and
// their dry runs are not audited.
var streamed = map[string]bool{"POST /admin/v1/bots/{id}/import": true, uploadRoute: true}

// audited runs fn and, when it changed something, writes the audit entry:
// the route, the path it acted on (or the id it created), the names of the
// fields sent and the values of boolean ones — never other values, which
// may be secrets. This is the one place the admin API is audited.
func (h *Handler) audited(pattern string, r *http.Request, run func() (int, any, error)) (int, any, error) {
	dry := r.URL.Query().Get("dry_run")
	if r.Method == http.MethodGet || readOnly[pattern] || streamed[pattern] && (dry == "true" || dry == "1") {
		return run()
	}
	var data []byte
	if !streamed[pattern] {
		var err error
		if data, err = api.ReadBody(nil, r); err != nil {
			return 0, nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(data))
	}
	status, body, err := run()
	if err != nil {
		return status, body, err
	}
	detail := fieldsSent(data)
	if streamed[pattern] {
		detail = r.URL.Query().Encode()
	}
	action, _ := strings.CutPrefix(pattern, r.Method+" /admin/v1")
	e := store.AuditEntry{Actor: "admin token", Via: "admin-api", Action: r.Method + " " + action,
		Target: createdID(r.URL.Path, body), Detail: detail, Addr: api.ClientAddr(r, h.TrustProxy)}
	if err := h.Store.Audit(r.Context(), e); err != nil {
		h.Log.Error("admin: audit entry not written", "action", e.Action, "err", err)
	}
	return status, body, nil
}

// createdID is the path acted on, followed by the id of what a POST created.
func createdID(path string, body any) string {
	raw, err := json.Marshal(body)
	if err != nil || body == nil {
		return path
	}
	var ids struct {
		ID       string `json:"id"`
		AppID    string `json:"appid"`
		Username string `json:"username"`
	}
	_ = json.Unmarshal(raw, &ids)
	for _, id := range []string{ids.Username, ids.AppID, ids.ID} {
		if id != "" && !strings.HasSuffix(path, "/"+id) {
			return path + " → " + id
		}
	}
	return path
}

// fieldsSent names the fields of a JSON body (nested with dots), with the
// values of booleans only.
func fieldsSent(data []byte) string {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	var out []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			switch v := v.(type) {
			case map[string]any:
				walk(prefix+k+".", v)
			case bool:
				out = append(out, fmt.Sprintf("%s%s=%t", prefix, k, v))
			default:
				out = append(out, prefix+k)
			}
		}
	}
	walk("", m)
	sort.Strings(out)
	return strings.Join(out, ", ")
}
