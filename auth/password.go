package auth

import "golang.org/x/crypto/bcrypt"

// Passwords are stored as bcrypt hashes.

// HashPassword returns the stored form of a password.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// PasswordMatches reports whether pw is the password of the stored hash.
func PasswordMatches(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}
