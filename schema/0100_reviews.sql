-- The review desk (issue 20): reviewers' credentials, browser sessions, and the reviewers' decisions on
-- findings, kept forever (append-only) and shown beside the findings in the analysts' views.

-- Per-person credentials of one tenant, for signing in to the review pages (`lector reviewer create`).
-- As lector.api_tokens: only the SHA-256 of the credential is stored; it is shown once.
CREATE TABLE lector.reviewers (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant         text NOT NULL CHECK (tenant ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    token_sha256   text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    token_prefix   text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz,
    revoked_at     timestamptz
);
-- One live reviewer per tenant and name, so that `lector reviewer revoke --tenant T --name N` is unambiguous.
CREATE UNIQUE INDEX reviewers_live_name_idx ON lector.reviewers (tenant, name) WHERE revoked_at IS NULL;

-- Browser sessions. The cookie is random and shown to the browser only; the row keeps its SHA-256.
-- A session speaks for exactly one credential (a reviewer or an API token) and dies with it: revoking
-- the credential ends the session at its next request (the store checks), deleting it deletes the row.
CREATE TABLE lector.web_sessions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_sha256  text NOT NULL UNIQUE CHECK (session_sha256 ~ '^[0-9a-f]{64}$'),
    tenant          text NOT NULL CHECK (tenant ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    reviewer_id     bigint REFERENCES lector.reviewers (id) ON DELETE CASCADE,
    api_token_id    bigint REFERENCES lector.api_tokens (id) ON DELETE CASCADE,
    -- The person: the reviewer's name, or "token NAME" for a session opened with an API token.
    who             text NOT NULL CHECK (length(who) BETWEEN 1 AND 220),
    -- Every form of the session carries it; 32 random bytes in hex.
    csrf_token      text NOT NULL CHECK (csrf_token ~ '^[0-9a-f]{64}$'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    CHECK ((reviewer_id IS NULL) <> (api_token_id IS NULL))
);
CREATE INDEX web_sessions_reviewer_idx ON lector.web_sessions (reviewer_id) WHERE reviewer_id IS NOT NULL;
CREATE INDEX web_sessions_api_token_idx ON lector.web_sessions (api_token_id) WHERE api_token_id IS NOT NULL;

-- Reviewers' decisions on findings. Append-only: a new decision is a new row and the latest (by
-- decided_at, then id) wins. Keyed by document and category rather than by finding, so that a
-- reanalysis (new findings) keeps the earlier decisions visible beside its findings.
--   previous: the finding as the reviewer saw it: {"presence", "value", "normalized", "quotes": [{"page",
--             "text", "match"}]}.
--   new:      the truth after the decision: {"presence", "value", "quote": {"page", "text", "match",
--             "start", "end"} | null}; for a confirmation, the finding as it was.
CREATE TABLE lector.finding_reviews (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant       text NOT NULL CHECK (tenant ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    document_id  bigint NOT NULL REFERENCES lector.documents (id) ON DELETE CASCADE,
    analysis_id  bigint REFERENCES lector.analyses (id) ON DELETE SET NULL,
    finding_id   bigint REFERENCES lector.findings (id) ON DELETE SET NULL,
    category     text NOT NULL CHECK (length(category) BETWEEN 1 AND 200),
    decision     text NOT NULL CHECK (decision IN ('confirm', 'reject', 'correct')),
    reviewer     text NOT NULL CHECK (length(reviewer) BETWEEN 1 AND 220),
    reviewer_id  bigint REFERENCES lector.reviewers (id) ON DELETE SET NULL,
    session_id   bigint REFERENCES lector.web_sessions (id) ON DELETE SET NULL,
    decided_at   timestamptz NOT NULL DEFAULT now(),
    previous     jsonb NOT NULL CHECK (jsonb_typeof(previous) = 'object'),
    new          jsonb NOT NULL CHECK (jsonb_typeof(new) = 'object'
                                       AND new ->> 'presence' IN ('present', 'absent', 'unclear')),
    note         text CHECK (note IS NULL OR length(note) <= 4000)
);
CREATE INDEX finding_reviews_latest_idx ON lector.finding_reviews (document_id, category, decided_at DESC, id DESC);
CREATE INDEX finding_reviews_tenant_idx ON lector.finding_reviews (tenant, decided_at DESC);
CREATE INDEX finding_reviews_finding_idx ON lector.finding_reviews (finding_id) WHERE finding_id IS NOT NULL;
CREATE INDEX finding_reviews_analysis_idx ON lector.finding_reviews (analysis_id) WHERE analysis_id IS NOT NULL;
CREATE INDEX finding_reviews_session_idx ON lector.finding_reviews (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX finding_reviews_reviewer_idx ON lector.finding_reviews (reviewer_id) WHERE reviewer_id IS NOT NULL;

-- A decision is never changed or removed by a statement. The foreign keys' own actions are let through:
-- deleting a document deletes its decisions (pg_trigger_depth() > 1: run by the referential action's
-- trigger), and deleting an analysis, finding, reviewer or session only forgets that link (an update
-- that changes nothing else).
CREATE FUNCTION lector.finding_reviews_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        IF (to_jsonb(NEW) - ARRAY['analysis_id', 'finding_id', 'reviewer_id', 'session_id'])
           = (to_jsonb(OLD) - ARRAY['analysis_id', 'finding_id', 'reviewer_id', 'session_id']) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'lector.finding_reviews is append-only: record a new decision instead of changing one'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER finding_reviews_append_only BEFORE UPDATE OR DELETE ON lector.finding_reviews
    FOR EACH ROW EXECUTE FUNCTION lector.finding_reviews_append_only();
CREATE FUNCTION lector.finding_reviews_no_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'lector.finding_reviews is append-only: it cannot be truncated'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER finding_reviews_no_truncate BEFORE TRUNCATE ON lector.finding_reviews
    FOR EACH STATEMENT EXECUTE FUNCTION lector.finding_reviews_no_truncate();

-- Row-level security as 0080_tenancy_deny.sql. Credentials and sessions are the service's alone; a
-- mapped reader sees its tenant's decisions.
ALTER TABLE lector.reviewers ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON lector.reviewers AS PERMISSIVE FOR ALL TO PUBLIC
    USING ((SELECT lector.current_role_is_service())) WITH CHECK ((SELECT lector.current_role_is_service()));
ALTER TABLE lector.web_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON lector.web_sessions AS PERMISSIVE FOR ALL TO PUBLIC
    USING ((SELECT lector.current_role_is_service())) WITH CHECK ((SELECT lector.current_role_is_service()));
ALTER TABLE lector.finding_reviews ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON lector.finding_reviews AS PERMISSIVE FOR ALL TO PUBLIC
    USING ((SELECT lector.current_role_is_service())) WITH CHECK ((SELECT lector.current_role_is_service()));
CREATE POLICY reader_tenant ON lector.finding_reviews AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (tenant = (SELECT lector.current_reader_tenant()));

-- The decision in force for each document and category: the newest.
CREATE VIEW lector.latest_reviews AS
SELECT DISTINCT ON (r.tenant, r.document_id, r.category) r.*
FROM lector.finding_reviews r
ORDER BY r.tenant, r.document_id, r.category, r.decided_at DESC, r.id DESC;

-- 0090's views, with the review columns added at the end (CREATE OR REPLACE VIEW keeps the existing
-- columns in order and may only add). latest_findings: review_status is pending (no decision for the
-- document and category), reviewed (confirmed) or corrected (rejected or corrected); reviewed_presence
-- and reviewed_value are the truth after the decision; review_current says the decision was made on
-- this very analysis (false after a reanalysis, whose findings the decision may no longer describe).
CREATE OR REPLACE VIEW lector.latest_findings AS
SELECT f.document_id, d.tenant, d.filename, d.sha256,
       a.id AS analysis_id, a.profile, a.model, a.finished_at AS analysed_at,
       f.id AS finding_id, f.category, f.presence, f.value, f.normalized,
       f.value_date, f.value_duration, lector.try_interval(f.value_duration) AS value_interval,
       f.value_amount, f.value_currency, f.value_bool,
       f.pages, f.confidence, f.risk, f.risk_rationale,
       q.quote_count, q.verified_quote_count, q.quotes,
       q.exact_quote_count, q.normalized_quote_count, q.approximate_quote_count, q.not_found_quote_count,
       q.too_short_quote_count, f.value_grounded, f.grounding_flags, f.conflict,
       CASE WHEN r.id IS NULL THEN 'pending' WHEN r.decision = 'confirm' THEN 'reviewed' ELSE 'corrected' END AS review_status,
       r.id AS review_id, r.decision AS review_decision, r.reviewer AS reviewed_by, r.decided_at AS reviewed_at,
       r.note AS review_note, r.new ->> 'presence' AS reviewed_presence, r.new ->> 'value' AS reviewed_value,
       r.analysis_id AS reviewed_analysis_id,
       (r.id IS NOT NULL AND r.analysis_id IS NOT DISTINCT FROM a.id) AS review_current
FROM lector.latest_analyses a
JOIN lector.documents d ON d.id = a.document_id
JOIN lector.findings f ON f.analysis_id = a.id
CROSS JOIN LATERAL (
    SELECT count(*)::integer AS quote_count,
           (count(*) FILTER (WHERE fq.verified))::integer AS verified_quote_count,
           coalesce(jsonb_agg(jsonb_build_object(
               'page', fq.page, 'text', fq.text, 'verified', fq.verified, 'match', fq.match,
               'page_corrected_from', fq.page_corrected_from, 'document_text', fq.document_text,
               'locations', fq.locations) ORDER BY fq.ordinal), '[]'::jsonb) AS quotes,
           (count(*) FILTER (WHERE fq.match = 'exact'))::integer AS exact_quote_count,
           (count(*) FILTER (WHERE fq.match = 'normalized'))::integer AS normalized_quote_count,
           (count(*) FILTER (WHERE fq.match = 'approximate'))::integer AS approximate_quote_count,
           (count(*) FILTER (WHERE fq.match = 'not_found'))::integer AS not_found_quote_count,
           (count(*) FILTER (WHERE fq.match = 'too_short'))::integer AS too_short_quote_count
    FROM lector.finding_quotes fq
    WHERE fq.finding_id = f.id
) q
LEFT JOIN LATERAL (
    SELECT fr.id, fr.decision, fr.reviewer, fr.decided_at, fr.note, fr.new, fr.analysis_id
    FROM lector.finding_reviews fr
    WHERE fr.document_id = f.document_id AND fr.category = f.category AND fr.tenant = d.tenant
    ORDER BY fr.decided_at DESC, fr.id DESC
    LIMIT 1
) r ON true;

-- contract_overview: how many of the latest analysis's findings are reviewed (confirmed), corrected
-- (rejected or corrected) or pending, and when the document last had a decision.
CREATE OR REPLACE VIEW lector.contract_overview AS
SELECT d.id AS document_id, d.tenant, d.filename, d.sha256, d.page_count, d.submitted_at,
       a.id AS analysis_id, a.profile, a.model, a.finished_at AS analysed_at,
       coalesce(nullif(a.document_facts ->> 'title', ''), k.document_name) AS title,
       a.document_facts ->> 'type' AS contract_type,
       coalesce(
           (SELECT string_agg((p ->> 'name') || coalesce(' (' || (p ->> 'role') || ')', ''), '; ')
            FROM jsonb_array_elements(
                CASE WHEN jsonb_typeof(a.document_facts -> 'parties') = 'array'
                     THEN a.document_facts -> 'parties' ELSE '[]'::jsonb END) AS p),
           k.parties) AS parties,
       k.agreement_date, k.effective_date, k.expiration_date,
       k.renewal_term, lector.try_interval(k.renewal_term) AS renewal_interval,
       k.notice_period, lector.try_interval(k.notice_period) AS notice_interval,
       coalesce(nullif(a.document_facts ->> 'governing_law', ''), k.governing_law) AS governing_law,
       k.liability_cap, k.liability_cap_amount, k.liability_cap_currency,
       k.findings_present, k.findings_total, qk.unverified AS unverified_quotes, k.highest_risk,
       qk.approximate AS approximate_quotes, qk.not_found AS not_found_quotes, qk.too_short AS too_short_quotes,
       k.flagged_findings, k.conflicting_findings,
       coalesce(jsonb_array_length(CASE WHEN jsonb_typeof(a.document_facts -> 'conflicts') = 'array'
                                        THEN a.document_facts -> 'conflicts' END), 0) AS conflicts,
       coalesce(rk.reviewed, 0) AS findings_reviewed, coalesce(rk.corrected, 0) AS findings_corrected,
       coalesce(rk.pending, 0) AS findings_pending,
       (SELECT max(fr.decided_at) FROM lector.finding_reviews fr WHERE fr.document_id = d.id AND fr.tenant = d.tenant)
           AS last_reviewed_at
FROM lector.documents d
LEFT JOIN lector.latest_analyses a ON a.document_id = d.id
LEFT JOIN LATERAL (
    SELECT max(f.value) FILTER (WHERE f.category = 'document_name' AND f.presence = 'present') AS document_name,
           max(f.value) FILTER (WHERE f.category = 'parties' AND f.presence = 'present') AS parties,
           max(f.value_date) FILTER (WHERE f.category = 'agreement_date' AND f.presence = 'present') AS agreement_date,
           max(f.value_date) FILTER (WHERE f.category = 'effective_date' AND f.presence = 'present') AS effective_date,
           max(f.value_date) FILTER (WHERE f.category = 'expiration_date' AND f.presence = 'present') AS expiration_date,
           max(f.value_duration) FILTER (WHERE f.category = 'renewal_term' AND f.presence = 'present') AS renewal_term,
           max(f.value_duration) FILTER (WHERE f.category = 'notice_period' AND f.presence = 'present') AS notice_period,
           max(f.value) FILTER (WHERE f.category = 'governing_law' AND f.presence = 'present') AS governing_law,
           max(f.value) FILTER (WHERE f.category = 'cap_on_liability' AND f.presence = 'present') AS liability_cap,
           max(f.value_amount) FILTER (WHERE f.category = 'cap_on_liability' AND f.presence = 'present') AS liability_cap_amount,
           max(f.value_currency) FILTER (WHERE f.category = 'cap_on_liability' AND f.presence = 'present') AS liability_cap_currency,
           (count(*) FILTER (WHERE f.presence = 'present'))::integer AS findings_present,
           count(*)::integer AS findings_total,
           (array_agg(f.risk ORDER BY CASE f.risk WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END DESC)
               FILTER (WHERE f.risk IS NOT NULL AND f.presence = 'present'))[1] AS highest_risk,
           (count(*) FILTER (WHERE cardinality(f.grounding_flags) > 0))::integer AS flagged_findings,
           (count(*) FILTER (WHERE f.conflict IS NOT NULL))::integer AS conflicting_findings
    FROM lector.findings f
    WHERE f.analysis_id = a.id
) k ON true
LEFT JOIN LATERAL (
    SELECT (count(*) FILTER (WHERE fq.match NOT IN ('exact', 'normalized')))::integer AS unverified,
           (count(*) FILTER (WHERE fq.match = 'approximate'))::integer AS approximate,
           (count(*) FILTER (WHERE fq.match = 'not_found'))::integer AS not_found,
           (count(*) FILTER (WHERE fq.match = 'too_short'))::integer AS too_short
    FROM lector.finding_quotes fq JOIN lector.findings f2 ON f2.id = fq.finding_id
    WHERE f2.analysis_id = a.id
) qk ON true
LEFT JOIN LATERAL (
    SELECT (count(*) FILTER (WHERE lr.decision = 'confirm'))::integer AS reviewed,
           (count(*) FILTER (WHERE lr.decision IN ('reject', 'correct')))::integer AS corrected,
           (count(*) FILTER (WHERE lr.decision IS NULL))::integer AS pending
    FROM lector.findings f3
    LEFT JOIN LATERAL (
        SELECT fr.decision FROM lector.finding_reviews fr
        WHERE fr.document_id = f3.document_id AND fr.category = f3.category AND fr.tenant = d.tenant
        ORDER BY fr.decided_at DESC, fr.id DESC
        LIMIT 1
    ) lr ON true
    WHERE f3.analysis_id = a.id
) rk ON true;

-- CREATE OR REPLACE VIEW drops security_invoker: set it again (0030_tenancy.sql); the new view runs
-- with the reader's rights too.
ALTER VIEW lector.latest_findings SET (security_invoker = true);
ALTER VIEW lector.contract_overview SET (security_invoker = true);
ALTER VIEW lector.latest_reviews SET (security_invoker = true);

-- latest_findings and contract_overview now read lector.finding_reviews: readers made before this
-- migration need it (and the new view), or their views would fail. `lector role create-reader` grants
-- both to readers made later.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'lector_reader') THEN
        GRANT SELECT ON lector.finding_reviews, lector.latest_reviews TO lector_reader;
    END IF;
END;
$$;
