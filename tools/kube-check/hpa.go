package main

import (
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// checkHPA: it scales a workload among the manifests, which leaves its replica
// count alone, on metrics whose targets fit their type.
func (m manifests) checkHPA(h *autoscalingv2.HorizontalPodAutoscaler) []string {
	var problems []string
	say := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	ref := h.Spec.ScaleTargetRef
	var target *workload
	for i, w := range m.workloads {
		gvk := w.obj.GetObjectKind().GroupVersionKind()
		if w.meta.GetNamespace() == h.Namespace && w.kind == ref.Kind && w.meta.GetName() == ref.Name && gvk.GroupVersion().String() == ref.APIVersion {
			target = &m.workloads[i]
		}
	}
	if target == nil {
		say("scaleTargetRef %s %s/%s names no workload among the manifests", ref.APIVersion, ref.Kind, ref.Name)
	} else if target.replicas != nil {
		say("%s sets spec.replicas while this HPA scales it: every upgrade would reset the count", target.ref)
	}
	if h.Spec.MinReplicas != nil && *h.Spec.MinReplicas > h.Spec.MaxReplicas {
		say("minReplicas %d is above maxReplicas %d", *h.Spec.MinReplicas, h.Spec.MaxReplicas)
	}
	if len(h.Spec.Metrics) == 0 {
		say("no metrics")
	}
	for i, metric := range h.Spec.Metrics {
		for _, p := range checkMetric(metric, target) {
			say("metrics[%d]: %s", i, p)
		}
	}
	return problems
}

func checkMetric(metric autoscalingv2.MetricSpec, target *workload) []string {
	var t *autoscalingv2.MetricTarget
	switch {
	case metric.Type == autoscalingv2.ResourceMetricSourceType && metric.Resource != nil:
		t = &metric.Resource.Target
		if t.Type == autoscalingv2.UtilizationMetricType && target != nil {
			for _, c := range target.template.Spec.Containers {
				if _, ok := c.Resources.Requests[metric.Resource.Name]; !ok {
					return []string{fmt.Sprintf("%s utilization needs a %s request on container %q", metric.Resource.Name, metric.Resource.Name, c.Name)}
				}
			}
		}
	case metric.Type == autoscalingv2.PodsMetricSourceType && metric.Pods != nil:
		t = &metric.Pods.Target
	case metric.Type == autoscalingv2.ExternalMetricSourceType && metric.External != nil:
		t = &metric.External.Target
	case metric.Type == autoscalingv2.ObjectMetricSourceType && metric.Object != nil:
		t = &metric.Object.Target
	case metric.Type == autoscalingv2.ContainerResourceMetricSourceType && metric.ContainerResource != nil:
		t = &metric.ContainerResource.Target
	default:
		return []string{fmt.Sprintf("type %q without its %q section", metric.Type, metric.Type)}
	}
	ok := (t.Type == autoscalingv2.UtilizationMetricType && t.AverageUtilization != nil) ||
		(t.Type == autoscalingv2.AverageValueMetricType && t.AverageValue != nil) ||
		(t.Type == autoscalingv2.ValueMetricType && t.Value != nil)
	if !ok {
		return []string{fmt.Sprintf("target type %q without its value", t.Type)}
	}
	return nil
}
