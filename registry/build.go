package registry

import "context"

// BuildInfo is what the running binary was built from (make build stamps it).
type BuildInfo struct {
	Version  string // a release tag or `git describe`; "dev" for a plain go build
	Revision string // the commit, short
	Date     string // when it was built, RFC 3339
}

// InstanceMetadata is the version the instance runs, for signed-in users only: GitLab
// answers its version API to authenticated callers, so a scan of anonymous hosts
// does not learn which release (and which vulnerabilities) each one runs.
func (s *Service) InstanceMetadata(ctx context.Context) (BuildInfo, error) {
	if err := s.authorizeAccount(ctx, ReadMetadata); err != nil {
		return BuildInfo{}, err
	}
	return s.cfg.Build, nil
}
