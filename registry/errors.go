package registry

import (
	"errors"
	"fmt"

	"github.com/pkgreg/registry/database"
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
	// ErrUnavailable: the database (or storage) cannot serve the request now; a
	// retry may succeed (503). Database failures of that sort count as it too.
	ErrUnavailable = errors.New("unavailable")
)

// Unavailable reports whether err is ErrUnavailable or a database failure that a
// retry may cure (database.Unavailable): what the surfaces answer 503.
func Unavailable(err error) bool {
	return errors.Is(err, ErrUnavailable) || database.Unavailable(err)
}

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

// InvalidValue reports a parameter outside the values it may take (Grape's values
// validator: "<param> does not have a valid value").
func InvalidValue(param string) error {
	return &Error{Kind: ErrInvalid, Message: param + " does not have a valid value", Param: param}
}

// InvalidPath reports a parameter that names no valid file path (GitLab's
// file_path validator: a "." or ".." segment, once decoded).
func InvalidPath(param string) error {
	return &Error{Kind: ErrInvalid, Message: param + " should be a valid file path", Param: param}
}

// NotGiven reports a required parameter that is missing or blank, under the name
// GitLab gives it ("\"Version\" not given").
func NotGiven(name string) error {
	return &Error{Kind: ErrInvalid, Message: `"` + name + `" not given`, Param: name}
}

// BadRequest is GitLab's bad_request!: a 400 whose message is "400 Bad request - "
// and the reason.
func BadRequest(format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Message: "400 Bad request - " + fmt.Sprintf(format, args...)}
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
