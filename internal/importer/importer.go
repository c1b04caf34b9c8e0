// Package importer moves a team in from a vendor: it reads an export of one
// kind (contacts, links, params, subscriptions or blocks) as JSON Lines or
// CSV, streamed, checks each row with the core, and upserts the rows in
// batches through the store, so memory stays bounded however long the file.
// docs/import.md describes the files.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// Formats.
const (
	FormatJSONLines = "jsonl"
	FormatCSV       = "csv"
)

// BatchSize is how many rows are read and written together; blocks, which
// are large, go a few at a time.
const (
	BatchSize      = 500
	BlockBatchSize = 20
)

// Options say what a file holds and whether to write it.
type Options struct {
	Kind   string
	Format string
	DryRun bool
}

// Summary counts what the import did, or would do in a dry run.
type Summary struct {
	Kind      string `json:"kind"`
	DryRun    bool   `json:"dry_run"`
	Rows      int    `json:"rows"`
	Created   int    `json:"created"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	Refused   int    `json:"refused"`
}

// Changed is how many rows changed, or would.
func (s Summary) Changed() int { return s.Created + s.Updated }

// Refusal is a row not imported, and why.
type Refusal struct {
	Line   int    `json:"line"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// Run imports bot's rows of one kind from in, calling refused for each row
// it refuses, in file order. On an error the batches before it stay
// written; running the file again finishes the job.
func Run(ctx context.Context, st *store.Store, bot *core.Bot, in io.Reader, opt Options, refused func(Refusal)) (Summary, error) {
	sum := Summary{Kind: opt.Kind, DryRun: opt.DryRun}
	if err := core.CheckImportFields(opt.Kind, nil); err != nil {
		return sum, err
	}
	var src source
	switch opt.Format {
	case FormatJSONLines:
		src = newJSONLines(in)
	case FormatCSV:
		c, err := newCSV(in, opt.Kind)
		if err != nil {
			return sum, err
		}
		src = c
	default:
		return sum, core.Invalid("format", "must be jsonl or csv, not %q", opt.Format)
	}
	now := st.Now
	id := bot.ID
	var err error
	switch opt.Kind {
	case core.ImportContacts:
		err = run(ctx, src, opt, &sum, refused, BatchSize,
			func(r core.ImportRow) (core.ImportedContact, error) { return core.ContactFromRow(bot, r, now()) },
			func(rows []core.ImportedContact) ([]core.ImportOutcome, error) {
				return st.ImportContacts(ctx, id, rows, opt.DryRun)
			})
	case core.ImportLinks:
		err = run(ctx, src, opt, &sum, refused, BatchSize,
			func(r core.ImportRow) ([]core.Link, error) { return core.LinksFromRow(bot, r) },
			func(rows [][]core.Link) ([]core.ImportOutcome, error) {
				return st.ImportLinks(ctx, id, rows, opt.DryRun)
			})
	case core.ImportParams:
		err = run(ctx, src, opt, &sum, refused, BatchSize,
			func(r core.ImportRow) (core.ImportedParam, error) { return core.ParamFromRow(bot, r) },
			func(rows []core.ImportedParam) ([]core.ImportOutcome, error) {
				return st.ImportParams(ctx, id, rows, opt.DryRun)
			})
	case core.ImportSubscriptions:
		err = run(ctx, src, opt, &sum, refused, BatchSize,
			func(r core.ImportRow) (core.ImportedSubscription, error) {
				return core.SubscriptionFromRow(bot, r, now())
			},
			func(rows []core.ImportedSubscription) ([]core.ImportOutcome, error) {
				return st.ImportSubscriptions(ctx, id, rows, opt.DryRun)
			})
	case core.ImportBlocks:
		err = run(ctx, src, opt, &sum, refused, BlockBatchSize,
			func(r core.ImportRow) (store.ImportedBlock, error) {
				name, cards, err := core.BlockFromRow(r)
				return store.ImportedBlock{Name: name, Cards: cards}, err
			},
			func(rows []store.ImportedBlock) ([]core.ImportOutcome, error) {
				return st.ImportBlocks(ctx, id, rows, opt.DryRun)
			})
	}
	return sum, err
}

// run reads src to its end, checking rows with parse and saving them size
// at a time with save.
func run[T any](ctx context.Context, src source, opt Options, sum *Summary, refused func(Refusal), size int,
	parse func(core.ImportRow) (T, error), save func([]T) ([]core.ImportOutcome, error)) error {
	batch := make([]T, 0, size)
	last := 0 // the line of the batch's last row
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		outcomes, err := save(batch)
		if err != nil {
			return fmt.Errorf("importing the rows up to line %d: %w", last, err)
		}
		for _, o := range outcomes {
			switch o {
			case core.ImportCreated:
				sum.Created++
			case core.ImportUpdated:
				sum.Updated++
			default:
				sum.Unchanged++
			}
		}
		batch = batch[:0]
		return ctx.Err()
	}
	refuse := func(line int, err error) {
		e := core.AsError(err)
		sum.Refused++
		refused(Refusal{Line: line, Field: e.Field, Reason: e.Message})
	}
	for {
		line, row, refusal, err := src.next()
		if errors.Is(err, io.EOF) {
			return flush()
		}
		if err != nil {
			if core.ErrorKind(err) != core.KindInternal {
				return err
			}
			// The file, not the database: a client that stopped sending, a disk.
			return core.Errorf(core.KindInvalid, "could not read the file: %v", err)
		}
		sum.Rows++
		if refusal != nil {
			refuse(line, refusal)
			continue
		}
		if err := core.CheckImportFields(opt.Kind, slices.Sorted(maps.Keys(row))); err != nil {
			refuse(line, err)
			continue
		}
		v, err := parse(row)
		if err != nil {
			if core.ErrorKind(err) == core.KindInternal {
				return err
			}
			refuse(line, err)
			continue
		}
		last = line
		if batch = append(batch, v); len(batch) == size {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}
