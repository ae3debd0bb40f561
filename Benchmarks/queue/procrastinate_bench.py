"""Procrastinate's side of Benchmarks/run queue: defers N no-op jobs, then times a worker until the
queue is empty. Prints one JSON object.
Usage: procrastinate_bench.py CONNINFO JOBS CONCURRENCY [WORKERS]: WORKERS workers (default 1) run side by
side in this process, as Lector's benchmark runs several worker runtimes in one process."""
import asyncio
import json
import sys
import time

import procrastinate

conninfo, jobs, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
workers = int(sys.argv[4]) if len(sys.argv) > 4 else 1
app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))


@app.task(name="noop", queue="bench")
async def noop(n):
    return None


async def main():
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        start = time.perf_counter()
        for i in range(0, jobs, 1000):
            await noop.batch_defer_async(*[{"n": j} for j in range(i, min(jobs, i + 1000))])
        enqueue_seconds = time.perf_counter() - start
        start = time.perf_counter()
        await asyncio.gather(*[
            app.run_worker_async(
                queues=["bench"], name=f"bench-{i}", concurrency=concurrency, wait=False,
                install_signal_handlers=False)
            for i in range(workers)])
        seconds = time.perf_counter() - start
        async with app.connector.pool.connection() as conn:
            row = await (await conn.execute(
                "SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'")).fetchone()
        print(json.dumps({
            "jobs": row[0], "seconds": seconds, "jobs_per_s": row[0] / seconds,
            "enqueue_rows_per_s": jobs / enqueue_seconds,
        }))


asyncio.run(main())
