package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/botgate/botgate/internal/core"
)

// form is a submitted form for re-display: the values typed (secrets are
// never echoed back) and the core's error, shown beside the field it names.
type form struct {
	Values map[string]string
	Err    *core.Error
}

func newForm(r *http.Request, err error) form {
	f := form{Values: map[string]string{}}
	if r != nil && r.PostForm != nil {
		for k, v := range r.PostForm {
			if k != "csrf" && !isSecretField(k) && len(v) > 0 {
				f.Values[k] = v[0]
			}
		}
	}
	if err != nil {
		f.Err = core.AsError(err)
	}
	return f
}

// FieldError is the error's message when it concerns field (or a field
// inside it, e.g. limits.burst for "limits").
func (f form) FieldError(field string) string {
	if f.Err == nil || f.Err.Field == "" {
		return ""
	}
	if f.Err.Field == field || strings.HasPrefix(f.Err.Field, field+".") || strings.HasPrefix(f.Err.Field, field+"[") {
		return f.Err.Message
	}
	return ""
}

// ExactError is the error's message when it concerns field itself, not a
// field inside it.
func (f form) ExactError(field string) string {
	if f.Err == nil || f.Err.Field != field {
		return ""
	}
	return f.Err.Message
}

// Value is what was typed in field, or def when the form was not posted.
func (f form) Value(field, def string) string {
	if v, ok := f.Values[field]; ok {
		return v
	}
	return def
}

func isSecretField(name string) bool {
	for _, s := range []string{"password", "access_token", "app_secret", "verify_token"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// optional is a pointer to a form field's value, nil when the field was not
// sent — or, for write-only secrets, left empty (the stored one is kept).
func optional(r *http.Request, name string) *string {
	if _, ok := r.PostForm[name]; !ok {
		return nil
	}
	v := strings.TrimSpace(r.PostForm.Get(name))
	if v == "" && isSecretField(name) {
		return nil
	}
	return &v
}

// number reads a numeric form field; empty is nil (keep or default).
func number[T int | float64](r *http.Request, name string) (*T, error) {
	s := strings.TrimSpace(r.PostForm.Get(name))
	if s == "" {
		return nil, nil
	}
	var v T
	switch p := any(&v).(type) {
	case *int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, core.Invalid(name, "must be a whole number")
		}
		*p = n
	case *float64:
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, core.Invalid(name, "must be a number")
		}
		*p = n
	}
	return &v, nil
}

// readParamLines reads name=value lines (blank lines and lines without = are
// left out), as the block editor's sample parameters and a
// broadcast's block parameters are typed.
func readParamLines(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if k, val, ok := strings.Cut(strings.TrimRight(line, "\r"), "="); ok && strings.TrimSpace(k) != "" {
			out[strings.TrimSpace(k)] = val
		}
	}
	return out
}
