package fakegraph

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"strings"
)

// Profile is what the user profile API tells a page about one of its users.
// The JSON names are Graph's, also used by the control API.
type Profile struct {
	FirstName  string  `json:"first_name"`
	LastName   string  `json:"last_name"`
	ProfilePic string  `json:"profile_pic"`
	Locale     string  `json:"locale"`
	Gender     string  `json:"gender"`
	Timezone   float64 `json:"timezone"`
}

// PSIDs are page-scoped: the same person has a different PSID per page.
type userKey struct{ pageID, psid string }

// AddUser makes psid a known user of pageID with profile p.
func (s *Server) AddUser(pageID, psid string, p Profile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[userKey{pageID, psid}] = p
}

func (s *Server) knownUserLocked(pageID, psid string) bool {
	_, ok := s.users[userKey{pageID, psid}]
	return ok
}

var profileFieldNames = []string{"id", "name", "first_name", "last_name", "profile_pic", "locale", "timezone", "gender"}

const defaultProfileFields = "first_name,last_name,profile_pic"

// serveNode answers GET /{v}/{id}: the page itself for "me", else a user
// profile.
func (s *Server) serveNode(c *call) reply {
	fields, fieldsErr := profileFields(c.query.Get("fields"))

	s.mu.Lock()
	defer s.mu.Unlock()
	pageID, err := s.pageForLocked("me", c.token)
	if err == nil && c.node != "me" {
		err = fieldsErr
	}
	var rep reply
	switch {
	case err != nil:
		rep = s.errorReplyLocked(*err, pageID)
	case c.node == "me" || c.node == pageID:
		body, _ := json.Marshal(struct {
			Name string `json:"name"`
			ID   string `json:"id"`
		}{"Fake Page " + pageID, pageID})
		rep = reply{status: http.StatusOK, body: body}
	default:
		rep = s.profileReplyLocked(pageID, c.node, fields)
	}
	s.recordLocked(c, rep)
	return rep
}

func (s *Server) profileReplyLocked(pageID, psid string, fields []string) reply {
	p, ok := s.users[userKey{pageID, psid}]
	if (!ok && s.strictUsers) || s.rules.withheld[psid] {
		return s.errorReplyLocked(unsupportedRequest(http.MethodGet, psid), pageID)
	}
	if !ok {
		p = madeUpProfile(psid)
	}
	return reply{status: http.StatusOK, body: profileJSON(psid, p, fields)}
}

// profileFields parses the fields parameter, which Graph checks against the
// node type.
func profileFields(list string) ([]string, *GraphError) {
	if list == "" {
		list = defaultProfileFields
	}
	var fields []string
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		known := false
		for _, name := range profileFieldNames {
			known = known || f == name
		}
		if !known {
			return nil, invalid("Tried accessing nonexisting field (%s) on node type (User)", f)
		}
		fields = append(fields, f)
	}
	return fields, nil
}

// profileJSON writes the requested fields in the order asked, then the id,
// which Graph always includes last. Empty text fields are left out, as Graph
// leaves out what it does not know.
func profileJSON(psid string, p Profile, fields []string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	seen := map[string]bool{"id": true}
	for _, f := range fields {
		if seen[f] {
			continue
		}
		seen[f] = true
		var v any
		switch f {
		case "name":
			v = strings.TrimSpace(p.FirstName + " " + p.LastName)
		case "first_name":
			v = p.FirstName
		case "last_name":
			v = p.LastName
		case "profile_pic":
			v = p.ProfilePic
		case "locale":
			v = p.Locale
		case "gender":
			v = p.Gender
		case "timezone":
			v = p.Timezone
		}
		if v == "" {
			continue
		}
		writeField(&b, f, v)
		b.WriteByte(',')
	}
	writeField(&b, "id", psid)
	b.WriteByte('}')
	return b.Bytes()
}

func writeField(b *bytes.Buffer, key string, v any) {
	k, _ := json.Marshal(key)
	val, _ := json.Marshal(v)
	b.Write(k)
	b.WriteByte(':')
	b.Write(val)
}

// madeUpProfile is the profile of a user nobody added: stable for a PSID so
// that tests and the sandbox see the same person every time.
func madeUpProfile(psid string) Profile {
	h := fnv.New32a()
	h.Write([]byte(psid))
	gender := "male"
	if h.Sum32()%2 == 1 {
		gender = "female"
	}
	return Profile{
		FirstName:  "Test",
		LastName:   "User" + psid,
		ProfilePic: "https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=" + psid,
		Locale:     "en_US",
		Gender:     gender,
		Timezone:   8,
	}
}
