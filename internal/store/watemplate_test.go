package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestReplaceTemplatesLeavesNewerCopies: a sync writes what Graph listed,
// but a copy written after the listing was asked for is newer than it: a
// template created meanwhile is not removed, and a review's status that
// arrived meanwhile is not put back to the listed one. Copies older than
// the listing follow it. (The sync's listing and its write are apart: a
// template created between them was deleted from the copy.)
func TestReplaceTemplatesLeavesNewerCopies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		clock := storetest.NewClock(time.Date(2026, 12, 5, 11, 0, 0, 0, time.UTC))
		s := db.Open(t, store.Options{Now: clock.Now})
		ctx := context.Background()
		const waba = "waba_1"
		add := func(name, status string) {
			if err := s.AddTemplate(ctx, waba, &core.WATemplateDef{ID: "id_" + name, Name: name, Language: "en_US", Category: "MARKETING", Status: status}); err != nil {
				t.Fatal(err)
			}
		}
		add("gone", "APPROVED")      // deleted at Graph before the listing
		add("reviewed", "PENDING")   // approved after the listing
		add("listed_old", "PENDING") // the listing says APPROVED
		clock.Add(time.Second)
		listedAt := clock.Now()
		clock.Add(time.Second)
		add("created_meanwhile", "PENDING")
		if _, _, err := s.SetTemplateStatus(ctx, waba, "reviewed", "en_US", "APPROVED", "", ""); err != nil {
			t.Fatal(err)
		}
		listing := []core.WATemplateDef{
			{ID: "id_reviewed", Name: "reviewed", Language: "en_US", Category: "MARKETING", Status: "PENDING"},
			{ID: "id_listed_old", Name: "listed_old", Language: "en_US", Category: "MARKETING", Status: "APPROVED"},
		}
		changes, err := s.ReplaceTemplates(ctx, waba, listing, listedAt)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		all, err := s.ListTemplates(ctx, waba)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range all {
			got[d.Name] = d.Status
		}
		want := map[string]string{"reviewed": "APPROVED", "listed_old": "APPROVED", "created_meanwhile": "PENDING"}
		if len(got) != len(want) {
			t.Errorf("copy after the sync: %v, want %v", got, want)
		}
		for name, status := range want {
			if got[name] != status {
				t.Errorf("copy after the sync: %s is %q, want %q (all: %v)", name, got[name], status, got)
			}
		}
		if len(changes) != 1 || changes[0].Name != "listed_old" || changes[0].From != "PENDING" || changes[0].To != "APPROVED" {
			t.Errorf("changes: %+v, want listed_old PENDING → APPROVED only", changes)
		}
	})
}
