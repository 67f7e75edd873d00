package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The S3 figures: the registry on a real S3 server (MinIO, built by
// .ci/install.d/s3.sh) beside the file-storage figures of the same run. The large
// file is downloaded through the server (proxied), by redirect (the server answers
// with a signed URL and the client follows it), and straight from MinIO with a
// signed URL, the peer that sets the floor; the streamed upload is timed and its
// RSS sampled as for file storage.

const (
	s3User, s3Secret, s3Region = "pkgregbench", "pkgregbench-secret", "us-east-1"
	s3Bucket                   = "bench"
)

type s3Report struct {
	skipped                  string
	proxy, redirect, direct  downloadStats
	upload                   *uploadStats
	uploadErr                error
	fileUpload               *uploadStats // file storage's, from the same run
	redirectChecked, proxied string
}

func minioBinary() string {
	tools := os.Getenv("PKGREG_TOOLS")
	if tools == "" {
		home, _ := os.UserHomeDir()
		tools = filepath.Join(home, ".cache", "pkgreg", "tools")
	}
	bin := filepath.Join(tools, "bin", "minio")
	if _, err := os.Stat(bin); err != nil {
		return ""
	}
	return bin
}

func benchS3(o options, cl *cleanups, tmp, regBin, largePath, largeSum string) *s3Report {
	rep := &s3Report{}
	bin := minioBinary()
	if bin == "" {
		rep.skipped = "no MinIO binary (run .ci/install.d/s3.sh)"
		return rep
	}
	if err := runS3(o, cl, tmp, bin, regBin, largePath, largeSum, rep); err != nil {
		rep.skipped = "setup failed: " + firstLine(err)
		logf("s3: %v", err)
	}
	return rep
}

func runS3(o options, cl *cleanups, tmp, minio, regBin, largePath, largeSum string, rep *s3Report) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	dir := filepath.Join(tmp, "minio")
	env := append(os.Environ(), "MINIO_ROOT_USER="+s3User, "MINIO_ROOT_PASSWORD="+s3Secret, "MINIO_BROWSER=off", "MINIO_UPDATE=off")
	m, err := startChild("minio", filepath.Join(tmp, "minio.log"), env, minio, "server", "--quiet", "--address", endpoint[7:], dir)
	if err != nil {
		return err
	}
	cl.push(func() { m.stop(syscall.SIGTERM, 10*time.Second) })
	if _, err := waitReady(endpoint+"/minio/health/ready", m, 60*time.Second); err != nil {
		return err
	}
	client := s3.New(s3.Options{Region: s3Region, BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(s3User, s3Secret, "")})
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(s3Bucket)}); err != nil {
		return fmt.Errorf("create bucket: %w", err)
	}
	q := url.Values{"endpoint": {endpoint}, "region": {s3Region}, "s3ForcePathStyle": {"true"}}
	storage := "s3://" + s3Bucket + "?" + q.Encode()
	token := fmt.Sprintf("bench-s3-token-%d", time.Now().UnixNano())
	regEnv := append(os.Environ(), "REGISTRY_BOOTSTRAP_TOKEN="+token, "REGISTRY_STORAGE_URL="+storage,
		"AWS_ACCESS_KEY_ID="+s3User, "AWS_SECRET_ACCESS_KEY="+s3Secret, "AWS_REGION="+s3Region,
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_REQUEST_CHECKSUM_CALCULATION=when_required", "AWS_RESPONSE_CHECKSUM_VALIDATION=when_required")
	dataDir := filepath.Join(tmp, "data-s3")
	// Two servers on the same database and bucket: one streams every file, the
	// other redirects to signed URLs.
	start := func(name string, extra ...string) (*child, string, error) {
		p, err := freePort()
		if err != nil {
			return nil, "", err
		}
		base := fmt.Sprintf("http://127.0.0.1:%d", p)
		args := append([]string{"serve", "--listen", base[7:], "--data-dir", dataDir}, extra...)
		c, err := startChild(name, filepath.Join(tmp, name+".log"), regEnv, regBin, args...)
		if err != nil {
			return nil, "", err
		}
		cl.push(func() { c.stop(syscall.SIGTERM, 20*time.Second) })
		if _, err := waitReady(base+"/-/readiness", c, 60*time.Second); err != nil {
			return nil, "", err
		}
		return c, base, nil
	}
	proxy, proxyBase, err := start("registry-s3")
	if err != nil {
		return err
	}
	projectID, err := createProject(regBin, dataDir, "root/bench", regEnv)
	if err != nil {
		return err
	}
	upc := &http.Client{Transport: newTransport(1), Timeout: 10 * time.Minute}
	if err := putFile(upc, genericURL(proxyBase, projectID, "1.0.0", "large.bin"), token, largePath); err != nil {
		return err
	}
	redirect, redirectBase, err := start("registry-s3-redirect", "--storage-direct-download")
	if err != nil {
		return err
	}
	// The signed URL the redirecting server hands out is the MinIO peer's URL.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", genericURL(redirectBase, projectID, "1.0.0", "large.bin"), nil)
	req.Header.Set("PRIVATE-TOKEN", token)
	res, err := noFollow.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	signed := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || signed == "" {
		return fmt.Errorf("the redirecting server answered %s without a signed URL", res.Status)
	}
	rep.redirectChecked = fmt.Sprintf("registry-s3-redirect: GET large.bin: %d to a signed MinIO URL", res.StatusCode)
	if st, err := statusOf(genericURL(proxyBase, projectID, "1.0.0", "large.bin"), token); err == nil {
		rep.proxied = fmt.Sprintf("registry-s3: GET large.bin: %d streamed by the server", st)
	}
	srvs := []*server{
		{name: "through the server", pid: proxy.pid(), token: token, largeURL: genericURL(proxyBase, projectID, "1.0.0", "large.bin")},
		{name: "by redirect", pid: redirect.pid(), token: token, largeURL: genericURL(redirectBase, projectID, "1.0.0", "large.bin")},
		{name: "MinIO direct", pid: m.pid(), largeURL: signed},
	}
	logf("s3 download: %d x %s per path (+1 warm-up, sha256-verified)", o.downloads, fmtBytes(int64(o.sizeLarge)))
	dls := measureDownloads(srvs, int64(o.sizeLarge), largeSum, o.downloads, logf)
	rep.proxy, rep.redirect, rep.direct = dls[0], dls[1], dls[2]
	logf("s3 upload: %s streamed", fmtBytes(int64(o.uploadSize)))
	rep.upload, rep.uploadErr = measureUpload(o, proxy, proxyBase, projectID, token)
	return nil
}

