package compat

import "testing"

// TestContentDisposition: the header Rails' send_file writes, which GitLab's
// download specs expect (spec/requests/api/package_files_spec.rb: 'attachment;
// filename="..."; filename*=UTF-8”...').
func TestContentDisposition(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"alpha.txt", `attachment; filename="alpha.txt"; filename*=UTF-8''alpha.txt`},
		// spec/requests/api/generic_packages_spec.rb: 'myfile@1.1.tar.gz' and the like.
		{"myfile@1.1.tar.gz", `attachment; filename="myfile%401.1.tar.gz"; filename*=UTF-8''myfile%401.1.tar.gz`},
		{"my file (1)&.tar.gz", `attachment; filename="my file %281%29%26.tar.gz"; filename*=UTF-8''my%20file%20%281%29&.tar.gz`},
		{`say "hi".txt`, `attachment; filename="say %22hi%22.txt"; filename*=UTF-8''say%20%22hi%22.txt`},
		{"naïve.txt", `attachment; filename="naive.txt"; filename*=UTF-8''na%C3%AFve.txt`},
		{"日本.txt", `attachment; filename="%3F%3F.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt`},
		{"a;b=c.txt", `attachment; filename="a%3Bb%3Dc.txt"; filename*=UTF-8''a%3Bb%3Dc.txt`},
	} {
		if got := ContentDisposition(c.name); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
