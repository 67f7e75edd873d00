package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/registry"
)

// adminCommand is one "registry admin <noun> <verb>" command. It runs as the first
// administrator, directly on the database, and prints one JSON object (snake_case
// keys, as every output of the binary).
type adminCommand struct {
	name  string // "<noun> <verb>"
	short string // one line for the command list
	usage string
	// flags registers the command's flags; progress is where a long command
	// reports how far it is (standard error).
	flags func(fs *flag.FlagSet, progress io.Writer) func(ctx context.Context, svc *registry.Service) (any, error)
}

// schemaCommands run on the database alone, connected but not migrated, in place of
// their adminCommand's flags: they look at or apply the migrations themselves.
var schemaCommands = map[string]func(fs *flag.FlagSet) func(ctx context.Context, db *database.DB) (any, error){
	"db status":  dbStatus,
	"db migrate": dbMigrate,
}

// adminCommands in the order help lists them.
var adminCommands = []adminCommand{
	{"user create", "create a user", "--username U [--name N] [--email E] [--admin] [--password P]", func(fs *flag.FlagSet, _ io.Writer) func(context.Context, *registry.Service) (any, error) {
		var in registry.CreateUserInput
		fs.StringVar(&in.Username, "username", "", "username")
		fs.StringVar(&in.Name, "name", "", "display name")
		fs.StringVar(&in.Email, "email", "", "email")
		fs.StringVar(&in.Password, "password", "", "password (8 to 72 characters)")
		fs.BoolVar(&in.Admin, "admin", false, "administrator")
		return func(ctx context.Context, svc *registry.Service) (any, error) {
			u, err := svc.CreateUser(ctx, in)
			if err != nil {
				return nil, err
			}
			return map[string]any{"id": u.ID, "username": u.Username, "admin": u.Admin}, nil
		}
	}},
	{"user set-password", "set a user's password (ends their sessions)", "--username U --password P", func(fs *flag.FlagSet, _ io.Writer) func(context.Context, *registry.Service) (any, error) {
		username := fs.String("username", "", "username")
		password := fs.String("password", "", "new password")
		return func(ctx context.Context, svc *registry.Service) (any, error) {
			return map[string]any{"username": *username}, svc.SetPassword(ctx, *username, *password)
		}
	}},
	{"user block", "block or unblock a user (ends their sessions)", "--username U [--unblock]", func(fs *flag.FlagSet, _ io.Writer) func(context.Context, *registry.Service) (any, error) {
		username := fs.String("username", "", "username")
		unblock := fs.Bool("unblock", false, "unblock instead")
		return func(ctx context.Context, svc *registry.Service) (any, error) {
			return map[string]any{"username": *username, "blocked": !*unblock}, svc.SetUserState(ctx, *username, !*unblock)
		}
	}},
	{"group create", "create a group (or subgroup)", "--path a/b [--name N] [--visibility private|internal|public]", func(fs *flag.FlagSet, _ io.Writer) func(context.Context, *registry.Service) (any, error) {
		var in registry.CreateGroupInput
		fs.StringVar(&in.FullPath, "path", "", "full path")
		fs.StringVar(&in.Name, "name", "", "display name")
		fs.StringVar(&in.Visibility, "visibility", "private", "visibility")
		return func(ctx context.Context, svc *registry.Service) (any, error) {
			g, err := svc.CreateGroup(ctx, in)
			if err != nil {
				return nil, err
			}
			return map[string]any{"id": g.ID, "full_path": g.FullPath, "visibility": g.Visibility}, nil
		}
	}},
	{"project create", "create a project in a group or a user's namespace", "--path namespace/project [--visibility V] [--package-registry-access-level disabled|private|public]", func(fs *flag.FlagSet, _ io.Writer) func(context.Context, *registry.Service) (any, error) {
		var in registry.CreateProjectInput
		fs.StringVar(&in.FullPath, "path", "", "full path")
		fs.StringVar(&in.Name, "name", "", "display name")
		fs.StringVar(&in.Visibility, "visibility", "private", "visibility")
		fs.StringVar(&in.PackageRegistryAccessLevel, "package-registry-access-level", "private", "package registry access level")
		return func(ctx context.Context, svc *registry.Service) (any, error) {
			p, err := svc.CreateProject(ctx, in)
			if err != nil {
				return nil, err
			}
			return map[string]any{"id": p.ID, "full_path": p.FullPath, "visibility": p.Visibility,
				"package_registry_access_level": p.PackageRegistryAccessLevel}, nil
		}
	}},
	{"member add", "give a user a role in a project or group", "--user U (--project P | --group G) --role guest|planner|reporter|developer|maintainer|owner", func(fs *flag.FlagSet, _ io.Writer) func(context.Context, *registry.Service) (any, error) {
		var in registry.MembershipInput
		fs.StringVar(&in.Username, "user", "", "username")
		fs.StringVar(&in.ProjectPath, "project", "", "project id or full path")
		fs.StringVar(&in.GroupPath, "group", "", "group id or full path")
		fs.StringVar(&in.Role, "role", "", "role")
		return func(ctx context.Context, svc *registry.Service) (any, error) {
			m, err := svc.SetMembership(ctx, in)
			if err != nil {
				return nil, err
			}
			return map[string]any{"id": m.ID, "user": in.Username, "role": m.Role}, nil
		}
	}},
	{"token create", "create a personal access token for a user", "--user U --name N [--scopes api,read_api] [--expires-at 2030-01-02]", func(fs *flag.FlagSet, _ io.Writer) func(context.Context, *registry.Service) (any, error) {
		user, name := fs.String("user", "root", "username"), fs.String("name", "", "token name")
		scopes, expires := fs.String("scopes", "api", "comma-separated scopes"), fs.String("expires-at", "", "expiry date")
		return func(ctx context.Context, svc *registry.Service) (any, error) {
			exp, err := parseDate(*expires)
			if err != nil {
				return nil, err
			}
			ctx, err = svc.UserContext(ctx, *user)
			if err != nil {
				return nil, err
			}
			return svc.CreatePersonalAccessToken(ctx, registry.CreatePersonalAccessTokenInput{
				Name: *name, Scopes: splitList(*scopes), ExpiresAt: exp})
		}
	}},
	{"deploy-token create", "create a deploy token for a project or group", "(--project P | --group G) --name N [--username U] [--scopes read_package_registry,write_package_registry]", func(fs *flag.FlagSet, _ io.Writer) func(context.Context, *registry.Service) (any, error) {
		var in registry.DeployTokenInput
		fs.StringVar(&in.ProjectPath, "project", "", "project")
		fs.StringVar(&in.GroupPath, "group", "", "group")
		fs.StringVar(&in.Name, "name", "", "token name")
		fs.StringVar(&in.Username, "username", "", "username (default gitlab+deploy-token-...)")
		scopes := fs.String("scopes", "read_package_registry", "comma-separated scopes")
		expires := fs.String("expires-at", "", "expiry date")
		return func(ctx context.Context, svc *registry.Service) (any, error) {
			var err error
			if in.ExpiresAt, err = parseDate(*expires); err != nil {
				return nil, err
			}
			in.Scopes = splitList(*scopes)
			return svc.CreateDeployToken(ctx, in)
		}
	}},
	{"access-token create", "create a project or group access token (and its bot member)", "(--project P | --group G) --name N [--role maintainer] [--scopes api]", func(fs *flag.FlagSet, _ io.Writer) func(context.Context, *registry.Service) (any, error) {
		var in registry.AccessTokenInput
		fs.StringVar(&in.ProjectPath, "project", "", "project")
		fs.StringVar(&in.GroupPath, "group", "", "group")
		fs.StringVar(&in.Name, "name", "", "token name")
		fs.StringVar(&in.Role, "role", "maintainer", "role of the bot member")
		scopes := fs.String("scopes", "api", "comma-separated scopes")
		expires := fs.String("expires-at", "", "expiry date")
		return func(ctx context.Context, svc *registry.Service) (any, error) {
			var err error
			if in.ExpiresAt, err = parseDate(*expires); err != nil {
				return nil, err
			}
			in.Scopes = splitList(*scopes)
			return svc.CreateAccessToken(ctx, in)
		}
	}},
	{"job create", "start a CI job and print its job token", "--project P --user U --pipeline-id N --name build [--ref main] [--sha S]", func(fs *flag.FlagSet, _ io.Writer) func(context.Context, *registry.Service) (any, error) {
		var in registry.CreateJobInput
		user := fs.String("user", "root", "the user the job runs as")
		fs.StringVar(&in.ProjectPath, "project", "", "project")
		fs.Int64Var(&in.PipelineIID, "pipeline-id", 0, "the CI system's pipeline number")
		fs.StringVar(&in.Name, "name", "", "job name")
		fs.StringVar(&in.Ref, "ref", "main", "branch or tag")
		fs.StringVar(&in.SHA, "sha", "", "commit")
		fs.DurationVar(&in.Lifetime, "lifetime", 0, "token lifetime (default and maximum: the server's)")
		return func(ctx context.Context, svc *registry.Service) (any, error) {
			ctx, err := svc.UserContext(ctx, *user)
			if err != nil {
				return nil, err
			}
			return svc.CreateJob(ctx, in)
		}
	}},
	{"job finish", "finish a CI job (its token stops working)", "--id N [--status success|failed|canceled]", func(fs *flag.FlagSet, _ io.Writer) func(context.Context, *registry.Service) (any, error) {
		id, status := fs.Int("id", 0, "job id"), fs.String("status", "success", "final status")
		return func(ctx context.Context, svc *registry.Service) (any, error) {
			return map[string]any{"id": *id, "status": *status}, svc.FinishJob(ctx, *id, *status)
		}
	}},
	{"job-token-scope add", "let another project's or group's jobs reach a project", "--project TARGET (--source-project P | --source-group G)", func(fs *flag.FlagSet, _ io.Writer) func(context.Context, *registry.Service) (any, error) {
		var in registry.JobTokenScopeInput
		fs.StringVar(&in.ProjectPath, "project", "", "target project")
		fs.StringVar(&in.SourceProjectPath, "source-project", "", "project whose jobs may reach the target")
		fs.StringVar(&in.SourceGroupPath, "source-group", "", "group whose projects' jobs may reach the target")
		return func(ctx context.Context, svc *registry.Service) (any, error) {
			return in, svc.SetJobTokenScope(ctx, in, true)
		}
	}},
	{name: "db status", short: "list the schema migrations, applied or pending", usage: ""},
	{name: "db migrate", short: "apply the pending schema migrations (--dry-run: print their SQL)", usage: "[--dry-run]"},
	{"storage migrate", "copy every blob to another storage (verified, resumable)", "--to URL [--dry-run] [--no-progress]", storageMigrate},
	{"gc run", "collect garbage now: deleted packages, unreferenced blobs, leftovers", "[--grace 15m]", func(fs *flag.FlagSet, _ io.Writer) func(context.Context, *registry.Service) (any, error) {
		grace := fs.Duration("grace", 15*time.Minute, "leave things younger than this")
		return func(ctx context.Context, svc *registry.Service) (any, error) {
			return svc.CollectGarbage(ctx, *grace)
		}
	}},
}

