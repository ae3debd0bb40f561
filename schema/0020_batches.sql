-- Nightly batches (issue 7). 0001 created lector.batches and jobs.batch_id; this adds what a batch run
-- needs to be resumed, counted and reported: its members, the directory fingerprints, a summary when it
-- ends, and the view lector.batch_report.

-- What the run was asked to do and what it found.
ALTER TABLE lector.batches
    ADD COLUMN definition_file   text,
    ADD COLUMN trigger           text NOT NULL DEFAULT 'manual' CHECK (trigger IN ('manual', 'schedule')),
    ADD COLUMN prompt_version    text,
    ADD COLUMN selected          integer NOT NULL DEFAULT 0,
    -- Documents left for the next run because a limit (documents, tokens, cost) was reached.
    ADD COLUMN deferred          integer NOT NULL DEFAULT 0,
    ADD COLUMN estimated_tokens  bigint NOT NULL DEFAULT 0,
    ADD COLUMN estimated_cost_usd numeric(14, 6) NOT NULL DEFAULT 0,
    -- USD per million tokens, for analyses that carry no price of their own.
    ADD COLUMN price_input_per_million  numeric(14, 6) NOT NULL DEFAULT 0.15,
    ADD COLUMN price_output_per_million numeric(14, 6) NOT NULL DEFAULT 0.60,
    -- Deadlines this many days ahead are reported.
    ADD COLUMN horizon_days      integer NOT NULL DEFAULT 90 CHECK (horizon_days >= 0),
    ADD COLUMN enqueued_at       timestamptz,
    ADD COLUMN error             text;
-- A scheduled tick makes one batch, whichever scheduler replica (or retry of its job) runs it.
CREATE UNIQUE INDEX batches_tick_idx ON lector.batches (name, scheduled_for) WHERE scheduled_for IS NOT NULL;
CREATE INDEX batches_name_idx ON lector.batches (name, id DESC);

-- The members of a batch: one row per file or document it took in, with the job that analyses it.
-- The batch's counts come from here (not from jobs.batch_id): a document whose analysis was already
-- queued by someone else is still the batch's member, through that job.
CREATE TABLE lector.batch_items (
    batch_id     bigint NOT NULL REFERENCES lector.batches (id) ON DELETE CASCADE,
    -- The file path for file sources, 'document:<id>' for a query source.
    item         text NOT NULL,
    document_id  bigint REFERENCES lector.documents (id) ON DELETE SET NULL,
    -- No foreign key: completed jobs are pruned, the analysis keeps job_id.
    job_id       bigint,
    status       text NOT NULL CHECK (status IN ('queued', 'skipped', 'rejected')),
    reason       text,
    estimated_tokens bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (batch_id, item)
);
CREATE INDEX batch_items_job_idx ON lector.batch_items (job_id) WHERE job_id IS NOT NULL;

-- The fingerprint of every file a directory source took in, per batch definition: the next run takes
-- only files that are new or whose size, modification time or content changed. Deleting a file deletes
-- nothing here or elsewhere.
CREATE TABLE lector.batch_files (
    batch_name   text NOT NULL,
    path         text NOT NULL,
    size_bytes   bigint NOT NULL,
    mtime        timestamptz NOT NULL,
    sha256       text NOT NULL,
    document_id  bigint,
    batch_id     bigint,
    seen_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (batch_name, path)
);

