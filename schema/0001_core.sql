-- Lector's core tables (DESIGN §4, §5). Applied by `lector migrate` in one transaction.
-- Later changes go in new numbered files; an applied file is never edited.

CREATE SCHEMA IF NOT EXISTS lector;

-- Submitted files, stored once per tenant and content.
CREATE TABLE lector.documents (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant        text NOT NULL DEFAULT 'default',
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    filename      text NOT NULL,
    size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
    -- The bytes themselves; NULL only when content_path points at an operator-managed store.
    content       bytea,
    content_path  text,
    labels        jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(labels) = 'object'),
    page_count    integer,
    pdf_info      jsonb,
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant, sha256),
    CHECK (content IS NOT NULL OR content_path IS NOT NULL)
);
ALTER TABLE lector.documents ALTER COLUMN content SET STORAGE EXTERNAL;  -- PDFs are already compressed

-- Extracted pages, with a full-text index for analysts.
CREATE TABLE lector.pages (
    document_id     bigint NOT NULL REFERENCES lector.documents (id) ON DELETE CASCADE,
    number          integer NOT NULL CHECK (number >= 1),
    text            text NOT NULL,
    char_count      integer NOT NULL CHECK (char_count >= 0),
    width_pt        double precision,
    height_pt       double precision,
    rotation        integer NOT NULL DEFAULT 0,
    image_coverage  real CHECK (image_coverage BETWEEN 0 AND 1),
    needs_vision    boolean NOT NULL,
    search          tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, text)) STORED,
    PRIMARY KEY (document_id, number)
);
CREATE INDEX pages_search_idx ON lector.pages USING gin (search);

-- Batches: one row per batch run (nightly job tick, manual run).
CREATE TABLE lector.batches (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL,
    tenant         text NOT NULL DEFAULT 'default',
    profile        text,
    scheduled_for  timestamptz,
    source         jsonb NOT NULL DEFAULT '{}'::jsonb,
    state          text NOT NULL DEFAULT 'running'
                   CHECK (state IN ('running', 'completed', 'failed', 'cancelled')),
    summary        jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz
);

-- The job queue. States follow DESIGN §5; a job's lease_token fences its completion.
CREATE TYPE lector.job_state AS ENUM
    ('available', 'scheduled', 'running', 'retryable', 'completed', 'failed', 'cancelled');

CREATE TABLE lector.jobs (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue             text NOT NULL DEFAULT 'default',
    kind              text NOT NULL,
    args              jsonb NOT NULL DEFAULT '{}'::jsonb,
    state             lector.job_state NOT NULL DEFAULT 'available',
    -- Higher runs first.
    priority          smallint NOT NULL DEFAULT 0,
    run_at            timestamptz NOT NULL DEFAULT now(),
    attempt           integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    max_attempts      integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    -- At most one live (not completed, failed or cancelled) job per unique_key.
    unique_key        text,
    tenant            text NOT NULL DEFAULT 'default',
    batch_id          bigint REFERENCES lector.batches (id) ON DELETE SET NULL,
    lease_token       uuid,
    lease_expires_at  timestamptz,
    worker_id         text,
    -- One object per failed attempt: {"attempt", "at", "class", "error"}.
    errors            jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    attempted_at      timestamptz,
    finished_at       timestamptz,
    CHECK ((state = 'running') = (lease_token IS NOT NULL))
);
CREATE UNIQUE INDEX jobs_unique_live_idx ON lector.jobs (unique_key)
    WHERE unique_key IS NOT NULL AND state NOT IN ('completed', 'failed', 'cancelled');
CREATE INDEX jobs_claim_idx ON lector.jobs (queue, priority DESC, run_at, id)
    WHERE state IN ('available', 'scheduled', 'retryable');
CREATE INDEX jobs_lease_idx ON lector.jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_batch_idx ON lector.jobs (batch_id) WHERE batch_id IS NOT NULL;

-- One row per analysis run; at most one per job (the fence plus this key make retries idempotent).
CREATE TABLE lector.analyses (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id       bigint NOT NULL REFERENCES lector.documents (id) ON DELETE CASCADE,
    job_id            bigint UNIQUE REFERENCES lector.jobs (id) ON DELETE SET NULL,
    tenant            text NOT NULL DEFAULT 'default',
    profile           text NOT NULL,
    prompt_version    text NOT NULL,
    pipeline_version  text NOT NULL,
    model             text NOT NULL,
    engine_host       text NOT NULL,
    engine_dialect    text NOT NULL,
    external_engine   boolean NOT NULL DEFAULT false,
    reasoning_effort  text NOT NULL,
    plan              jsonb NOT NULL DEFAULT '{}'::jsonb,
    document_facts    jsonb NOT NULL DEFAULT '{}'::jsonb,
    tokens_in         bigint NOT NULL DEFAULT 0,
    tokens_out        bigint NOT NULL DEFAULT 0,
    tokens_cached     bigint,
    cost_usd          numeric(14, 6),
    extract_ms        integer,
    engine_ms         integer,
    started_at        timestamptz NOT NULL,
    finished_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX analyses_document_idx ON lector.analyses (document_id, finished_at DESC);

-- One row per finding; typed columns hold the normalised value where it has a type.
CREATE TABLE lector.findings (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    analysis_id      bigint NOT NULL REFERENCES lector.analyses (id) ON DELETE CASCADE,
    document_id      bigint NOT NULL REFERENCES lector.documents (id) ON DELETE CASCADE,
    tenant           text NOT NULL DEFAULT 'default',
    category         text NOT NULL,
    presence         text NOT NULL CHECK (presence IN ('present', 'absent', 'unclear')),
    value            text,
    normalized       jsonb,
    value_date       date,
    value_duration   text,
    value_amount     numeric,
    value_currency   text,
    value_bool       boolean,
    pages            integer[] NOT NULL DEFAULT '{}',
    confidence       real CHECK (confidence BETWEEN 0 AND 1),
    risk             text CHECK (risk IN ('none', 'low', 'medium', 'high')),
    risk_rationale   text,
    UNIQUE (analysis_id, category)
);
CREATE INDEX findings_document_idx ON lector.findings (document_id);

-- The verbatim quotes behind a finding, each checked against the extracted page text.
CREATE TABLE lector.finding_quotes (
    finding_id           bigint NOT NULL REFERENCES lector.findings (id) ON DELETE CASCADE,
    ordinal              integer NOT NULL,
    page                 integer,
    text                 text NOT NULL,
    verified             boolean NOT NULL,
    -- The page the model named, when verification found the quote on another page.
    page_corrected_from  integer,
    PRIMARY KEY (finding_id, ordinal)
);
