package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The forge ("up --forge"): one Gitea process, plain HTTP on loopback,
// SQLite, everything under DIR. Gitea is built without the bindata tag,
// so it reads its templates and options (locales, licences...) from the
// module's source in the Go module cache (STATIC_ROOT_PATH); the web UI's
// JS/CSS bundles are not built, the API and Git over HTTP do not need them.
const (
	compForge   = "forge"
	binGitea    = "gitea"
	giteaModule = "code.gitea.io/gitea"

	// forgeUser is the admin account "up --forge" creates; its API token
	// (all scopes) is DIR/forge/token, its password DIR/forge/password.
	forgeUser      = "sandbox-admin"
	forgeTokenName = "sandbox"
)

func forgeDir(dir string) string          { return filepath.Join(dir, "forge") }
func forgeConfigPath(dir string) string   { return filepath.Join(forgeDir(dir), "app.ini") }
func forgeTokenPath(dir string) string    { return filepath.Join(forgeDir(dir), "token") }
func forgePasswordPath(dir string) string { return filepath.Join(forgeDir(dir), "password") }
func forgeSecretsPath(dir string) string  { return filepath.Join(forgeDir(dir), "secrets.json") }
func forgeDataDir(dir string) string      { return filepath.Join(dir, "data", "forge") }

// forgeSecrets are generated once per DIR so that a restart (or a
// re-rendered app.ini) keeps sessions, the internal API token and signed
// tokens valid. Gitea would otherwise generate and write them into app.ini.
type forgeSecrets struct {
	SecretKey     string `json:"secretKey"`
	InternalToken string `json:"internalToken"`
	// JWTSecret is [oauth2] JWT_SECRET: 32 bytes, unpadded base64url. Gitea
	// needs it even with OAuth2 off (it signs other tokens with it too).
	JWTSecret string `json:"jwtSecret"`
}

// forgeConfig is what app.ini is rendered from.
type forgeConfig struct {
	Dir        string // the sandbox DIR (absolute)
	Port       int
	StaticRoot string // Gitea's source: templates/, options/, public/
	Secrets    forgeSecrets
	AsRoot     bool // the launcher runs as root, which Gitea refuses unless told
}

func (c forgeConfig) url() string { return loopbackURL("http", c.Port) }

// iniSection keeps the keys in the order they are written.
type iniSection struct {
	name string
	keys [][2]string
}

