-- Evaluation runs (issue 10): one row per `lector eval cuad`, with how the analyses ran and the scores,
-- so that `lector eval compare` can show what a prompt, profile or engine change did.

CREATE TABLE lector.eval_runs (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    benchmark         text NOT NULL DEFAULT 'cuad',
    -- The labels file's name.
    labels            text NOT NULL,
    -- As the scored analyses record them (joined with ', ' when they differ).
    engine_host       text NOT NULL,
    model             text NOT NULL,
    engine_dialect    text NOT NULL,
    profile           text NOT NULL,
    prompt_version    text NOT NULL,
    reasoning_effort  text NOT NULL,
    documents         integer NOT NULL CHECK (documents >= 0),
    -- Contracts whose analysis failed: [{"file", "reason"}].
    failures          jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(failures) = 'array'),
    -- The analyses scored (lector.analyses ids; not a foreign key, so pruning analyses keeps the scores).
    analysis_ids      jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(analysis_ids) = 'array'),
    reused_analyses   integer NOT NULL DEFAULT 0,
    tokens_in         bigint NOT NULL DEFAULT 0,
    tokens_out        bigint NOT NULL DEFAULT 0,
    cost_usd          numeric(14, 6),
    -- Per category: [{"category", "cuad_name", counts..., "precision", "recall", "f1", "span_recall",
    -- "span_precision", "value_agreement", "grounding"}]; ratios are null when undefined.
    categories        jsonb NOT NULL CHECK (jsonb_typeof(categories) = 'array'),
    -- The same counts summed over the categories.
    overall           jsonb NOT NULL CHECK (jsonb_typeof(overall) = 'object'),
    started_at        timestamptz NOT NULL,
    finished_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX eval_runs_profile_idx ON lector.eval_runs (profile, finished_at DESC);
