package v1_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	apispec "github.com/botgate/botgate/api"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

func init() {
	openapi3filter.RegisterBodyDecoder("application/problem+json", openapi3filter.JSONBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/yaml", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/jsonl", openapi3filter.PlainBodyDecoder)
}

// contract is the document every v1 test's requests and answers are
// checked against.
func contract(t testing.TB) routers.Router {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(apispec.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the contract is not valid OpenAPI: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: "http://127.0.0.1/"}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return router
}

// checkEvent fails the test when body is not an event of typ as the
// contract's webhooks section describes it.
func checkEvent(t testing.TB, typ string, body []byte) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(apispec.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	hook := doc.Webhooks[typ]
	if hook == nil || hook.Post == nil {
		t.Fatalf("event %s is not in the contract's webhooks", typ)
	}
	schema := hook.Post.RequestBody.Value.Content.Get("application/json").Schema.Value
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	if err := schema.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		t.Errorf("event %s outside the contract: %v\n%s", typ, err, body)
	}
}

// validating checks every request against the contract and every answer
// against it: an answer outside the contract fails the test, and so does
// a request the contract refuses but botgate accepts.
type validating struct {
	t      testing.TB
	router routers.Router
	next   http.RoundTripper
}

func (v *validating) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	probe := req.Clone(req.Context())
	probe.URL.Host = "127.0.0.1"
	probe.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := v.router.FindRoute(probe)
	var reqErr error
	in := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if err == nil {
		reqErr = openapi3filter.ValidateRequest(req.Context(), in)
	}
	resp, rerr := v.next.RoundTrip(req)
	if rerr != nil {
		return resp, rerr
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if resp.Header.Get("X-Request-Id") == "" {
		v.t.Errorf("%s %s: no X-Request-Id", req.Method, req.URL.Path)
	}
	if err != nil {
		// A route outside the contract must be refused as a problem.
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			v.t.Errorf("%s %s: not in the contract, yet answered %d", req.Method, req.URL.Path, resp.StatusCode)
		}
		return resp, nil
	}
	if reqErr != nil && resp.StatusCode < 400 {
		v.t.Errorf("%s %s: the contract refuses the request (%v), botgate answered %d", req.Method, req.URL.Path, reqErr, resp.StatusCode)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true}}
	out.SetBodyBytes(data)
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		v.t.Errorf("%s %s: answer %d outside the contract: %v\n%s", req.Method, req.URL.Path, resp.StatusCode, err, data)
	}
	return resp, nil
}

// env is a botgate with a client whose every call is checked against the contract.
type env struct {
	*harness.Env
	client *http.Client
}

func start(t *testing.T, db storetest.DB, opts harness.Options) *env {
	t.Helper()
	e := harness.Start(t, db, opts)
	return &env{Env: e, client: &http.Client{Transport: &validating{t: t, router: contract(t), next: http.DefaultTransport}}}
}

// call sends a v1 request with key and returns the status, headers and body.
func (e *env) call(method, path, key string, body any, header ...string) (int, http.Header, []byte) {
	e.T.Helper()
	var data []byte
	switch b := body.(type) {
	case nil:
	case string:
		data = []byte(b)
	default:
		data, _ = json.Marshal(b)
	}
	req, err := http.NewRequest(method, e.Server.URL()+path, bytes.NewReader(data))
	if err != nil {
		e.T.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if data != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

// decode reads a JSON answer into a map.
func decode(t testing.TB, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v\n%s", err, data)
	}
	return m
}

// problemOf checks an answer is a problem with status and code and returns it.
func problemOf(t testing.TB, status int, header http.Header, data []byte, wantStatus int, wantCode string) map[string]any {
	t.Helper()
	if status != wantStatus || !strings.HasPrefix(header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("got %d %s %s; want %d problem %s", status, header.Get("Content-Type"), data, wantStatus, wantCode)
	}
	p := decode(t, data)
	if p["code"] != wantCode || p["status"] != float64(wantStatus) || p["type"] != "urn:botgate:problem:"+wantCode {
		t.Fatalf("problem %s; want code %s status %d", data, wantCode, wantStatus)
	}
	return p
}
