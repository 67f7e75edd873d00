//go:build ignore

// fuzz-seeds writes the committed seed corpora of the fuzz targets
// (<package>/testdata/fuzz/FuzzXxx/<hash>, Go's "go test fuzz v1" files): inputs
// real clients send, and the nasty ones a registry must refuse with a 4xx (`..`,
// encoded slashes, NUL, over-long segments, truncated documents, archives that are
// bombs or no archives, kept small). The targets' f.Add seeds cover the rest.
// Run from the repository root: go run scripts/fuzz-seeds.go
package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// seed writes one corpus file of a target; args are strings or byte slices.
func seed(pkg, target string, args ...any) {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case string:
			fmt.Fprintf(&b, "string(%s)\n", strconv.Quote(v))
		case []byte:
			fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
		default:
			panic(fmt.Sprintf("seed %T", a))
		}
	}
	sum := sha256.Sum256([]byte(b.String()))
	dir := filepath.Join(pkg, "testdata", "fuzz", target)
	must(os.MkdirAll(dir, 0o755))
	must(os.WriteFile(filepath.Join(dir, hex.EncodeToString(sum[:8])), []byte(b.String()), 0o644))
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// archive builds a zip; deflate compresses every entry (bombs need it).
func archive(deflate bool, files ...string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := 0; i+1 < len(files); i += 2 {
		h := &zip.FileHeader{Name: files[i], Method: zip.Store}
		if deflate {
			h.Method = zip.Deflate
		}
		w, err := zw.CreateHeader(h)
		must(err)
		_, err = w.Write([]byte(files[i+1]))
		must(err)
	}
	must(zw.Close())
	return b.Bytes()
}

