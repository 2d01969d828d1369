package main

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// checkEnv: valid, unique names; one source per variable; references to a
// Secret or ConfigMap among the manifests name keys it has. A Secret that is
// not among them (one the user manages) cannot be checked offline.
func (m manifests) checkEnv(w workload, c *corev1.Container) []string {
	var problems []string
	say := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	namespace := w.meta.GetNamespace()
	seen := map[string]bool{}
	for _, e := range c.Env {
		for _, msg := range validation.IsEnvVarName(e.Name) {
			say("env %q: %s", e.Name, msg)
		}
		if seen[e.Name] {
			// The API server keeps both and the last one wins: a silent override.
			say("env %q is set twice", e.Name)
		}
		seen[e.Name] = true
		if e.ValueFrom == nil {
			continue
		}
		if e.Value != "" {
			say("env %q has both value and valueFrom", e.Name)
		}
		from := e.ValueFrom
		sources := 0
		for _, set := range []bool{from.FieldRef != nil, from.ResourceFieldRef != nil, from.ConfigMapKeyRef != nil, from.SecretKeyRef != nil, from.FileKeyRef != nil} {
			if set {
				sources++
			}
		}
		if sources != 1 {
			say("env %q: valueFrom has %d sources; exactly one is needed", e.Name, sources)
		}
		if r := from.SecretKeyRef; r != nil {
			if s, ok := m.secrets[key(namespace, r.Name)]; ok && !isOptional(r.Optional) {
				_, inData := s.Data[r.Key]
				_, inStringData := s.StringData[r.Key]
				if !inData && !inStringData {
					say("env %q: Secret %q has no key %q", e.Name, r.Name, r.Key)
				}
			}
			if r.Name == "" || r.Key == "" {
				say("env %q: secretKeyRef needs a name and a key", e.Name)
			}
		}
		if r := from.ConfigMapKeyRef; r != nil {
			if cm, ok := m.configs[key(namespace, r.Name)]; ok && !isOptional(r.Optional) {
				if _, has := cm.Data[r.Key]; !has {
					say("env %q: ConfigMap %q has no key %q", e.Name, r.Name, r.Key)
				}
			}
			if r.Name == "" || r.Key == "" {
				say("env %q: configMapKeyRef needs a name and a key", e.Name)
			}
		}
	}
	for _, from := range c.EnvFrom {
		if (from.SecretRef == nil) == (from.ConfigMapRef == nil) {
			say("envFrom: exactly one of secretRef and configMapRef is needed")
		}
	}
	return problems
}

func isOptional(b *bool) bool { return b != nil && *b }