func (r *s3Report) print(w io.Writer, o options) []string {
	fmt.Fprintln(w, "\non S3 storage (MinIO on the same machine), same run:")
	if r.skipped != "" {
		fmt.Fprintf(w, "  skipped: %s\n", r.skipped)
		return nil
	}
	var missed []string
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tthrough the server\tby redirect\tMinIO direct\tserver/direct\tredirect/direct")
	fmt.Fprintln(tw, "------\t------------------\t-----------\t------------\t-------------\t---------------")
	cell := func(d downloadStats) string {
		if d.err != nil {
			return "ERROR"
		}
		return fmt.Sprintf("%.0f", d.median())
	}
	ratio := func(a, b downloadStats) string {
		if a.err != nil || b.err != nil || b.median() <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.2fx", a.median()/b.median())
	}
	fmt.Fprintf(tw, "download %s MiB/s (median)\t%s\t%s\t%s\t%s\t%s\n", fmtBytes(int64(o.sizeLarge)),
		cell(r.proxy), cell(r.redirect), cell(r.direct), ratio(r.proxy, r.direct), ratio(r.redirect, r.direct))
	for _, d := range []struct {
		name string
		s    downloadStats
	}{{"through the server", r.proxy}, {"by redirect", r.redirect}, {"MinIO direct", r.direct}} {
		if d.s.err != nil {
			missed = append(missed, "s3 download "+d.name+": "+d.s.err.Error())
		}
	}
	tw.Flush()
	switch u := r.upload; {
	case u == nil || r.uploadErr != nil:
		fmt.Fprintf(w, "  upload: ERROR %s\n", firstLine(r.uploadErr))
		missed = append(missed, "s3 upload: "+firstLine(r.uploadErr))
	default:
		rate := float64(o.uploadSize) / MiB / u.el.Seconds()
		vs := ""
		if f := r.fileUpload; f != nil && f.el > 0 {
			vs = fmt.Sprintf(" (%.2fx the file-storage upload of this run)", rate/(float64(o.uploadSize)/MiB/f.el.Seconds()))
		}
		growth, res := u.rssGrowth()
		if res != "ok" {
			missed = append(missed, fmt.Sprintf("s3 upload peak RSS growth %s > %s", fmtMiB(growth), fmtMiB(targetUploadRSS)))
		}
		fmt.Fprintf(w, "  upload %s: %.0f MiB/s%s; server CPU %.2f s per GiB; peak RSS growth %s (target <= %s: %s)\n",
			fmtBytes(int64(o.uploadSize)), rate, vs, u.cpu.Seconds()/(float64(o.uploadSize)/(1<<30)), fmtMiB(growth),
			fmtMiB(targetUploadRSS), res)
		if u.verify != "" {
			fmt.Fprintf(w, "  upload %s\n", u.verify)
		}
	}
	for _, c := range []string{r.proxied, r.redirectChecked} {
		if c != "" {
			fmt.Fprintln(w, "  "+c)
		}
	}
	return missed
}
