// Command validate checks rendered Kubernetes manifests offline, the way the API server would decode them.
//
// Every document is decoded strictly into its Go type from k8s.io/api (or the prometheus-operator's
// ServiceMonitor): an unknown or duplicate field, a wrong JSON type, a bad quantity or an apiVersion/kind
// no type exists for is an error. Then the objects are checked against each other and against the
// chart's security policy: names and labels Kubernetes accepts, selectors that select the pods they mean,
// probes and Services on ports that exist, autoscalers on Deployments that exist, ConfigMaps that are
// rendered, and containers that run as non-root with a read-only root, no privilege escalation and no
// capabilities. Schemas are compiled in, so nothing is downloaded (kubeconform fetches them at run time).
//
// Usage: helm template ... | validate [-policy=false] [file ...]
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Object is one decoded document and where it came from.
type Object struct {
	Source string
	Index  int
	Kind   string
	Name   string
	Value  runtime.Object
}

func (o Object) String() string {
	return fmt.Sprintf("%s %s (%s, document %d)", o.Kind, o.Name, o.Source, o.Index)
}

func newDecoder() runtime.Decoder {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, policyv1.AddToScheme,
		autoscalingv1.AddToScheme, autoscalingv2.AddToScheme, networkingv1.AddToScheme, rbacv1.AddToScheme,
		monitoringv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
}

// Decode splits a YAML stream into documents and decodes each strictly; it returns every error found.
func Decode(source string, r io.Reader) ([]Object, []error) {
	decoder := newDecoder()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var objects []Object
	var errs []error
	for index := 1; ; index++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: document %d: %w", source, index, err))
			break
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, gvk, err := decoder.Decode(doc, nil, nil)
		where := fmt.Sprintf("%s: document %d", source, index)
		if gvk != nil {
			where += " (" + gvk.GroupVersion().String() + " " + gvk.Kind + ")"
		}
		if err != nil {
			if runtime.IsNotRegisteredError(err) {
				err = fmt.Errorf("no Kubernetes API type is known for it: %w", err)
			}
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			// A strict-decoding error still decodes the rest: keep it for the cross-object checks.
			if !runtime.IsStrictDecodingError(err) || obj == nil {
				continue
			}
		}
		accessor, ok := obj.(metav1.Object)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: not an object with metadata", where))
			continue
		}
		objects = append(objects, Object{source, index, gvk.Kind, accessor.GetName(), obj})
	}
	return objects, errs
}

func stripComments(doc []byte) []byte {
	var kept [][]byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			kept = append(kept, line)
		}
	}
	return bytes.Join(kept, []byte("\n"))
}

// Check looks at the objects together; policy adds the chart's security rules for every pod.
func Check(objects []Object, policy bool) []error {
	c := checker{objects: objects, policy: policy}
	for _, o := range objects {
		c.metadata(o)
		switch v := o.Value.(type) {
		case *appsv1.Deployment:
			c.deployment(o, v)
		case *corev1.Service:
			c.service(o, v)
		case *autoscalingv2.HorizontalPodAutoscaler:
			c.hpa(o, v)
		case *policyv1.PodDisruptionBudget:
			c.pdb(o, v)
		case *monitoringv1.ServiceMonitor:
			c.serviceMonitor(o, v)
		}
	}
	return c.errs
}

type checker struct {
	objects []Object
	policy  bool
	errs    []error
}

func (c *checker) fail(o Object, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s: %s", o, fmt.Sprintf(format, args...)))
}

func (c *checker) metadata(o Object) {
	meta := o.Value.(metav1.Object)
	nameProblems := validation.IsDNS1123Subdomain(meta.GetName())
	if o.Kind == "Service" {
		nameProblems = validation.IsDNS1035Label(meta.GetName())
	}
	for _, p := range nameProblems {
		c.fail(o, "metadata.name %q: %s", meta.GetName(), p)
	}
	c.labels(o, "metadata.labels", meta.GetLabels())
}

func (c *checker) labels(o Object, field string, set map[string]string) {
	for key, value := range set {
		for _, p := range validation.IsQualifiedName(key) {
			c.fail(o, "%s key %q: %s", field, key, p)
		}
		for _, p := range validation.IsValidLabelValue(value) {
			c.fail(o, "%s[%q] = %q: %s", field, key, value, p)
		}
	}
}

func (c *checker) selects(o Object, field string, selector *metav1.LabelSelector, podLabels map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		c.fail(o, "%s: %v", field, err)
		return false
	}
	return !s.Empty() && s.Matches(labels.Set(podLabels))
}

