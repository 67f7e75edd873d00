package rest

import (
	"net/http"

	"github.com/pkgreg/registry/compat"
)

// metadataJSON is GitLab's metadata entity, which /version mirrors since GitLab
// 15.5. There is no KAS (GitLab's Kubernetes agent server) here, and no enterprise
// edition.
type metadataJSON struct {
	Version    string  `json:"version"`
	Revision   string  `json:"revision"`
	KAS        kasJSON `json:"kas"`
	Enterprise bool    `json:"enterprise"`
}

type kasJSON struct {
	Enabled             bool    `json:"enabled"`
	ExternalURL         *string `json:"externalUrl"`
	ExternalK8sProxyURL *string `json:"externalK8sProxyUrl"`
	Version             *string `json:"version"`
}

// metadata answers GET /version and /metadata to signed-in callers (401 otherwise).
func (h *handler) metadata(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.InstanceMetadata(r.Context())
	if err != nil {
		compat.WriteError(w, r, err)
		return
	}
	compat.WriteJSON(w, http.StatusOK, metadataJSON{Version: b.Version, Revision: b.Revision})
}
