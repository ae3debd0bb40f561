-- The job queue's own tables and indexes (DESIGN §5, issue 4). 0001 created lector.jobs.

-- A paused queue is not claimed from; its jobs wait. One row per paused queue.
CREATE TABLE lector.queue_pauses (
    queue      text PRIMARY KEY,
    paused_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per cron tick ever enqueued: the primary key is what lets any number of schedulers enqueue
-- a tick exactly once, even after the tick's job was completed and pruned.
CREATE TABLE lector.cron_ticks (
    name          text NOT NULL,
    scheduled_at  timestamptz NOT NULL,
    job_id        bigint,
    enqueued_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, scheduled_at)
);

-- Finished jobs by age: pruning and "recent failures" read it instead of the whole table.
CREATE INDEX jobs_finished_idx ON lector.jobs (finished_at)
    WHERE state IN ('completed', 'failed', 'cancelled');
