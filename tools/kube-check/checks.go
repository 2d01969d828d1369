package main

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
)

// workload is anything that runs pods from a template.
type workload struct {
	object
	selector *metav1.LabelSelector
	template *corev1.PodTemplateSpec
	replicas *int32
	// claims: a StatefulSet's volumeClaimTemplates, volumes its containers may mount.
	claims []string
}

// manifests indexes the decoded objects for the cross-object checks.
type manifests struct {
	all       []object
	workloads []workload
	services  []*corev1.Service
	secrets   map[string]*corev1.Secret // namespace/name
	configs   map[string]*corev1.ConfigMap
}

func key(namespace, name string) string { return namespace + "/" + name }

// check runs every check that looks beyond one object's fields.
func check(objects []object) []string {
	m := manifests{all: objects, secrets: map[string]*corev1.Secret{}, configs: map[string]*corev1.ConfigMap{}}
	var problems []string
	seen := map[string]string{}
	for _, o := range objects {
		id := fmt.Sprintf("%s %s", o.obj.GetObjectKind().GroupVersionKind().GroupKind(), key(o.meta.GetNamespace(), o.meta.GetName()))
		if first, dup := seen[id]; dup {
			problems = append(problems, fmt.Sprintf("%s: the same object as %s", o.ref, first))
		}
		seen[id] = o.ref
		switch v := o.obj.(type) {
		case *appsv1.Deployment:
			m.workloads = append(m.workloads, workload{o, v.Spec.Selector, &v.Spec.Template, v.Spec.Replicas, nil})
		case *appsv1.StatefulSet:
			var claims []string
			for _, c := range v.Spec.VolumeClaimTemplates {
				claims = append(claims, c.Name)
			}
			m.workloads = append(m.workloads, workload{o, v.Spec.Selector, &v.Spec.Template, v.Spec.Replicas, claims})
		case *appsv1.DaemonSet:
			m.workloads = append(m.workloads, workload{o, v.Spec.Selector, &v.Spec.Template, nil, nil})
		case *corev1.Service:
			m.services = append(m.services, v)
		case *corev1.Secret:
			m.secrets[key(v.Namespace, v.Name)] = v
			problems = append(problems, checkDataKeys(o, keysOf(v.Data), keysOf(v.StringData))...)
		case *corev1.ConfigMap:
			m.configs[key(v.Namespace, v.Name)] = v
			problems = append(problems, checkDataKeys(o, keysOf(v.Data), keysOf(v.BinaryData))...)
		}
	}
	for _, w := range m.workloads {
		problems = append(problems, m.checkWorkload(w)...)
	}
	for _, o := range objects {
		problems = append(problems, m.checkSelecting(o)...)
	}
	return problems
}

func keysOf[V any](data map[string]V) []string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	return keys
}

func checkDataKeys(o object, keyLists ...[]string) []string {
	var problems []string
	for _, keys := range keyLists {
		for _, k := range keys {
			for _, msg := range validation.IsConfigMapKey(k) {
				problems = append(problems, fmt.Sprintf("%s: key %q: %s", o.ref, k, msg))
			}
		}
	}
	return problems
}

// checkWorkload: a valid selector that selects the template's own pods, then the pod.
func (m manifests) checkWorkload(w workload) []string {
	var problems []string
	say := func(format string, args ...any) {
		problems = append(problems, w.ref+": "+fmt.Sprintf(format, args...))
	}
	if w.selector == nil || (len(w.selector.MatchLabels) == 0 && len(w.selector.MatchExpressions) == 0) {
		say("spec.selector is empty")
	} else if sel, err := selectorOf(w.selector); err != nil {
		say("spec.selector: %v", err)
	} else if !sel.Matches(labels.Set(w.template.Labels)) {
		say("spec.selector %s does not match the pod template's labels %v", sel, w.template.Labels)
	}
	for _, e := range metav1validation.ValidateLabels(w.template.Labels, nil) {
		say("spec.template.metadata.labels: %v", e)
	}
	return append(problems, m.checkPod(w)...)
}

// selectorOf turns a LabelSelector into a Selector, refusing invalid ones.
func selectorOf(s *metav1.LabelSelector) (labels.Selector, error) {
	if errs := metav1validation.ValidateLabelSelector(s, metav1validation.LabelSelectorValidationOptions{}, nil); len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	return metav1.LabelSelectorAsSelector(s)
}

// podsSelectedBy returns the workloads in namespace whose pods a selector
// (a Service's map, or a LabelSelector) matches.
func (m manifests) podsSelectedBy(namespace string, sel labels.Selector) []workload {
	var found []workload
	for _, w := range m.workloads {
		if w.meta.GetNamespace() == namespace && sel.Matches(labels.Set(w.template.Labels)) {
			found = append(found, w)
		}
	}
	return found
}
