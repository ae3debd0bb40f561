-- The review desk (issue 20): where each document stands, for the documents page.
--
-- A document's state is its newest analyze job's (queued as 'available' or 'scheduled', 'running',
-- 'retryable', 'completed', 'failed', 'cancelled'), or 'analysed' when its jobs were pruned but an
-- analysis exists, or 'none'. The last failed attempt's reason comes with it (a code and a sentence,
-- never document text). Read-only: the queue still owns lector.jobs.
CREATE VIEW lector.document_states AS
SELECT d.id AS document_id, d.tenant,
       coalesce(j.state::text, CASE WHEN EXISTS (SELECT 1 FROM lector.analyses a WHERE a.document_id = d.id)
                                    THEN 'analysed' ELSE 'none' END) AS state,
       j.id AS job_id, j.errors -> -1 ->> 'error' AS last_error
FROM lector.documents d
LEFT JOIN LATERAL (
    SELECT j.id, j.state, j.errors FROM lector.jobs j
    WHERE j.kind = 'analyze' AND j.tenant = d.tenant AND j.args ->> 'document_id' = d.id::text
    ORDER BY j.id DESC LIMIT 1
) j ON true;
ALTER VIEW lector.document_states SET (security_invoker = true);

-- The lookup above, and the API's "newest job of a document", by index rather than by scan.
CREATE INDEX jobs_analyze_document_idx ON lector.jobs (tenant, (args ->> 'document_id'), id DESC)
    WHERE kind = 'analyze';
