package fakegraph

import (
	"testing"
)

func TestProfile(t *testing.T) {
	s, base := newFake(t, Options{})
	s.AddUser(testPage, "7", Profile{FirstName: "Ann", LastName: "Lee", ProfilePic: "https://x/ann.jpg",
		Locale: "fr_FR", Gender: "female", Timezone: -5.5})
	s.AddUser(testPage, "8", Profile{FirstName: "Bob"})
	cases := []struct {
		name, query, want string
	}{
		{"default fields", "", `{"first_name":"Ann","last_name":"Lee","profile_pic":"https://x/ann.jpg","id":"7"}`},
		{"chosen fields in order", "&fields=timezone,first_name,gender",
			`{"timezone":-5.5,"first_name":"Ann","gender":"female","id":"7"}`},
		{"all fields", "&fields=id,name,first_name,last_name,profile_pic,locale,timezone,gender",
			`{"name":"Ann Lee","first_name":"Ann","last_name":"Lee","profile_pic":"https://x/ann.jpg","locale":"fr_FR","timezone":-5.5,"gender":"female","id":"7"}`},
		{"repeated fields", "&fields=first_name,%20first_name", `{"first_name":"Ann","id":"7"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, "GET", base+"/v25.0/7?access_token="+testToken+tc.query, "", "")
			if res.status != 200 || res.body != tc.want {
				t.Errorf("got HTTP %d %s\nwant %s", res.status, res.body, tc.want)
			}
		})
	}
	// Graph leaves out what it does not know, but timezone is a number.
	res := do(t, "GET", base+"/v25.0/8?fields=first_name,last_name,timezone&access_token="+testToken, "", "")
	if want := `{"first_name":"Bob","timezone":0,"id":"8"}`; res.body != want {
		t.Errorf("got %s, want %s", res.body, want)
	}
}

func TestMadeUpProfile(t *testing.T) {
	_, base := newFake(t, Options{})
	const fields = "&fields=first_name,last_name,locale,timezone,gender"
	cases := map[string]string{
		"41": `{"first_name":"Test","last_name":"User41","locale":"en_US","timezone":8,"gender":"male","id":"41"}`,
		"42": `{"first_name":"Test","last_name":"User42","locale":"en_US","timezone":8,"gender":"female","id":"42"}`,
	}
	for psid, want := range cases {
		for range 2 {
			res := do(t, "GET", base+"/v25.0/"+psid+"?access_token="+testToken+fields, "", "")
			if res.status != 200 || res.body != want {
				t.Errorf("got HTTP %d %s\nwant %s", res.status, res.body, want)
			}
		}
	}
}

func TestProfileErrors(t *testing.T) {
	s, base := newFake(t, Options{StrictUsers: true})
	s.AddPage("200", "tok-200")
	s.AddUser("200", "9", Profile{FirstName: "Cy"})
	unsupported := func(id string) string {
		return "Unsupported get request. Object with ID '" + id + "' does not exist, cannot be loaded due to missing " +
			"permissions, or does not support this operation. Please read the Graph API documentation at " +
			"https://developers.facebook.com/docs/graph-api"
	}
	cases := []struct {
		name, path    string
		code, subcode int
		message       string
	}{
		{"unknown user", "/v25.0/5?access_token=" + testToken, 100, 33, unsupported("5")},
		{"another page's user", "/v25.0/9?access_token=" + testToken, 100, 33, unsupported("9")},
		{"unknown field", "/v25.0/9?fields=first_name,email&access_token=tok-200", 100, 0,
			"(#100) Tried accessing nonexisting field (email) on node type (User)"},
		{"no token", "/v25.0/9", 190, 0, "An access token is required to request this resource."},
		{"bad token", "/v25.0/9?access_token=nope", 190, 0, "Invalid OAuth access token - Cannot parse access token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, do(t, "GET", base+tc.path, "", ""), 400, tc.code, tc.subcode, tc.message)
		})
	}
	res := do(t, "GET", base+"/v25.0/9?fields=first_name&access_token=tok-200", "", "")
	if res.status != 200 || res.body != `{"first_name":"Cy","id":"9"}` {
		t.Errorf("got HTTP %d %s", res.status, res.body)
	}
}

func TestPageNode(t *testing.T) {
	_, base := newFake(t, Options{})
	for _, node := range []string{"me", testPage} {
		res := do(t, "GET", base+"/v25.0/"+node+"?access_token="+testToken, "", "")
		if want := `{"name":"Fake Page 100","id":"100"}`; res.status != 200 || res.body != want {
			t.Errorf("GET %s: HTTP %d %s, want %s", node, res.status, res.body, want)
		}
	}
}
