package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// docBlock is one fenced ```sh block of a document.
type docBlock struct {
	file string
	line int    // of the opening fence
	code string // the block's text
	skip bool   // fenced ```sh skip: needs Facebook, or only illustrates
}

// docBlocks returns the ```sh blocks of a Markdown text.
func docBlocks(file, text string) []docBlock {
	var out []docBlock
	var cur *docBlock
	for i, line := range strings.Split(text, "\n") {
		fence := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(fence, "```"):
			info := strings.Fields(strings.TrimPrefix(fence, "```"))
			cur = &docBlock{file: file, line: -1} // another language: passed over
			if len(info) > 0 && info[0] == "sh" {
				cur = &docBlock{file: file, line: i + 1, skip: len(info) > 1 && info[1] == "skip"}
			}
		case cur != nil && fence == "```":
			if cur.line > 0 {
				out = append(out, *cur)
			}
			cur = nil
		case cur != nil:
			cur.code += line + "\n"
		}
	}
	return out
}

// expected is what a block says it prints: its comment-only lines ("# …"),
// in order, each matching a whole line of the output, where "…" stands for
// any text.
func (b docBlock) expected() []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, line := range strings.Split(b.code, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "# ") {
			continue
		}
		parts := strings.Split(strings.TrimPrefix(line, "# "), "…")
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		out = append(out, regexp.MustCompile(`^`+strings.Join(parts, `.*`)+`$`))
	}
	return out
}

// matches reports whether output holds lines matching want, in order.
func matches(output string, want []*regexp.Regexp) bool {
	lines := strings.Split(output, "\n")
	i := 0
	for _, re := range want {
		for i < len(lines) && !re.MatchString(lines[i]) {
			i++
		}
		if i == len(lines) {
			return false
		}
		i++
	}
	return true
}

func TestDocBlocksAreFoundAndTheirAnswersMatched(t *testing.T) {
	md := "text\n```sh\ncurl -s x\n# {\"id\":\"m_…\"}\n```\n```json\n{}\n```\n```sh skip\nrm -rf /\n```\n```\n```sh\n```\n"
	blocks := docBlocks("x.md", md)
	if len(blocks) != 2 || blocks[0].line != 2 || blocks[0].code != "curl -s x\n# {\"id\":\"m_…\"}\n" || blocks[0].skip ||
		!blocks[1].skip || blocks[1].code != "rm -rf /\n" {
		t.Fatalf("blocks: %+v", blocks)
	}
	want := blocks[0].expected()
	if !matches("noise\n{\"id\":\"m_123\"}\n", want) || matches("{\"id\":\"x_1\"}\n", want) || matches("{\"id\":\"m_1\"} and more\n", want) {
		t.Error("expected lines match the wrong outputs")
	}
}

// docPlaceholders are the only words a documented command may leave for the
// reader to fill in, each with what the docs test puts there; README.md
// (Documents) lists them for writers.
func docPlaceholders(url, graphURL, key, token, bot string) *strings.Replacer {
	return strings.NewReplacer(
		"bgk_…", key,
		"<admin token>", token,
		"bot_…", bot,
		"http://127.0.0.1:8080", url,
		"http://127.0.0.1:8081", graphURL,
	)
}

// Every ```sh block of README.md and docs/*.md runs as written against a
// sandbox, in document order, README first: each must exit 0 and print what
// its "# …" lines say; a block that says nothing must not print an error.
// Exported variables carry from one block to the next, as in one terminal.
func TestDocsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every documented command")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	sort.Strings(files)
	files = append([]string{filepath.Join(root, "README.md")}, files...)

	dir := t.TempDir()
	s := serve(t, "--sandbox", "--database", filepath.Join(dir, "sandbox.db"))
	s.wait(t, inboxRe)
	out := s.stdout.String()
	url, bot, token, key := welcomeRe.FindStringSubmatch(out), demoBotRe.FindStringSubmatch(out), adminRe.FindStringSubmatch(out), keyRe.FindStringSubmatch(out)
	if url == nil || bot == nil || token == nil || key == nil {
		t.Fatalf("sandbox welcome:\n%s", out)
	}
	fill := docPlaceholders(url[1], url[2], key[1], token[1], bot[1])

	envFile := filepath.Join(dir, "env.sh")
	var environ []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BOTGATE_") && !strings.HasPrefix(kv, "PATH=") {
			environ = append(environ, kv)
		}
	}
	// `botgate` is this build; BOTGATE_SERVER is the CLI's default, the
	// sandbox's address, made this test's.
	environ = append(environ, "PATH="+filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"), "BOTGATE_SERVER="+url[1])
	if err := os.WriteFile(envFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, file)
		for _, b := range docBlocks(rel, string(text)) {
			if b.skip {
				continue
			}
			ran++
			b.code = fill.Replace(b.code)
			script := fmt.Sprintf("set -eo pipefail\n. %q\n%s\nexport -p > %q\n", envFile, b.code, envFile)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			cmd := exec.CommandContext(ctx, "bash", "-c", script)
			cmd.Dir = root
			cmd.Env = environ
			// A block that starts a server never ends: the whole group goes.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
			cmd.WaitDelay = 5 * time.Second
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			cancel()
			where := fmt.Sprintf("%s:%d", b.file, b.line)
			want := b.expected()
			switch {
			case err != nil:
				t.Errorf("%s: %v\n%s\nstdout:\n%s\nstderr:\n%s", where, err, b.code, &stdout, &stderr)
			case len(want) > 0 && !matches(stdout.String(), want):
				t.Errorf("%s: the output does not match the block's # lines:\n%s\nstdout:\n%s", where, b.code, &stdout)
			case len(want) == 0 && strings.Contains(stdout.String(), `"error"`):
				t.Errorf("%s: printed an error:\n%s\nstdout:\n%s", where, b.code, &stdout)
			}
		}
	}
	if ran == 0 {
		t.Error("no runnable ```sh block found")
	}
}