// renderForgeINI writes Gitea's app.ini for the sandbox: only loopback,
// no registration, no SSH, no mail, no Actions, nothing fetched from the
// internet (OFFLINE_MODE also turns Gravatar off), and webhooks allowed
// to loopback/private addresses and delivered without delay (in-memory
// queues instead of LevelDB ones, which poll with a back-off of up to
// 2 s when idle).
func renderForgeINI(c forgeConfig) string {
	data := forgeDataDir(c.Dir)
	root := iniSection{keys: [][2]string{
		{"APP_NAME", "mcs-gitops sandbox forge"},
		{"RUN_MODE", "prod"},
		{"WORK_PATH", forgeDir(c.Dir)},
	}}
	if c.AsRoot {
		root.keys = append(root.keys, [2]string{"I_AM_BEING_UNSAFE_RUNNING_AS_ROOT", "true"})
	}
	sections := []iniSection{
		root,
		{"server", [][2]string{
			{"PROTOCOL", "http"},
			{"HTTP_ADDR", "127.0.0.1"},
			{"HTTP_PORT", strconv.Itoa(c.Port)},
			{"DOMAIN", "127.0.0.1"},
			{"ROOT_URL", c.url() + "/"},
			// Git hooks (gitea hook) call the internal API here.
			{"LOCAL_ROOT_URL", c.url() + "/"},
			{"STATIC_ROOT_PATH", c.StaticRoot},
			{"APP_DATA_PATH", data},
			{"DISABLE_SSH", "true"},
			{"START_SSH_SERVER", "false"},
			{"OFFLINE_MODE", "true"},
			{"LFS_START_SERVER", "false"},
			{"GRACEFUL_HAMMER_TIME", "3s"},
		}},
		{"database", [][2]string{
			{"DB_TYPE", "sqlite3"},
			{"PATH", filepath.Join(data, "gitea.db")},
			{"SQLITE_JOURNAL_MODE", "WAL"},
			// The admin CLI writes while "gitea web" runs.
			{"SQLITE_TIMEOUT", "5000"},
			{"LOG_SQL", "false"},
		}},
		{"repository", [][2]string{
			{"ROOT", filepath.Join(data, "repos")},
			{"DEFAULT_BRANCH", "main"},
			{"ENABLE_PUSH_CREATE_USER", "true"},
			{"ENABLE_PUSH_CREATE_ORG", "true"},
		}},
		{"security", [][2]string{
			{"INSTALL_LOCK", "true"},
			{"SECRET_KEY", c.Secrets.SecretKey},
			{"INTERNAL_TOKEN", c.Secrets.InternalToken},
		}},
		{"oauth2", [][2]string{
			{"ENABLED", "false"},
			{"JWT_SECRET", c.Secrets.JWTSecret},
		}},
		{"service", [][2]string{
			{"DISABLE_REGISTRATION", "true"},
			{"REGISTER_EMAIL_CONFIRM", "false"},
			{"ENABLE_NOTIFY_MAIL", "false"},
			{"DEFAULT_KEEP_EMAIL_PRIVATE", "true"},
		}},
		{"mailer", [][2]string{{"ENABLED", "false"}}},
		{"actions", [][2]string{{"ENABLED", "false"}}},
		{"webhook", [][2]string{
			// Deliver to daemons on this machine (Gitea refuses loopback
			// and private addresses by default).
			{"ALLOWED_HOST_LIST", "loopback,private"},
			{"DELIVER_TIMEOUT", "5"},
		}},
		{"queue", [][2]string{
			// In-memory queues: a pushed item is popped at once. Items
			// still queued when Gitea stops are lost, but undelivered
			// webhooks are stored in the database and re-queued at start.
			{"TYPE", "channel"},
			{"LENGTH", "10000"},
		}},
		{"indexer", [][2]string{
			// The database instead of a Bleve index on disk.
			{"ISSUE_INDEXER_TYPE", "db"},
			{"REPO_INDEXER_ENABLED", "false"},
		}},
		{"cron.update_checker", [][2]string{{"ENABLED", "false"}}},
		{"log", [][2]string{
			// stdout, i.e. DIR/logs/forge.log
			{"MODE", "console"},
			{"LEVEL", "Info"},
			{"ROOT_PATH", filepath.Join(data, "log")},
		}},
	}
	var b strings.Builder
	b.WriteString("; Generated by the sandbox launcher (deploy/sandbox) on every start of the forge; edits are lost.\n")
	for i, sec := range sections {
		if sec.name != "" {
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "[%s]\n", sec.name)
		}
		for _, kv := range sec.keys {
			fmt.Fprintf(&b, "%s = %s\n", kv[0], kv[1])
		}
	}
	return b.String()
}

// forgeArgs is the command line of every gitea invocation against DIR's
// configuration; the global flags come before the subcommand.
func forgeArgs(binDir, dir string, sub ...string) []string {
	args := []string{
		filepath.Join(binDir, binGitea),
		"--config=" + forgeConfigPath(dir),
		"--work-path=" + forgeDir(dir),
		"--custom-path=" + filepath.Join(forgeDir(dir), "custom"),
	}
	return append(args, sub...)
}