-- Each member's state now: done (an analysis by its job), failed (its job failed or was cancelled, or
-- the file was rejected), pending, or skipped (already analysed under this profile and prompt version).
CREATE VIEW lector.batch_item_states AS
SELECT i.batch_id, i.item, i.document_id, i.job_id, i.status, i.estimated_tokens,
       CASE
           WHEN i.status = 'skipped' THEN 'skipped'
           WHEN i.status = 'rejected' THEN 'failed'
           WHEN a.id IS NOT NULL THEN 'done'
           WHEN j.state IN ('failed', 'cancelled') THEN 'failed'
           WHEN j.state = 'completed' THEN 'done'
           WHEN j.id IS NULL THEN 'failed'
           ELSE 'pending'
       END AS state,
       CASE
           WHEN i.status = 'rejected' THEN i.reason
           WHEN a.id IS NULL AND j.state IN ('failed', 'cancelled') THEN
               coalesce(j.errors -> -1 ->> 'error', j.state::text)
           WHEN a.id IS NULL AND j.id IS NULL AND i.status = 'queued' THEN 'the job is gone'
       END AS reason,
       a.id AS analysis_id, a.tokens_in, a.tokens_out,
       coalesce(a.cost_usd,
                (a.tokens_in * b.price_input_per_million + a.tokens_out * b.price_output_per_million) / 1000000
       ) AS cost_usd
FROM lector.batch_items i
JOIN lector.batches b ON b.id = i.batch_id
LEFT JOIN lector.jobs j ON j.id = i.job_id
LEFT JOIN lector.analyses a ON a.job_id = i.job_id;

-- Live counts per batch (what `lector batch status` and the progress bar read).
CREATE VIEW lector.batch_progress AS
SELECT b.id AS batch_id, b.name, b.state, b.created_at, b.finished_at, b.selected, b.deferred,
       count(s.item)::integer AS items,
       (count(*) FILTER (WHERE s.state = 'done'))::integer AS done,
       (count(*) FILTER (WHERE s.state = 'failed'))::integer AS failed,
       (count(*) FILTER (WHERE s.state = 'pending'))::integer AS pending,
       (count(*) FILTER (WHERE s.state = 'skipped'))::integer AS skipped,
       coalesce(sum(s.tokens_in), 0)::bigint AS tokens_in,
       coalesce(sum(s.tokens_out), 0)::bigint AS tokens_out,
       coalesce(sum(s.cost_usd), 0)::numeric(14, 6) AS cost_usd,
       b.estimated_tokens, b.estimated_cost_usd
FROM lector.batches b
LEFT JOIN lector.batch_item_states s ON s.batch_id = b.id
GROUP BY b.id;

-- What a batch brought that was not known before it started: high-risk findings and deadlines within
-- the batch's horizon from its analyses that no earlier analysis of the document had, and the documents
-- that failed (with the reason). One row per item; `lector batch report ID` exports it.
CREATE VIEW lector.batch_report AS
WITH batch_analyses AS (
    SELECT s.batch_id, b.name AS batch_name, b.created_at AS batch_started_at, b.horizon_days,
           a.id AS analysis_id, a.document_id
    FROM lector.batch_item_states s
    JOIN lector.batches b ON b.id = s.batch_id
    JOIN lector.analyses a ON a.id = s.analysis_id
), deadlines AS (
    SELECT ba.*, x.kind, x.due_date, x.detail
    FROM batch_analyses ba
    CROSS JOIN LATERAL (
        SELECT max(f.value_date) FILTER (WHERE f.category = 'expiration_date' AND f.presence = 'present') AS expiry,
               max(f.value_duration) FILTER (WHERE f.category = 'notice_period' AND f.presence = 'present') AS notice
        FROM lector.findings f WHERE f.analysis_id = ba.analysis_id
    ) k
    CROSS JOIN LATERAL (
        VALUES ('expiration', k.expiry, NULL::text),
               ('notice', (k.expiry - lector.try_interval(k.notice))::date, 'notice period ' || k.notice)
    ) AS x(kind, due_date, detail)
    WHERE x.due_date IS NOT NULL
)
SELECT ba.batch_id, ba.batch_name, 'high_risk_finding'::text AS kind, ba.document_id, d.filename,
       f.category, f.risk, NULL::date AS due_date, coalesce(f.risk_rationale, f.value) AS detail
