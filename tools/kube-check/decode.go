package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// object is one decoded manifest: its typed value and where it came from.
type object struct {
	obj  runtime.Object
	meta metav1.Object
	kind string
	// ref names it in messages: "Deployment herald/herald (chart.yaml#4)".
	ref string
}

// The kinds kube-check knows: every built-in API group of Kubernetes (as
// client-go registers them) and the Prometheus Operator's monitoring.coreos.com/v1.
var (
	scheme  = runtime.NewScheme()
	decoder runtime.Decoder
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(monitoringv1.AddToScheme(scheme))
	// Strict: an unknown or duplicated field is an error, as `kubectl apply
	// --validate=strict` makes it on a real API server.
	decoder = serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
}

// decodeAll splits a multi-document YAML stream and decodes every non-empty
// document. complete is false when some document could not be decoded at all
// (the cross-object checks would then report its absence as noise).
func decodeAll(file string, data []byte) (objects []object, problems []string, complete bool) {
	complete = true
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for index := 1; ; index++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		where := fmt.Sprintf("%s#%d", file, index)
		if err != nil {
			return objects, append(problems, fmt.Sprintf("%s: %v", where, err)), false
		}
		if isEmpty(doc) {
			continue
		}
		o, err := decodeOne(doc, where)
		if err != nil {
			problems = append(problems, err.Error())
			if o.obj == nil {
				complete = false
				continue
			}
		}
		problems = append(problems, checkMeta(o)...)
		objects = append(objects, o)
	}
	return objects, problems, complete
}

// decodeOne decodes one document strictly. On a strict-decoding error (an
// unknown or duplicated field) the object is still returned, typed, beside the error.
func decodeOne(doc []byte, where string) (object, error) {
	obj, gvk, err := decoder.Decode(doc, nil, nil)
	if err != nil && !(runtime.IsStrictDecodingError(err) && obj != nil && gvk != nil) {
		return object{}, fmt.Errorf("%s: %v", describe(doc, where), err)
	}
	meta, ok := obj.(metav1.Object)
	if !ok {
		return object{}, fmt.Errorf("%s: %s is not an object with metadata", where, gvk.Kind)
	}
	// Decoding clears apiVersion and kind; -json output keeps them.
	obj.GetObjectKind().SetGroupVersionKind(*gvk)
	o := object{obj: obj, meta: meta, kind: gvk.Kind}
	o.ref = fmt.Sprintf("%s %s/%s (%s)", gvk.Kind, meta.GetNamespace(), meta.GetName(), where)
	if err != nil {
		return o, fmt.Errorf("%s: %v", o.ref, err)
	}
	return o, nil
}

// describe names a document that does not decode by what it says it is.
func describe(doc []byte, where string) string {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if yaml.Unmarshal(doc, &head) != nil || head.Kind == "" {
		return where
	}
	return fmt.Sprintf("%s %s/%s (%s)", head.Kind, head.Metadata.Namespace, head.Metadata.Name, where)
}

// isEmpty: a document of comments and blank lines only (helm prints those).
func isEmpty(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' {
			return false
		}
	}
	return true
}

// checkMeta: a name, valid labels and annotations, a valid namespace when set.
// Service names are DNS-1035 labels (they become DNS names and variables).
func checkMeta(o object) []string {
	nameFn := apivalidation.NameIsDNSSubdomain
	if o.kind == "Service" {
		nameFn = apivalidation.NameIsDNS1035Label
	}
	errs := apivalidation.ValidateObjectMetaAccessor(o.meta, o.meta.GetNamespace() != "", nameFn, nil)
	problems := make([]string, 0, len(errs))
	for _, e := range errs {
		problems = append(problems, fmt.Sprintf("%s: %v", o.ref, e))
	}
	return problems
}
