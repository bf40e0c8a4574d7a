package jobs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Status is a job as platform admins see it.
type Status struct {
	Name       string     `json:"name"`
	Schedule   string     `json:"schedule"`
	Summary    string     `json:"summary,omitempty"`
	PerCompany bool       `json:"per_company"`
	NextRunAt  time.Time  `json:"next_run_at"`
	Running    bool       `json:"running"`
	RunningOn  *string    `json:"running_on"`
	LastRunAt  *time.Time `json:"last_run_at"`
	// LastFinishedAt, LastDurationMS, LastAttempts and LastError describe
	// the last finished run (LastError null when it succeeded).
	LastFinishedAt *time.Time `json:"last_finished_at"`
	LastDurationMS *int64     `json:"last_duration_ms"`
	LastAttempts   *int       `json:"last_attempts"`
	LastError      *string    `json:"last_error"`
	Runs           int64      `json:"runs"`
	Failures       int64      `json:"failures"`
}

// List returns the registered jobs' status, sorted by name.
func (s *Scheduler) List(ctx context.Context) ([]Status, error) {
	rows, err := s.cfg.Pool.Query(ctx, listSQL, s.names())
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	out := []Status{}
	for rows.Next() {
		var (
			st      Status
			running *bool
		)
		if err := rows.Scan(&st.Name, &st.Schedule, &st.NextRunAt, &running, &st.RunningOn, &st.LastRunAt, &st.LastFinishedAt,
			&st.LastDurationMS, &st.LastAttempts, &st.LastError, &st.Runs, &st.Failures); err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		st.Running = running != nil && *running
		if !st.Running {
			st.RunningOn = nil
		}
		if j, ok := s.job(st.Name); ok {
			st.Summary, st.PerCompany = j.Summary, j.Companies != nil
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Routes mounts GET / (the jobs) and POST /{name}/run (run one now: 202,
// 404 job_not_found, 409 job_running) for platform admins; the caller
// authenticates first.
func (s *Scheduler) Routes(r chi.Router) {
	r.Use(auth.RequirePlatformAdmin)
	r.Get("/", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.List(r.Context())
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(list, ""))
		return nil
	}))
	r.Post("/{name}/run", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		name := chi.URLParam(r, "name")
		switch err := s.Trigger(r.Context(), name); {
		case errors.Is(err, ErrNotFound):
			return httpx.NotFound("job_not_found", "no job named "+name)
		case errors.Is(err, ErrRunning):
			return httpx.Conflict("job_running", "job "+name+" is running; try again when it finishes")
		case err != nil:
			return err
		}
		httpx.WriteJSON(w, http.StatusAccepted, map[string]string{"name": name, "status": "started"})
		return nil
	}))
}
