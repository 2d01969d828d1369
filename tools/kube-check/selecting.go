package main

import (
	"fmt"
	"regexp"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// checkSelecting: objects that point at others (by selector or by name) point
// at something among the manifests.
func (m manifests) checkSelecting(o object) []string {
	switch v := o.obj.(type) {
	case *corev1.Service:
		return prefix(o.ref, m.checkService(v))
	case *policyv1.PodDisruptionBudget:
		return prefix(o.ref, m.checkPDB(v))
	case *autoscalingv2.HorizontalPodAutoscaler:
		return prefix(o.ref, m.checkHPA(v))
	case *monitoringv1.ServiceMonitor:
		return prefix(o.ref, m.checkServiceMonitor(v))
	}
	return nil
}

func prefix(ref string, problems []string) []string {
	for i, p := range problems {
		problems[i] = ref + ": " + p
	}
	return problems
}

// checkService: it selects a workload's pods, and every targetPort is a port
// those pods' containers declare.
func (m manifests) checkService(s *corev1.Service) []string {
	var problems []string
	if len(s.Spec.Selector) == 0 {
		return []string{"spec.selector is empty: the Service selects no pods"}
	}
	selected := m.podsSelectedBy(s.Namespace, labels.SelectorFromSet(s.Spec.Selector))
	if len(selected) == 0 {
		problems = append(problems, fmt.Sprintf("spec.selector %v selects the pods of no workload", s.Spec.Selector))
	}
	names := map[string]bool{}
	for _, p := range s.Spec.Ports {
		if len(s.Spec.Ports) > 1 && p.Name == "" {
			problems = append(problems, fmt.Sprintf("port %d has no name (required with several ports)", p.Port))
		}
		if names[p.Name] {
			problems = append(problems, fmt.Sprintf("port name %q is used twice", p.Name))
		}
		names[p.Name] = true
		target := p.TargetPort
		if target.Type == intstr.Int && target.IntVal == 0 {
			target = intstr.FromInt32(p.Port)
		}
		for _, w := range selected {
			if !podDeclaresPort(w, target) {
				problems = append(problems, fmt.Sprintf("port %q: targetPort %s is not a port of %s's containers", p.Name, target.String(), w.meta.GetName()))
			}
		}
	}
	return problems
}

func podDeclaresPort(w workload, port intstr.IntOrString) bool {
	for i := range w.template.Spec.Containers {
		if declaresPort(&w.template.Spec.Containers[i], port) {
			return true
		}
	}
	return false
}

func (m manifests) checkPDB(p *policyv1.PodDisruptionBudget) []string {
	var problems []string
	if p.Spec.MinAvailable != nil && p.Spec.MaxUnavailable != nil {
		problems = append(problems, "minAvailable and maxUnavailable are both set")
	}
	return append(problems, m.selectsWorkload(p.Namespace, p.Spec.Selector)...)
}

// checkServiceMonitor: it selects Services among the manifests that have the
// port it scrapes, at valid intervals.
func (m manifests) checkServiceMonitor(sm *monitoringv1.ServiceMonitor) []string {
	var problems []string
	say := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	sel, err := selectorOf(&sm.Spec.Selector)
	if err != nil {
		return []string{fmt.Sprintf("spec.selector: %v", err)}
	}
	namespaces := map[string]bool{sm.Namespace: true}
	if ns := sm.Spec.NamespaceSelector; ns.Any || len(ns.MatchNames) > 0 {
		namespaces = map[string]bool{}
		for _, n := range ns.MatchNames {
			namespaces[n] = true
		}
	}
	var services []*corev1.Service
	for _, s := range m.services {
		if (sm.Spec.NamespaceSelector.Any || namespaces[s.Namespace]) && sel.Matches(labels.Set(s.Labels)) {
			services = append(services, s)
		}
	}
	if len(services) == 0 {
		say("spec.selector %s selects no Service among the manifests", sel)
	}
	if len(sm.Spec.Endpoints) == 0 {
		say("no endpoints")
	}
	for i, e := range sm.Spec.Endpoints {
		for _, s := range services {
			if e.Port != "" && !servicePortNamed(s, e.Port) {
				say("endpoints[%d].port %q is not a port name of Service %s", i, e.Port, s.Name)
			}
		}
		interval, okInterval := promDuration(string(e.Interval))
		timeout, okTimeout := promDuration(string(e.ScrapeTimeout))
		if !okInterval || !okTimeout {
			say("endpoints[%d]: interval %q or scrapeTimeout %q is not a Prometheus duration", i, e.Interval, e.ScrapeTimeout)
		} else if interval > 0 && timeout > interval {
			say("endpoints[%d]: scrapeTimeout %s is longer than interval %s", i, e.ScrapeTimeout, e.Interval)
		}
	}
	return problems
}

func servicePortNamed(s *corev1.Service, name string) bool {
	for _, p := range s.Spec.Ports {
		if p.Name == name {
			return true
		}
	}
	return false
}

// selectsWorkload: a valid, non-empty selector that matches some workload's pods.
func (m manifests) selectsWorkload(namespace string, s *metav1.LabelSelector) []string {
	if s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0) {
		return []string{"spec.selector is empty: it selects every pod of the namespace"}
	}
	sel, err := selectorOf(s)
	if err != nil {
		return []string{fmt.Sprintf("spec.selector: %v", err)}
	}
	if len(m.podsSelectedBy(namespace, sel)) == 0 {
		return []string{fmt.Sprintf("spec.selector %s selects the pods of no workload", sel)}
	}
	return nil
}

var promDurationRE = regexp.MustCompile(`^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$`)

// promDuration parses Prometheus' duration syntax ("30s", "1m30s"); "" is unset (0).
func promDuration(s string) (time.Duration, bool) {
	if s == "" {
		return 0, true
	}
	if !promDurationRE.MatchString(s) {
		return 0, false
	}
	// Units up to hours are Go's too; days and longer never fit a scrape interval.
	d, err := time.ParseDuration(s)
	return d, err == nil
}
