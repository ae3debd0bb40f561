-- The analysts' views (DESIGN §4): the public SQL interface, documented in the README. Views only read
-- the core tables; dropping and recreating them loses nothing.

-- An ISO 8601 duration ('P1Y', 'P90D') as an interval, or NULL when the text is not one, so that one
-- odd row cannot break a view.
CREATE FUNCTION lector.try_interval(value text) RETURNS interval
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN value::interval;
EXCEPTION WHEN others THEN
    RETURN NULL;
END;
$$;

-- The most recent analysis of each document.
CREATE VIEW lector.latest_analyses AS
SELECT DISTINCT ON (a.document_id) a.*
FROM lector.analyses a
ORDER BY a.document_id, a.finished_at DESC, a.id DESC;

-- One row per finding of each document's latest analysis, with its quotes as JSON.
CREATE VIEW lector.latest_findings AS
SELECT f.document_id, d.tenant, d.filename, d.sha256,
       a.id AS analysis_id, a.profile, a.model, a.finished_at AS analysed_at,
       f.id AS finding_id, f.category, f.presence, f.value, f.normalized,
       f.value_date, f.value_duration, lector.try_interval(f.value_duration) AS value_interval,
       f.value_amount, f.value_currency, f.value_bool,
       f.pages, f.confidence, f.risk, f.risk_rationale,
       q.quote_count, q.verified_quote_count, q.quotes
FROM lector.latest_analyses a
JOIN lector.documents d ON d.id = a.document_id
JOIN lector.findings f ON f.analysis_id = a.id
CROSS JOIN LATERAL (
    SELECT count(*)::integer AS quote_count,
           (count(*) FILTER (WHERE fq.verified))::integer AS verified_quote_count,
           coalesce(jsonb_agg(jsonb_build_object(
               'page', fq.page, 'text', fq.text, 'verified', fq.verified,
               'page_corrected_from', fq.page_corrected_from) ORDER BY fq.ordinal), '[]'::jsonb) AS quotes
    FROM lector.finding_quotes fq
    WHERE fq.finding_id = f.id
) q;

-- One row per document: the key facts of its latest analysis as typed columns (NULLs until analysed).
CREATE VIEW lector.contract_overview AS
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
       k.findings_present, k.findings_total, k.unverified_quotes, k.highest_risk
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
           (SELECT count(*)::integer FROM lector.finding_quotes fq JOIN lector.findings f2 ON f2.id = fq.finding_id
            WHERE f2.analysis_id = a.id AND NOT fq.verified) AS unverified_quotes,
           (array_agg(f.risk ORDER BY CASE f.risk WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END DESC)
               FILTER (WHERE f.risk IS NOT NULL AND f.presence = 'present'))[1] AS highest_risk
    FROM lector.findings f
    WHERE f.analysis_id = a.id
) k ON true;

-- Dates ahead of today: expiry, the start of a renewal term, and the last day to give notice of
-- non-renewal (the expiry date minus the notice period).
CREATE VIEW lector.upcoming_deadlines AS
SELECT x.document_id, x.tenant, x.filename, x.title, x.kind, x.due_date,
       (x.due_date - current_date) AS days_left, x.detail
FROM (
    SELECT o.document_id, o.tenant, o.filename, o.title, 'expiration'::text AS kind,
           o.expiration_date AS due_date, NULL::text AS detail
    FROM lector.contract_overview o
    WHERE o.expiration_date IS NOT NULL
    UNION ALL
    SELECT o.document_id, o.tenant, o.filename, o.title, 'renewal',
           o.expiration_date, 'renews for ' || o.renewal_term
    FROM lector.contract_overview o
    WHERE o.expiration_date IS NOT NULL AND o.renewal_term IS NOT NULL
    UNION ALL
    SELECT o.document_id, o.tenant, o.filename, o.title, 'notice',
           (o.expiration_date - o.notice_interval)::date, 'notice period ' || o.notice_period
    FROM lector.contract_overview o
    WHERE o.expiration_date IS NOT NULL AND o.notice_interval IS NOT NULL
) x
WHERE x.due_date >= current_date;

-- The queue at a glance: jobs per queue and state, and how long the oldest runnable job has waited.
CREATE VIEW lector.job_stats AS
SELECT j.queue, j.state, count(*)::integer AS jobs,
       max(now() - j.run_at) FILTER (WHERE j.state IN ('available', 'retryable') AND j.run_at <= now())
           AS oldest_available_age,
       min(j.created_at) AS oldest_created_at,
       max(j.finished_at) AS last_finished_at
FROM lector.jobs j
GROUP BY j.queue, j.state;
