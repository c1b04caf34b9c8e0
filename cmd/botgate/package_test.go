package main

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// No container engine runs on the development and CI machines (`docker
// info` finds no daemon), so the image is checked by its parts: the binary
// is built with the Dockerfile's own `go build` line, must be static, and
// must become ready in an empty directory as a non-root user with only the
// environment the Dockerfile or compose.yaml gives it.
func TestPackagedBinaryStartsAsTheImageWould(t *testing.T) {
	if testing.Short() {
		t.Skip("builds botgate")
	}
	root, _ := filepath.Abs("../..")
	dir, err := os.MkdirTemp("", "botgate-image")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // the non-root user runs the binary from here
		t.Fatal(err)
	}
	bin := buildAsDockerfile(t, root, filepath.Join(dir, "botgate"))
	if f, err := elf.Open(bin); err != nil {
		t.Fatal(err)
	} else {
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("the binary is dynamically linked: it would not start on an empty image")
			}
		}
		f.Close()
	}
	want := fmt.Sprintf("botgate 9.9.9 (commit c0ffee, built 2026-12-04T00:00:00Z, %s)\n", runtime.Version())
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if out, err := exec.Command(bin, args...).Output(); err != nil || string(out) != want {
			t.Errorf("botgate %s = %q, %v; want %q", args[0], out, err, want)
		}
	}

	t.Run("dockerfile", func(t *testing.T) {
		env := dockerfileEnv(t, root)
		data := cleanDir(t, dir, "data")
		env["BOTGATE_DATABASE"] = strings.Replace(env["BOTGATE_DATABASE"], "/data", data, 1) // the volume
		env["BOTGATE_ADDR"] = freeAddr(t)                                                    // 8080 may be taken here
		startLikeImage(t, bin, cleanDir(t, dir, "work-dockerfile"), env)
	})
	t.Run("compose", func(t *testing.T) {
		env := composeEnv(t, root)
		env["BOTGATE_DATABASE"] = storetest.New(t, "postgres").DSN // the test's PostgreSQL for the "postgres" service
		env["BOTGATE_ADDR"] = freeAddr(t)
		startLikeImage(t, bin, cleanDir(t, dir, "work-compose"), env)
	})
}

// buildAsDockerfile runs the Dockerfile's `go build` line with its build
// arguments set, writing the binary to out.
func buildAsDockerfile(t *testing.T, root, out string) string {
	t.Helper()
	docker, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 go build .*)$`).FindSubmatch(docker)
	if line == nil || !strings.Contains(string(line[1]), "-o /out/botgate ") {
		t.Fatalf("no `RUN CGO_ENABLED=0 go build … -o /out/botgate` line in the Dockerfile")
	}
	cmd := exec.Command("sh", "-c", strings.Replace(string(line[1]), "/out/botgate", out, 1))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "VERSION=9.9.9", "COMMIT=c0ffee", "DATE=2026-12-04T00:00:00Z")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", line[1], err, b)
	}
	return out
}

// dockerfileEnv is the image's ENV.
func dockerfileEnv(t *testing.T, root string) map[string]string {
	t.Helper()
	docker, _ := os.ReadFile(filepath.Join(root, "Dockerfile"))
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`(BOTGATE_\w+)=(\S+)`).FindAllStringSubmatch(string(docker), -1) {
		env[m[1]] = m[2]
	}
	if env["BOTGATE_DATABASE"] != "/data/botgate.db" || env["BOTGATE_ADDR"] != "0.0.0.0:8080" {
		t.Fatalf("the Dockerfile's ENV: %v", env)
	}
	return env
}

// composeEnv is botgate-1's environment in compose.yaml, with the variables
// it requires from the operator set.
func composeEnv(t *testing.T, root string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	env := c.Services["botgate-1"].Environment
	if len(env) == 0 || len(c.Services["botgate-2"].Environment) == 0 {
		t.Fatalf("compose.yaml has no botgate-1 and botgate-2 environment: %+v", c)
	}
	operator := map[string]string{"BOTGATE_SECRET_KEY": strings.Repeat("ab", 32), "BOTGATE_ADMIN_TOKEN": "compose-admin-token"}
	ref := regexp.MustCompile(`^\$\{(\w+):\?[^}]*\}$`)
	for k, v := range env {
		if m := ref.FindStringSubmatch(v); m != nil {
			env[k] = operator[m[1]]
		}
	}
	return env
}

func cleanDir(t *testing.T, parent, name string) string {
	t.Helper()
	d := filepath.Join(parent, name)
	if err := os.Mkdir(d, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(d, nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// nobody is the user the binary runs as when the tests run as root.
const nobody = 65534

// startLikeImage runs `botgate serve` in dir with only env, as a non-root
// user, waits until `botgate healthcheck` (the image's HEALTHCHECK) passes,
// and stops it.
func startLikeImage(t *testing.T, bin, dir string, env map[string]string) {
	t.Helper()
	var environ []string
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	command := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = dir, environ
		if os.Geteuid() == 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		}
		return cmd
	}
	serve := command("serve")
	var out syncBuffer
	serve.Stdout, serve.Stderr = &out, &out
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- serve.Wait() }()
	defer func() {
		serve.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("serve after SIGTERM: %v\n%s", err, &out)
			}
		case <-time.After(30 * time.Second):
			serve.Process.Kill()
			t.Errorf("serve did not stop after SIGTERM")
		}
	}()
	var health []byte
	harness.WaitFor(t, "botgate healthcheck to pass", 2*time.Minute, func() bool {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("serve exited: %v\n%s", err, &out)
		default:
		}
		var err error
		health, err = command("healthcheck").Output()
		return err == nil
	})
	if string(health) != "ready\n" {
		t.Errorf("healthcheck printed %q", health)
	}
}
