package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// The deployment files operators start from (deploy/): the Kubernetes manifests
// decode strictly into Kubernetes' own API types (an unknown or misspelled field
// fails), and everything they and the systemd unit tell the binary (flags,
// environment variables, probe paths, secret keys) is something it understands.

// registryFlags are the flags and environment variables serve understands.
func registryFlags(t *testing.T) (flags, envs map[string]bool) {
	t.Helper()
	var c config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.register(fs)
	flags, envs = map[string]bool{}, map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) {
		flags[f.Name] = true
		envs["REGISTRY_"+strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))] = true
	})
	envs["REGISTRY_BOOTSTRAP_TOKEN"] = true
	for _, aws := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_SESSION_TOKEN"} {
		envs[aws] = true // read by the S3 client
	}
	return flags, envs
}

func readDeploy(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkArgs(t *testing.T, where string, args []string, flags map[string]bool) {
	t.Helper()
	if len(args) == 0 || args[0] != "serve" {
		t.Errorf("%s: the command is not serve: %v", where, args)
	}
	for _, a := range args[1:] {
		if name, ok := strings.CutPrefix(a, "--"); ok {
			name, _, _ = strings.Cut(name, "=")
			if !flags[name] {
				t.Errorf("%s: serve has no flag --%s", where, name)
			}
		}
	}
}

func TestKubernetesManifests(t *testing.T) {
	flags, envs := registryFlags(t)
	var secret corev1.Secret
	if err := yaml.UnmarshalStrict(readDeploy(t, "kubernetes/secret.yaml"), &secret); err != nil {
		t.Fatalf("secret.yaml: %v", err)
	}
	var dep appsv1.Deployment
	if err := yaml.UnmarshalStrict(readDeploy(t, "kubernetes/deployment.yaml"), &dep); err != nil {
		t.Fatalf("deployment.yaml: %v", err)
	}
	var svc corev1.Service
	if err := yaml.UnmarshalStrict(readDeploy(t, "kubernetes/service.yaml"), &svc); err != nil {
		t.Fatalf("service.yaml: %v", err)
	}
	var kust struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Resources  []string `json:"resources"`
	}
	if err := yaml.UnmarshalStrict(readDeploy(t, "kubernetes/kustomization.yaml"), &kust); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	for _, r := range kust.Resources {
		readDeploy(t, "kubernetes/"+r)
	}
	for kind, got := range map[string]string{"Secret": secret.Kind, "Deployment": dep.Kind, "Service": svc.Kind} {
		if got != kind {
			t.Errorf("kind %q, want %q", got, kind)
		}
	}
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas < 2 {
		t.Errorf("the deployment runs %v replicas", dep.Spec.Replicas)
	}
	sel := dep.Spec.Selector.MatchLabels
	for k, v := range sel {
		if dep.Spec.Template.Labels[k] != v || svc.Spec.Selector[k] != v {
			t.Errorf("selector %s=%s does not match the pods or the service", k, v)
		}
	}
	if len(dep.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("containers: %d", len(dep.Spec.Template.Spec.Containers))
	}
	c := dep.Spec.Template.Spec.Containers[0]
	checkArgs(t, "deployment", c.Args, flags)
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	listen := regexp.MustCompile(`:(\d+)$`).FindStringSubmatch(strings.Join(c.Args, " "))
	if listen == nil || listen[1] != "8080" || ports["http"] != 8080 {
		t.Errorf("the container listens on %v, its port is %v", listen, ports)
	}
	for name, probe := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if probe == nil || probe.HTTPGet == nil {
			t.Errorf("%s probe: none", name)
			continue
		}
		want := map[string]string{"readiness": "/-/readiness", "liveness": "/-/health"}[name]
		if probe.HTTPGet.Path != want || probe.HTTPGet.Port.String() != "http" {
			t.Errorf("%s probe: %s on %s", name, probe.HTTPGet.Path, probe.HTTPGet.Port.String())
		}
	}
	keys := map[string]bool{}
	for k := range secret.StringData {
		keys[k] = true
	}
	for _, e := range c.Env {
		if !envs[e.Name] {
			t.Errorf("env %s: the registry reads no such variable", e.Name)
		}
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			ref := e.ValueFrom.SecretKeyRef
			if ref.Name != secret.Name || !keys[ref.Key] {
				t.Errorf("env %s: secret %s has no key %s", e.Name, ref.Name, ref.Key)
			}
		}
	}
	if svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("the service targets %s", svc.Spec.Ports[0].TargetPort.String())
	}
}

func TestSystemdUnit(t *testing.T) {
	flags, envs := registryFlags(t)
	unit := string(readDeploy(t, "systemd/registry.service"))
	sections := map[string]map[string]string{}
	section := ""
	for _, line := range strings.Split(unit, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
			sections[section] = map[string]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("not a unit line: %q", line)
			}
			if old, dup := sections[section][k]; dup && k == "Environment" {
				v = old + "\n" + v
			}
			sections[section][k] = v
		}
	}
	for _, s := range []string{"Unit", "Service", "Install"} {
		if sections[s] == nil {
			t.Fatalf("no [%s] section", s)
		}
	}
	exec := strings.Fields(sections["Service"]["ExecStart"])
	if len(exec) < 2 || filepath.Base(exec[0]) != "registry" {
		t.Fatalf("ExecStart: %v", exec)
	}
	checkArgs(t, "systemd", exec[1:], flags)
	for _, e := range strings.Split(sections["Service"]["Environment"], "\n") {
		name, _, _ := strings.Cut(e, "=")
		if name != "" && !envs[name] {
			t.Errorf("Environment %s: the registry reads no such variable", name)
		}
	}
	if sections["Service"]["KillSignal"] != "SIGTERM" || sections["Install"]["WantedBy"] != "multi-user.target" {
		t.Errorf("unit: %v", sections)
	}
}
