package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// runStreams runs botgate in-process and returns what it printed on stdout
// and stderr.
func runStreams(t *testing.T, environ map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, func(k string) string { return environ[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

// blocksEnv is a running botgate and the flags that reach its admin API.
type blocksEnv struct {
	env   *harness.Env
	flags []string
}

func startBlocks(t *testing.T) blocksEnv {
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{})
	return blocksEnv{env: env, flags: []string{"--bot", env.BotID, "--server", env.Server.URL(), "--admin-token", harness.AdminToken}}
}

// cli runs a blocks sub-command with the bot, server and token flags.
func (b blocksEnv) cli(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return runStreams(t, nil, append(append([]string{"blocks"}, args...), b.flags...)...)
}

// ok runs a blocks sub-command that must succeed and print nothing on stderr.
func (b blocksEnv) ok(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := b.cli(t, args...)
	if err != nil || errOut != "" {
		t.Fatalf("botgate blocks %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// admin calls the admin API and returns the status and answer.
func (b blocksEnv) admin(t *testing.T, method, path string, body any) (int, string) {
	t.Helper()
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	status, resp := b.env.Do(method, path, http.Header{"Authorization": {"Bearer " + harness.AdminToken}}, data)
	return status, string(resp)
}

// blockPath is the admin path of one of the bot's blocks.
func (b blocksEnv) blockPath(name string) string {
	return "/admin/v1/bots/" + b.env.BotID + "/blocks/" + strings.ReplaceAll(name, " ", "%20")
}

// jsonValue decodes JSON into a generic value, for comparisons that ignore layout and key order.
func jsonValue(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, data)
	}
	return v
}

// pushedBlocks is what testdata/blocks holds: shop.json's two blocks as
// written there, and welcome.yaml's block as JSON.
func pushedBlocks(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile("testdata/blocks/shop.json")
	if err != nil {
		t.Fatal(err)
	}
	var shop []struct {
		Name  string
		Cards json.RawMessage
	}
	if err := json.Unmarshal(data, &shop); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{}
	for _, b := range shop {
		want[b.Name] = jsonValue(t, b.Cards)
	}
	want["welcome back"] = jsonValue(t, []byte(`[{"text":"欢迎回来，{{first_name}}！您有 {{points}} 积分"},`+
		`{"attachment":{"type":"template","payload":{"template_type":"button","text":"{{first_name}}，查看积分？","buttons":[`+
		`{"type":"block","title":"积分详情","block_name":"points_info"},{"type":"web_url","title":"商店","url":"https://shop.example/zh?q=积分&x=1"}]}}}]`))
	return want
}

// Push a directory of JSON and YAML block files, pull them back into files
// with the same cards, push again as new versions, and push what pull wrote.
func TestBlocksPushPull(t *testing.T) {
	b := startBlocks(t)
	out := b.ok(t, "push", "testdata/blocks")
	if want := "order shipped: saved as version 1\npoints_info: saved as version 1\nwelcome back: saved as version 1\n"; out != want {
		t.Errorf("push printed:\n%s\nwant:\n%s", out, want)
	}
	want := pushedBlocks(t)
	for name, cards := range want {
		status, body := b.admin(t, "GET", b.blockPath(name), nil)
		var saved struct {
			Name    string
			Version int
			Cards   json.RawMessage
		}
		_ = json.Unmarshal([]byte(body), &saved)
		if status != 200 || saved.Name != name || saved.Version != 1 || !reflect.DeepEqual(jsonValue(t, saved.Cards), cards) {
			t.Errorf("block %q after push: %d %s", name, status, body)
		}
	}

	// Pull into a directory that does not exist yet: one file per block with
	// cards (system blocks never edited have none), named after the block.
	dir := filepath.Join(t.TempDir(), "pulled", "blocks")
	out = b.ok(t, "pull", dir)
	files := map[string]string{"order shipped": "order_shipped.json", "points_info": "points_info.json", "welcome back": "welcome_back.json"}
	wantOut := ""
	for _, name := range []string{"order shipped", "points_info", "welcome back"} {
		wantOut += name + ": " + filepath.Join(dir, files[name]) + "\n"
	}
	if out != wantOut {
		t.Errorf("pull printed:\n%s\nwant:\n%s", out, wantOut)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "order_shipped.json points_info.json welcome_back.json" {
		t.Errorf("pull wrote %s", got)
	}
	for name, file := range files {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		var pulled struct {
			Name  string          `json:"name"`
			Cards json.RawMessage `json:"cards"`
		}
		if err := json.Unmarshal(data, &pulled); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if pulled.Name != name || !reflect.DeepEqual(jsonValue(t, pulled.Cards), want[name]) {
			t.Errorf("%s holds %s, want name %q and cards %v", file, data, name, want[name])
		}
	}
	// The file is indented JSON with the name first and a final newline.
	data, _ := os.ReadFile(filepath.Join(dir, "points_info.json"))
	wantFile := `{
  "name": "points_info",
  "cards": [
    {
      "text": "您的目前积分为{{points}}",
      "quick_replies": [
        {
          "content_type": "text",
          "title": "兑换",
          "payload": "REDEEM"
        },
        {
          "content_type": "user_email"
        }
      ]
    }
  ]
}
`
	if string(data) != wantFile {
		t.Errorf("points_info.json:\n%s\nwant:\n%s", data, wantFile)
	}

	// Pushing again makes version 2 of each; pushing what pull wrote, 3.
	if out := b.ok(t, "push", "testdata/blocks"); out != "order shipped: saved as version 2\npoints_info: saved as version 2\nwelcome back: saved as version 2\n" {
		t.Errorf("second push printed:\n%s", out)
	}
	if out := b.ok(t, "push", dir); out != "order shipped: saved as version 3\npoints_info: saved as version 3\nwelcome back: saved as version 3\n" {
		t.Errorf("push of the pulled files printed:\n%s", out)
	}
	// One file, with the server and token from the environment.
	environ := map[string]string{"BOTGATE_SERVER": b.env.Server.URL(), "BOTGATE_ADMIN_TOKEN": harness.AdminToken}
	out, errOut, err := runStreams(t, environ, "blocks", "push", "--bot", b.env.BotID, "testdata/blocks/welcome.yaml")
	if err != nil || errOut != "" || out != "welcome back: saved as version 4\n" {
		t.Errorf("push of one file: %v %q %q", err, out, errOut)
	}
	for name, cards := range want {
		var v struct {
			Versions []struct{ Cards json.RawMessage }
		}
		_, body := b.admin(t, "GET", b.blockPath(name)+"/versions", nil)
		_ = json.Unmarshal([]byte(body), &v)
		n := 3
		if name == "welcome back" {
			n = 4
		}
		if len(v.Versions) != n {
			t.Errorf("%s has %d versions, want %d", name, len(v.Versions), n)
		}
		for i, ver := range v.Versions {
			if !reflect.DeepEqual(jsonValue(t, ver.Cards), cards) {
				t.Errorf("%s version %d: cards %s", name, n-i, ver.Cards)
			}
		}
	}

	// list prints the admin API's answer: system blocks and pushed ones.
	out = b.ok(t, "list", "--json")
	var list struct {
		Blocks []struct {
			Name    string
			Version int
			System  bool
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("list printed %q: %v", out, err)
	}
	var listed []string
	for _, blk := range list.Blocks {
		listed = append(listed, fmt.Sprintf("%s@%d/%t", blk.Name, blk.Version, blk.System))
	}
	if got, want := strings.Join(listed, " "), "default_answer@0/true greeting@0/true menu@0/true order shipped@3/false points_info@3/false welcome@0/true welcome back@4/false"; got != want {
		t.Errorf("list: %s\nwant %s", got, want)
	}
	_, wantList := b.admin(t, "GET", "/admin/v1/bots/"+b.env.BotID+"/blocks", nil)
	if out != indent(t, harness.Compact(t, []byte(wantList))) {
		t.Errorf("list printed:\n%s\nwant the API's answer indented:\n%s", out, wantList)
	}
	// Missing and wrong flags.
	if _, _, err := runStreams(t, nil, "blocks", "push", "testdata/blocks", "--server", b.env.Server.URL(), "--admin-token", harness.AdminToken); err == nil || err.Error() != "missing flags: --bot=STRING" {
		t.Errorf("push without --bot: %v", err)
	}
	if _, _, err := b.cli(t, "push", filepath.Join(t.TempDir(), "none")); err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("push of a missing path: %v", err)
	}
	if _, _, err := b.cli(t, "push", t.TempDir()); err == nil || !strings.HasSuffix(err.Error(), " holds no .json, .yaml or .yml files") {
		t.Errorf("push of an empty directory: %v", err)
	}
}

// A block the API refuses is reported on stderr with the API's error, the
// others are saved, and the command fails naming the refused blocks.
func TestBlocksPushReportsRefusedBlocks(t *testing.T) {
	b := startBlocks(t)
	out, errOut, err := b.cli(t, "push", "testdata/blocks-invalid")
	if err == nil || err.Error() != "1 blocks not saved: bad one" {
		t.Errorf("push with a refused block returned %v", err)
	}
	if want := "good one: saved as version 1\nalso good: saved as version 1\n"; out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	abs, _ := filepath.Abs("testdata/blocks-invalid/1.json")
	field := "cards[1].attachment.payload.elements[0].title"
	wantErr := fmt.Sprintf(`%s: block "bad one": PUT /admin/v1/bots/%s/blocks/bad%%20one: HTTP 400: {"error":{"code":"invalid","message":"%s: is 84 characters; at most 80 are allowed","field":"%s"}}`+"\n",
		abs, b.env.BotID, field, field)
	if errOut != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", errOut, wantErr)
	}
	for name, status := range map[string]int{"good one": 200, "also good": 200, "bad one": 404} {
		if got, body := b.admin(t, "GET", b.blockPath(name), nil); got != status {
			t.Errorf("GET %q after push: %d %s, want %d", name, got, body, status)
		}
	}
}

// A block without a name is an error of that block: the blocks before and
// after it, in its file and in later files, are still saved.
func TestBlocksPushNamelessBlock(t *testing.T) {
	b := startBlocks(t)
	out, errOut, err := b.cli(t, "push", "testdata/blocks-nameless")
	if err == nil {
		t.Errorf("push with a nameless block succeeded")
	}
	if want := "first: saved as version 1\nsecond: saved as version 1\nthird: saved as version 1\n"; out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if !strings.Contains(errOut, "2.json") || !strings.Contains(errOut, "block 1 has no name") {
		t.Errorf("stderr does not name the nameless block: %q", errOut)
	}
	for _, name := range []string{"first", "second", "third"} {
		if got, body := b.admin(t, "GET", b.blockPath(name), nil); got != 200 {
			t.Errorf("GET %q after push: %d %s", name, got, body)
		}
	}
}

// Pulling blocks whose names map to the same file name loses neither.
func TestBlocksPullKeepsBlocksWhoseFileNamesCollide(t *testing.T) {
	b := startBlocks(t)
	for _, name := range []string{"a b", "a_b"} {
		if status, body := b.admin(t, "PUT", b.blockPath(name), map[string]any{"cards": []any{map[string]any{"text": name}}}); status != 201 {
			t.Fatalf("PUT %q: %d %s", name, status, body)
		}
	}
	dir := t.TempDir()
	if _, errOut, err := b.cli(t, "pull", dir); err != nil {
		t.Logf("pull failed (acceptable if it names the collision): %v %s", err, errOut)
		return
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		var f struct{ Name string }
		_ = json.Unmarshal(data, &f)
		names = append(names, f.Name)
	}
	slices.Sort(names)
	if got := strings.Join(names, "|"); got != "a b|a_b" {
		t.Errorf("pulled blocks %s, want a b|a_b", got)
	}
}

// render prints the exact Graph bodies, one a line, for a user with stored
// parameters, and sends nothing; a send of the block makes the same bodies.
func TestBlocksRender(t *testing.T) {
	b := startBlocks(t)
	b.ok(t, "push", "testdata/blocks")
	if status, body := b.admin(t, "PUT", "/admin/v1/bots/"+b.env.BotID+"/contacts/"+harness.User+"/params",
		map[string]any{"params": map[string]string{"points": "20000", "order_id": "A-1", "prize": "stored prize"}}); status != 200 {
		t.Fatalf("PUT params: %d %s", status, body)
	}
	head := `{"recipient":{"id":"` + harness.User + `"},"messaging_type":"RESPONSE","message":`
	shipped := head + `{"text":"Ada，您的订单 A-1 已发货 📦"}}` + "\n" +
		head + `{"attachment":{"type":"template","payload":{"template_type":"generic","elements":[{"title":"订单 A-1","subtitle":"Gold Medal · 积分 20000",` +
		`"image_url":"https://shop.example/box.png","buttons":[{"type":"postback","title":"联系客服","payload":"HELP"}]}],"image_aspect_ratio":"square"}}}}` + "\n"
	if out := b.ok(t, "render", "order shipped", "--contact", harness.User, "--param", "prize=Gold Medal"); out != shipped {
		t.Errorf("render order shipped:\n%s\nwant:\n%s", out, shipped)
	}
	welcome := `{"recipient":{"id":"` + harness.User + `"},"messaging_type":"MESSAGE_TAG","tag":"ACCOUNT_UPDATE","message":{"text":"欢迎回来，Ada！您有 5 & <6> 积分"}}` + "\n" +
		`{"recipient":{"id":"` + harness.User + `"},"messaging_type":"MESSAGE_TAG","tag":"ACCOUNT_UPDATE","message":{"attachment":{"type":"template","payload":{"template_type":"button","text":"Ada，查看积分？",` +
		`"buttons":[{"type":"postback","title":"积分详情","payload":"BOTGATE_BLOCK:points_info"},{"type":"web_url","title":"商店","url":"https://shop.example/zh?q=积分&x=1"}]}}}}` + "\n"
	if out := b.ok(t, "render", "welcome back", "--contact", harness.User, "--param", "points=5 & <6>", "--messaging-type", "MESSAGE_TAG", "--message-tag", "ACCOUNT_UPDATE"); out != welcome {
		t.Errorf("render welcome back:\n%s\nwant:\n%s", out, welcome)
	}
	if n := b.env.Fake.SendCount(); n != 0 {
		t.Fatalf("render sent %d messages", n)
	}
	// The bodies a real send makes are byte for byte what render printed.
	status, body := b.env.Bothub(`{"request":{"method":"send_block","id":"s1","sync":true},"recipient":{"id":"` + harness.User +
		`"},"messaging_type":"RESPONSE","message":{"block_name":"order shipped","params":[{"key":"prize","value":"Gold Medal"}]}}`)
	var sent string
	for _, s := range b.env.Fake.Sends() {
		sent += string(s.Body) + "\n"
	}
	if status != 200 || sent != shipped {
		t.Errorf("send_block: %d %s; Graph got:\n%s\nrender printed:\n%s", status, body, sent, shipped)
	}

	// Errors carry the API's answer and print nothing.
	alan := []string{"render", "order shipped", "--contact", harness.OtherUser}
	out, errOut, err := b.cli(t, alan...)
	wantErr := fmt.Sprintf(`POST /admin/v1/bots/%s/blocks/order%%20shipped/render: HTTP 400: {"error":{"code":"invalid","message":"block \"order shipped\" card[0].text: placeholder {{order_id}} has no value: pass it in params or set it on the contact","field":"block \"order shipped\" card[0].text"}}`, b.env.BotID)
	if err == nil || err.Error() != wantErr || out != "" || errOut != "" {
		t.Errorf("render with an unfilled placeholder: %v %q %q\nwant %s", err, out, errOut, wantErr)
	}
	if _, _, err := b.cli(t, "render", "order shipped", "--contact", harness.User, "--param", "prize"); err == nil || err.Error() != "--param wants KEY=VALUE, got prize" {
		t.Errorf("--param without =: %v", err)
	}
	if _, _, err := b.cli(t, "render", "nope", "--contact", harness.User); err == nil ||
		err.Error() != fmt.Sprintf(`POST /admin/v1/bots/%s/blocks/nope/render: HTTP 404: {"error":{"code":"unknown_block","message":"no block \"nope\""}}`, b.env.BotID) {
		t.Errorf("render of an unknown block: %v", err)
	}
	if _, _, err := b.cli(t, "render", "order shipped"); err == nil || err.Error() != "missing flags: --contact=STRING" {
		t.Errorf("render without --contact: %v", err)
	}
}

// A --param value may hold commas, as text often does.
func TestBlocksRenderParamWithComma(t *testing.T) {
	b := startBlocks(t)
	b.ok(t, "push", "testdata/blocks/shop.json")
	out := b.ok(t, "render", "points_info", "--contact", harness.User, "--param", "points=1,000")
	want := `{"recipient":{"id":"` + harness.User + `"},"messaging_type":"RESPONSE","message":{"text":"您的目前积分为1,000","quick_replies":[{"content_type":"text","title":"兑换","payload":"REDEEM"},{"content_type":"user_email"}]}}` + "\n"
	if out != want {
		t.Errorf("render:\n%s\nwant:\n%s", out, want)
	}
}
