package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// The local copy of each WhatsApp Business Account's templates, keyed by
// (waba_id, name, language) as Graph keys them.

const templateColumns = `id, name, language, category, status, components, parameter_format, quality, reason, updated_at`

func scanTemplate(row interface{ Scan(...any) error }) (*core.WATemplateDef, error) {
	var d core.WATemplateDef
	var components string
	var updated int64
	if err := row.Scan(&d.ID, &d.Name, &d.Language, &d.Category, &d.Status, &components, &d.ParameterFormat, &d.Quality, &d.Reason, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(components), &d.Components); err != nil {
		return nil, err
	}
	d.UpdatedAt = fromMS(updated)
	return &d, nil
}

// GetTemplate returns the account's template name in language.
func (s *Store) GetTemplate(ctx context.Context, wabaID, name, language string) (*core.WATemplateDef, error) {
	d, err := scanTemplate(s.queryRow(ctx, `SELECT `+templateColumns+` FROM wa_templates WHERE waba_id = $1 AND name = $2 AND language = $3`,
		wabaID, name, language))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "no template %s in %s", name, language)
	}
	return d, err
}

// ListTemplates returns the account's templates by name and language.
func (s *Store) ListTemplates(ctx context.Context, wabaID string) ([]core.WATemplateDef, error) {
	page, err := s.TemplatePage(ctx, TemplateFilter{WABAID: wabaID})
	return page.Templates, err
}

// TemplateFilter picks templates of an account: by status, name and
// language when set, after the cursor (a name and a language), Limit of
// them when Limit > 0.
type TemplateFilter struct {
	WABAID, Status, Name, Language string
	AfterName, AfterLanguage       string
	Limit                          int
}

// TemplatePageResult is a page of templates and whether more follow.
type TemplatePageResult struct {
	Templates []core.WATemplateDef
	More      bool
}

// TemplatePage returns the account's templates f picks, by name and language.
func (s *Store) TemplatePage(ctx context.Context, f TemplateFilter) (TemplatePageResult, error) {
	q := `SELECT ` + templateColumns + ` FROM wa_templates WHERE waba_id = $1`
	args := []any{f.WABAID}
	add := func(cond string, v any) {
		args = append(args, v)
		q += " AND " + strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args)))
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Name != "" {
		add("name = ?", f.Name)
	}
	if f.Language != "" {
		add("language = ?", f.Language)
	}
	if f.AfterName != "" {
		add("(name > ?", f.AfterName)
		args = append(args, f.AfterName, f.AfterLanguage)
		n := len(args)
		q += " OR (name = $" + strconv.Itoa(n-1) + " AND language > $" + strconv.Itoa(n) + "))"
	}
	q += " ORDER BY name, language"
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit+1)
	}
	out := TemplatePageResult{Templates: []core.WATemplateDef{}}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanTemplate(rows)
		if err != nil {
			return out, err
		}
		out.Templates = append(out.Templates, *d)
	}
	if f.Limit > 0 && len(out.Templates) > f.Limit {
		out.Templates, out.More = out.Templates[:f.Limit], true
	}
	return out, rows.Err()
}

// ReplaceTemplates makes the copy what Graph listed at listedAt (read
// from the store's clock before the listing was asked for): every template
// put, those no longer listed removed. A copy written after listedAt (a
// template just created, a review's webhook) is newer than the listing and
// is left as it is. It returns the templates whose status changed since
// the copy was last made.
func (s *Store) ReplaceTemplates(ctx context.Context, wabaID string, defs []core.WATemplateDef, listedAt time.Time) ([]TemplateChange, error) {
	var changes []TemplateChange
	err := s.Write(ctx, func(tx *Tx) error {
		changes = nil
		type copied struct {
			status string
			newer  bool
		}
		old := map[[2]string]copied{}
		rows, err := tx.Query(`SELECT name, language, status, updated_at FROM wa_templates WHERE waba_id = $1`, wabaID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var n, l, st string
			var updated int64
			if err := rows.Scan(&n, &l, &st, &updated); err != nil {
				rows.Close()
				return err
			}
			old[[2]string{n, l}] = copied{st, updated >= ms(listedAt)}
		}
		rows.Close()
		for i := range defs {
			d := &defs[i]
			key := [2]string{d.Name, d.Language}
			was, ok := old[key]
			delete(old, key)
			if was.newer {
				continue
			}
			if ok && was.status != d.Status {
				changes = append(changes, TemplateChange{Name: d.Name, Language: d.Language, From: was.status, To: d.Status, Reason: d.Reason})
			}
			if err := tx.putTemplate(wabaID, d); err != nil {
				return err
			}
		}
		for key, was := range old {
			if was.newer {
				continue
			}
			if _, err := tx.Exec(`DELETE FROM wa_templates WHERE waba_id = $1 AND name = $2 AND language = $3`, wabaID, key[0], key[1]); err != nil {
				return err
			}
		}
		return nil
	})
	return changes, err
}

