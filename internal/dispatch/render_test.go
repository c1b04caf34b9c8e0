package dispatch_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/dispatch"
)

var update = flag.Bool("update", false, "rewrite golden files")

type renderCase struct {
	Settings core.Settings    `json:"settings"`
	Profile  *core.Profile    `json:"profile"`
	Request  core.SendRequest `json:"request"`
}

func TestBodiesGolden(t *testing.T) {
	cases, _ := filepath.Glob("testdata/render/*.json")
	if len(cases) < 3 {
		t.Fatalf("found %d cases", len(cases))
	}
	for _, file := range cases {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var c renderCase
			if err := json.Unmarshal(data, &c); err != nil {
				t.Fatal(err)
			}
			bot := &core.Bot{Settings: c.Settings.WithDefaults()}
			bodies, err := dispatch.Bodies(bot, &c.Request, c.Profile)
			if err != nil {
				t.Fatal(err)
			}
			got := bytes.Join(bodies, []byte("\n"))
			path := filepath.Join("testdata/render", name+".golden")
			if *update {
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if string(got)+"\n" != string(want) {
				t.Errorf("bodies:\n%s\nwant:\n%s", got, want)
			}
			// Rendering is pure: the same input gives the same bytes.
			again, _ := dispatch.Bodies(bot, &c.Request, c.Profile)
			if !bytes.Equal(bytes.Join(again, []byte("\n")), got) {
				t.Error("a second rendering differs")
			}
		})
	}
}

// The keep mode sends an unfilled placeholder as written; reject refuses it.
func TestBodiesUnfilledModes(t *testing.T) {
	req := core.SendRequest{Recipient: core.Recipient{ID: "p"}, PSID: "p", MessagingType: "RESPONSE", Cards: []core.Message{{Text: "Code {{code}}"}}}
	keep := &core.Bot{Settings: core.Settings{UnfilledPlaceholder: core.UnfilledKeep}.WithDefaults()}
	bodies, err := dispatch.Bodies(keep, &req, nil)
	if err != nil || string(bodies[0]) != `{"recipient":{"id":"p"},"messaging_type":"RESPONSE","message":{"text":"Code {{code}}"}}` {
		t.Fatalf("keep: %s, %v", bodies, err)
	}
	reject := &core.Bot{Settings: core.Settings{}.WithDefaults()}
	_, err = dispatch.Bodies(reject, &req, nil)
	if e := core.AsError(err); e == nil || e.Kind != core.KindInvalid || e.Field != "message.text" {
		t.Fatalf("reject: %v", err)
	}
}

// FuzzBodies renders arbitrary cards and parameters: no panic, and every
// success is valid JSON Graph would parse, with no block button left and, in
// reject mode, no placeholder left in a filled field.
func FuzzBodies(f *testing.F) {
	seeds := []string{
		`{"text":"Hi {{first_name}} {{points}}"}`,
		`{"attachment":{"type":"template","payload":{"template_type":"generic","elements":[{"title":"{{prize}}","buttons":[{"type":"block","title":"t","block_name":"b"}]}]}}}`,
		`{"text":"{{{{points}}}}"}`,
		`{"text":"x","quick_replies":[{"content_type":"text","title":"{{a}}","payload":"p"}]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), "points", "120", uint8(0))
	}
	f.Fuzz(func(t *testing.T, card []byte, key, value string, mode uint8) {
		var m core.Message
		if core.DecodeStrict(card, &m, "message") != nil {
			return
		}
		modes := []core.Unfilled{core.UnfilledReject, core.UnfilledEmpty, core.UnfilledKeep}
		bot := &core.Bot{Settings: core.Settings{UnfilledPlaceholder: modes[int(mode)%3]}.WithDefaults()}
		req := core.SendRequest{Recipient: core.Recipient{ID: "p"}, PSID: "p", MessagingType: "RESPONSE",
			Cards: []core.Message{m}, Params: map[string]string{key: value}}
		bodies, err := dispatch.Bodies(bot, &req, &core.Profile{FirstName: "Ann"})
		if err != nil {
			if core.ErrorKind(err) == core.KindInternal {
				t.Fatalf("internal error: %v", err)
			}
			return
		}
		var body struct {
			Message core.Message `json:"message"`
		}
		if err := json.Unmarshal(bodies[0], &body); err != nil {
			t.Fatalf("body is not JSON: %v", err)
		}
		if strings.Contains(string(bodies[0]), `"type":"block"`) {
			t.Fatalf("a block button reached Graph: %s", bodies[0])
		}
	})
}
