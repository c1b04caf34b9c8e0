package sobot

import (
	"context"
	"strings"

	"github.com/botgate/botgate/internal/core"
)

// subscriberOut is a user's subscription as query_sub_users shows it.
// Times are Unix milliseconds, as in the seed's sample.
type subscriberOut struct {
	CompanyID     string `json:"companyid"` // the page's bot
	CreateTime    int64  `json:"create_time"`
	FacebookID    string `json:"facebookid"` // the user's PSID
	PageID        string `json:"pageid"`
	SubStatus     int    `json:"sub_status"` // 1 subscribed, 0 stopped or expired
	SubTitle      string `json:"sub_title"`
	SubToken      string `json:"sub_token"`
	Timezone      string `json:"timezone"`
	TitleDescribe string `json:"title_describe"`
	UpdateTime    int64  `json:"update_time"`
}

// querySubUsers is GET query_sub_users?appid=&title=&page_no=&page_size=:
// the users of a page's topic, from the opt-in, stop and resume webhooks
// inbound keeps. Its appid is the page id.
func (h *Handler) querySubUsers(ctx context.Context, c *call) (fields, error) {
	q := c.r.URL.Query()
	page := strings.TrimSpace(q.Get("appid"))
	bot, err := h.pageBot(ctx, c.app, page, "appid")
	if err != nil {
		return nil, err
	}
	title := strings.TrimSpace(q.Get("title"))
	if title == "" {
		return nil, fail(kindNoTitle, "title is required")
	}
	p, err := parsePaging(id(q.Get("page_no")), id(q.Get("page_size")), 100)
	if err != nil {
		return nil, err
	}
	topic, err := h.Store.SobotTopicByTitle(ctx, page, title)
	if err != nil && core.ErrorKind(err) != core.KindNotFound {
		return nil, err
	}
	subs, err := h.Store.ListSubscriptions(ctx, bot.ID, title)
	if err != nil {
		return nil, err
	}
	// Users may have opted in to a title botgate never stored (sent before
	// botgate, or by other means): they are listed all the same.
	if topic == nil && len(subs) == 0 {
		return nil, fail(kindNoTopic, "page %s has no topic titled %q and no subscribers to it", page, title)
	}
	now := h.Store.Now()
	from, to := p.window(len(subs))
	items := make([]subscriberOut, 0, to-from)
	for _, s := range subs[from:to] {
		status := s.Status
		if s.ExpiresAt != nil && !now.Before(*s.ExpiresAt) {
			status = 0 // an expired token can no longer be sent to
		}
		describe := s.Payload
		if topic != nil {
			describe = topic.Describe
		}
		items = append(items, subscriberOut{CompanyID: bot.ID, CreateTime: s.CreatedAt.UnixMilli(), FacebookID: s.PSID,
			PageID: page, SubStatus: status, SubTitle: s.Title, SubToken: s.Token, Timezone: s.Timezone,
			TitleDescribe: describe, UpdateTime: s.UpdatedAt.UnixMilli()})
	}
	out := p.fields(len(subs))
	out["items"] = items
	return out, nil
}
