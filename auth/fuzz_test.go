package auth

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzCredentials fuzzes the credentials a request carries: the Authorization
// header (Bearer, Basic, a raw token), the token headers, the query string and the
// session cookie. The seeds in testdata/fuzz run in every go test; make fuzz goes on.
func FuzzCredentials(f *testing.F) {
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	f.Add(basic("gitlab-ci-token:glcbt-abc"), "", "", "private_token=glpat-x", "")
	f.Add("Bearer  glpat-abc ", "glpat-h", "", "", "registry_session=s1")
	f.Add(basic("alice:"), "", "glcbt-j", "job_token=%00", "")
	f.Add(basic("no colon"), "", "", "private_token=%zz", "registry_session=")
	f.Add("Basic !!!not base64", "", "", "", "registry_session=a; registry_session=b")
	f.Add("bAsIc "+base64.StdEncoding.EncodeToString([]byte("a:b:c")), "", "", "", "")
	f.Add("raw-token", "", "", "", "")
	f.Add("Token a b", "", "", "job_token=1&job_token=2", "")
	f.Fuzz(func(t *testing.T, authorization, privateToken, jobToken, query, cookie string) {
		// Header values arrive trimmed of spaces and tabs, as net/http's server reads them.
		trim := func(v string) string { return strings.Trim(v, " \t") }
		authorization, privateToken, jobToken, cookie = trim(authorization), trim(privateToken), trim(jobToken), trim(cookie)
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{}}
		for k, v := range map[string]string{"Authorization": authorization, "Private-Token": privateToken,
			"Job-Token": jobToken, "Cookie": cookie, CSRFHeader: "c"} {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		cs := Credentials(r)
		if len(cs) > 7 {
			t.Fatalf("%d credentials", len(cs))
		}
		first, ok := CredentialFrom(r)
		if ok != (len(cs) > 0) || (ok && first != cs[0]) {
			t.Fatalf("CredentialFrom = %+v, %v; Credentials = %+v", first, ok, cs)
		}
		if privateToken != "" && cs[0] != (Credential{Source: FromPrivateToken, Secret: privateToken}) {
			t.Fatalf("the PRIVATE-TOKEN header does not come first: %+v", cs)
		}
		for _, c := range cs {
			switch c.Source {
			case FromBearer:
				if c.Secret != strings.TrimSpace(c.Secret) {
					t.Fatalf("bearer secret %q", c.Secret)
				}
			case FromBasic:
				// What Basic decodes to is what a client encoding it sends.
				if strings.Contains(c.Username, ":") {
					t.Fatalf("basic username %q", c.Username)
				}
				again := &http.Request{Header: http.Header{}, URL: &url.URL{}}
				again.SetBasicAuth(c.Username, c.Secret)
				if got := Credentials(again); len(got) != 1 || got[0] != c {
					t.Fatalf("basic %+v re-encodes as %+v", c, got)
				}
			case FromRawAuthorization:
				if c.Secret != authorization || strings.Contains(authorization, " ") {
					t.Fatalf("raw %q from %q", c.Secret, authorization)
				}
			case FromSession:
				if c.Secret == "" || !c.Safe || c.CSRF != "c" {
					t.Fatalf("session %+v", c)
				}
			case FromPrivateToken, FromJobToken, FromDeployToken:
				if c.Secret == "" {
					t.Fatalf("empty %+v", c)
				}
			default:
				t.Fatalf("source %d", c.Source)
			}
		}
	})
}
