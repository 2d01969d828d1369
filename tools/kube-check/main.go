// Command kube-check validates Kubernetes manifests offline, the way
// kubeconform would if its JSON schemas could be downloaded here: every object
// of a multi-document YAML stream is decoded strictly (unknown fields,
// duplicate fields and wrong types are errors) into the real Go types of
// k8s.io/api and, for ServiceMonitor, prometheus-operator's monitoring/v1; a
// kind neither knows is an error. Then it checks how the objects fit together,
// which no schema can: selectors that select the workload's pods, ports and
// probes that name container ports, an HPA aimed at an existing workload, and
// a termination grace period that outlasts Herald's own shutdown deadline.
//
//	kube-check [-json] [FILE...]    (no FILE, or "-": standard input)
//
// Problems go to stderr, one a line, and the exit status is 1. With -json the
// decoded objects are printed to stdout as a JSON array (for scripts that check
// more, such as scripts/check-helm.ts); otherwise a one-line summary.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

func main() {
	asJSON := flag.Bool("json", false, "print the decoded objects as a JSON array")
	flag.Parse()
	files := flag.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}

	var objects []object
	var problems []string
	complete := true
	for _, file := range files {
		data, err := readFile(file)
		if err != nil {
			fail(err)
		}
		decoded, decodeProblems, ok := decodeAll(file, data)
		objects = append(objects, decoded...)
		problems = append(problems, decodeProblems...)
		complete = complete && ok
	}
	if complete {
		problems = append(problems, check(objects)...)
	} else {
		problems = append(problems, "(checks across objects skipped until every document decodes)")
	}

	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "kube-check: %d problem(s):\n", len(problems))
		for _, p := range problems {
			fmt.Fprintf(os.Stderr, "  - %s\n", p)
		}
		os.Exit(1)
	}
	if *asJSON {
		out := make([]any, len(objects))
		for i, o := range objects {
			out[i] = o.obj
		}
		if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
			fail(err)
		}
		return
	}
	fmt.Printf("kube-check: ok, %d objects: %s\n", len(objects), summary(objects))
}

func readFile(file string) ([]byte, error) {
	if file == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(file)
}

// summary counts objects by kind: "Deployment x1, Service x2".
func summary(objects []object) string {
	counts := map[string]int{}
	for _, o := range objects {
		counts[o.kind]++
	}
	kinds := make([]string, 0, len(counts))
	for kind, n := range counts {
		kinds = append(kinds, fmt.Sprintf("%s x%d", kind, n))
	}
	sort.Strings(kinds)
	return strings.Join(kinds, ", ")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kube-check:", err)
	os.Exit(2)
}
