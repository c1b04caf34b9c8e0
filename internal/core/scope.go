package core

import (
	"slices"
	"strings"
)

// API key scopes: what a key may do. Keys made before scopes existed have
// all three.
const (
	ScopeSend   = "send"   // send messages (every vendor face, POST /v1/messages)
	ScopeRead   = "read"   // read messages, contacts, blocks
	ScopeManage = "manage" // change blocks, contacts and webhook endpoints
)

// Scopes lists every scope, in their canonical order.
var Scopes = []string{ScopeSend, ScopeRead, ScopeManage}

// ParseScopes checks a list of scopes and returns it deduplicated in
// canonical order; an empty list means all scopes.
func ParseScopes(field string, given []string) ([]string, error) {
	if len(given) == 0 {
		return slices.Clone(Scopes), nil
	}
	var out []string
	for _, s := range Scopes {
		if slices.Contains(given, s) {
			out = append(out, s)
		}
	}
	for _, s := range given {
		if !slices.Contains(Scopes, s) {
			return nil, Invalid(field, "%q is not a scope; scopes are %s", s, strings.Join(Scopes, ", "))
		}
	}
	return out, nil
}