func (c *checker) deployments() []*appsv1.Deployment {
	var found []*appsv1.Deployment
	for _, o := range c.objects {
		if d, ok := o.Value.(*appsv1.Deployment); ok {
			found = append(found, d)
		}
	}
	return found
}

func (c *checker) has(kind, name string) bool {
	for _, o := range c.objects {
		if o.Kind == kind && o.Name == name {
			return true
		}
	}
	return false
}

func (c *checker) deployment(o Object, d *appsv1.Deployment) {
	pod := d.Spec.Template
	c.labels(o, "spec.template.metadata.labels", pod.Labels)
	if d.Spec.Selector == nil || !c.selects(o, "spec.selector", d.Spec.Selector, pod.Labels) {
		c.fail(o, "spec.selector does not select the pod template's labels %v", pod.Labels)
	}
	if len(pod.Spec.Containers) == 0 {
		c.fail(o, "spec.template.spec.containers is empty")
	}
	volumes := map[string]bool{}
	for _, v := range pod.Spec.Volumes {
		volumes[v.Name] = true
	}
	for i, ct := range pod.Spec.Containers {
		field := fmt.Sprintf("spec.template.spec.containers[%d]", i)
		if ct.Name == "" || ct.Image == "" {
			c.fail(o, "%s needs a name and an image", field)
		}
		ports := map[string]int32{}
		for _, p := range ct.Ports {
			if p.Name != "" {
				for _, problem := range validation.IsValidPortName(p.Name) {
					c.fail(o, "%s.ports name %q: %s", field, p.Name, problem)
				}
				ports[p.Name] = p.ContainerPort
			}
		}
		for probeName, probe := range map[string]*corev1.Probe{
			"livenessProbe": ct.LivenessProbe, "readinessProbe": ct.ReadinessProbe, "startupProbe": ct.StartupProbe,
		} {
			if probe != nil && probe.HTTPGet != nil && !portExists(probe.HTTPGet.Port, ports) {
				c.fail(o, "%s.%s.httpGet.port %q is not a port of the container", field, probeName, probe.HTTPGet.Port.String())
			}
		}
		for _, e := range ct.Env {
			for _, problem := range validation.IsEnvVarName(e.Name) {
				c.fail(o, "%s.env %q: %s", field, e.Name, problem)
			}
		}
		for _, from := range ct.EnvFrom {
			if from.ConfigMapRef != nil && !c.has("ConfigMap", from.ConfigMapRef.Name) {
				c.fail(o, "%s.envFrom names ConfigMap %q, which is not rendered", field, from.ConfigMapRef.Name)
			}
		}
		for _, m := range ct.VolumeMounts {
			if !volumes[m.Name] {
				c.fail(o, "%s.volumeMounts %q names no volume of the pod", field, m.Name)
			}
		}
		for resource, limit := range ct.Resources.Limits {
			if request, ok := ct.Resources.Requests[resource]; ok && request.Cmp(limit) > 0 {
				c.fail(o, "%s.resources: %s request %s exceeds its limit %s", field, resource, request.String(), limit.String())
			}
		}
		if c.policy {
			c.podPolicy(o, field, pod.Spec, ct)
		}
	}
}

func portExists(port intstr.IntOrString, named map[string]int32) bool {
	if port.Type == intstr.String {
		_, ok := named[port.StrVal]
		return ok
	}
	for _, number := range named {
		if number == port.IntVal {
			return true
		}
	}
	return false
}

// podPolicy: the chart's rules for every container (non-root, read-only root, no escalation, no
// capabilities, both probes, requests and limits).
func (c *checker) podPolicy(o Object, field string, pod corev1.PodSpec, ct corev1.Container) {
	sc := ct.SecurityContext
	podSC := pod.SecurityContext
	nonRoot := (sc != nil && sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) ||
		(podSC != nil && podSC.RunAsNonRoot != nil && *podSC.RunAsNonRoot)
	if !nonRoot {
		c.fail(o, "%s: policy: runAsNonRoot must be true (pod or container)", field)
	}
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		c.fail(o, "%s: policy: securityContext.readOnlyRootFilesystem must be true", field)
	}
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		c.fail(o, "%s: policy: securityContext.allowPrivilegeEscalation must be false", field)
	}
	dropsAll := false
	if sc != nil && sc.Capabilities != nil {
		for _, d := range sc.Capabilities.Drop {
			dropsAll = dropsAll || d == "ALL"
		}
		if len(sc.Capabilities.Add) > 0 {
			c.fail(o, "%s: policy: no capabilities may be added", field)
		}
	}
	if !dropsAll {
		c.fail(o, "%s: policy: securityContext.capabilities.drop must contain ALL", field)
	}
	if ct.LivenessProbe == nil || ct.ReadinessProbe == nil {
		c.fail(o, "%s: policy: liveness and readiness probes are required", field)
	}
	if ct.Resources.Requests.Cpu().IsZero() || ct.Resources.Requests.Memory().IsZero() || ct.Resources.Limits.Memory().IsZero() {
		c.fail(o, "%s: policy: cpu and memory requests and a memory limit are required", field)
	}
}

