package core

import (
	"strings"
	"unicode/utf8"
)

// Role is what a console user may do: a viewer reads everything and changes
// nothing; an admin does everything.
type Role string

const (
	RoleViewer Role = "viewer"
	RoleAdmin  Role = "admin"
)

// CheckRole refuses anything but viewer and admin.
func CheckRole(field string, r Role) error {
	if r != RoleViewer && r != RoleAdmin {
		return Invalid(field, "must be viewer or admin")
	}
	return nil
}

// CheckUsername accepts 1–64 characters of letters, digits, '.', '_', '-' and '@'.
func CheckUsername(field, name string) error {
	if name == "" || len(name) > 64 {
		return Invalid(field, "must be 1 to 64 characters")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)) {
			return Invalid(field, "may hold only letters, digits and . _ - @")
		}
	}
	return nil
}

// MinPasswordLength is the shortest password a console user may have.
const MinPasswordLength = 10

// CheckPassword asks for a length, not for character classes: length is
// what makes a password hard to guess (NIST SP 800-63B).
func CheckPassword(field, password string) error {
	if n := utf8.RuneCountInString(password); n < MinPasswordLength || len(password) > 1024 {
		return Invalid(field, "must be %d to 1024 characters", MinPasswordLength)
	}
	return nil
}
