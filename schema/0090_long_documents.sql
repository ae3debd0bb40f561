-- Long documents (issue 18): each request's result, kept as it arrives so that a retried job asks the
-- engine again only for the requests that have none; and, on a finding, where chunks disagreed.

-- One row per planned request of an analyze job that got an answer. plan_key is the SHA-256 of what
-- the requests ask (profile, prompt, schema, output settings), of which model, and how the document was
-- cut: a job whose profile, model or plan changed has another key and reuses nothing. request_key names
-- the request in its plan (pages, categories, whether it asked for the document facts). result is the
-- grounded answer(s) as the merge reads them (the request may have become several: re-planned halves,
-- split categories). Rows go with their job (pruned completed jobs take theirs).
CREATE TABLE lector.analysis_chunks (
    job_id            bigint NOT NULL REFERENCES lector.jobs (id) ON DELETE CASCADE,
    plan_key          text NOT NULL CHECK (plan_key ~ '^[0-9a-f]{64}$'),
    request_key       text NOT NULL CHECK (length(request_key) BETWEEN 1 AND 4000),
    document_id       bigint NOT NULL REFERENCES lector.documents (id) ON DELETE CASCADE,
    tenant            text NOT NULL,
    first_page        integer NOT NULL CHECK (first_page >= 1),
    last_page         integer NOT NULL CHECK (last_page >= first_page),
    -- NULL: every category of the profile.
    categories        text[],
    asks_document     boolean NOT NULL,
    requests          integer NOT NULL CHECK (requests >= 0),
    tokens_in         bigint NOT NULL CHECK (tokens_in >= 0),
    tokens_out        bigint NOT NULL CHECK (tokens_out >= 0),
    findings_present  integer NOT NULL CHECK (findings_present >= 0),
    result            jsonb NOT NULL CHECK (jsonb_typeof(result) = 'object'),
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, plan_key, request_key)
);
CREATE INDEX analysis_chunks_document_idx ON lector.analysis_chunks (document_id);

-- Row-level security as 0080_tenancy_deny.sql: the service, and a mapped reader of the row's tenant.
ALTER TABLE lector.analysis_chunks ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON lector.analysis_chunks AS PERMISSIVE FOR ALL TO PUBLIC
    USING ((SELECT lector.current_role_is_service())) WITH CHECK ((SELECT lector.current_role_is_service()));
CREATE POLICY reader_tenant ON lector.analysis_chunks AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (tenant = (SELECT lector.current_reader_tenant()));

-- Where chunks of a long document disagreed about a category, with every side kept:
-- {"kinds": ["presence" | "value", ...], "resolution": "...", "sides": [{"first_page", "last_page",
--  "presence", "value", "normalized", "verified_quotes", "quotes": [...]}]}. NULL: no disagreement.
ALTER TABLE lector.findings ADD COLUMN conflict jsonb CHECK (conflict IS NULL OR jsonb_typeof(conflict) = 'object');

-- The views gain the conflict (latest_findings.conflict; contract_overview.conflicting_findings, and
-- conflicts: how many fields and categories the chunks disagreed on, document facts included).
CREATE OR REPLACE VIEW lector.latest_findings AS
SELECT f.document_id, d.tenant, d.filename, d.sha256,
       a.id AS analysis_id, a.profile, a.model, a.finished_at AS analysed_at,
       f.id AS finding_id, f.category, f.presence, f.value, f.normalized,
       f.value_date, f.value_duration, lector.try_interval(f.value_duration) AS value_interval,
       f.value_amount, f.value_currency, f.value_bool,
       f.pages, f.confidence, f.risk, f.risk_rationale,
       q.quote_count, q.verified_quote_count, q.quotes,
       q.exact_quote_count, q.normalized_quote_count, q.approximate_quote_count, q.not_found_quote_count,
       q.too_short_quote_count, f.value_grounded, f.grounding_flags, f.conflict
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
) q;

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
                                        THEN a.document_facts -> 'conflicts' END), 0) AS conflicts
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
) qk ON true;

-- CREATE OR REPLACE VIEW drops security_invoker: set it again (0030_tenancy.sql).
ALTER VIEW lector.latest_findings SET (security_invoker = true);
ALTER VIEW lector.contract_overview SET (security_invoker = true);
