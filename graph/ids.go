package graph

import (
	"strconv"

	"github.com/pkgreg/registry/graph/globalid"
	"github.com/pkgreg/registry/registry"
)

// Global IDs use GitLab's form, so scripts written for GitLab parse them the same way.
const (
	kindPackage     = globalid.KindPackage
	kindPackageFile = globalid.KindPackageFile
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

func gid(kind string, id int) string { return globalid.Format(kind, id) }

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

func splitGID(s string) (string, int, error) { return globalid.Split(s) }
