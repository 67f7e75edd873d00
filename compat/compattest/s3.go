package compattest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3 is a real S3 server the test started: MinIO, built by .ci/install.d/s3.sh,
// listening on a free loopback port with its data in the test's temp dir. It is
// stopped (the process the test started, by its pid) when the test ends.
type S3 struct {
	// Endpoint is the server's base URL.
	Endpoint string
	client   *s3.Client
}

// S3 credentials of every test server; the AWS SDK reads them from the
// environment, which StartS3 sets for the test.
const (
	S3AccessKey = "pkgregtest"
	S3SecretKey = "pkgregtest-secret"
	S3Region    = "us-east-1"
)

// StartS3 starts a MinIO server for the test (a missing binary fails the test in CI
// and skips it elsewhere), and points the AWS SDK's environment at its credentials.
func StartS3(t testing.TB) *S3 {
	t.Helper()
	bin := RequireTool(t, "minio", "--version")
	for _, kv := range [][2]string{
		{"AWS_ACCESS_KEY_ID", S3AccessKey}, {"AWS_SECRET_ACCESS_KEY", S3SecretKey}, {"AWS_REGION", S3Region},
		{"AWS_CONFIG_FILE", os.DevNull}, {"AWS_SHARED_CREDENTIALS_FILE", os.DevNull}, {"AWS_EC2_METADATA_DISABLED", "true"},
		// MinIO answers without the checksums newer SDKs ask for by default.
		{"AWS_REQUEST_CHECKSUM_CALCULATION", "when_required"}, {"AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required"},
	} {
		t.Setenv(kv[0], kv[1])
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := startMinIO(t, bin)
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("minio: %v", lastErr)
	return nil
}

func startMinIO(t testing.TB, bin string) (*S3, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(t.TempDir(), "minio")
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "server", "--quiet", "--address", addr, dir)
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+S3AccessKey, "MINIO_ROOT_PASSWORD="+S3SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "HOME="+dir)
	logFile, err := os.Create(filepath.Join(t.TempDir(), "minio.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
		logFile.Close()
	}
	endpoint := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logFile.Name())
			return nil, fmt.Errorf("exited: %v\n%s", err, log)
		default:
		}
		res, err := http.Get(endpoint + "/minio/health/ready")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("not ready at %s after 60s", endpoint)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(stop)
	client := s3.New(s3.Options{Region: S3Region, BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(S3AccessKey, S3SecretKey, "")})
	return &S3{Endpoint: endpoint, client: client}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Bucket creates a bucket and returns its storage URL (gocloud's s3:// form).
func (s *S3) Bucket(t testing.TB, name string) string { return s.BucketAt(t, name, "") }

// BucketAt is Bucket with the server named by host (resolving to 127.0.0.1) in
// the URL, so that signed URLs point at another host name than the registry's, as
// a real bucket's do: npm keeps its token on a redirect to the same host name.
func (s *S3) BucketAt(t testing.TB, name, host string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	endpoint := s.Endpoint
	if host != "" {
		u, _ := url.Parse(endpoint)
		endpoint = "http://" + host + ":" + u.Port()
	}
	q := url.Values{"endpoint": {endpoint}, "region": {S3Region}, "s3ForcePathStyle": {"true"}}
	return "s3://" + name + "?" + q.Encode()
}

// Client is an S3 client of the server, for looking at what the registry stored.
func (s *S3) Client() *s3.Client { return s.client }

// LocalhostIsLoopback reports whether "localhost" names 127.0.0.1 alone here, so a
// client may reach a server on 127.0.0.1 by that name.
func LocalhostIsLoopback() bool {
	addrs, err := net.LookupHost("localhost")
	return err == nil && len(addrs) == 1 && addrs[0] == "127.0.0.1"
}
