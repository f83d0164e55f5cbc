package main

import (
	"strings"
	"testing"
)

// A small, valid release: the shapes the chart renders, one of each kind the checks look at.
const valid = `
apiVersion: v1
kind: ConfigMap
metadata: {name: app-common, labels: {app.kubernetes.io/name: app}}
data: {LOG_LEVEL: INFO}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-needs, labels: {app.kubernetes.io/name: app}}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: app, app.kubernetes.io/component: needs}}
  template:
    metadata: {labels: {app.kubernetes.io/name: app, app.kubernetes.io/component: needs}}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 10001}
      containers:
        - name: needs
          image: registry.example/app:0.1.0
          ports: [{name: http, containerPort: 8001}]
          envFrom: [{configMapRef: {name: app-common}}]
          livenessProbe: {httpGet: {path: /health/live, port: http}}
          readinessProbe: {httpGet: {path: /health/ready, port: http}}
          resources:
            requests: {cpu: 100m, memory: 192Mi}
            limits: {cpu: "1", memory: 512Mi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          volumeMounts: [{name: tmp, mountPath: /tmp}]
      volumes: [{name: tmp, emptyDir: {}}]
---
apiVersion: v1
kind: Service
metadata: {name: app-needs, labels: {app.kubernetes.io/name: app}}
spec:
  selector: {app.kubernetes.io/name: app, app.kubernetes.io/component: needs}
  ports: [{name: http, port: 8001, targetPort: http}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: app-needs}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app.kubernetes.io/component: needs}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: app-needs}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: app-needs}
  minReplicas: 2
  maxReplicas: 12
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
    - type: External
      external:
        metric: {name: asn_competency_consumer_lag, selector: {matchLabels: {component: needs}}}
        target: {type: AverageValue, averageValue: "500"}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: app}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: app}}
  endpoints: [{port: http, path: /metrics, interval: 30s}]
`

func problems(t *testing.T, manifests string, policy bool) []string {
	t.Helper()
	objects, errs := Decode("test", strings.NewReader(manifests))
	errs = append(errs, Check(objects, policy)...)
	var out []string
	for _, err := range errs {
		out = append(out, err.Error())
	}
	return out
}

func TestTheValidReleasePasses(t *testing.T) {
	if got := problems(t, valid, true); len(got) != 0 {
		t.Fatalf("expected no problems, got %q", got)
	}
}

func TestEachWrongManifestFailsWithItsReason(t *testing.T) {
	cases := []struct{ name, from, to, want string }{
		{"unknown field in a probe", "livenessProbe: {httpGet: {path:", "livenessProbe: {httpGet: {paht:",
			`unknown field "spec.template.spec.containers[0].livenessProbe.httpGet.paht"`},
		{"unknown field in a ServiceMonitor", "path: /metrics, interval:", "path: /metrics, intervall:",
			`unknown field "spec.endpoints[0].intervall"`},
		{"unknown top-level field of a Service", "kind: Service\n", "kind: Service\nstatus2: {}\n",
			`unknown field "status2"`},
		{"duplicate field", "  maxUnavailable: 1\n", "  maxUnavailable: 1\n  maxUnavailable: 2\n", "maxUnavailable"},
		{"wrong type", "minReplicas: 2", `minReplicas: "2"`, "cannot unmarshal string"},
		{"bad quantity", "memory: 192Mi", "memory: 192MB", "quantities must match"},
		{"unknown kind", "kind: ConfigMap", "kind: ConfigMapp", "no Kubernetes API type is known"},
		{"unknown apiVersion", "apiVersion: policy/v1\n", "apiVersion: policy/v1beta7\n", "no Kubernetes API type is known"},
		{"name Kubernetes refuses", "name: app-needs, labels", "name: App_Needs, labels", `metadata.name "App_Needs"`},
		{"selector that misses the pods", "selector: {matchLabels: {app.kubernetes.io/name: app, app.kubernetes.io/component: needs}}",
			"selector: {matchLabels: {app.kubernetes.io/name: app, app.kubernetes.io/component: neds}}",
			"spec.selector does not select the pod template's labels"},
		{"probe on a port the container lacks", "readinessProbe: {httpGet: {path: /health/ready, port: http}}",
			"readinessProbe: {httpGet: {path: /health/ready, port: metrics}}", `readinessProbe.httpGet.port "metrics"`},
		{"Service on a port name the pods lack", "targetPort: http", "targetPort: web", `targets "web"`},
		{"HPA on a Deployment that is not rendered", "kind: Deployment, name: app-needs", "kind: Deployment, name: app-need",
			"spec.scaleTargetRef Deployment/app-need is not a rendered Deployment"},
		{"ServiceMonitor on a port the Services lack", "[{port: http, path", "[{port: metrics, path",
			`spec.endpoints[0].port "metrics"`},
		{"ConfigMap that is not rendered", "configMapRef: {name: app-common}", "configMapRef: {name: app-other}",
			`names ConfigMap "app-other"`},
		{"request above its limit", "requests: {cpu: 100m", "requests: {cpu: 1500m", "cpu request 1500m exceeds its limit 1"},
		{"policy: writable root filesystem", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false",
			"readOnlyRootFilesystem must be true"},
		{"policy: privilege escalation", "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true",
			"allowPrivilegeEscalation must be false"},
		{"policy: capabilities kept", "drop: [ALL]", "drop: [NET_RAW]", "capabilities.drop must contain ALL"},
		{"policy: may run as root", "runAsNonRoot: true, runAsUser: 10001", "runAsUser: 0", "runAsNonRoot must be true"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(valid, tc.from) {
				t.Fatalf("the valid release has no %q to change", tc.from)
			}
			got := strings.Join(problems(t, strings.Replace(valid, tc.from, tc.to, 1), true), "\n")
			if !strings.Contains(got, tc.want) {
				t.Fatalf("want a problem containing %q, got:\n%s", tc.want, got)
			}
		})
	}
}

func TestPolicyIsOnlyEnforcedWhenAsked(t *testing.T) {
	relaxed := strings.Replace(valid, "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", 1)
	if got := problems(t, relaxed, false); len(got) != 0 {
		t.Fatalf("without policy expected no problems, got %q", got)
	}
}
