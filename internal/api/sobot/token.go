package sobot

import (
	"cmp"
	"context"
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/seal"
)

// Sign is get_token's signature: md5(appid + create_time + app_key) in
// lowercase hex. MD5 is Sobot's choice; the replay and time checks around
// it are what keep a captured signature from being reused.
func Sign(appID, createTime, appKey string) string {
	sum := md5.Sum([]byte(appID + createTime + appKey))
	return hex.EncodeToString(sum[:])
}

// getToken issues the app's token: GET /api/get_token?appid=&create_time=&sign=.
// Each call replaces the app's previous token, as the seed warns.
func (h *Handler) getToken(ctx context.Context, c *call) (fields, error) {
	q := c.r.URL.Query()
	appID, createTime := strings.TrimSpace(q.Get("appid")), strings.TrimSpace(q.Get("create_time"))
	// Clients differ in the case of their hex; the digest is the same.
	sign := strings.ToLower(strings.TrimSpace(q.Get("sign")))
	switch {
	case appID == "":
		return nil, fail(kindUnknownApp, "appid is required")
	case createTime == "":
		return nil, fail(kindStaleTime, "create_time is required: the current Unix time in seconds (10 digits)")
	case sign == "":
		return nil, fail(kindBadSign, "sign is required: md5(appid + create_time + app_key) in lowercase hex")
	}
	secs, err := strconv.ParseInt(createTime, 10, 64)
	if err != nil || secs < 0 {
		return nil, fail(kindStaleTime, "create_time must be the Unix time in seconds (10 digits), not %q", createTime)
	}
	key, err := h.Store.SobotAppKey(ctx, appID)
	if core.ErrorKind(err) == core.KindNotFound {
		return nil, fail(kindUnknownApp, "appid %s is not known", appID)
	}
	if err != nil {
		return nil, err
	}
	if !seal.Equal(Sign(appID, createTime, key), sign) {
		return nil, fail(kindBadSign, "sign does not match md5(appid + create_time + app_key) for appid %s", appID)
	}
	if err := h.checkFresh(secs, createTime); err != nil {
		return nil, err
	}
	token, ttl := newHexID(), cmp.Or(h.TokenTTL, defaultTokenTTL)
	// A signature stays used for as long as its create_time could pass the
	// freshness check, then it may be forgotten.
	_, err = h.Store.IssueSobotToken(ctx, appID, sign, time.Unix(secs, 0).Add(h.skew()), seal.Hash(token), ttl)
	switch core.ErrorKind(err) {
	case "":
	case core.KindDuplicate:
		return nil, fail(kindSignUsed, "this create_time and sign were used already; sign again with the current time")
	case core.KindNotFound:
		return nil, fail(kindUnknownApp, "appid %s is not known", appID)
	default:
		return nil, err
	}
	return fields{"item": tokenItem{Token: token, ExpiresIn: strconv.FormatInt(int64(ttl/time.Second), 10)}}, nil
}

// tokenItem is get_token's item; expires_in is a string in the seed.
type tokenItem struct {
	Token     string `json:"token"`
	ExpiresIn string `json:"expires_in"`
}

// checkFresh refuses a create_time further from now than the skew allows,
// reckoned in whole seconds: a time in milliseconds is centuries away, past
// what a time.Duration holds.
func (h *Handler) checkFresh(secs int64, raw string) error {
	if len(raw) == 13 {
		return fail(kindStaleTime, "create_time %s has 13 digits: milliseconds; send seconds (10 digits)", raw)
	}
	now, skew := h.Store.Now(), h.skew()
	off := now.Unix() - secs
	limit := int64(skew / time.Second)
	if off <= limit && off >= -limit {
		return nil
	}
	away := "more than a century"
	if abs := max(off, -off); abs < 100*365*24*3600 {
		away = (time.Duration(abs) * time.Second).String()
	}
	return fail(kindStaleTime, "create_time %s is %s away from this server's time (%d); at most %s is allowed",
		raw, away, now.Unix(), skew)
}

// The seed's values, for a Handler built without its settings.
const (
	defaultTokenTTL = 24 * time.Hour
	defaultSignSkew = 5 * time.Minute
)

func (h *Handler) skew() time.Duration { return cmp.Or(h.SignSkew, defaultSignSkew) }
