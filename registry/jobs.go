package registry

import (
	"context"
	"time"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/cijob"
	"github.com/pkgreg/registry/ent/packagebuildinfo"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/pipeline"
)

// CI jobs of an external CI system: a job's token acts as the user who started the
// job, in its project and in the projects whose allowlist names it, and only on
// package endpoints and reads (credentialAllows).

// CreateJobInput registers a CI job of an external CI system.
type CreateJobInput struct {
	ProjectPath string
	PipelineIID int64
	Ref, SHA    string
	Name        string
	// Lifetime caps the token's validity; 0 uses the configured default.
	Lifetime time.Duration
}

// NewJob is a created job with its token, shown once.
type NewJob struct {
	ID         int       `json:"id"`
	PipelineID int       `json:"pipeline_id"`
	Token      string    `json:"token"`
	ExpiresAt  time.Time `json:"expires_at"`
	// Pipeline is the job's pipeline, with its user.
	Pipeline *ent.Pipeline
}

// errForeignPipeline refuses joining a pipeline another user started: the job
// would otherwise be recorded under that user's pipeline.
var errForeignPipeline = Errorf(ErrForbidden, "403 Forbidden - this pipeline was started by another user")

// CreateJob starts a job for a project (Developer, with a user's own credential).
// Its token acts as the viewer until the job finishes or its lifetime ends; packages
// it publishes record the pipeline. A pipeline number that exists already is joined
// only by the user who started it.
func (s *Service) CreateJob(ctx context.Context, in CreateJobInput) (*NewJob, error) {
	v := auth.FromContext(ctx)
	p, err := s.ProjectByRef(ctx, in.ProjectPath)
	if err != nil {
		return nil, err
	}
	if err := s.AuthorizeProject(ctx, p, RunJobs); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, InvalidParam("name")
	}
	if in.PipelineIID <= 0 {
		return nil, InvalidParam("pipeline_id")
	}
	life := in.Lifetime
	if life <= 0 || life > s.cfg.JobTokenLifetime {
		life = s.cfg.JobTokenLifetime
	}
	secret := newSecret(JobTokenPrefix)
	var out *NewJob
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		pl, err := tx.Pipeline.Query().Where(pipeline.ProjectID(p.ID), pipeline.Iid(in.PipelineIID)).Only(ctx)
		switch {
		case ent.IsNotFound(err):
			pl, err = tx.Pipeline.Create().SetProjectID(p.ID).SetIid(in.PipelineIID).SetRef(in.Ref).
				SetSha(in.SHA).SetUserID(v.UserID).Save(ctx)
		case err == nil && pl.UserID != v.UserID:
			return errForeignPipeline
		}
		if err != nil {
			return dbError(err)
		}
		exp := s.now().Add(life)
		j, err := tx.CIJob.Create().SetPipelineID(pl.ID).SetUserID(v.UserID).SetName(in.Name).
			SetTokenDigest(digest(secret)).SetExpiresAt(exp).Save(ctx)
		if err != nil {
			return dbError(err)
		}
		out = &NewJob{ID: j.ID, PipelineID: pl.ID, Token: secret, ExpiresAt: exp}
		out.Pipeline, err = tx.Pipeline.Query().Where(pipeline.ID(pl.ID)).WithProject().WithUser().Only(ctx)
		return err
	})
	return out, err
}

// FinishJob ends a job; its token stops working at once. status is success, failed
// or canceled; the pipeline takes the job's status. It needs what starting a job
// needs, so a job cannot end itself or another.
func (s *Service) FinishJob(ctx context.Context, jobID int, status string) error {
	j, err := s.client.CIJob.Query().Where(cijob.ID(jobID)).WithPipeline(func(q *ent.PipelineQuery) { q.WithProject() }).Only(ctx)
	if ent.IsNotFound(err) {
		return deny(auth.FromContext(ctx), false, Errorf(ErrNotFound, "404 Job Not Found"))
	} else if err != nil {
		return err
	}
	if err := s.AuthorizeProject(ctx, j.Edges.Pipeline.Edges.Project, RunJobs); err != nil {
		return err
	}
	if status != "success" && status != "failed" && status != "canceled" {
		return InvalidParam("status")
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		if err := tx.CIJob.UpdateOneID(j.ID).SetStatus(cijob.Status(status)).SetFinishedAt(s.now()).Exec(ctx); err != nil {
			return err
		}
		return tx.Pipeline.UpdateOneID(j.PipelineID).SetStatus(pipeline.Status(status)).Exec(ctx)
	})
}

