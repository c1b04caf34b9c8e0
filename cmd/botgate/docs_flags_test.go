package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// readmeFlagRow is one row of README.md's table of `botgate serve` flags.
type readmeFlagRow struct {
	line             int
	flag, env, deflt string // the first three cells, as written
}

// readmeServeFlags returns the rows of the flag table in README.md's
// Configuration section: the lines there starting "| `--".
func readmeServeFlags(t *testing.T) []readmeFlagRow {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []readmeFlagRow
	section := false
	for i, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "## ") {
			section = line == "## Configuration"
			continue
		}
		if !section || !strings.HasPrefix(line, "| `--") {
			continue
		}
		cells := strings.SplitN(line, "|", 5) // "", flag, variable, default, meaning…
		if len(cells) < 5 {
			t.Fatalf("README.md:%d: not a flag row of four cells: %s", i+1, line)
		}
		rows = append(rows, readmeFlagRow{
			line:  i + 1,
			flag:  strings.TrimSpace(cells[1]),
			env:   strings.TrimSpace(cells[2]),
			deflt: strings.TrimSpace(cells[3]),
		})
	}
	if len(rows) == 0 {
		t.Fatal("README.md: no flag table under ## Configuration")
	}
	return rows
}

// serveFlags returns the flags of the serve command as kong models them,
// with the parser built as runWith builds it.
func serveFlags(t *testing.T) []*kong.Flag {
	t.Helper()
	var c cli
	parser, err := newParser(&c, func(string) string { return "" }, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range parser.Model.Children {
		if n.Name == "serve" {
			return n.Flags
		}
	}
	t.Fatal("no serve command in the model")
	return nil
}

// readmeFlagName is how the README's table writes a flag: a negatable one
// (--console, --no-console) is one row, `--[no-]console`.
func readmeFlagName(f *kong.Flag) string {
	if f.Tag.Negatable != "" {
		return "`--[no-]" + f.Name + "`"
	}
	return "`--" + f.Name + "`"
}

var codeCell = regexp.MustCompile("^`([^`]*)`$")

// README.md's table of serve flags and serveCmd agree both ways: every flag
// has a row and every row is a flag, with the flag's variable, and with its
// default wherever the default cell is a single `value`. Such cells compare
// as text with the default tag (durations are written as in the tag: `10s`,
// `720h`); other cells describe the default in words and are not compared,
// except a bool's "on"/"off".
func TestREADMEServeFlagTable(t *testing.T) {
	flags := map[string]*kong.Flag{}
	for _, f := range serveFlags(t) {
		if f.Name == "help" || f.Name == "version" || f.Hidden {
			continue
		}
		flags[readmeFlagName(f)] = f
	}
	rows := map[string]bool{}
	for _, r := range readmeServeFlags(t) {
		where := fmt.Sprintf("README.md:%d", r.line)
		if rows[r.flag] {
			t.Errorf("%s: %s has a second row", where, r.flag)
		}
		rows[r.flag] = true
		f, ok := flags[r.flag]
		if !ok {
			t.Errorf("%s: %s is not a flag of botgate serve", where, r.flag)
			continue
		}
		if want := "`" + strings.Join(f.Envs, "`, `") + "`"; r.env != want {
			t.Errorf("%s: %s: variable %s, the flag's is %s", where, r.flag, r.env, want)
		}
		isBool := f.Target.Kind() == reflect.Bool
		switch m := codeCell.FindStringSubmatch(r.deflt); {
		case m != nil && m[1] != f.Default:
			t.Errorf("%s: %s: default %s, the flag's is %q", where, r.flag, r.deflt, f.Default)
		case isBool && r.deflt == "on" && f.Default != "true",
			isBool && r.deflt == "off" && f.Default != "" && f.Default != "false":
			t.Errorf("%s: %s: default %s, the flag's is %q", where, r.flag, r.deflt, f.Default)
		}
	}
	var missing []string
	for name := range flags {
		if !rows[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		t.Errorf("README.md: no row for %s (%s)", name, strings.Join(flags[name].Envs, ", "))
	}
}
