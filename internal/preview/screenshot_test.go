package preview

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestScreenshot draws a sample of previews side by side into
// docs/console/previews.png, when BOTGATE_SCREENSHOTS is set (as the
// console's browser tests do), with Debian's chromium.
func TestScreenshot(t *testing.T) {
	if os.Getenv("BOTGATE_SCREENSHOTS") == "" {
		t.Skip("set BOTGATE_SCREENSHOTS to draw docs/console/previews.png")
	}
	columns := []struct {
		class string
		names []string
	}{
		{"pv-messenger", []string{"messenger.generic_carousel", "bothub.message_receipt", "dispatch.block_all_sources.1"}},
		{"pv-whatsapp", []string{"whatsapp.interactive_button", "whatsapp.interactive_list", "whatsapp.template", "whatsapp.document", "whatsapp.text_preview_url"}},
	}
	byName := map[string]body{}
	for _, b := range bodies(t) {
		byName[b.name] = b
	}
	var page strings.Builder
	page.WriteString(`<!doctype html><meta charset=utf-8><style>` + Stylesheet +
		`body{margin:0;padding:16px;display:flex;gap:16px;background:#f6f7f9;align-items:flex-start}` +
		`.pv-screen{width:400px;display:flex;flex-direction:column;gap:10px}</style>`)
	for _, col := range columns {
		fmt.Fprintf(&page, `<div class="pv-screen %s">`, col.class)
		for _, name := range col.names {
			html, err := render(byName[name], Taps{URL: "#"})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			page.WriteString(html)
		}
		page.WriteString(`</div>`)
	}
	file := filepath.Join(t.TempDir(), "previews.html")
	if err := os.WriteFile(file, []byte(page.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath("/usr/bin/chromium"),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(864, 900), chromedp.UserDataDir(t.TempDir()))
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+file), chromedp.Click(`details.pv-list summary`)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "docs", "console", "previews.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
