package auth

import (
	"net/http/httptest"
	"testing"
)

func TestCredentialFrom(t *testing.T) {
	cases := []struct {
		name    string
		headers map[string]string
		query   string
		basic   [2]string
		want    Credential
		ok      bool
	}{
		{"none", nil, "", [2]string{}, Credential{}, false},
		{"private token header", map[string]string{"PRIVATE-TOKEN": "t1"}, "", [2]string{}, Credential{Source: FromPrivateToken, Secret: "t1"}, true},
		{"job token header", map[string]string{"JOB-TOKEN": "t2"}, "", [2]string{}, Credential{Source: FromJobToken, Secret: "t2"}, true},
		{"deploy token header", map[string]string{"Deploy-Token": "t3"}, "", [2]string{}, Credential{Source: FromDeployToken, Secret: "t3"}, true},
		{"bearer", map[string]string{"Authorization": "Bearer t4"}, "", [2]string{}, Credential{Source: FromBearer, Secret: "t4"}, true},
		{"basic", nil, "", [2]string{"gitlab-ci-token", "t5"}, Credential{Source: FromBasic, Username: "gitlab-ci-token", Secret: "t5"}, true},
		{"raw authorization (gem, cargo)", map[string]string{"Authorization": "t6"}, "", [2]string{}, Credential{Source: FromRawAuthorization, Secret: "t6"}, true},
		{"private_token parameter", nil, "private_token=t7", [2]string{}, Credential{Source: FromPrivateToken, Secret: "t7"}, true},
		{"job_token parameter", nil, "job_token=t8", [2]string{}, Credential{Source: FromJobToken, Secret: "t8"}, true},
		{"header wins over parameter", map[string]string{"PRIVATE-TOKEN": "h"}, "private_token=q", [2]string{}, Credential{Source: FromPrivateToken, Secret: "h"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/x?"+c.query, nil)
			for k, v := range c.headers {
				r.Header.Set(k, v)
			}
			if c.basic[0] != "" {
				r.SetBasicAuth(c.basic[0], c.basic[1])
			}
			got, ok := CredentialFrom(r)
			if ok != c.ok || got != c.want {
				t.Fatalf("got %+v %v, want %+v %v", got, ok, c.want, c.ok)
			}
		})
	}
}
