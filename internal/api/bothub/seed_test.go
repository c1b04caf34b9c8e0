package bothub_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		var pretty json.RawMessage = got
		out, _ := json.MarshalIndent(pretty, "", "  ")
		if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if w := harness.Compact(t, want); w != string(got) {
		t.Errorf("Graph body for %s:\n got %s\nwant %s", name, got, w)
	}
}

// Every sample of seed 000 goes through botgate to the fake Graph, and the
// body Graph receives is exactly the golden one.
func TestSeedSamplesEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		putTextBlock(t, env, "view_details") // the block seed 000's block-button sample opens
		all, _ := filepath.Glob("testdata/seed000/message_*.json")
		var files []string
		for _, f := range all {
			if !strings.HasSuffix(f, ".graph.json") {
				files = append(files, f)
			}
		}
		if len(files) != 5 {
			t.Fatalf("found %d message samples", len(files))
		}
		for _, file := range files {
			name := strings.TrimSuffix(filepath.Base(file), ".json")
			t.Run(name, func(t *testing.T) {
				msg, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				body := fmt.Sprintf(`{"request":{"method":"send_message","id":%q,"sync":true},"recipient":{"id":%q},"messaging_type":"RESPONSE","message":%s}`,
					name, harness.User, msg)
				status, resp := env.Bothub(body)
				sends := env.Fake.Sends()
				if status != 200 || len(sends) == 0 {
					t.Fatalf("status %d: %s", status, resp)
				}
				last := sends[len(sends)-1]
				want := fmt.Sprintf(`{"request_id":%q,"recipient_id":%q,"message_id":%q}`, name, harness.User, last.MessageID)
				if got := harness.Compact(t, resp); got != want {
					t.Errorf("answer %s, want %s", got, want)
				}
				golden(t, "seed000/"+name+".graph.json", last.Body)
			})
		}
		t.Run("request_phone", func(t *testing.T) {
			req, err := os.ReadFile("testdata/seed000/request_phone.json")
			if err != nil {
				t.Fatal(err)
			}
			// The sample's comment was removed; the rest is as published.
			status, resp := env.Bothub(string(req))
			sends := env.Fake.Sends()
			if status != 200 {
				t.Fatalf("status %d: %s", status, resp)
			}
			last := sends[len(sends)-1]
			// Graph gives no recipient_id for a phone-number send, so neither does botgate.
			want := fmt.Sprintf(`{"request_id":"F4js0Za1","message_id":%q}`, last.MessageID)
			if got := harness.Compact(t, resp); got != want {
				t.Errorf("answer %s, want %s", got, want)
			}
			golden(t, "seed000/request_phone.graph.json", last.Body)
		})
	})
}