// forgeComponent runs "gitea web". app.ini holds the port (Git hooks read
// it to reach the internal API), so it is written just before each start
// on newly picked ports; "sandbox start" reuses the file as it is. The
// hook scripts in the repositories name the gitea binary by its path;
// Gitea rewrites them itself when it starts from another path (a new
// cache entry).
func (s *sandbox) forgeComponent(port int, staticRoot string, secrets forgeSecrets) *Component {
	cfg := forgeConfig{Dir: s.dir, Port: port, StaticRoot: staticRoot, Secrets: secrets, AsRoot: os.Geteuid() == 0}
	return &Component{
		Name:   compForge,
		Port:   port,
		URL:    cfg.url(),
		Health: cfg.url() + "/api/healthz",
		Log:    s.logPath(compForge),
		Args:   forgeArgs(s.binDir, s.dir, "web"),
		prepare: func() error {
			return writeFileAtomic(forgeConfigPath(s.dir), []byte(renderForgeINI(cfg)), 0o600)
		},
	}
}

// ensureForge starts Gitea unless it runs, then makes sure the admin user
// and its token exist (reused when they do).
func (s *sandbox) ensureForge(ctx context.Context, st *State) error {
	if err := s.requireBinaries("up --forge", binGitea); err != nil {
		return err
	}
	modules := os.Getenv(envModules)
	if modules == "" {
		return fmt.Errorf("%s is not set; start the sandbox through deploy/sandbox/sandbox", envModules)
	}
	staticRoot, version, err := giteaSourceDir(modules)
	if err != nil {
		return fmt.Errorf("locating Gitea's templates and options: %w", err)
	}
	for _, d := range []string{forgeDir(s.dir), forgeDataDir(s.dir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	secrets, err := loadForgeSecrets(forgeSecretsPath(s.dir))
	if err != nil {
		return err
	}
	s.mu.Lock()
	st.ForgeVersion, st.ForgeUser = version, forgeUser
	s.mu.Unlock()
	if err := s.ensureComponent(ctx, st, compForge, 1, func(p []int) *Component {
		return s.forgeComponent(p[0], staticRoot, secrets)
	}); err != nil {
		return err
	}
	return s.ensureForgeAccount(ctx, st.component(compForge).URL)
}

// giteaSourceDir finds the pinned Gitea's source in the Go module cache,
// downloading the module first if the cache was cleaned since the build.
func giteaSourceDir(modulesDir string) (dir, version string, err error) {
	moduleDir := filepath.Join(modulesDir, "gitea")
	version, err = moduleVersion(filepath.Join(moduleDir, "go.mod"), giteaModule)
	if err != nil {
		return "", "", err
	}
	out, err := goCommand(moduleDir, "env", "GOMODCACHE")
	if err != nil {
		return "", "", err
	}
	dir = filepath.Join(strings.TrimSpace(out), giteaModule+"@"+version)
	if _, statErr := os.Stat(filepath.Join(dir, "templates")); statErr == nil {
		return dir, version, nil
	}
	fmt.Fprintf(os.Stderr, "sandbox: downloading %s@%s for its templates\n", giteaModule, version)
	if _, err := goCommand(moduleDir, "mod", "download", giteaModule); err != nil {
		return "", "", err
	}
	_, err = os.Stat(filepath.Join(dir, "templates"))
	return dir, version, err
}

func loadForgeSecrets(path string) (forgeSecrets, error) {
	var sec forgeSecrets
	data, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(data, &sec); err != nil {
			return sec, fmt.Errorf("%s: %w", path, err)
		}
		if sec.SecretKey != "" && sec.InternalToken != "" && sec.JWTSecret != "" {
			return sec, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return sec, err
	}
	jwt := make([]byte, 32)
	_, _ = rand.Read(jwt)
	sec = forgeSecrets{SecretKey: randomHex(32), InternalToken: randomHex(32), JWTSecret: base64.RawURLEncoding.EncodeToString(jwt)}
	data, _ = json.MarshalIndent(sec, "", "  ")
	return sec, writeFileAtomic(path, append(data, '\n'), 0o600)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// writeFileAtomic writes through a temporary file in the same directory.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// gitea runs one admin subcommand against DIR's configuration (the same
// database as the running "gitea web") and returns its stdout.
func (s *sandbox) gitea(ctx context.Context, sub ...string) (string, error) {
	args := forgeArgs(s.binDir, s.dir, sub...)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = forgeDir(s.dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("gitea %s: %w: %s", sub[0]+" "+strings.Join(sub[1:min(3, len(sub))], " "),
			err, strings.TrimSpace(stderr.String()+"\n"+stdout.String()))
	}
	return stdout.String(), nil
}

var tokenPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// ensureForgeAccount creates the admin user and its token once. On a DIR
// that has them (DIR/forge/token answers /api/v1/user) it does nothing.
func (s *sandbox) ensureForgeAccount(ctx context.Context, url string) error {
	password, err := readOrCreate(forgePasswordPath(s.dir), func() string { return randomHex(16) })
	if err != nil {
		return err
	}
	if token, err := os.ReadFile(forgeTokenPath(s.dir)); err == nil {
		if ok, _ := forgeTokenWorks(ctx, url, strings.TrimSpace(string(token))); ok {
			return nil
		}
	}
	_, err = s.gitea(ctx, "admin", "user", "create", "--admin",
		"--username", forgeUser, "--password", password,
		"--email", forgeUser+"@sandbox.invalid", "--must-change-password=false")
	if err != nil {
		if !strings.Contains(err.Error(), "already exists") {
			return err
		}
		// The user is there but the token file is not (or is stale): make
		// the password match DIR/forge/password, drop the old token.
		if _, err := s.gitea(ctx, "admin", "user", "change-password", "--username", forgeUser,
			"--password", password, "--must-change-password=false"); err != nil {
			return err
		}
		if err := deleteForgeToken(ctx, url, password); err != nil {
			return err
		}
	}
	out, err := s.gitea(ctx, "admin", "user", "generate-access-token", "--username", forgeUser,
		"--token-name", forgeTokenName, "--scopes", "all", "--raw")
	if err != nil {
		return err
	}
	token := lastLine(out)
	if !tokenPattern.MatchString(token) {
		return fmt.Errorf("gitea generate-access-token printed no token (%d bytes of output)", len(out))
	}
	if err := writeFileAtomic(forgeTokenPath(s.dir), []byte(token+"\n"), 0o600); err != nil {
		return err
	}
	if ok, detail := forgeTokenWorks(ctx, url, token); !ok {
		return fmt.Errorf("the new forge token is refused: %s", detail)
	}
	return nil
}

func readOrCreate(path string, gen func() string) (string, error) {
	if data, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(data)) > 0 {
		return strings.TrimSpace(string(data)), nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	v := gen()
	return v, writeFileAtomic(path, []byte(v+"\n"), 0o600)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

var forgeHTTP = &http.Client{Timeout: 10 * time.Second}

// forgeTokenWorks asks GET /api/v1/user with the token.
func forgeTokenWorks(ctx context.Context, url, token string) (bool, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/user", nil)
	if err != nil {
		return false, err.Error()
	}
	req.Header.Set("Authorization", "token "+token)
	resp, err := forgeHTTP.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var user struct {
		Login string `json:"login"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &user) != nil || user.Login != forgeUser {
		return false, fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return true, ""
}

// deleteForgeToken removes the token named forgeTokenName (its name must
// be unique per user); the tokens API takes basic authentication only.
func deleteForgeToken(ctx context.Context, url, password string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete,
		url+"/api/v1/users/"+forgeUser+"/tokens/"+forgeTokenName, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(forgeUser, password)
	resp, err := forgeHTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusNotFound {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("deleting the old forge token: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

// forgeEnv is what "sandbox env" adds for a sandbox with a forge.
func forgeEnv(st *State) []string {
	c := st.component(compForge)
	if !st.Forge || c == nil {
		return nil
	}
	return []string{
		"export FORGE_URL=" + shellQuote(c.URL),
		"export FORGE_TOKEN_FILE=" + shellQuote(forgeTokenPath(st.Dir)),
		"export FORGE_USER=" + shellQuote(st.ForgeUser),
	}
}
