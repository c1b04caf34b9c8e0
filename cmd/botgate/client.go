package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// adminClient holds the flags every admin command shares.
type adminClient struct {
	Server     string `default:"http://127.0.0.1:8080" env:"BOTGATE_SERVER" help:"botgate's base URL."`
	AdminToken string `env:"BOTGATE_ADMIN_TOKEN" help:"Admin API bearer token."`
	JSON       bool   `name:"json" help:"Print listings as JSON, as -o json does."`
	Output     string `short:"o" enum:"table,json" default:"table" help:"How listings print: table (for people) or json (for scripts)."`
}

// errNoToken says where the token goes; the sandbox prints one.
var errNoToken = errors.New("no admin token: pass --admin-token TOKEN or set BOTGATE_ADMIN_TOKEN " +
	"(the server's own --admin-token; `botgate serve --sandbox` prints one when it starts)")

// call sends a request to the admin API and prints the JSON answer indented.
func (a *adminClient) call(e *env, method, path string, body any) error {
	data, err := a.do(e, method, path, body)
	if err != nil || len(data) == 0 {
		return err
	}
	return printJSON(e, data)
}

func printJSON(e *env, data []byte) error {
	var out bytes.Buffer
	if json.Indent(&out, bytes.TrimSpace(data), "", "  ") == nil {
		data = append(out.Bytes(), '\n')
	}
	_, err := e.stdout.Write(data)
	return err
}

// do sends a request to the admin API and returns the answer's body; an
// answer that is not 2xx is an error quoting it.
func (a *adminClient) do(e *env, method, path string, body any) ([]byte, error) {
	if a.AdminToken == "" {
		return nil, errNoToken
	}
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(data)
	}
	base := strings.TrimRight(a.Server, "/")
	req, err := http.NewRequestWithContext(e.ctx, method, base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("--server %q: %w", a.Server, err)
	}
	req.Header.Set("Authorization", "Bearer "+a.AdminToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, unreachable(base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	return data, nil
}

// unreachable says which server was tried and how to name another.
func unreachable(server string, err error) error {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("cannot reach botgate at %s (connection refused): is it running? Name another with --server or BOTGATE_SERVER", server)
	}
	return fmt.Errorf("cannot reach botgate at %s: %w (check --server or BOTGATE_SERVER)", server, err)
}

// column is one column of a listing: a header and the answer's field it
// shows, dotted for nested fields; "a|b" shows b where a is empty.
type column struct{ header, field string }

// list prints a listing: a table by default, the answer's JSON with --json.
func (a *adminClient) list(e *env, path, key string, cols []column) error {
	data, err := a.do(e, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	if a.JSON || a.Output == "json" {
		return printJSON(e, data)
	}
	var page map[string]json.RawMessage
	var rows []map[string]any
	if err := json.Unmarshal(data, &page); err != nil {
		return fmt.Errorf("the answer is not a listing: %w", err)
	}
	if err := json.Unmarshal(page[key], &rows); err != nil {
		return fmt.Errorf("the answer has no %q list: %w", key, err)
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	headers := make([]string, len(cols))
	for i, c := range cols {
		headers[i] = c.header
	}
	fmt.Fprintln(w, strings.Join(headers, "\t"))
	for _, row := range rows {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = cell(row, c.field)
		}
		fmt.Fprintln(w, strings.Join(cells, "\t"))
	}
	if next, ok := page["next_before"]; ok {
		defer fmt.Fprintf(e.stdout, "more: add --before %s\n", strings.Trim(string(next), `"`))
	}
	if next, ok := page["next"]; ok {
		defer fmt.Fprintf(e.stdout, "more: add --cursor %s\n", strings.Trim(string(next), `"`))
	}
	return w.Flush()
}

func cell(row map[string]any, field string) string {
	for _, alt := range strings.Split(field, "|") {
		var v any = row
		for _, part := range strings.Split(alt, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = m[part]
		}
		switch x := v.(type) {
		case nil:
			continue
		case string:
			if x == "" {
				continue
			}
			return x
		case []any:
			parts := make([]string, len(x))
			for i, p := range x {
				parts[i] = fmt.Sprint(p)
			}
			return strings.Join(parts, ",")
		case map[string]any:
			b, _ := json.Marshal(x)
			return string(b)
		default:
			return fmt.Sprint(x)
		}
	}
	return "-"
}