func (c *checker) service(o Object, s *corev1.Service) {
	if len(s.Spec.Selector) == 0 {
		return
	}
	var pods []corev1.PodTemplateSpec
	for _, d := range c.deployments() {
		if labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
			pods = append(pods, d.Spec.Template)
		}
	}
	if len(pods) == 0 {
		c.fail(o, "spec.selector %v selects no rendered Deployment's pods", s.Spec.Selector)
		return
	}
	for _, port := range s.Spec.Ports {
		if port.TargetPort.Type != intstr.String {
			continue
		}
		for _, pod := range pods {
			found := false
			for _, ct := range pod.Spec.Containers {
				for _, p := range ct.Ports {
					found = found || p.Name == port.TargetPort.StrVal
				}
			}
			if !found {
				c.fail(o, "port %q targets %q, which the selected pods do not declare", port.Name, port.TargetPort.StrVal)
			}
		}
	}
}

func (c *checker) hpa(o Object, h *autoscalingv2.HorizontalPodAutoscaler) {
	ref := h.Spec.ScaleTargetRef
	if ref.Kind != "Deployment" || !c.has("Deployment", ref.Name) {
		c.fail(o, "spec.scaleTargetRef %s/%s is not a rendered Deployment", ref.Kind, ref.Name)
	}
	if h.Spec.MinReplicas != nil && *h.Spec.MinReplicas > h.Spec.MaxReplicas {
		c.fail(o, "spec.minReplicas %d exceeds spec.maxReplicas %d", *h.Spec.MinReplicas, h.Spec.MaxReplicas)
	}
	if len(h.Spec.Metrics) == 0 {
		c.fail(o, "spec.metrics is empty")
	}
}

func (c *checker) pdb(o Object, p *policyv1.PodDisruptionBudget) {
	for _, d := range c.deployments() {
		if c.selects(o, "spec.selector", p.Spec.Selector, d.Spec.Template.Labels) {
			return
		}
	}
	c.fail(o, "spec.selector selects no rendered Deployment's pods")
}

func (c *checker) serviceMonitor(o Object, m *monitoringv1.ServiceMonitor) {
	ports := map[string]bool{}
	selected := 0
	for _, other := range c.objects {
		s, ok := other.Value.(*corev1.Service)
		if ok && c.selects(o, "spec.selector", &m.Spec.Selector, s.Labels) {
			selected++
			for _, p := range s.Spec.Ports {
				ports[p.Name] = true
			}
		}
	}
	if selected == 0 {
		c.fail(o, "spec.selector selects no rendered Service")
	}
	for i, e := range m.Spec.Endpoints {
		if e.Port != "" && !ports[e.Port] {
			c.fail(o, "spec.endpoints[%d].port %q is not a port of the selected Services", i, e.Port)
		}
	}
}

func main() {
	policy := flag.Bool("policy", true, "also enforce the chart's pod security and probe policy")
	flag.Parse()
	sources := flag.Args()
	var objects []Object
	var errs []error
	read := func(name string, r io.Reader) {
		found, problems := Decode(name, r)
		objects, errs = append(objects, found...), append(errs, problems...)
	}
	if len(sources) == 0 {
		read("stdin", os.Stdin)
	}
	for _, path := range sources {
		f, err := os.Open(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		read(path, f)
		f.Close()
	}
	errs = append(errs, Check(objects, *policy)...)
	kinds := map[string]int{}
	for _, o := range objects {
		kinds[o.Kind]++
	}
	var summary []string
	for kind, n := range kinds {
		summary = append(summary, fmt.Sprintf("%d %s", n, kind))
	}
	sort.Strings(summary)
	if len(errs) > 0 {
		for _, err := range errs {
			fmt.Fprintln(os.Stderr, "invalid:", err)
		}
		fmt.Fprintf(os.Stderr, "%d problem(s) in %d object(s)\n", len(errs), len(objects))
		os.Exit(1)
	}
	fmt.Printf("valid: %d objects (%s)\n", len(objects), strings.Join(summary, ", "))
}