func admin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || isHelp(args[0]) {
		printAdminHelp(stdout)
		return nil
	}
	if len(args) < 2 || isHelp(args[1]) {
		return fmt.Errorf("want registry admin <noun> <verb>, got %q (run: registry help admin)", strings.Join(args, " "))
	}
	name := args[0] + " " + args[1]
	var cmd *adminCommand
	for i := range adminCommands {
		if adminCommands[i].name == name {
			cmd = &adminCommands[i]
		}
	}
	if cmd == nil {
		return fmt.Errorf("unknown admin command %q (run: registry help admin)", name)
	}
	var c config
	fs := newFlags("admin "+name, cmd.usage+" [--data-dir D | --database-url U] [--create]", stderr)
	c.registerStorage(fs)
	create := fs.Bool("create", envBool("create", false), "create the instance's database if there is none yet")
	var action func(context.Context, *registry.Service) (any, error)
	var schemaAction func(context.Context, *database.DB) (any, error)
	if sc, ok := schemaCommands[name]; ok {
		schemaAction = sc(fs)
	} else {
		action = cmd.flags(fs, stderr)
	}
	if err := parseFlags(fs, args[2:], stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (run: registry help admin %s)", fs.Arg(0), name)
	}
	c.logLevel = "warn"
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	if !*create {
		if err := c.requireInstance(ctx); err != nil {
			return err
		}
	}
	if schemaAction != nil {
		out, err := c.onDatabase(ctx, schemaAction)
		if err != nil {
			return err
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	svc, closeAll, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer closeAll()
	if err := bootstrap(ctx, svc, stderr); err != nil {
		return err
	}
	actx, err := svc.AdminContext(ctx)
	if err != nil {
		return err
	}
	out, err := action(actx, svc)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(out)
}

func printAdminHelp(w io.Writer) {
	fmt.Fprintln(w, "Usage: registry admin <noun> <verb> [flags]")
	fmt.Fprintln(w, "\nRuns on the server's database (the same --data-dir or --database-url) as the first")
	fmt.Fprintln(w, "administrator, and prints one JSON object. Commands:")
	for _, c := range adminCommands {
		fmt.Fprintf(w, "  %-22s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w, "\nregistry help admin <noun> <verb> shows a command's flags.")
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func parseDate(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	for _, layout := range []string{time.DateOnly, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return &t, nil
		}
	}
	return nil, fmt.Errorf("date %q: want YYYY-MM-DD or RFC 3339", s)
}

// storageMigrate copies every blob from the server's storage (--storage-url) to
// another (--to), with a progress bar: blobs and bytes done, rate and time left.
func storageMigrate(fs *flag.FlagSet, progress io.Writer) func(context.Context, *registry.Service) (any, error) {
	to := fs.String("to", "", "storage URL to copy every blob to (file://, s3://)")
	dryRun := fs.Bool("dry-run", false, "say what would be copied, copy nothing")
	quiet := fs.Bool("no-progress", false, "no progress bar")
	return func(ctx context.Context, svc *registry.Service) (any, error) {
		if *to == "" {
			return nil, errors.New("--to is required")
		}
		dst, err := registry.OpenBlobs(ctx, *to)
		if err != nil {
			return nil, err
		}
		defer dst.Close()
		if err := dst.Ping(ctx); err != nil {
			return nil, fmt.Errorf("--to: %w", err)
		}
		in := registry.MigrateInput{To: dst, DryRun: *dryRun}
		var bar *progressbar.ProgressBar
		if !*quiet {
			in.Progress = func(p registry.MigrateProgress) {
				if bar == nil {
					bar = progressbar.NewOptions64(p.TotalBytes, progressbar.OptionSetWriter(progress),
						progressbar.OptionShowBytes(true), progressbar.OptionSetPredictTime(true),
						progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionFullWidth(),
						progressbar.OptionOnCompletion(func() { fmt.Fprintln(progress) }))
				}
				bar.ChangeMax64(p.TotalBytes)
				bar.Describe(fmt.Sprintf("%d/%d blobs", p.Done, p.Total))
				_ = bar.Set64(p.Bytes)
			}
		}
		res, err := svc.MigrateStorage(ctx, in)
		if bar != nil {
			_ = bar.Finish()
		}
		return res, err
	}
}

// onDatabase runs fn on the database the flags name, connected but not migrated.
func (c *config) onDatabase(ctx context.Context, fn func(context.Context, *database.DB) (any, error)) (any, error) {
	u, err := c.dbURL()
	if err != nil {
		return nil, err
	}
	db, err := database.Connect(ctx, u)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return fn(ctx, db)
}

// dbStatus lists every migration, applied or not, and says whether the database
// would be baselined (made by a release before versioned migrations).
func dbStatus(*flag.FlagSet) func(context.Context, *database.DB) (any, error) {
	return func(ctx context.Context, db *database.DB) (any, error) {
		m, err := db.Migrations()
		if err != nil {
			return nil, err
		}
		status, err := m.Status(ctx)
		if err != nil {
			return nil, err
		}
		plan, err := m.Plan(ctx)
		if err != nil {
			return nil, err
		}
		out := map[string]any{"migrations": status, "pending": len(plan.Pending)}
		if plan.Baseline != nil {
			out["baseline"] = plan.Baseline
		}
		return out, nil
	}
}

// plannedMigration is a pending migration with the statements it runs.
type plannedMigration struct {
	database.Migration
	SQL string `json:"sql"`
}

// dbMigrate applies the pending migrations as a server's start does (under the same
// lock); with --dry-run it prints them with their SQL and changes nothing.
func dbMigrate(fs *flag.FlagSet) func(context.Context, *database.DB) (any, error) {
	dryRun := fs.Bool("dry-run", false, "print the pending migrations and their SQL, change nothing (jq -r '.pending[].sql' for the SQL alone)")
	return func(ctx context.Context, db *database.DB) (any, error) {
		if !*dryRun {
			return db.Migrate(ctx)
		}
		m, err := db.Migrations()
		if err != nil {
			return nil, err
		}
		plan, err := m.Plan(ctx)
		if err != nil {
			return nil, err
		}
		pending := []plannedMigration{}
		for _, p := range plan.Pending {
			sql, err := m.SQL(p)
			if err != nil {
				return nil, err
			}
			pending = append(pending, plannedMigration{p, sql})
		}
		out := map[string]any{"dry_run": true, "pending": pending}
		if plan.Baseline != nil {
			out["baseline"] = plan.Baseline
		}
		return out, nil
	}
}
