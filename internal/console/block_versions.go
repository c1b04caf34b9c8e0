package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/botgate/botgate/internal/core"
)

// diffLine is one line of a diff: "+" added, "-" removed, " " kept.
type diffLine struct {
	Op, Text string
}

// blockVersions lists a block's versions and shows the difference between
// two of them (by default the newest and the one before).
func (c *Console) blockVersions(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	botID, name := r.PathValue("bot"), r.PathValue("name")
	versions, err := c.store.BlockVersions(ctx, botID, name)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if len(versions) == 0 {
		c.fail(w, r, core.Errorf(core.KindNotFound, "block %q has no saved version", name))
		return
	}
	byVersion := map[int]*core.Block{}
	for _, v := range versions {
		byVersion[v.Version] = v
	}
	newest := versions[0].Version
	for _, v := range versions {
		newest = max(newest, v.Version)
	}
	b, _ := strconv.Atoi(r.URL.Query().Get("b"))
	if byVersion[b] == nil {
		b = newest
	}
	a, err := strconv.Atoi(r.URL.Query().Get("a"))
	if err != nil || byVersion[a] == nil {
		a = b - 1
	}
	var diff []diffLine
	if byVersion[a] != nil {
		diff = diffLines(versionText(byVersion[a]), versionText(byVersion[b]))
	}
	c.render(w, r, http.StatusOK, "block_versions.html", struct {
		BotID, Name string
		Versions    any
		A, B        int
		Newest      int
		Diff        []diffLine
	}{botID, name, versions, a, b, newest, diff})
}

func versionText(b *core.Block) string {
	if b.Deleted {
		return "(deleted)"
	}
	return blockText(b.Name, b.Cards)
}

// diffLines is a line diff by longest common subsequence: blocks are short.
func diffLines(a, b string) []diffLine {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] == y[j]:
			out = append(out, diffLine{" ", x[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, diffLine{"-", x[i]})
			i++
		default:
			out = append(out, diffLine{"+", y[j]})
			j++
		}
	}
	for ; i < len(x); i++ {
		out = append(out, diffLine{"-", x[i]})
	}
	for ; j < len(y); j++ {
		out = append(out, diffLine{"+", y[j]})
	}
	return out
}

// blockRestore saves an earlier version's cards as the block's next version.
func (c *Console) blockRestore(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	botID, name := r.PathValue("bot"), r.PathValue("name")
	version, err := strconv.Atoi(r.FormValue("version"))
	if err != nil || version < 1 {
		c.fail(w, r, core.Invalid("version", "is required: the version to restore"))
		return
	}
	old, err := c.store.GetBlock(ctx, botID, name, version)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if old.Deleted {
		c.fail(w, r, core.Invalid("version", "version %d is the deletion; restore one before it", version))
		return
	}
	saved, _, err := c.store.SaveBlock(ctx, botID, old.Name, old.Cards)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "block.restore", botID+"/"+name, "version "+itoa(version)+" saved as "+itoa(saved.Version))
	redirect(w, r, "/console/blocks/"+botID+"/"+name+"/versions", "Version "+itoa(version)+" restored as version "+itoa(saved.Version))
}
