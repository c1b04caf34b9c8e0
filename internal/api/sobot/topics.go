package sobot

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// topicIn is the body of create_or_update_title. Its "appid" is the page id.
type topicIn struct {
	AppID       id     `json:"appid"`
	Title       string `json:"title"`
	Describe    string `json:"describe"`
	ImageRatio  string `json:"image_ratio"`
	ButtonType  string `json:"button_type"`
	ImageURL    string `json:"image_url"`
	Timezone    string `json:"timezone"`
	ConfigID    string `json:"configid"`
	ConfigIDAlt string `json:"config_id"` // the seed's description spells it so
}

// saveTopic creates a topic, or updates the one configid names: a page has
// one topic of a title, and an update may change neither page nor title.
// Every call gives the whole topic: an optional field left out is cleared.
func (h *Handler) saveTopic(ctx context.Context, c *call) (fields, error) {
	var in topicIn
	if err := c.decode(&in, false); err != nil {
		return nil, err
	}
	if _, err := h.pageBot(ctx, c.app, either(in.AppID), "appid"); err != nil {
		return nil, err
	}
	t := &store.SobotTopic{PageID: either(in.AppID), Title: strings.TrimSpace(in.Title), Describe: strings.TrimSpace(in.Describe),
		ImageRatio: strings.TrimSpace(in.ImageRatio), ButtonType: strings.TrimSpace(in.ButtonType),
		ImageURL: strings.TrimSpace(in.ImageURL), Timezone: strings.TrimSpace(in.Timezone)}
	if err := checkTopic(t); err != nil {
		return nil, err
	}
	configID := strings.TrimSpace(in.ConfigID)
	if configID == "" {
		configID = strings.TrimSpace(in.ConfigIDAlt)
	}
	if configID == "" {
		t.ID = newHexID()
		err := h.Store.CreateSobotTopic(ctx, t)
		if core.ErrorKind(err) == core.KindConflict {
			return nil, fail(kindTitleExists, "page %s has a topic titled %q already; give its configid to change it", t.PageID, t.Title)
		}
		return fields{"item": t.ID}, err
	}
	old, err := h.appTopic(ctx, c.app, configID)
	if err != nil {
		return nil, err
	}
	if old.PageID != t.PageID || old.Title != t.Title {
		return nil, fail(kindTopicFixed, "an update cannot change the page (appid %s) or the title (%q) of topic %s; create a new topic instead",
			old.PageID, old.Title, configID)
	}
	t.ID = old.ID
	err = h.Store.UpdateSobotTopic(ctx, t)
	if core.ErrorKind(err) == core.KindNotFound {
		return nil, fail(kindBadConfigID, "configid %s is not a topic (it was deleted)", configID)
	}
	return fields{"item": t.ID}, err
}

// checkTopic applies the seed's rules, each with its code, then Messenger's
// rules for the opt-in request the topic becomes.
func checkTopic(t *store.SobotTopic) error {
	switch {
	case t.Title == "":
		return fail(kindNoTitle, "title is required")
	case utf8.RuneCountInString(t.Title) > core.MaxOptInTitle:
		return fail(kindTitleTooLong, "title is %d characters; at most %d are allowed", utf8.RuneCountInString(t.Title), core.MaxOptInTitle)
	case t.Describe == "":
		return fail(kindNoDescribe, "describe is required")
	case utf8.RuneCountInString(t.Describe) > core.MaxOptInTitle:
		return fail(kindDescribeTooLong, "describe is %d characters; at most %d are allowed", utf8.RuneCountInString(t.Describe), core.MaxOptInTitle)
	case t.ButtonType == "":
		return fail(kindBadButtonType, "button_type is required: one of %s", strings.Join(core.OptInCTATexts, ", "))
	case !slices.Contains(core.OptInCTATexts, t.ButtonType):
		return fail(kindBadButtonType, "button_type must be one of %s, not %q", strings.Join(core.OptInCTATexts, ", "), t.ButtonType)
	case t.ImageRatio == "":
		return fail(kindBadImageRatio, "image_ratio is required: SQUARE or HORIZONTAL")
	case !slices.Contains(core.ImageAspectRatios, t.ImageRatio):
		return fail(kindBadImageRatio, "image_ratio must be SQUARE or HORIZONTAL, not %q", t.ImageRatio)
	}
	msg := OptInMessage(t)
	return renamePaths(core.ValidateMessage(&msg, "topic"), topicPaths)
}

// topicPaths names the opt-in template's fields as the topic's.
var topicPaths = []rename{
	{"topic.attachment.payload.title", "title"},
	{"topic.attachment.payload.payload", "describe"},
	{"topic.attachment.payload.image_url", "image_url"},
	{"topic.attachment.payload.image_aspect_ratio", "image_ratio"},
	{"topic.attachment.payload.notification_messages_cta_text", "button_type"},
	{"topic.attachment.payload.notification_messages_timezone", "timezone"},
}