// TemplateChange is a template's status moving.
type TemplateChange struct {
	Name, Language, From, To, Reason string
}

// AddTemplate adds a template just submitted to the copy, unless the copy
// has it already: its review's webhook, or a sync, may have come first.
func (s *Store) AddTemplate(ctx context.Context, wabaID string, d *core.WATemplateDef) error {
	return s.Write(ctx, func(tx *Tx) error { return tx.putTemplate(wabaID, d, "NOTHING") })
}

func (tx *Tx) putTemplate(wabaID string, d *core.WATemplateDef, onConflict ...string) error {
	conflict := `UPDATE SET id = excluded.id, category = excluded.category, status = excluded.status,
		components = excluded.components, parameter_format = excluded.parameter_format, quality = excluded.quality,
		reason = excluded.reason, updated_at = excluded.updated_at`
	if len(onConflict) > 0 {
		conflict = onConflict[0]
	}
	components, err := json.Marshal(d.Components)
	if err != nil {
		return err
	}
	if d.Components == nil {
		components = []byte("[]")
	}
	d.UpdatedAt = tx.Now()
	_, err = tx.Exec(`INSERT INTO wa_templates (waba_id, `+templateColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (waba_id, name, language) DO `+conflict,
		wabaID, d.ID, d.Name, d.Language, d.Category, d.Status, string(components), d.ParameterFormat, d.Quality, d.Reason, ms(d.UpdatedAt))
	return err
}

// SetTemplateStatus records a status webhook: the status and its reason,
// or, when status is empty, the quality. It reports the status before, and
// false when the copy has no such template.
func (s *Store) SetTemplateStatus(ctx context.Context, wabaID, name, language, status, quality, reason string) (string, bool, error) {
	var was string
	found := false
	err := s.Write(ctx, func(tx *Tx) error {
		err := tx.QueryRow(`SELECT status FROM wa_templates WHERE waba_id = $1 AND name = $2 AND language = $3`, wabaID, name, language).Scan(&was)
		if errors.Is(err, sql.ErrNoRows) {
			found = false
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		if status == "" {
			_, err = tx.Exec(`UPDATE wa_templates SET quality = $4, updated_at = $5 WHERE waba_id = $1 AND name = $2 AND language = $3`,
				wabaID, name, language, quality, ms(tx.Now()))
			return err
		}
		_, err = tx.Exec(`UPDATE wa_templates SET status = $4, reason = $5, updated_at = $6 WHERE waba_id = $1 AND name = $2 AND language = $3`,
			wabaID, name, language, status, reason, ms(tx.Now()))
		return err
	})
	return was, found, err
}

// DeleteTemplate removes a template from the copy, in every language.
func (s *Store) DeleteTemplate(ctx context.Context, wabaID, name string) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`DELETE FROM wa_templates WHERE waba_id = $1 AND name = $2`, wabaID, name)
		return err
	})
}

// NoteMarketingRefusal records, when e is WhatsApp's 131050, that the user
// stopped the bot's marketing messages: later marketing templates to them
// are refused before Graph.
func (tx *Tx) NoteMarketingRefusal(botID, contact string, e *core.Error) error {
	if e == nil || e.Upstream == nil || e.Upstream.Code != core.WAMarketingStopped || contact == "" {
		return nil
	}
	_, err := tx.Exec(`INSERT INTO wa_marketing_optouts (bot_id, contact, at) VALUES ($1, $2, $3) ON CONFLICT (bot_id, contact) DO NOTHING`,
		botID, contact, ms(tx.Now()))
	return err
}

// MarketingOptedOut reports whether the user stopped the bot's marketing messages.
func (s *Store) MarketingOptedOut(ctx context.Context, botID, contact string) (bool, error) {
	var at int64
	err := s.queryRow(ctx, `SELECT at FROM wa_marketing_optouts WHERE bot_id = $1 AND contact = $2`, botID, contact).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// NoteReply records a user's reply in the history of the bot's message
// Graph knows by graphID, if botgate sent it.
func (tx *Tx) NoteReply(botID, graphID, detail string) error {
	messageID, err := tx.messageByGraphID(botID, graphID)
	if err != nil || messageID == "" {
		return err
	}
	return tx.AddEvent(messageID, core.EventReply, detail)
}
