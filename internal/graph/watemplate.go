package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/botgate/botgate/internal/core"
)

// waTemplate is a template as Graph lists it (GRAPH-FACTS "WhatsApp message
// templates").
type waTemplate struct {
	ID              string                     `json:"id"`
	Name            string                     `json:"name"`
	Language        string                     `json:"language"`
	Status          string                     `json:"status"`
	Category        string                     `json:"category"`
	ParameterFormat string                     `json:"parameter_format,omitempty"`
	Components      []core.WATemplateComponent `json:"components"`
	RejectedReason  string                     `json:"rejected_reason,omitempty"`
	QualityScore    *struct {
		Score string `json:"score"`
	} `json:"quality_score,omitempty"`
}

// maxTemplatePages bounds a listing, should paging never end.
const maxTemplatePages = 1000

// ListTemplates reads every page of the account's templates.
func (c *Client) ListTemplates(ctx context.Context, token, wabaID string) ([]core.WATemplateDef, error) {
	var out []core.WATemplateDef
	q := url.Values{"fields": {"id,name,language,status,category,parameter_format,components,rejected_reason,quality_score"}}
	for range maxTemplatePages {
		resp, err := c.call(ctx, "whatsapp_templates", http.MethodGet, url.PathEscape(wabaID)+"/message_templates", q, bearer(token), nil)
		if err != nil {
			return nil, err
		}
		var page struct {
			Data   []waTemplate `json:"data"`
			Paging struct {
				Cursors struct {
					After string `json:"after"`
				} `json:"cursors"`
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return nil, &Error{Status: resp.Status, Message: fmt.Sprintf("unreadable template list: %.200s", resp.Body)}
		}
		for _, t := range page.Data {
			out = append(out, t.def())
		}
		// Graph gives a cursor on the last page too; "next" says whether one follows.
		if page.Paging.Next == "" || page.Paging.Cursors.After == "" || len(page.Data) == 0 {
			return out, nil
		}
		q.Set("after", page.Paging.Cursors.After)
	}
	return out, &Error{Message: "the template list did not end after " + fmt.Sprint(maxTemplatePages) + " pages"}
}

func (t waTemplate) def() core.WATemplateDef {
	d := core.WATemplateDef{ID: t.ID, Name: t.Name, Language: t.Language, Status: t.Status, Category: t.Category,
		ParameterFormat: t.ParameterFormat, Components: t.Components, Reason: t.RejectedReason}
	if t.QualityScore != nil {
		d.Quality = t.QualityScore.Score
	}
	return d
}

// CreateTemplate submits a template for review; Graph answers its id,
// status and category.
func (c *Client) CreateTemplate(ctx context.Context, token, wabaID string, d *core.WATemplateDef) (id, status, category string, err error) {
	body, err := json.Marshal(map[string]any{"name": d.Name, "language": d.Language, "category": d.Category,
		"parameter_format": d.ParameterFormat, "components": d.Components})
	if err != nil {
		return "", "", "", err
	}
	resp, err := c.call(ctx, "whatsapp_templates", http.MethodPost, url.PathEscape(wabaID)+"/message_templates", nil, bearer(token), body)
	if err != nil {
		return "", "", "", err
	}
	var out struct{ ID, Status, Category string }
	if err := json.Unmarshal(resp.Body, &out); err != nil || out.ID == "" {
		return "", "", "", &Error{Status: resp.Status, Message: fmt.Sprintf("unreadable template answer: %.200s", resp.Body)}
	}
	return out.ID, out.Status, out.Category, nil
}

// DeleteTemplate deletes a template in every language.
func (c *Client) DeleteTemplate(ctx context.Context, token, wabaID, name string) error {
	_, err := c.call(ctx, "whatsapp_templates", http.MethodDelete, url.PathEscape(wabaID)+"/message_templates", url.Values{"name": {name}}, bearer(token), nil)
	return err
}

func bearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }
