package broadcast

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/botgate/botgate/internal/core"
)

// The filter grammar (docs/broadcasts.md):
//
//	filter    = condition { "and" condition }
//	condition = key "=" value | key "!=" value | key "in" "(" value { "," value } ")"
//	key       = a parameter name, or "tag" for the contact's tags
//	value     = a bare word (letters, digits, _ - . @ + :) or a quoted string ("…" or '…')
//
// Anything else is refused with the 1-based character position it starts at.

// condition is one parsed test on a contact.
type condition struct {
	key    string
	negate bool     // !=
	values []string // one for = and !=, the list for in
}

// filter is a parsed filter: every condition must hold.
type filter []condition

// match reports whether a contact with params and tags passes every condition.
// A missing parameter equals no value, so `key != v` holds for it.
func (f filter) match(params map[string]string, tags []string) bool {
	for _, c := range f {
		var hit bool
		if c.key == "tag" {
			hit = slices.ContainsFunc(c.values, func(v string) bool { return slices.Contains(tags, v) })
		} else {
			v, ok := params[c.key]
			hit = ok && slices.Contains(c.values, v)
		}
		if hit == c.negate {
			return false
		}
	}
	return true
}

const filterField = "audience.filter"

// parseFilter reads a filter, refusing anything outside the grammar.
func parseFilter(src string) (filter, error) {
	p := &filterParser{src: []rune(src)}
	var f filter
	for {
		c, err := p.condition()
		if err != nil {
			return nil, err
		}
		f = append(f, c)
		p.space()
		if p.eof() {
			return f, nil
		}
		at := p.pos
		if w := p.word(); !strings.EqualFold(w, "and") {
			return nil, p.fail(at, "expected \"and\" or the end of the filter")
		}
	}
}

type filterParser struct {
	src []rune
	pos int
}

func (p *filterParser) eof() bool { return p.pos >= len(p.src) }

func (p *filterParser) space() {
	for !p.eof() && unicode.IsSpace(p.src[p.pos]) {
		p.pos++
	}
}

func (p *filterParser) fail(at int, format string, args ...any) error {
	return core.Invalid(filterField, "at character %d: %s", at+1, fmt.Sprintf(format, args...))
}

func bare(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_-.@+:", r)
}

// word reads a bare word (possibly empty).
func (p *filterParser) word() string {
	start := p.pos
	for !p.eof() && bare(p.src[p.pos]) {
		p.pos++
	}
	return string(p.src[start:p.pos])
}

func (p *filterParser) condition() (condition, error) {
	p.space()
	at := p.pos
	key := p.word()
	if key == "" || !validKey(key) {
		return condition{}, p.fail(at, "expected a parameter name or \"tag\"")
	}
	c := condition{key: key}
	if strings.EqualFold(key, "tag") {
		c.key = "tag"
	}
	p.space()
	at = p.pos
	switch {
	case p.peek("!="):
		p.pos += 2
		c.negate = true
	case p.peek("="):
		p.pos++
	default:
		if w := p.word(); strings.EqualFold(w, "in") {
			return c, p.list(&c)
		}
		return c, p.fail(at, "expected =, != or in")
	}
	v, err := p.value()
	c.values = []string{v}
	return c, err
}

func validKey(k string) bool {
	for i, r := range k {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

func (p *filterParser) peek(s string) bool {
	return strings.HasPrefix(string(p.src[p.pos:min(p.pos+len(s), len(p.src))]), s)
}

func (p *filterParser) list(c *condition) error {
	p.space()
	if !p.peek("(") {
		return p.fail(p.pos, "expected ( after in")
	}
	p.pos++
	for {
		v, err := p.value()
		if err != nil {
			return err
		}
		c.values = append(c.values, v)
		p.space()
		switch {
		case p.peek(","):
			p.pos++
		case p.peek(")"):
			p.pos++
			return nil
		default:
			return p.fail(p.pos, "expected , or )")
		}
	}
}

func (p *filterParser) value() (string, error) {
	p.space()
	at := p.pos
	if !p.eof() && (p.src[p.pos] == '"' || p.src[p.pos] == '\'') {
		quote := p.src[p.pos]
		p.pos++
		start := p.pos
		for !p.eof() && p.src[p.pos] != quote {
			p.pos++
		}
		if p.eof() {
			return "", p.fail(at, "unterminated quoted value")
		}
		p.pos++
		return string(p.src[start : p.pos-1]), nil
	}
	if w := p.word(); w != "" {
		return w, nil
	}
	return "", p.fail(at, "expected a value")
}
