// Command compose-check loads docker-compose.yml with compose-go, the loader
// `docker compose` itself uses, so the file is validated against the Compose
// specification on machines without a Docker engine. It prints the resolved
// project as JSON.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	file := "docker-compose.yml"
	if len(os.Args) > 1 {
		file = os.Args[1]
	}
	options, err := cli.NewProjectOptions([]string{file}, cli.WithOsEnv, cli.WithName("herald"))
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compose-check:", err)
	os.Exit(1)
}
