// Command compose-check loads docker-compose.yml with compose-go, the loader
// `docker compose` itself uses, so the file is validated against the Compose
// specification on machines without a Docker engine. It prints the resolved
// project as JSON: the services of the active profiles only.
//
//	compose-check [-env-file FILE]... [-profile NAME]... [COMPOSE_FILE]
//
// With -env-file, variables are interpolated from those files only (as
// `docker compose --env-file` does, minus the shell's environment), so the
// result does not depend on who runs it. Without, from the environment.
//
// Profiles are chosen as `docker compose` chooses them (its toProjectOptions
// ends with cli.WithDefaultProfiles(--profile flags...)): the -profile flags
// if any, otherwise COMPOSE_PROFILES from the environment or the env files.
// `-profile '*'` activates every profile.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

// stringList collects a repeatable flag.
type stringList []string

func (f *stringList) String() string     { return strings.Join(*f, ",") }
func (f *stringList) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	var envFiles, profiles stringList
	flag.Var(&envFiles, "env-file", "file of VAR=VALUE lines to interpolate from (repeatable)")
	flag.Var(&profiles, "profile", "profile to activate, replacing COMPOSE_PROFILES (repeatable)")
	flag.Parse()
	file := "docker-compose.yml"
	if flag.NArg() > 0 {
		file = flag.Arg(0)
	}

	opts := []cli.ProjectOptionsFn{cli.WithName("herald")}
	if len(envFiles) > 0 {
		opts = append(opts, cli.WithEnvFiles(envFiles...), cli.WithDotEnv)
	} else {
		opts = append(opts, cli.WithOsEnv)
	}
	// After the environment is read: without -profile, COMPOSE_PROFILES from it.
	opts = append(opts, cli.WithDefaultProfiles(profiles...))
	options, err := cli.NewProjectOptions([]string{file}, opts...)
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