func main() {
	long := strings.Repeat("a", 300)
	strings1 := func(pkg, target string, in ...string) {
		for _, s := range in {
			seed(pkg, target, s)
		}
	}

	// npm
	strings1("compat/npm", "FuzzParsePath", "@acme%2fhello", "@acme%2Fhello/-/@acme/hello-1.2.3-beta.1.tgz", "lodash/-/lodash-4.17.21.tgz",
		"-/package/@acme%2fhello/dist-tags/latest", "@acme/hello/-/@acme/hello-1.0.0.tgz/-rev/2-abc", "..%2F..%2Fetc%2Fpasswd",
		"@acme%2F..%2F..", "%40acme%2fhello", "@acme/hello/-/@acme/hello-1.0.0.tgz%2F..", "@"+long+"%2f"+long, "a\x00b",
		"-/package/%2e%2e/dist-tags/latest", "hello/-/hello-01.0.0.tgz", "hello/-/%2e%2e%2fhello-1.0.0.tgz", "@acme%2fhello/-rev/",
		"-/package/hello/dist-tags/1.0.0", "-/package/hello/dist-tags/a%2fb", "hello%")
	strings1("compat/npm", "FuzzValidName", "@acme/hello", "lodash", "@acme/.", "@acme/hello%2f..", "@./x", "@-/x", "_private", "@a/b\x00", long)
	tgz := []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03package/package.json")
	s1, s512 := sha1.Sum(tgz), sha512.Sum512(tgz)
	data := base64.StdEncoding.EncodeToString(tgz)
	publish := `{"_id":"@acme/hello","name":"@acme/hello","description":"hi","dist-tags":{"latest":"1.0.0"},` +
		`"versions":{"1.0.0":{"name":"@acme/hello","version":"1.0.0","main":"index.js","scripts":{"test":"x"},"_id":"@acme/hello@1.0.0",` +
		`"_nodeVersion":"20.0.0","_npmVersion":"10.0.0","dist":{"integrity":"sha512-` + base64.StdEncoding.EncodeToString(s512[:]) +
		`","shasum":"` + hex.EncodeToString(s1[:]) + `","tarball":"http://x/@acme/hello/-/@acme/hello-1.0.0.tgz"}}},` +
		`"access":null,"_attachments":{"@acme/hello-1.0.0.tgz":{"content_type":"application/octet-stream","data":"` + data + `","length":` +
		strconv.Itoa(len(tgz)) + `}}}`
	for _, doc := range []string{
		publish,
		publish[:len(publish)/2],
		strings.Replace(publish, data, data[:8]+`\r\n`+data[8:], 1),
		strings.Replace(publish, data, strings.ReplaceAll(data, "A", `\u0041`), 1),
		strings.Replace(publish, `"length":`, `"length":9`, 1),
		strings.Replace(publish, `"data":"`+data+`"`, `"data":12`, 1),
		strings.Replace(publish, `"data":"`, `"data":"!`, 1),
		strings.Replace(publish, `"name":"@acme/hello","version"`, `"name":"@acme/other","version"`, 1),
		strings.Replace(publish, `"1.0.0":{`, `"1.0.0":{"x":`+strings.Repeat("[", 520)+strings.Repeat("]", 520)+`,`, 1),
		strings.Replace(publish, `}}}`, `}},"@acme/hello-2.0.0.tgz":{"data":"`+data+`"}}}`, 1),
		publish + " {}",
		`{"_attachments":{"x.tgz":{"data":"` + data + `"}},"name":"@acme/hello","versions":{"1.0.0":{"name":"@acme/hello","version":"1.0.0"}}}`,
	} {
		seed("compat/npm", "FuzzParsePublish", "@acme/hello", doc)
	}
	seed("compat/npm", "FuzzParsePublish", "@acme/../x", publish)
	strings1("compat/npm", "FuzzParseDeprecate", `{"_id":"hello","versions":{"1.0.0":{"name":"hello","deprecated":"no longer"},"1.0.1":{"deprecated":""}}}`,
		`{"versions":{"1.0.0":{"deprecated":"`+strings.Repeat("x", 1025)+`"}}}`, `{"versions":{"1.0.0":{"deprecated":null}}}`, `{"versions":[]}`, "\x00")
	strings1("compat/npm", "FuzzParseUpdate", `{"_id":"hello","_rev":"3-a","versions":{"1.0.0":{"name":"hello"}},"dist-tags":{"latest":"1.0.0"}}`,
		`{"versions":{"1.0.0":{}},"dist-tags":{"latest":null}}`, `{"versions":null}`, `{"versions":{"1.0.0":{}}`)
	strings1("compat/npm", "FuzzParseTagVersion", `"1.0.0-beta.1"`, `"1.0.0"  `, `"latest"`, `"1.0.0\u0000"`, strings.Repeat("1", 2000))
	strings1("compat/npm", "FuzzParseSearch", "text=keywords:cli&size=20&from=0&quality=0.65", "text=%00&size=1e3", "size=100001", "text="+strings.Repeat("%F0%9F%98%80", 257))

	// PyPI
	meta := "Metadata-Version: 2.1\nName: hello-pkg\nVersion: 1.0.0\nRequires-Dist: requests>=2\n"
	seed("compat/pypi", "FuzzWheelMetadata", archive(true, "hello_pkg/__init__.py", "", "hello_pkg-1.0.0.dist-info/METADATA", meta,
		"hello_pkg-1.0.0.dist-info/WHEEL", "Wheel-Version: 1.0\n", "hello_pkg-1.0.0.dist-info/RECORD", ""), "hello_pkg-1.0.0-py3-none-any.whl")
	seed("compat/pypi", "FuzzWheelMetadata", archive(true, "../hello_pkg-1.0.0.dist-info/METADATA", meta), "hello_pkg-1.0.0-py3-none-any.whl")
	seed("compat/pypi", "FuzzWheelMetadata", archive(true, "x.dist-info/METADATA", meta, "y.dist-info/METADATA", meta), "z-1-py3-none-any.whl")
	// A bomb: 17 MB of METADATA in about 17 kB, over the 16 MB bound.
	seed("compat/pypi", "FuzzWheelMetadata", archive(true, "a-1.dist-info/METADATA", "Metadata-Version: 2.1\n"+strings.Repeat(" ", 17<<20)), "a-1-py3-none-any.whl")
	good := archive(false, "a-1.dist-info/METADATA", meta)
	seed("compat/pypi", "FuzzWheelMetadata", good[:len(good)-10], "a-1-py3-none-any.whl")
	seed("compat/pypi", "FuzzWheelMetadata", bytes.Replace(good, []byte("Metadata"), []byte("Metadata\x00"), 1), "a-1-py3-none-any.whl")
	for _, f := range [][7]string{
		{"hello-pkg", "1.0.0", "hello_pkg-1.0.0-py3-none-any.whl", "", strings.Repeat("ab", 32), "Hello", ">=3.8"},
		{"Hello.Pkg", "2024.1.0.post1", "hello.pkg-2024.1.0.post1.tar.gz", strings.Repeat("0", 32), "", strings.Repeat("s", 300), ">=3.8,<4"},
		{"hello", "1.0.0", "..\\..\\hello-1.0.0.tar.gz", "", "", "", ""},
		{"hello", "1.0.0", "hello-1.0.0.tar.gz%2F..", "", "", "", ""},
		{"hello", "1.0", "hello-1.0.whl.METADATA", "", "", "", ""},
		{"-hello", "1.0", "x.whl", "", "", "", ""},
		{"hello", "1.0\n", "x.whl", "zz", strings.Repeat("g", 64), "", ""},
		{long, long, long, "", "", "", ""},
	} {
		seed("compat/pypi", "FuzzUploadForm", f[0], f[1], f[2], f[3], f[4], f[5], f[6])
	}
	twine := func(boundary string, fields [][2]string, fileName, content string) []byte {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		must(mw.SetBoundary(boundary))
		for _, f := range fields {
			must(mw.WriteField(f[0], f[1]))
		}
		if fileName != "" {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="content"; filename="`+fileName+`"`)
			h.Set("Content-Type", "application/octet-stream")
			w, err := mw.CreatePart(h)
			must(err)
			_, _ = w.Write([]byte(content))
		}
		must(mw.Close())
		return b.Bytes()
	}
	const bnd = "5ac6c3a3a3fe4a1e8f0f8e5e2c4b1d0a"
	ct := "multipart/form-data; boundary=" + bnd
	fields := [][2]string{{":action", "file_upload"}, {"protocol_version", "1"}, {"metadata_version", "2.1"}, {"name", "hello-pkg"},
		{"version", "1.0.0"}, {"filetype", "sdist"}, {"pyversion", "source"}, {"summary", "Hello"}, {"requires_python", ">=3.8"},
		{"md5_digest", ""}, {"sha256_digest", ""}, {"blake2_256_digest", ""}}
	body := twine(bnd, fields, "hello_pkg-1.0.0.tar.gz", "sdist bytes")
	seed("compat/pypi", "FuzzUploadRequest", ct, body)
	seed("compat/pypi", "FuzzUploadRequest", ct, body[:len(body)-20])
	seed("compat/pypi", "FuzzUploadRequest", ct, twine(bnd, fields, "../../hello_pkg-1.0.0.tar.gz", "x"))
	seed("compat/pypi", "FuzzUploadRequest", ct, twine(bnd, fields, "hello_pkg-1.0.0.tar.gz%00.whl", "x"))
	seed("compat/pypi", "FuzzUploadRequest", ct, twine(bnd, append(fields, [2]string{"name", "..\x00"}), "hello_pkg-1.0.1.tar.gz", "x"))
	seed("compat/pypi", "FuzzUploadRequest", ct, twine(bnd, append(fields[:4], [2]string{"version", "1.0.0"}, [2]string{"sha256_digest", strings.Repeat("0", 64)}), "hello_pkg-1.0.2.tar.gz", "x"))
	seed("compat/pypi", "FuzzUploadRequest", ct, twine(bnd, fields, "hello_pkg-1.0.0-py3-none-any.whl", string(archive(true, "hello_pkg-1.0.0.dist-info/METADATA", meta))))
	seed("compat/pypi", "FuzzUploadRequest", ct, []byte("--"+bnd+"\r\nContent-Disposition: form-data\r\n\r\nx\r\n--"+bnd+"--\r\n"))
	seed("compat/pypi", "FuzzUploadRequest", ct, []byte("--"+bnd+"\r\nContent-Disposition: form-data; name=\""+strings.Repeat("n", 9000)+"\"\r\n\r\nx\r\n--"+bnd+"--\r\n"))
	seed("compat/pypi", "FuzzUploadRequest", "multipart/form-data; boundary="+strings.Repeat("x", 71), body)
	seed("compat/pypi", "FuzzUploadRequest", "multipart/mixed; boundary="+bnd, body)
	seed("compat/pypi", "FuzzUploadRequest", "text/plain", []byte("name=hello&version=1.0"))

	// Maven
	strings1("compat/maven", "FuzzParsePath", "org/apache/commons/commons-lang3/3.14.0/commons-lang3-3.14.0.pom",
		"org/apache/commons/commons-lang3/3.14.0/commons-lang3-3.14.0-sources.jar.sha512",
		"com/acme/hello/1.0-SNAPSHOT/hello-1.0-20240101.120000-1.jar", "com/acme/hello/1.0-SNAPSHOT/maven-metadata.xml",
		"com/acme/hello/maven-metadata.xml.sha256", "com/acme/hello/1.0/%2e%2e/x.jar", "com/acme/hello/1.0/..%5c..%5cx.jar",
		"com/acme/hello/1.0/x.jar%00.sha1", "com/acme/hello/1.0//x.jar", "com/acme/hello/1.0/"+strings.Repeat("x", 5001),
		"com/acme/"+long+"/1.0/x.jar", "com/acme/hello/1..0/x.jar", "/com/acme/hello/1.0/x.jar", "com/acme/hello/1.0/x.jar/",
		"com/acme/hello/1.0/hello%2B1.jar", "com/acme/hello/1.0/hello%2b1.jar.md5")
	for _, c := range [][2]string{{"sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"}, {"md5", "d41d8cd98f00b204e9800998ecf8427e *hello.jar\r\n"},
		{"sha512", strings.Repeat("ab", 64) + "\x00"}, {"sha256", strings.Repeat("G", 64)}, {"sha1", "a b c d"}, {"", ""}} {
		seed("compat/maven", "FuzzParseChecksum", c[0], []byte(c[1]))
	}
	for _, v := range [][3]string{{"1.0.0", "1.0.1-SNAPSHOT", "1.0.1"}, {"2.0.0-M1", "2.0.0-RC1", "2.0.0.Final"}, {"1.0-alpha1", "1.0-beta", "1.0-cr1"},
		{"20240101.120000", "1.0-20240101.120000-1", "1-1"}, {"1.0.0-SNAPSHOT", "1.0.0-snapshot", "1.0.0-SNAPSHOT-1"},
		{"1.a.1", "1.1.a", "1-a1"}, {"0", "0.0", ""}, {"1.0-sp1", "1.0-xyz", "1.0-1"}} {
		seed("compat/maven", "FuzzCompareVersions", v[0], v[1], v[2])
	}

	// Generic
	for _, p := range [][3]string{{"my-app", "1.2.3", "my-app-linux-amd64.tar.gz"}, {"my-app", "1.2.3", "bin/linux/amd64/my-app"},
		{"my-app", "1.2.3", "bin%2Flinux%2Fmy-app"}, {"my-app", "1.2.3", "..%2F..%2F..%2Fsecret"}, {"my-app", "1.2.3", "bin/%2e%2e/x"},
		{"my-app", "1.2.3", "bin%5C..%5Cx"}, {"my-app", "1.2.3", "x%00.tar.gz"}, {"my-app", "1.2.3", "@x"}, {"my-app", "1.2.3", "a/b~"},
		{"my-app", "1.2.3", strings.Repeat("d/", 520) + "f"}, {"my-app", "1.2.3", long + "/" + long + "/" + long + "/" + long},
		{"%2e%2e", "1.2.3", "f"}, {"my%2Fapp", "1.2.3", "f"}, {"my-app", "..", "f"}, {"my-app", "1.2.3%2F..", "f"}, {"my-app", "1.2.3", ""}} {
		seed("compat/generic", "FuzzParams", p[0], p[1], p[2])
	}

	// NuGet
	nuspec := func(id, version, extra string) string {
		return `<?xml version="1.0" encoding="utf-8"?><package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata>` +
			`<id>` + id + `</id><version>` + version + `</version><authors>Acme</authors><description>Hello.</description>` + extra + `</metadata></package>`
	}
	real := nuspec("Acme.Hello", "1.2.3-beta.4+sha.abc", `<projectUrl>https://github.com/acme/hello</projectUrl><license type="expression">MIT</license>`+
		`<tags>acme hello</tags><repository type="git" url="https://github.com/acme/hello.git"/><dependencies><group targetFramework="net8.0">`+
		`<dependency id="Newtonsoft.Json" version="13.0.3" exclude="Build,Analyzers"/></group><group targetFramework=".NETStandard2.0"/></dependencies>`)
	for _, n := range []string{real, real[:len(real)/2], nuspec("Acme/../Hello", "1.0.0", ""), nuspec("Acme", "1.0.0\x00", ""),
		nuspec(long, "1.0.0", ""), nuspec("Acme", "1.0.0", `<tags>`+strings.Repeat("t ", 101)+`</tags>`),
		nuspec("Acme", "1.0.0", `<iconUrl>file:///etc/passwd</iconUrl>`), nuspec("Acme", "1.0.0", `<dependencies><dependency id="../x" version="1"/></dependencies>`),
		`<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><package><metadata><id>&x;</id></metadata></package>`,
		`<package><metadata><id>A</id><version>1.0</version></metadata></package><package/>`, "\xef\xbb\xbf\xef\xbb\xbf<package/>"} {
		seed("compat/nuget", "FuzzParseNuspec", []byte(n))
	}
	pdb := "BSJB\x01\x00\x01\x00\x00\x00\x00\x00\x0c\x00\x00\x00PDB v1.0\x00\x00\x00\x00#Pdb\x00\x00\x00\x00#Blob\x00\x00" + strings.Repeat("\x42", 20) + "rest"
	for _, a := range [][]string{
		{"Acme.Hello.nuspec", real, "lib/net8.0/Acme.Hello.dll", "MZ", "[Content_Types].xml", "<Types/>", "_rels/.rels", "<Relationships/>"},
		{"Acme.Hello.nuspec", strings.Replace(nuspec("Acme.Hello", "1.0.0", `<packageTypes><packageType name="SymbolsPackage"/></packageTypes>`), "<authors>Acme</authors>", "", 1),
			"lib/net8.0/Acme.Hello.pdb", pdb, "lib\\net8.0\\..\\..\\evil.pdb", pdb},
		{"../../Acme.Hello.nuspec", real},
		{"a.nuspec", strings.Repeat(" ", 5<<20)}, // a bomb: over the 4 MB nuspec bound, compressed
		{"content/readme.txt", "no manifest"},
	} {
		seed("compat/nuget", "FuzzReadNupkg", archive(true, a...), "package.nupkg")
	}
	whole := archive(false, "Acme.Hello.nuspec", real)
	seed("compat/nuget", "FuzzReadNupkg", whole[:len(whole)-30], "Acme.Hello.1.2.3-beta.4.nupkg")
	seed("compat/nuget", "FuzzReadNupkg", whole, "Other.9.9.9.nupkg")
	seed("compat/nuget", "FuzzReadNupkg", bytes.Replace(whole, []byte("Acme.Hello.nuspec"), []byte("Acme.Hello.NUSPEC"), 1), "C:\\tmp\\acme.hello.1.2.3-beta.4.symbols.nupkg")
	for _, v := range [][3]string{{"1.2.3-beta.4+sha.abc", "1.2.3-BETA.4", "1.2.3-beta.10"}, {"1.0.0.0", "1.0", "1.0.0.1"},
		{"4.0.0-rc.1", "4.0.0-rc.a", "4.0.0"}, {"2147483648.0.0", "2147483647.0.0", "1.0.0"}, {"1.0.0-" + long, "1.0.0", "1.0.0+" + long}} {
		seed("compat/nuget", "FuzzVersions", v[0], v[1], v[2])
	}
	strings1("compat/nuget", "FuzzParseSearch", "q=Acme&skip=0&take=26&prerelease=true&semVerLevel=2.0.0", "skip=01", "take=1000000000", "prerelease=TRUE", "q=%F0%9F")

	// GraphQL
	strings1("graph", "FuzzParseGID", "gid://gitlab/Packages::Package/123", "gid://gitlab/Packages::Package/9223372036854775807",
		"gid://gitlab/Packages::Package/9223372036854775808", "gid://gitlab/Packages::Package/1e3", "gid://gitlab/Packages%3A%3APackage/1",
		"gid://gitlab/Packages::Package/ 1", "GID://GITLAB/Packages::Package/1", "gid://gitlab/Packages::Package//1", "0x10", " 1")
	strings1("graph", "FuzzCursor", "gqJpZAE", "gaJpZM3//w", "gqJpZAGldmFsdWWoMjAyNC0wMS0wMQ", "gqJpZKEx", "3wAAAAE", "2wAAAP8", "x", "=")

	// Credentials
	b64 := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, c := range [][5]string{
		{b64("gitlab-ci-token:glcbt-64_abcdefghij"), "", "", "", ""}, {b64("deploy-token-1:gldt-abcdef"), "", "", "", ""},
		{"Bearer glpat-abcdefghijklmnopqrst", "", "", "", ""}, {"", "glpat-abc", "glcbt-def", "private_token=q&job_token=r", "registry_session=s"},
		{b64("user\x00:pass\x00"), "", "", "", ""}, {"Basic " + base64.StdEncoding.EncodeToString([]byte(long + ":" + long))[:50], "", "", "", ""},
		{"Basic", "", "", "", ""}, {"Bearer", "", "", "", ""}, {"Bearer \t", "", "", "", ""}, {"", "", "", "private_token=%00&private_token=x", "registry_session=\"quoted\""},
	} {
		seed("auth", "FuzzCredentials", c[0], c[1], c[2], c[3], c[4])
	}

	// Pagination
	strings1("compat", "FuzzPagination", "page=3&per_page=100", "per_page=0", "page=1e3", "page=+1", "page=21474837&per_page=100", "page=%31")
}
