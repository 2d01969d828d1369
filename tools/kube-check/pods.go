package main

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

// checkPod: what a Pod needs beyond well-typed fields.
func (m manifests) checkPod(w workload) []string {
	var problems []string
	say := func(format string, args ...any) {
		problems = append(problems, w.ref+": "+fmt.Sprintf(format, args...))
	}
	spec := &w.template.Spec
	if len(spec.Containers) == 0 {
		say("the pod has no containers")
	}
	volumes := map[string]bool{}
	for _, claim := range w.claims {
		volumes[claim] = true
	}
	for _, v := range spec.Volumes {
		if volumes[v.Name] {
			say("volume %q is defined twice", v.Name)
		}
		volumes[v.Name] = true
	}
	names := map[string]bool{}
	for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		if names[c.Name] {
			say("container %q is defined twice", c.Name)
		}
		names[c.Name] = true
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			say("container name %q: %s", c.Name, msg)
		}
		for _, p := range m.checkContainer(w, &c, volumes) {
			say("container %q: %s", c.Name, p)
		}
	}
	for i, t := range spec.TopologySpreadConstraints {
		if t.LabelSelector == nil {
			say("topologySpreadConstraints[%d] has no labelSelector: it spreads nothing", i)
		} else if sel, err := selectorOf(t.LabelSelector); err != nil {
			say("topologySpreadConstraints[%d].labelSelector: %v", i, err)
		} else if !sel.Matches(labels.Set(w.template.Labels)) {
			say("topologySpreadConstraints[%d].labelSelector does not match the pod's own labels", i)
		}
	}
	if sc := spec.SecurityContext; sc != nil && sc.RunAsNonRoot != nil && *sc.RunAsNonRoot && sc.RunAsUser != nil && *sc.RunAsUser == 0 {
		say("securityContext says runAsNonRoot but runAsUser 0")
	}
	for _, s := range spec.ImagePullSecrets {
		if s.Name == "" {
			say("an imagePullSecrets entry has no name")
		}
	}
	if p := graceProblem(spec); p != "" {
		say("%s", p)
	}
	return problems
}

// checkContainer: image, ports, env, mounts, probes and resources of one container.
func (m manifests) checkContainer(w workload, c *corev1.Container, volumes map[string]bool) []string {
	var problems []string
	say := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(c.Image) == "" {
		say("no image")
	}
	ports := map[string]bool{}
	numbers := map[string]bool{}
	for _, p := range c.Ports {
		for _, msg := range validation.IsValidPortNum(int(p.ContainerPort)) {
			say("containerPort %d: %s", p.ContainerPort, msg)
		}
		if p.Name != "" {
			for _, msg := range validation.IsValidPortName(p.Name) {
				say("port name %q: %s", p.Name, msg)
			}
			if ports[p.Name] {
				say("port name %q is used twice", p.Name)
			}
			ports[p.Name] = true
		}
		number := fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol)
		if numbers[number] {
			say("containerPort %s is listed twice", number)
		}
		numbers[number] = true
	}
	problems = append(problems, m.checkEnv(w, c)...)
	mounts := map[string]bool{}
	for _, vm := range c.VolumeMounts {
		if !volumes[vm.Name] {
			say("volumeMount %q names no volume of the pod", vm.Name)
		}
		if !path.IsAbs(vm.MountPath) || mounts[vm.MountPath] {
			say("volumeMount %q: mountPath %q is not absolute or is mounted twice", vm.Name, vm.MountPath)
		}
		mounts[vm.MountPath] = true
	}
	probes := []struct {
		name  string
		probe *corev1.Probe
	}{{"startupProbe", c.StartupProbe}, {"readinessProbe", c.ReadinessProbe}, {"livenessProbe", c.LivenessProbe}}
	for _, p := range probes {
		for _, problem := range checkProbe(p.probe, c) {
			say("%s: %s", p.name, problem)
		}
	}
	for resource, limit := range c.Resources.Limits {
		if request, ok := c.Resources.Requests[resource]; ok && request.Cmp(limit) > 0 {
			say("requests %s %s above its limit %s", resource, request.String(), limit.String())
		}
	}
	return problems
}

// checkProbe: exactly one handler, whose port is one the container declares.
func checkProbe(probe *corev1.Probe, c *corev1.Container) []string {
	if probe == nil {
		return nil
	}
	var problems []string
	var port *intstr.IntOrString
	handlers := 0
	if h := probe.HTTPGet; h != nil {
		handlers++
		port = &h.Port
		if !strings.HasPrefix(h.Path, "/") {
			problems = append(problems, fmt.Sprintf("httpGet.path %q does not start with /", h.Path))
		}
	}
	if probe.TCPSocket != nil {
		handlers++
		port = &probe.TCPSocket.Port
	}
	if probe.GRPC != nil {
		handlers++
		p := intstr.FromInt32(probe.GRPC.Port)
		port = &p
	}
	if probe.Exec != nil {
		handlers++
	}
	if handlers != 1 {
		return append(problems, fmt.Sprintf("%d handlers; exactly one of httpGet, tcpSocket, grpc, exec is needed", handlers))
	}
	if port != nil && !declaresPort(c, *port) {
		problems = append(problems, fmt.Sprintf("port %s is not one of the container's ports", port.String()))
	}
	return problems
}

// declaresPort: a port name or number among the container's ports.
func declaresPort(c *corev1.Container, port intstr.IntOrString) bool {
	for _, p := range c.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
			return true
		}
	}
	return false
}

// graceProblem: Herald drains for SHUTDOWN_TIMEOUT_MS after SIGTERM and exits
// forcibly 5 s later; the preStop pause comes first. A shorter grace period
// means SIGKILL in the middle of a drain (lost in-flight acknowledgements,
// streams cut without UNAVAILABLE).
func graceProblem(spec *corev1.PodSpec) string {
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if spec.TerminationGracePeriodSeconds != nil {
		grace = *spec.TerminationGracePeriodSeconds
	}
	for _, c := range spec.Containers {
		timeoutMs := -1
		for _, e := range c.Env {
			if e.Name == "SHUTDOWN_TIMEOUT_MS" && e.ValueFrom == nil {
				timeoutMs, _ = strconv.Atoi(e.Value)
			}
		}
		if timeoutMs < 0 {
			continue
		}
		pause := preStopSeconds(c.Lifecycle)
		need := int64(pause) + int64((timeoutMs+999)/1000) + 5
		if grace <= need {
			return fmt.Sprintf("terminationGracePeriodSeconds %d must exceed preStop %d s + SHUTDOWN_TIMEOUT_MS %d ms + Herald's 5 s forced-exit margin (%d s) in container %q",
				grace, pause, timeoutMs, need, c.Name)
		}
	}
	return ""
}

// preStopSeconds: the pause of a preStop `sleep N` command or sleep action.
func preStopSeconds(l *corev1.Lifecycle) int {
	if l == nil || l.PreStop == nil {
		return 0
	}
	if s := l.PreStop.Sleep; s != nil {
		return int(s.Seconds)
	}
	if e := l.PreStop.Exec; e != nil && len(e.Command) == 2 && path.Base(e.Command[0]) == "sleep" {
		n, _ := strconv.Atoi(e.Command[1])
		return n
	}
	return 0
}
