package registry

import (
	"errors"
	"fmt"
)

// Error kinds. Every error the service returns wraps exactly one of them, so that
// compat.WriteError and the GraphQL error presenter can map it to a status in one place.
var (
	ErrInvalid         = errors.New("invalid")
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrForbidden       = errors.New("forbidden")
	ErrTooLarge        = errors.New("too large")
	ErrThrottled       = errors.New("throttled")
)

// Error is a kind plus the message a client may see. Internal detail never goes in Message.
type Error struct {
	Kind    error
	Message string
	// Param names the request parameter that failed validation, for formats
	// (GitLab's Grape layer) that report it as {"error":"<param> is invalid"}.
	Param string
}

func (e *Error) Error() string { return e.Message }

// Unwrap lets errors.Is match the kind.
func (e *Error) Unwrap() error { return e.Kind }

// Errorf builds an Error of the given kind with a formatted public message.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// InvalidParam reports a request parameter that failed validation.
func InvalidParam(param string) error {
	return &Error{Kind: ErrInvalid, Message: param + " is invalid", Param: param}
}

// Common errors with GitLab's wording.
var (
	errProjectNotFound = Errorf(ErrNotFound, "404 Project Not Found")
	errGroupNotFound   = Errorf(ErrNotFound, "404 Group Not Found")
	errPackageNotFound = Errorf(ErrNotFound, "404 Package Not Found")
	errFileNotFound    = Errorf(ErrNotFound, "404 Package File Not Found")
	errUnauthorized    = Errorf(ErrUnauthenticated, "401 Unauthorized")
	errForbidden       = Errorf(ErrForbidden, "403 Forbidden")
	errTooLarge        = Errorf(ErrTooLarge, "File is too large")
	errDuplicate       = Errorf(ErrConflict, "Duplicate package is not allowed")
)

// PublicMessage returns the message a client may see for err, or "" when err carries none.
func PublicMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}
