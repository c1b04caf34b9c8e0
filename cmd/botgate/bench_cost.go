package main

import (
	"bufio"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// costSnapshot is what a botgate and its PostgreSQL backends have spent so
// far. Differences between two snapshots, divided by the messages in
// between, are stable where rates are not: a busy machine slows a run, but
// barely changes the CPU time or the statements each message takes.
type costSnapshot struct {
	botgateCPU time.Duration
	backendCPU map[int]time.Duration // PostgreSQL backends serving this botgate, by pid
	statements float64               // botgate_store_statements_total; 0 where not counted
	commits    float64               // group-commit transactions: on SQLite, each is an fsync (synchronous=FULL)
	postgres   bool
}

// cost reads a snapshot of gw, whose database is dsn.
func (b *benchRun) cost(gwURL, dsn string, gw *child) costSnapshot {
	return b.costOf([]string{gwURL}, dsn, []*child{gw})
}

// costOf reads a snapshot of botgates sharing the database dsn.
func (b *benchRun) costOf(gwURLs []string, dsn string, gws []*child) costSnapshot {
	var s costSnapshot
	for i, gw := range gws {
		s.botgateCPU += procCPU(gw.cmd.Process.Pid)
		s.statements += metricSum(gwURLs[i], "botgate_store_statements_total")
		s.commits += metricSum(gwURLs[i], "botgate_store_transaction_seconds_count")
	}
	u, err := url.Parse(dsn)
	if err != nil || !strings.HasPrefix(u.Scheme, "postgres") {
		return s
	}
	s.postgres = true
	s.backendCPU = map[int]time.Duration{}
	db, err := sql.Open("pgx", b.cmd.Postgres)
	if err != nil {
		return s
	}
	defer db.Close()
	rows, err := db.Query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, u.Query().Get("application_name"))
	if err != nil {
		return s
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			s.backendCPU[pid] = procCPU(pid)
		}
	}
	return s
}

// since describes the cost per message from before to s.
func (s costSnapshot) since(before costSnapshot, messages int) string {
	n := float64(messages)
	per := func(d time.Duration) string { return (d / time.Duration(messages)).Round(time.Microsecond).String() }
	gw := s.botgateCPU - before.botgateCPU
	out := fmt.Sprintf("%.2f group commits, botgate CPU %s", (s.commits-before.commits)/n, per(gw))
	if !s.postgres {
		return out
	}
	var pg time.Duration
	for pid, t := range s.backendCPU {
		pg += t - before.backendCPU[pid] // a backend started during the run counts whole
	}
	out += fmt.Sprintf(", PostgreSQL backends' CPU %s, together %s", per(pg), per(gw+pg))
	if st := s.statements - before.statements; st > 0 {
		out += fmt.Sprintf("; %.1f statements (round trips) to PostgreSQL", st/n)
	} else {
		out += "; statements not counted by this build"
	}
	return out
}

// procCPU is a process's user and system CPU time so far, from /proc; zero
// when it cannot be read (the process ended).
func procCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const clockTicks = 100 // USER_HZ, 100 on every Linux botgate runs on
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// metricSum adds up every series of a counter in gwURL's /metrics whose
// labels contain each of labels (e.g. `status="sent"`); 0 when the metric
// is absent.
func metricSum(gwURL, name string, labels ...string) float64 {
	resp, err := http.Get(gwURL + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		if !containsAll(line[:strings.LastIndexByte(line, ' ')], labels) {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err == nil {
			sum += v
		}
	}
	return sum
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
