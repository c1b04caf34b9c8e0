package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestTemplatesCommands: push submits a file's templates (a bad one is
// reported and the rest go), list and sync show the copy, pull writes it
// back to files.
func TestTemplatesCommands(t *testing.T) {
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{})
	env.AttachWhatsApp(nil)
	env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/whatsapp", map[string]any{"bot_phone": harness.WAPhone,
		"phone_number_id": harness.WANumberID, "waba_id": fakegraph.WABAID(harness.WANumberID)}, http.StatusOK, nil)
	flags := []string{"--bot", env.BotID, "--server", env.Server.URL(), "--admin-token", harness.AdminToken}
	cli := func(args ...string) (string, string, error) {
		return runStreams(t, nil, append(append([]string{"templates"}, args...), flags...)...)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "shop.yaml")
	yaml := `- name: order_receipt
  language: en_US
  category: UTILITY
  components:
    - type: BODY
      text: "Thanks! Order {{1}} is confirmed."
      example: {body_text: [["#1001"]]}
- name: Bad Name
  language: en_US
  category: UTILITY
  components: [{type: BODY, text: Hi}]
`
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := cli("push", file)
	if out != "order_receipt (en_US): PENDING, UTILITY\n" || !strings.Contains(errOut, `template "Bad Name" (en_US): `) ||
		!strings.Contains(errOut, "name: must be lowercase letters") || err == nil || !strings.Contains(err.Error(), "1 templates not submitted: Bad Name") {
		t.Fatalf("push: %v\nstdout %s\nstderr %s", err, out, errOut)
	}
	harness.WaitFor(t, "the review", 10*time.Second, func() bool {
		out, _, _ := cli("list")
		return strings.Contains(out, `APPROVED`)
	})
	out, _, err = cli("sync")
	if err != nil || !strings.Contains(strings.Join(strings.Fields(out), ""), `"templates":1`) {
		t.Fatalf("sync: %v %s", err, out)
	}
	pulled := filepath.Join(dir, "pulled")
	if out, _, err = cli("pull", pulled); err != nil || !strings.Contains(out, "order_receipt (en_US): ") {
		t.Fatalf("pull: %v %s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(pulled, "order_receipt.en_US.json"))
	var got map[string]any
	if err != nil || json.Unmarshal(data, &got) != nil || got["status"] != "APPROVED" || got["category"] != "UTILITY" {
		t.Fatalf("pulled file: %v %s", err, data)
	}
}
