package graph

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pkgreg/registry/registry"
)

// Global IDs use GitLab's form, so scripts written for GitLab parse them the same way.
const (
	kindPackage     = "Packages::Package"
	kindPackageFile = "Packages::PackageFile"
	kindPackageTag  = "Packages::Tag"
	kindProject     = "Project"
	kindGroup       = "Group"
	kindUser        = "User"
	kindPipeline    = "Ci::Pipeline"
	kindJob         = "Ci::Build"
	kindPAT         = "PersonalAccessToken"
	kindDeployToken = "DeployToken"
	kindMember      = "Member"
	kindAuditEvent  = "AuditEvent"
	kindProjectHook = "ProjectHook"
	kindGroupHook   = "GroupHook"
)

func gid(kind string, id int) string { return fmt.Sprintf("gid://gitlab/%s/%d", kind, id) }

// parseGID returns the numeric id of a global ID of the wanted kind. A bare number is
// accepted too.
func parseGID(s, want string) (int, error) {
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return n, nil
	}
	kind, id, err := splitGID(s)
	if err != nil || kind != want {
		return 0, registry.Errorf(registry.ErrInvalid, "%q is not a valid %s ID", s, want)
	}
	return id, nil
}

func splitGID(s string) (string, int, error) {
	rest, ok := strings.CutPrefix(s, "gid://gitlab/")
	if !ok {
		return "", 0, registry.Errorf(registry.ErrInvalid, "%q is not a global ID", s)
	}
	i := strings.LastIndexByte(rest, '/')
	if i < 0 {
		return "", 0, registry.Errorf(registry.ErrInvalid, "%q is not a global ID", s)
	}
	id, err := strconv.Atoi(rest[i+1:])
	if err != nil || id <= 0 {
		return "", 0, registry.Errorf(registry.ErrInvalid, "%q is not a global ID", s)
	}
	return rest[:i], id, nil
}
