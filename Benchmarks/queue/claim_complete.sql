-- The raw-SQL limit: Lector's own claim and batched-completion statements, run by pgbench with no
-- client code around them (run with -M prepared). :batch jobs per claim.
WITH picked AS (
    SELECT id FROM lector.jobs
    WHERE queue = 'bench' AND state IN ('available', 'scheduled', 'retryable') AND run_at <= now()
      AND NOT EXISTS (SELECT 1 FROM lector.queue_pauses WHERE queue = 'bench')
    ORDER BY priority DESC, run_at, id
    LIMIT :batch
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE lector.jobs j
    SET state = 'running', attempt = j.attempt + 1, lease_token = gen_random_uuid(),
        lease_expires_at = now() + 30 * interval '1 second', worker_id = 'pgbench', attempted_at = now()
    FROM picked WHERE j.id = picked.id
    RETURNING j.id, j.lease_token
)
SELECT COALESCE(array_agg(id), '{}') AS ids, COALESCE(array_agg(lease_token), '{}') AS tokens FROM claimed
\gset
UPDATE lector.jobs j SET state = 'completed', finished_at = now(), lease_token = NULL, lease_expires_at = NULL
FROM unnest(:ids::bigint[], :tokens::text[]::uuid[]) AS l(id, token)
WHERE j.id = l.id AND j.lease_token = l.token;
