package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/importer"
	"github.com/botgate/botgate/internal/server"
)

// importCmd reads a vendor's export straight into the database: a million
// rows need no HTTP request held open, and the admin API's
// POST /admin/v1/bots/{id}/import does the same for those without the
// database's address.
type importCmd struct {
	Database  string `default:"./botgate.db" env:"BOTGATE_DATABASE" help:"SQLite path, sqlite://PATH, or postgres://…"`
	SecretKey string `env:"BOTGATE_SECRET_KEY" help:"Key sealing bot secrets (see serve)."`
	Bot       string `required:"" env:"BOTGATE_IMPORT_BOT" help:"The bot the rows belong to."`
	Kind      string `required:"" enum:"contacts,links,params,subscriptions,blocks" env:"BOTGATE_IMPORT_KIND" help:"What the file holds: contacts, links, params, subscriptions or blocks."`
	Format    string `enum:",jsonl,csv" default:"" env:"BOTGATE_IMPORT_FORMAT" help:"jsonl or csv; by default from the file's extension (.jsonl, .ndjson, .csv)."`
	DryRun    bool   `env:"BOTGATE_IMPORT_DRY_RUN" help:"Report what would change, writing nothing."`
	File      string `arg:"" help:"The file to import; - reads standard input."`
}

func (c *importCmd) Run(e *env) error {
	format, err := c.format()
	if err != nil {
		return err
	}
	in := io.Reader(os.Stdin)
	if c.File != "-" {
		f, err := os.Open(c.File)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	cfg := server.Defaults()
	cfg.Database, cfg.SecretKey = c.Database, c.SecretKey
	// Batches already written stay written if interrupted: run again to finish.
	st, err := server.OpenStore(context.WithoutCancel(e.ctx), cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	bot, err := st.GetBot(e.ctx, c.Bot)
	if err == nil && bot.Deleted {
		err = core.Errorf(core.KindNotFound, "bot %s was deleted", c.Bot)
	}
	if err != nil {
		return fmt.Errorf("bot %s: %w", c.Bot, err)
	}
	sum, err := importer.Run(e.ctx, st, bot, in, importer.Options{Kind: c.Kind, Format: format, DryRun: c.DryRun},
		func(r importer.Refusal) {
			field := ""
			if r.Field != "" && !strings.HasPrefix(r.Reason, r.Field) {
				field = r.Field + ": "
			}
			fmt.Fprintf(e.stdout, "line %d: refused: %s%s\n", r.Line, field, r.Reason)
		})
	fmt.Fprintln(e.stdout, summaryLine(sum))
	if err != nil {
		return err
	}
	if sum.Refused > 0 {
		return fmt.Errorf("%d rows refused", sum.Refused)
	}
	return nil
}

func (c *importCmd) format() (string, error) {
	if c.Format != "" {
		return c.Format, nil
	}
	switch strings.ToLower(filepath.Ext(c.File)) {
	case ".jsonl", ".ndjson":
		return importer.FormatJSONLines, nil
	case ".csv":
		return importer.FormatCSV, nil
	}
	return "", fmt.Errorf("say --format jsonl or csv: %q does not end in .jsonl, .ndjson or .csv", c.File)
}

func summaryLine(s importer.Summary) string {
	line := fmt.Sprintf("%s: %d rows: %d created, %d updated, %d unchanged, %d refused",
		s.Kind, s.Rows, s.Created, s.Updated, s.Unchanged, s.Refused)
	if s.DryRun {
		line += " (dry run: nothing written)"
	}
	return line
}
