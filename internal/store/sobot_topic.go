package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// SobotTopic is a notification-messages subscription topic of a page.
type SobotTopic struct {
	ID         string
	PageID     string
	Title      string
	Describe   string
	ImageURL   string
	ImageRatio string
	ButtonType string
	Timezone   string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

const topicColumns = `id, page_id, title, description, image_url, image_ratio, button_type, timezone, created_at, updated_at`

// CreateSobotTopic stores a new topic; a page has one topic of a title
// (KindConflict).
func (s *Store) CreateSobotTopic(ctx context.Context, t *SobotTopic) error {
	return s.Write(ctx, func(tx *Tx) error {
		t.CreatedAt, t.UpdatedAt = tx.Now(), tx.Now()
		_, err := tx.Exec(`INSERT INTO sobot_topics (`+topicColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
			t.ID, t.PageID, t.Title, t.Describe, t.ImageURL, t.ImageRatio, t.ButtonType, t.Timezone, ms(tx.Now()))
		if isUnique(err) {
			return core.Errorf(core.KindConflict, "page %s has a topic titled %q already", t.PageID, t.Title)
		}
		return err
	})
}

// UpdateSobotTopic stores a topic's changeable fields; its page and title never change.
func (s *Store) UpdateSobotTopic(ctx context.Context, t *SobotTopic) error {
	return s.Write(ctx, func(tx *Tx) error {
		t.UpdatedAt = tx.Now()
		res, err := tx.Exec(`UPDATE sobot_topics SET description = $2, image_url = $3, image_ratio = $4, button_type = $5,
			timezone = $6, updated_at = $7 WHERE id = $1`, t.ID, t.Describe, t.ImageURL, t.ImageRatio, t.ButtonType, t.Timezone, ms(tx.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.KindNotFound, "no topic %s", t.ID)
		}
		return nil
	})
}

// DeleteSobotTopic removes a topic.
func (s *Store) DeleteSobotTopic(ctx context.Context, id string) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`DELETE FROM sobot_topics WHERE id = $1`, id)
		return err
	})
}

// GetSobotTopic returns a topic by id (the configid).
func (s *Store) GetSobotTopic(ctx context.Context, id string) (*SobotTopic, error) {
	return scanTopic(s.queryRow(ctx, `SELECT `+topicColumns+` FROM sobot_topics WHERE id = $1`, id))
}

// SobotTopicByTitle returns a page's topic of a title.
func (s *Store) SobotTopicByTitle(ctx context.Context, pageID, title string) (*SobotTopic, error) {
	return scanTopic(s.queryRow(ctx, `SELECT `+topicColumns+` FROM sobot_topics WHERE page_id = $1 AND title = $2`, pageID, title))
}

// SobotTopicFilter selects topics: of these pages, created within [From,
// To] when set, whose title contains Title (ignoring ASCII case).
type SobotTopicFilter struct {
	PageIDs       []string
	Title         string
	From, To      *time.Time
	Offset, Limit int
}

// ListSobotTopics returns one page of the topics f selects, newest first,
// and how many it selects in all.
func (s *Store) ListSobotTopics(ctx context.Context, f SobotTopicFilter) ([]*SobotTopic, int, error) {
	if len(f.PageIDs) == 0 {
		return []*SobotTopic{}, 0, nil
	}
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	pages := make([]string, len(f.PageIDs))
	for i, p := range f.PageIDs {
		pages[i] = arg(p)
	}
	where = append(where, "page_id IN ("+strings.Join(pages, ", ")+")")
	if f.Title != "" {
		where = append(where, `lower(title) LIKE lower(`+arg("%"+likeEscaper.Replace(f.Title)+"%")+`) ESCAPE '\'`)
	}
	if f.From != nil {
		where = append(where, "created_at >= "+arg(ms(*f.From)))
	}
	if f.To != nil {
		where = append(where, "created_at <= "+arg(ms(*f.To)))
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM sobot_topics`+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.query(ctx, `SELECT `+topicColumns+` FROM sobot_topics`+cond+
		` ORDER BY created_at DESC, id DESC LIMIT `+arg(f.Limit)+` OFFSET `+arg(f.Offset), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	topics := []*SobotTopic{}
	for rows.Next() {
		t, err := scanTopic(rows)
		if err != nil {
			return nil, 0, err
		}
		topics = append(topics, t)
	}
	return topics, total, rows.Err()
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func scanTopic(row scanner) (*SobotTopic, error) {
	var t SobotTopic
	var created, updated int64
	err := row.Scan(&t.ID, &t.PageID, &t.Title, &t.Describe, &t.ImageURL, &t.ImageRatio, &t.ButtonType, &t.Timezone, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "no such topic")
	}
	if err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = fromMS(created), fromMS(updated)
	return &t, nil
}
