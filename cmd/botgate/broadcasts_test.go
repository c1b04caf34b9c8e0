package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestBroadcastsCommands: create (a dry run first) from a file, follow the
// broadcast to completion with show and list, read its recipients as a
// table and as CSV; pause, resume and cancel a scheduled one.
func TestBroadcastsCommands(t *testing.T) {
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{})
	cli := adminCLI{t: t, flags: []string{"--bot", env.BotID, "--server", env.Server.URL(), "--admin-token", harness.AdminToken}}
	dir := t.TempDir()
	file := filepath.Join(dir, "sale.json")
	words := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	body := `{"name":"Winter sale","channel":"messenger","messaging_type":"RESPONSE",
	  "content":{"message":{"text":"Winter sale: 20% off today"}},
	  "audience":{"list":[{"psid":"` + harness.User + `"},{"psid":"` + harness.OtherUser + `"}]}}`
	// The first user writes, so a RESPONSE reaches them; the other is skipped.
	if _, err := env.Fake.UserSendsText(harness.Page, harness.User, "Hi!"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	harness.WaitFor(t, "the contact", 10*time.Second, func() bool {
		return strings.Contains(words(cli.ok("broadcasts", "create", "--dry-run", file)), "skipped: outside_window 1")
	})
	out := words(cli.ok("broadcasts", "create", "--dry-run", file))
	if !strings.Contains(out, "dry run (messenger): nothing stored, nothing sent") ||
		!strings.Contains(out, "counts: targeted 2, ") || !strings.Contains(out, "skipped: outside_window 1") {
		t.Fatalf("dry run printed:\n%s", out)
	}
	if out := cli.ok("broadcasts", "list"); strings.Count(out, "\n") != 1 {
		t.Fatalf("a dry run stored a broadcast:\n%s", out)
	}

	var created struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	cli.decode(&created, "broadcasts", "create", file)
	if !strings.HasPrefix(created.ID, "bc") {
		t.Fatalf("create: %+v", created)
	}
	harness.WaitFor(t, "the broadcast to complete", 30*time.Second, func() bool {
		return strings.Contains(cli.ok("broadcasts", "show", created.ID), "completed")
	})
	out = words(cli.ok("broadcasts", "show", created.ID))
	if !strings.HasPrefix(out, created.ID+" Winter sale messenger completed") || !strings.Contains(out, "sent 1,") ||
		!strings.Contains(out, "skipped: outside_window 1") || !strings.Contains(out, "finished: ") {
		t.Fatalf("show printed:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(cli.ok("broadcasts", "list")), "\n")
	if len(lines) != 2 || words(lines[0]) != "ID NAME CHANNEL STATE TARGETED SENT FAILED SKIPPED CREATED" ||
		!strings.HasPrefix(words(lines[1]), created.ID+" Winter sale messenger completed 2 1 0 1 ") {
		t.Fatalf("list printed:\n%s", strings.Join(lines, "\n"))
	}

	lines = strings.Split(strings.TrimSpace(cli.ok("broadcasts", "recipients", created.ID, "--state", "skipped")), "\n")
	if len(lines) != 2 || words(lines[0]) != "RECIPIENT STATE SCHEDULED MESSAGE REASON" || !strings.HasPrefix(words(lines[1]), harness.OtherUser+" skipped ") || !strings.HasSuffix(words(lines[1]), " - outside_window") {
		t.Fatalf("recipients printed:\n%s", strings.Join(lines, "\n"))
	}
	rows, err := csv.NewReader(strings.NewReader(cli.ok("broadcasts", "recipients", created.ID, "--csv"))).ReadAll()
	if err != nil || len(rows) != 3 || !slices.Equal(rows[0], []string{"recipient", "state", "scheduled_at", "message_id", "reason"}) {
		t.Fatalf("recipients --csv: %v %q", err, rows)
	}
	sent := 0
	for _, r := range rows[1:] {
		if r[1] == "sent" && strings.HasPrefix(r[3], "msg_") {
			sent++
		}
	}
	if sent != 1 {
		t.Fatalf("recipients --csv: %d sent rows in %q", sent, rows)
	}

	// A broadcast due at 09:00 on a day years away: pause, resume, cancel;
	// then no more changes.
	later := filepath.Join(dir, "later.yaml")
	yaml := "name: Later\nchannel: messenger\nmessaging_type: RESPONSE\ncontent: {message: {text: Later}}\n" +
		"audience: {list: [{psid: \"" + harness.User + "\"}]}\nschedule: {local_time: \"09:00\", date: \"2030-12-25\"}\n"
	if err := os.WriteFile(later, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cli.decode(&created, "broadcasts", "create", later)
	for _, step := range [][2]string{{"pause", "paused"}, {"resume", "scheduled"}, {"cancel", "cancelled"}} {
		if out := words(cli.ok("broadcasts", step[0], created.ID)); !strings.HasPrefix(out, created.ID+" Later messenger "+step[1]) {
			t.Fatalf("%s printed:\n%s", step[0], out)
		}
	}
	if err := cli.fails("broadcasts", "pause", created.ID); !strings.Contains(err.Error(), "HTTP 409") {
		t.Fatalf("pause after cancel: %v", err)
	}
	if err := cli.fails("broadcasts", "show", "bc_nope"); !strings.Contains(err.Error(), "HTTP 404") {
		t.Fatalf("show of an unknown broadcast: %v", err)
	}
	if _, err := runCLI(t, nil, append([]string{"broadcasts", "create", filepath.Join(dir, "missing.json")}, cli.flags...)...); err == nil {
		t.Fatal("create from a missing file succeeded")
	}
}

// TestBroadcastsDraftCommands: create --draft saves a draft that sends
// nothing; edit replaces it from another file; schedule sends the edited
// text; a scheduled broadcast is no draft to edit or delete; delete
// removes a draft.
func TestBroadcastsDraftCommands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		cli := adminCLI{t: t, flags: []string{"--bot", env.BotID, "--server", env.Server.URL(), "--admin-token", harness.AdminToken}}
		dir := t.TempDir()
		words := func(s string) string { return strings.Join(strings.Fields(s), " ") }
		write := func(name, text string) string {
			file := filepath.Join(dir, name)
			body := "name: Spring sale\nchannel: messenger\nmessaging_type: MESSAGE_TAG\ntag: ACCOUNT_UPDATE\n" +
				"content: {message: {text: \"" + text + "\"}}\naudience: {list: [{psid: \"" + harness.User + "\"}]}\n"
			if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			return file
		}
		first, second := write("first.yaml", "Spring sale: 10% off"), write("second.yaml", "Spring sale: 15% off")

		var d struct {
			ID    string `json:"id"`
			State string `json:"state"`
		}
		cli.decode(&d, "broadcasts", "create", "--draft", first)
		if d.State != "draft" {
			t.Fatalf("create --draft: %+v", d)
		}
		if out := words(cli.ok("broadcasts", "list")); !strings.Contains(out, d.ID+" Spring sale messenger draft 0 0 0 0 ") {
			t.Fatalf("list printed:\n%s", out)
		}
		if err := cli.fails("broadcasts", "create", "--draft", "--dry-run", first); !strings.Contains(err.Error(), "give one") {
			t.Fatalf("--draft --dry-run: %v", err)
		}
		if out := words(cli.ok("broadcasts", "edit", d.ID, second)); !strings.HasPrefix(out, d.ID+" Spring sale messenger draft") {
			t.Fatalf("edit printed:\n%s", out)
		}
		if n := len(env.Fake.SentTo(harness.User)); n != 0 {
			t.Fatalf("a draft sent %d messages", n)
		}
		if out := words(cli.ok("broadcasts", "schedule", d.ID)); !strings.HasPrefix(out, d.ID+" Spring sale messenger ") || strings.Contains(out, " draft") {
			t.Fatalf("schedule printed:\n%s", out)
		}
		harness.WaitFor(t, "the broadcast to complete", 30*time.Second, func() bool {
			return strings.Contains(cli.ok("broadcasts", "show", d.ID), "completed") && len(env.Fake.SentTo(harness.User)) == 1
		})
		if sent := env.Fake.SentTo(harness.User); sent[0].Parsed["message"].(map[string]any)["text"] != "Spring sale: 15% off" {
			t.Fatalf("sent %v", sent[0].Parsed)
		}
		for _, args := range [][]string{{"edit", d.ID, first}, {"schedule", d.ID}, {"delete", d.ID}} {
			if err := cli.fails(append([]string{"broadcasts"}, args...)...); !strings.Contains(err.Error(), "HTTP 409") || !strings.Contains(err.Error(), "only a draft can be") {
				t.Fatalf("%v of a completed broadcast: %v", args, err)
			}
		}

		cli.decode(&d, "broadcasts", "create", "--draft", first)
		if out := cli.ok("broadcasts", "delete", d.ID); out != "deleted "+d.ID+"\n" {
			t.Fatalf("delete printed %q", out)
		}
		if err := cli.fails("broadcasts", "show", d.ID); !strings.Contains(err.Error(), "HTTP 404") {
			t.Fatalf("show of a deleted draft: %v", err)
		}
	})
}
