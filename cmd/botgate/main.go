// Command botgate is the one binary: the gateway (serve), its migrations,
// the fake Graph server, admin commands that call the admin API, and the
// load generator (bench).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runWith(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "botgate:", err)
		os.Exit(1)
	}
}

// cli is every sub-command.
type cli struct {
	Serve       serveCmd       `cmd:"" help:"Run the gateway."`
	Migrate     migrateCmd     `cmd:"" help:"Apply database migrations and exit."`
	Sandbox     sandboxCmd     `cmd:"" help:"Manage the sandbox's kept state."`
	Fakegraph   fakegraphCmd   `cmd:"" help:"Run the fake Graph API server (for benchmarks and manual tests)."`
	Bot         botCmd         `cmd:"" help:"Manage bots through the admin API."`
	Key         keyCmd         `cmd:"" help:"Manage API keys through the admin API."`
	Messages    messagesCmd    `cmd:"" help:"Read the message log through the admin API."`
	Deliveries  deliveriesCmd  `cmd:"" help:"See and replay the POSTs to bots' callback and webhook URLs."`
	Apps        appsCmd        `cmd:"" help:"Manage Sobot apps through the admin API."`
	Check       checkCmd       `cmd:"" help:"Dry run: what a send to a user would do, sending nothing."`
	Send        sendCmd        `cmd:"" help:"Send a text to a user through the Bothub API, waiting for Facebook's answer."`
	Blocks      blocksCmd      `cmd:"" help:"Keep content blocks in files: push, pull, list, render."`
	Templates   templatesCmd   `cmd:"" help:"Keep a WhatsApp number's message templates in files: push, pull, list, sync."`
	Broadcasts  broadcastsCmd  `cmd:"" help:"Send one message to an audience, on schedule, and follow it: create, list, show, pause, resume, cancel, recipients."`
	Import      importCmd      `cmd:"" help:"Import contacts, links, params, subscriptions or blocks exported from a vendor (JSON Lines or CSV)."`
	User        userCmd        `cmd:"" help:"Manage the people who sign in to the console (on the database directly)."`
	Bench       benchCmd       `cmd:"" help:"Measure throughput, latency and memory against a baseline, with the fake Graph API."`
	Version     versionCmd     `cmd:"" help:"Print the version, commit and build date."`
	Healthcheck healthcheckCmd `cmd:"" help:"Exit 0 when the botgate at --addr is ready (for container health checks)."`

	VersionFlag kong.VersionFlag `name:"version" help:"Print the version and exit."`

	BenchBaseline benchBaselineCmd `cmd:"" hidden:"" name:"bench-baseline" help:"The bare handler bench compares with."`
}

// env is what every command runs with.
type env struct {
	ctx    context.Context
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type exitRequest struct{ code int }

// run parses args and runs the command with nothing on stdin, so the whole
// program can be run by tests.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runWith(ctx, args, getenv, strings.NewReader(""), stdout, stderr)
}

// runWith is run with a stdin (passwords are read from it).
func runWith(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	var c cli
	parser, err := newParser(&c, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	defer func() {
		// kong "exits" after --help; end run instead of the process.
		if r := recover(); r != nil {
			exit, ok := r.(exitRequest)
			if !ok {
				panic(r)
			}
			if exit.code != 0 {
				err = fmt.Errorf("exit status %d", exit.code)
			}
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		return err
	}
	return kctx.Run(&env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr})
}

// newParser is the command line's parser, filling c; it "exits" by panicking
// with an exitRequest, which runWith recovers.
func newParser(c *cli, getenv func(string) string, stdout, stderr io.Writer) (*kong.Kong, error) {
	parser, err := kong.New(c,
		kong.Name("botgate"),
		kong.Description("A self-hosted Messenger and WhatsApp gateway speaking the Bothub, Meetbot and Sobot APIs."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(exitRequest{code}) }),
		kong.Resolvers(envResolver(getenv)),
		kong.UsageOnError(),
		kong.Vars{"version": versionLine()},
	)
	if err != nil {
		return nil, err
	}
	if err := sealEnvironment(parser); err != nil {
		return nil, err
	}
	return parser, nil
}

// sealEnvironment stops kong reading the process environment itself, so
// variables reach flags only through run's getenv (envResolver). Each flag
// keeps its variable names (Flag.Envs, filled when kong built the model) for
// help and for the resolver.
func sealEnvironment(k *kong.Kong) error {
	return kong.Visit(k.Model, func(node kong.Visitable, next kong.Next) error {
		if n, ok := node.(*kong.Node); ok {
			for _, f := range n.Flags {
				if len(f.Envs) > 0 {
					// Help reads the variables from the tag; say them in the text instead.
					f.Help += " ($" + strings.Join(f.Envs, ", $") + ")"
				}
				f.Tag.Envs = nil
			}
		}
		return next(nil)
	})
}

// envResolver reads each flag's BOTGATE_* variable through getenv; flags
// given on the command line still win.
func envResolver(getenv func(string) string) kong.Resolver {
	return kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
		for _, name := range flag.Envs {
			if v := getenv(name); v != "" {
				return v, nil
			}
		}
		return nil, nil
	})
}