FROM batch_analyses ba
JOIN lector.findings f ON f.analysis_id = ba.analysis_id AND f.risk = 'high' AND f.presence = 'present'
JOIN lector.documents d ON d.id = ba.document_id
WHERE NOT EXISTS (
    SELECT 1 FROM lector.analyses a0 JOIN lector.findings f0 ON f0.analysis_id = a0.id
    WHERE a0.document_id = ba.document_id AND a0.finished_at < ba.batch_started_at
      AND f0.category = f.category AND f0.risk = 'high' AND f0.presence = 'present')
UNION ALL
SELECT dl.batch_id, dl.batch_name, 'deadline', dl.document_id, d.filename,
       dl.kind, NULL, dl.due_date, dl.detail
FROM deadlines dl
JOIN lector.documents d ON d.id = dl.document_id
WHERE dl.due_date >= current_date AND dl.due_date <= current_date + dl.horizon_days
  AND NOT EXISTS (
    SELECT 1 FROM lector.analyses a0 JOIN lector.findings f0 ON f0.analysis_id = a0.id
    WHERE a0.document_id = dl.document_id AND a0.finished_at < dl.batch_started_at
      AND f0.category = 'expiration_date' AND f0.presence = 'present' AND f0.value_date = (
          SELECT max(f1.value_date) FROM lector.findings f1
          WHERE f1.analysis_id = dl.analysis_id AND f1.category = 'expiration_date' AND f1.presence = 'present'))
UNION ALL
SELECT s.batch_id, b.name, 'failed_document', s.document_id, coalesce(d.filename, s.item),
       NULL, NULL, NULL, s.reason
FROM lector.batch_item_states s
JOIN lector.batches b ON b.id = s.batch_id
LEFT JOIN lector.documents d ON d.id = s.document_id
WHERE s.state = 'failed';

-- Ends a batch whose members are all done, failed or skipped: state, finish time and a summary (counts,
-- failures with reasons, tokens, cost, duration, what is new). Returns whether it ended the batch now;
-- safe to call from any number of processes at once.
CREATE FUNCTION lector.finish_batch(batch bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    p lector.batch_progress;
BEGIN
    -- The row lock serialises concurrent callers; the second sees the state already changed.
    PERFORM 1 FROM lector.batches WHERE id = batch AND state = 'running' AND enqueued_at IS NOT NULL FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    SELECT * INTO p FROM lector.batch_progress WHERE batch_id = batch;
    IF p.pending > 0 THEN
        RETURN false;
    END IF;
    UPDATE lector.batches b SET state = 'completed', finished_at = now(), summary = jsonb_build_object(
        'selected', b.selected, 'deferred', b.deferred, 'items', p.items, 'done', p.done, 'failed', p.failed,
        'skipped', p.skipped, 'tokens_in', p.tokens_in, 'tokens_out', p.tokens_out, 'cost_usd', p.cost_usd,
        'estimated_tokens', b.estimated_tokens, 'estimated_cost_usd', b.estimated_cost_usd,
        'duration_seconds', round(extract(epoch FROM now() - b.created_at)::numeric, 3),
        'failures', coalesce((
            SELECT jsonb_agg(jsonb_build_object('document_id', r.document_id, 'file', r.filename, 'reason', r.detail)
                             ORDER BY r.filename)
            FROM lector.batch_report r WHERE r.batch_id = batch AND r.kind = 'failed_document'), '[]'::jsonb),
        'new_high_risk_findings', (SELECT count(*) FROM lector.batch_report r
                                   WHERE r.batch_id = batch AND r.kind = 'high_risk_finding'),
        'new_deadlines', (SELECT count(*) FROM lector.batch_report r WHERE r.batch_id = batch AND r.kind = 'deadline'),
        'previous_batch_id', (SELECT max(o.id) FROM lector.batches o WHERE o.name = b.name AND o.id < b.id))
    WHERE b.id = batch;
    RETURN true;
END;
$$;