// JobTokenScopeInput adds or removes a source project or group on a target project's
// CI job token allowlist.
type JobTokenScopeInput struct {
	ProjectPath       string `json:"project_path"` // the target project
	SourceProjectPath string `json:"source_project_path"`
	SourceGroupPath   string
}

// SetJobTokenScope adds (allow true) or removes a source on the allowlist (Maintainer of the target).
func (s *Service) SetJobTokenScope(ctx context.Context, in JobTokenScopeInput, allow bool) error {
	p, err := s.ProjectByRef(ctx, in.ProjectPath)
	if err != nil {
		return err
	}
	if err := s.AuthorizeProject(ctx, p, ManageTokens); err != nil {
		return err
	}
	u := s.client.Project.UpdateOne(p)
	switch {
	case in.SourceProjectPath != "":
		src, err := s.VisibleProject(ctx, in.SourceProjectPath)
		if err != nil {
			return err
		}
		if allow {
			u.AddCiJobTokenAllowedProjectIDs(src.ID)
		} else {
			u.RemoveCiJobTokenAllowedProjectIDs(src.ID)
		}
	case in.SourceGroupPath != "":
		src, err := s.VisibleGroup(ctx, in.SourceGroupPath)
		if err != nil {
			return err
		}
		if allow {
			u.AddCiJobTokenAllowedGroupIDs(src.ID)
		} else {
			u.RemoveCiJobTokenAllowedGroupIDs(src.ID)
		}
	default:
		return Errorf(ErrInvalid, "give a source project or group")
	}
	return u.Exec(ctx)
}

// PipelineByID returns a pipeline of a project whose packages the viewer may read.
func (s *Service) PipelineByID(ctx context.Context, id int) (*ent.Pipeline, error) {
	pl, err := s.client.Pipeline.Query().Where(pipeline.ID(id)).WithProject().WithUser().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, Errorf(ErrNotFound, "404 Pipeline Not Found")
	} else if err != nil {
		return nil, err
	}
	if err := s.AuthorizeProject(ctx, pl.Edges.Project, ReadPackages); err != nil {
		return nil, err
	}
	return pl, nil
}

var errPipelineNotFound = Errorf(ErrNotFound, "404 Pipeline Not Found")

// ProjectPipeline returns a pipeline of p to a viewer who may read p's packages.
func (s *Service) ProjectPipeline(ctx context.Context, p *ent.Project, id int) (*ent.Pipeline, error) {
	if err := s.AuthorizeProject(ctx, p, ReadPackages); err != nil {
		return nil, err
	}
	pl, err := s.client.Pipeline.Query().Where(pipeline.ID(id), pipeline.ProjectID(p.ID)).WithProject().WithUser().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errPipelineNotFound
	}
	return pl, err
}

// PipelinePackages lists what a pipeline published, newest first (at most 100): its
// packages that have a page (HasDetails), to a viewer who may read its project's
// packages. A pipeline reached through a package is authorized here again.
func (s *Service) PipelinePackages(ctx context.Context, pl *ent.Pipeline) ([]*ent.PackageVersion, error) {
	p := pl.Edges.Project
	if p == nil {
		var err error
		if p, err = pl.QueryProject().Only(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.AuthorizeProject(ctx, p, ReadPackages); err != nil {
		return nil, err
	}
	return s.client.PackageVersion.Query().Where(packageversion.ProjectID(p.ID), packageversion.StatusIn(detailStatuses...),
		packageversion.HasBuildInfosWith(packagebuildinfo.PipelineID(pl.ID))).
		WithProject().WithTags().Order(ent.Desc(packageversion.FieldID)).Limit(100).All(ctx)
}