// appTopic returns the topic configid names, if it is of a page of the app.
func (h *Handler) appTopic(ctx context.Context, app *store.SobotApp, configID string) (*store.SobotTopic, error) {
	t, err := h.Store.GetSobotTopic(ctx, configID)
	if core.ErrorKind(err) == core.KindNotFound {
		return nil, fail(kindBadConfigID, "configid %s is not a topic (wrong, or deleted)", configID)
	}
	if err != nil {
		return nil, err
	}
	if _, err := h.pageBot(ctx, app, t.PageID, "appid"); core.ErrorKind(err) == kindUnknownPage {
		return nil, fail(kindBadConfigID, "configid %s is not a topic of this app's pages", configID)
	} else if err != nil {
		return nil, err
	}
	return t, nil
}

// deleteTopic is GET del_title?configid=.
func (h *Handler) deleteTopic(ctx context.Context, c *call) (fields, error) {
	q := c.r.URL.Query()
	configID := strings.TrimSpace(q.Get("configid"))
	if configID == "" {
		configID = strings.TrimSpace(q.Get("config_id"))
	}
	if configID == "" {
		return nil, fail(kindBadConfigID, "configid is required")
	}
	if _, err := h.appTopic(ctx, c.app, configID); err != nil {
		return nil, err
	}
	return nil, h.Store.DeleteSobotTopic(ctx, configID)
}

// titleListIn is the body of get_title_list; every field is optional.
type titleListIn struct {
	StartTime id     `json:"start_time"`
	EndTime   id     `json:"end_time"`
	AppIDs    id     `json:"appids"`
	Title     string `json:"title"`
	PageNo    id     `json:"page_no"`
	PageSize  id     `json:"page_size"`
}

// topicOut is a topic as get_title_list shows it, in the seed's key order.
type topicOut struct {
	CompanyID  string `json:"companyid"` // the page's bot
	CreateTime int64  `json:"create_time"`
	Timezone   string `json:"timezone"`
	ButtonType string `json:"button_type"`
	ImageURL   string `json:"image_url"`
	Title      string `json:"title"`
	AppName    string `json:"app_name"` // the bot's name
	UpdateTime int64  `json:"update_time"`
	ConfigID   string `json:"configid"`
	ImageRatio string `json:"image_ratio"`
	Describe   string `json:"describe"`
	AppID      string `json:"appid"` // the page
}

// listTopics is POST get_title_list: the app's topics, newest first. The
// seed's answer puts the list under "item", not "items".
func (h *Handler) listTopics(ctx context.Context, c *call) (fields, error) {
	var in titleListIn
	if err := c.decode(&in, true); err != nil {
		return nil, err
	}
	p, err := parsePaging(in.PageNo, in.PageSize, 15)
	if err != nil {
		return nil, err
	}
	f := store.SobotTopicFilter{Title: strings.TrimSpace(in.Title), Offset: p.offset(), Limit: p.size}
	// No title is longer than 65 characters, so neither is a filter that
	// can match one; this also bounds the LIKE pattern built from it.
	if n := utf8.RuneCountInString(f.Title); n > core.MaxOptInTitle {
		return nil, fail(kindTitleTooLong, "title is %d characters; at most %d are allowed", n, core.MaxOptInTitle)
	}
	for _, bound := range []struct {
		field string
		raw   id
		dst   **time.Time
	}{{"start_time", in.StartTime, &f.From}, {"end_time", in.EndTime, &f.To}} {
		v, err := optionalMillis(bound.field, bound.raw)
		if err != nil {
			return nil, err
		}
		if v != nil {
			t := time.UnixMilli(*v)
			*bound.dst = &t
		}
	}
	bots := map[string]*core.Bot{} // by page
	if pages := strings.TrimSpace(string(in.AppIDs)); pages != "" {
		for _, page := range strings.Split(pages, ",") {
			if page = strings.TrimSpace(page); page == "" {
				continue
			}
			b, err := h.pageBot(ctx, c.app, page, "appids")
			if err != nil {
				return nil, err
			}
			bots[page] = b
		}
	} else {
		all, err := h.appBots(ctx, c.app)
		if err != nil {
			return nil, err
		}
		for _, b := range all {
			bots[b.Messenger.PageID] = b
		}
	}
	for page := range bots {
		f.PageIDs = append(f.PageIDs, page)
	}
	slices.Sort(f.PageIDs)
	topics, total, err := h.Store.ListSobotTopics(ctx, f)
	if err != nil {
		return nil, err
	}
	items := make([]topicOut, 0, len(topics))
	for _, t := range topics {
		b := bots[t.PageID]
		items = append(items, topicOut{CompanyID: b.ID, CreateTime: t.CreatedAt.UnixMilli(), Timezone: t.Timezone,
			ButtonType: t.ButtonType, ImageURL: t.ImageURL, Title: t.Title, AppName: b.Name, UpdateTime: t.UpdatedAt.UnixMilli(),
			ConfigID: t.ID, ImageRatio: t.ImageRatio, Describe: t.Describe, AppID: t.PageID})
	}
	out := p.fields(total)
	out["item"] = items
	return out, nil
}
