package generic

import "testing"

func TestValidation(t *testing.T) {
	for _, c := range []struct {
		check func(string) bool
		in    string
		want  bool
	}{
		{ValidName, "my_package", true},
		{ValidName, "My.Pkg+1-2", true},
		{ValidName, "a/b", false},
		{ValidName, "a b", false},
		{ValidName, "..", false},
		{ValidName, "", false},
		{ValidVersion, "1.0.0", true},
		{ValidVersion, "v1_2+3-rc", true},
		{ValidVersion, "1..0", false},
		{ValidVersion, "1/0", false},
		{ValidVersion, "", false},
		{ValidFilePath, "file.txt", true},
		{ValidFilePath, "dir/sub/file.tar.gz", true},
		{ValidFilePath, "a~b@c", true},
		{ValidFilePath, "~file", false},
		{ValidFilePath, "file~", false},
		{ValidFilePath, "@file", false},
		{ValidFilePath, "../etc/passwd", false},
		{ValidFilePath, "a/./b", false},
		{ValidFilePath, "a//b", false},
		{ValidFilePath, "/abs", false},
		{ValidFilePath, "with space", false},
		{ValidFilePath, "nul\x00", false},
	} {
		if got := c.check(c.in); got != c.want {
			t.Errorf("%q: got %v, want %v", c.in, got, c.want)
		}
	}
}
