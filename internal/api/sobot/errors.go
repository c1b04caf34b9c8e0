package sobot

import (
	"github.com/botgate/botgate/internal/core"
)

// Situations seed 002 gives business codes to and the core has no kinds
// for: topics are Sobot's own notion. They live in the same table as the
// core's kinds.
const (
	kindNoPage          core.Kind = "sobot_no_page"
	kindUnknownPage     core.Kind = "sobot_unknown_page"
	kindNoTitle         core.Kind = "sobot_no_title"
	kindTitleTooLong    core.Kind = "sobot_title_too_long"
	kindNoDescribe      core.Kind = "sobot_no_describe"
	kindDescribeTooLong core.Kind = "sobot_describe_too_long"
	kindBadButtonType   core.Kind = "sobot_bad_button_type"
	kindTitleExists     core.Kind = "sobot_title_exists"
	kindNoUser          core.Kind = "sobot_no_user"
	kindNoTopic         core.Kind = "sobot_no_topic"
	kindTopicFixed      core.Kind = "sobot_topic_fixed"
	kindBadImageRatio   core.Kind = "sobot_bad_image_ratio"
	kindBadConfigID     core.Kind = "sobot_bad_config_id"

	// get_token's refusals: the seed lists no codes for them, so botgate
	// continues its 9000xx series of credential errors (docs/sobot.md).
	kindBadSign    core.Kind = "sobot_bad_sign"
	kindUnknownApp core.Kind = "sobot_unknown_app"
	kindStaleTime  core.Kind = "sobot_stale_time"
	kindSignUsed   core.Kind = "sobot_sign_used"
)

// codeUnknown is Sobot's "system unknown exception", the code of every
// error the seed names no code for.
const codeUnknown = "999999"

// codeBadParameter is botgate's parameter error for Sobot's face.
const codeBadParameter = "900007"

// codes maps error kinds to Sobot's ret_code: the one table of this face.
// Kinds not listed answer 999999 with the error's own message.
var codes = map[core.Kind]string{
	core.KindUnauthenticated: "900001", // token header missing
	core.KindBadCredential:   "900002", // token expired, replaced or unknown
	kindBadSign:              "900003",
	kindUnknownApp:           "900004",
	kindStaleTime:            "900005",
	kindSignUsed:             "900006",
	// Text botgate does not accept (invalid UTF-8, NUL) and a body that is
	// not JSON: the seed has no parameter error, so botgate adds one in its
	// 9000xx series of request-level codes (docs/sobot.md).
	core.KindBadText:        codeBadParameter,
	core.KindBadContentType: codeBadParameter,

	kindNoPage:                   "210001",
	kindUnknownPage:              "210002",
	kindNoTitle:                  "210003",
	kindTitleTooLong:             "210004",
	kindNoDescribe:               "210005",
	kindDescribeTooLong:          "210006",
	kindBadButtonType:            "210007",
	kindTitleExists:              "210008",
	core.KindConflict:            "210008", // the store's unique (page, title), when two creates race
	kindNoUser:                   "210009",
	core.KindMissingRecipient:    "210009",
	core.KindUnknownRecipientWay: "210009",
	kindNoTopic:                  "210010",
	kindTopicFixed:               "210011",
	kindBadImageRatio:            "210012",
	kindBadConfigID:              "210013",
}

// code is the ret_code for an error.
func code(e *core.Error) string {
	if c, ok := codes[e.Kind]; ok {
		return c
	}
	return codeUnknown
}

// fail builds an error of a kind.
func fail(kind core.Kind, format string, args ...any) *core.Error {
	return core.Errorf(kind, format, args...)
}
