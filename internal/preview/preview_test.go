package preview

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden previews in testdata/golden")

// body is one real body the dispatcher sends (or a Cloud API / Send API
// shape it may send), named for its golden file.
type body struct {
	name     string
	whatsApp bool
	data     []byte
}

// bodies gathers the bodies the faces' and the dispatcher's own golden tests
// assert are sent to Graph, so the previews follow them as they change, and
// this package's samples of the shapes no face sends yet.
func bodies(t testing.TB) []body {
	var out []body
	add := func(pattern, prefix string, whatsApp bool) {
		files, err := filepath.Glob(pattern)
		if err != nil || len(files) == 0 {
			t.Fatalf("no bodies in %s (%v)", pattern, err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			name := prefix + strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".json"), ".graph")
			if strings.HasSuffix(f, ".golden") {
				// One body per line.
				sc := bufio.NewScanner(bytes.NewReader(data))
				sc.Buffer(nil, 1<<20)
				for i := 0; sc.Scan(); i++ {
					line := bytes.TrimSpace(sc.Bytes())
					if len(line) > 0 && line[0] == '{' {
						out = append(out, body{fmt.Sprintf("%s%s.%d", prefix,
							strings.TrimSuffix(filepath.Base(f), ".golden"), i), whatsApp, bytes.Clone(line)})
					}
				}
				continue
			}
			out = append(out, body{name, whatsApp, data})
		}
	}
	add("../dispatch/testdata/render/*.golden", "dispatch.", false)
	add("../api/bothub/testdata/*/*.graph.json", "bothub.", false)
	add("../api/sobot/testdata/send/*.graph.json", "sobot.", false)
	add("testdata/messenger/*.json", "messenger.", false)
	add("testdata/whatsapp/*.json", "whatsapp.", true)
	return out
}

func render(b body, taps Taps) (string, error) {
	var h any
	var err error
	if b.whatsApp {
		h, err = WhatsAppTaps(b.data, taps)
	} else {
		h, err = MessengerTaps(b.data, taps)
	}
	return fmt.Sprint(h), err
}

// TestGolden renders every body and compares with testdata/golden. Run with
// -update to rewrite, then read the diff (and look at gallery.html).
func TestGolden(t *testing.T) {
	var gallery strings.Builder
	for _, b := range bodies(t) {
		got, err := render(b, Taps{})
		if err != nil {
			t.Errorf("%s: %v", b.name, err)
			continue
		}
		screen := "pv-messenger"
		if b.whatsApp {
			screen = "pv-whatsapp"
		}
		fmt.Fprintf(&gallery, "<h2>%s</h2><div class=\"pv-screen %s\">%s</div>\n", b.name, screen, got)
		path := filepath.Join("testdata", "golden", b.name+".html")
		if *update {
			if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v (run with -update)", b.name, err)
			continue
		}
		if got+"\n" != string(want) {
			t.Errorf("%s: preview differs from %s:\n%s", b.name, path, got)
		}
	}
	if *update {
		page := "<!doctype html><meta charset=utf-8><title>previews</title><style>" + Stylesheet +
			"body{font-family:sans-serif;max-width:420px;margin:auto;background:#f6f7f9}h2{font-size:13px;color:#555}</style>\n" +
			gallery.String()
		if err := os.WriteFile(filepath.Join("testdata", "gallery.html"), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
