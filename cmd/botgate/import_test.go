package main

import (
	"context"
	"encoding/hex"
	"testing"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// `botgate import` reads a file straight into the database, on either one,
// with its flags also given as BOTGATE_* variables.
func TestImportCommand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		st := db.Open(t, store.Options{})
		bot := &core.Bot{ID: "bot_shop", Name: "Shop", Messenger: &core.MessengerChannel{PageID: "104729384756", AccessToken: "t"}}
		if err := st.CreateBot(context.Background(), bot); err != nil {
			t.Fatal(err)
		}
		environ := map[string]string{"BOTGATE_DATABASE": db.DSN, "BOTGATE_SECRET_KEY": hex.EncodeToString(storetest.Key)}
		file := "../../internal/importer/testdata/params.csv"
		out, err := runCLI(t, environ, "import", "--bot", bot.ID, "--kind", "params", "--dry-run", file)
		if want := "params: 4 rows: 4 created, 0 updated, 0 unchanged, 0 refused (dry run: nothing written)\n"; err != nil || out != want {
			t.Errorf("dry run: %q %v; want %q", out, err, want)
		}
		environ["BOTGATE_IMPORT_BOT"], environ["BOTGATE_IMPORT_KIND"] = bot.ID, "params"
		for _, want := range []string{
			"params: 4 rows: 4 created, 0 updated, 0 unchanged, 0 refused\n",
			"params: 4 rows: 0 created, 0 updated, 4 unchanged, 0 refused\n",
		} {
			if out, err := runCLI(t, environ, "import", file); err != nil || out != want {
				t.Errorf("import: %q %v; want %q", out, err, want)
			}
		}
		c, err := st.GetContact(context.Background(), bot.ID, "6021889022")
		if err != nil || c == nil || c.Params["coupon"] != "SAVE10, once" || c.Params["points"] != "75" {
			t.Errorf("stored params: %+v %v", c, err)
		}

		out, err = runCLI(t, environ, "import", "--format", "csv", "-", "../../internal/importer/testdata/refused-params.csv")
		if err == nil {
			t.Errorf("two files: %q, no error", out)
		}
		out, err = runCLI(t, environ, "import", "../../internal/importer/testdata/refused-params.csv")
		want := `line 3: refused: key: parameter name "first_name" is reserved for the user's profile
line 4: refused: key: parameter name "bad key" must consist of letters, digits and underscores
line 5: refused: psid is required: the user's page-scoped id
line 6: refused: has 2 fields; the header names 3
params: 5 rows: 1 created, 0 updated, 0 unchanged, 4 refused
`
		if out != want || err == nil || err.Error() != "4 rows refused" {
			t.Errorf("refused rows:\n%s%v\nwant\n%s", out, err, want)
		}
		if _, err := runCLI(t, environ, "import", "--bot", "bot_none", file); err == nil || err.Error() != "bot bot_none: no such bot" {
			t.Errorf("unknown bot: %v", err)
		}
	})
}
