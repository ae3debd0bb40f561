-- What each worker knows about the dependencies its jobs need (the engine), for `lector status` (issue 16).
-- One row per worker and dependency, written when the state changes and refreshed while it is down;
-- a worker deletes its rows when it stops. Rows not refreshed for a while belong to dead workers and
-- are ignored by readers.
CREATE TABLE lector.dependency_health (
    worker_id     text NOT NULL,
    dependency    text NOT NULL,
    available     boolean NOT NULL,
    -- When the current state began.
    since         timestamptz NOT NULL,
    last_error    text,
    misconfigured boolean NOT NULL DEFAULT false,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (worker_id, dependency)
);
