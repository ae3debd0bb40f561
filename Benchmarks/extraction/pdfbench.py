#!/usr/bin/env python3
"""Lector's PDF benchmarks: Lector against pdftotext/pdftoppm and PyMuPDF, same files, same run.

Usage: pdfbench.py extraction|render DIR   (run through Benchmarks/run extraction DIR, Benchmarks/run render DIR)

Every tool gets the same files and the machine's cores: Lector runs its own child processes (one per
core), pdftotext/pdftoppm run one process per file under `xargs -P CORES`, PyMuPDF runs a
multiprocessing pool of CORES workers. Each tool is timed ROUNDS times (interleaved) and the best round
counts, which damps the noise of a shared machine. Prints a table, then `RESULT {json}` as the last line.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORES = os.cpu_count() or 2
CACHE = Path(os.environ.get("LECTOR_CACHE", Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "lector"))
PYMUPDF_VERSION = os.environ.get("PYMUPDF_VERSION", "2.0")
# Pillow (with libjpeg-turbo) gives PyMuPDF a fast JPEG encoder: its own tobytes("jpeg") takes ~90 ms
# per page, 20 times its render, which would flatter Lector.
PILLOW_VERSION = os.environ.get("PILLOW_VERSION", "13.0.0")
VENV = CACHE / f"venv-pymupdf-{PYMUPDF_VERSION}-pillow-{PILLOW_VERSION}"

PYMUPDF_TEXT = r'''
import sys, pymupdf
from multiprocessing import Pool
def one(path):
    with pymupdf.open(path) as doc:
        for page in doc:
            page.get_text()
        return doc.page_count
if __name__ == "__main__":
    with Pool(int(sys.argv[1])) as pool:
        print(sum(pool.map(one, sys.argv[2:], chunksize=1)))
'''

PYMUPDF_RENDER = r'''
import sys, os, pymupdf
from multiprocessing import Pool
PILLOW = sys.argv[2] == "pillow"
OUT = sys.argv[3]
if PILLOW:
    from PIL import Image
def one(arg):
    index, path = arg
    n = 0
    with pymupdf.open(path) as doc:
        for page in doc:
            zoom = 1540 / max(page.rect.width, page.rect.height)
            pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
            target = os.path.join(OUT, f"{index}-{page.number + 1}.jpg")
            if PILLOW:
                Image.frombytes("RGB", (pix.width, pix.height), pix.samples).save(target, "JPEG", quality=85)
            else:
                with open(target, "wb") as f:
                    f.write(pix.tobytes("jpeg", jpg_quality=85))
            n += 1
    return n
if __name__ == "__main__":
    with Pool(int(sys.argv[1])) as pool:
        print(sum(pool.map(one, list(enumerate(sys.argv[4:])), chunksize=1)))
'''


def say(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


def run(args, **kwargs):
    return subprocess.run(args, check=True, **kwargs)


def lector_binary():
    say("building lector (release)")
    run(["swift", "build", "-c", "release", "--product", "lector"], cwd=ROOT, stdout=subprocess.DEVNULL)
    path = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()
    return str(Path(path) / "lector")


def pymupdf_python():
    python = VENV / "bin" / "python"
    if not python.exists():
        say(f"creating {VENV} with PyMuPDF {PYMUPDF_VERSION} and Pillow {PILLOW_VERSION} from PyPI (cached)")
        run([sys.executable, "-m", "venv", str(VENV)])
        run([str(VENV / "bin" / "pip"), "install", "-q", f"pymupdf=={PYMUPDF_VERSION}", f"pillow=={PILLOW_VERSION}"])
    return str(python)


def pdf_files(directory):
    files = sorted(str(p) for p in Path(directory).iterdir() if p.is_file() and p.suffix.lower() == ".pdf")
    if not files:
        sys.exit(f"error: no PDF files in {directory}")
    return files


def page_count(path):
    out = subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else 0


def measure(tools, rounds):
    best = {name: float("inf") for name, _ in tools}
    for round_index in range(rounds):
        for name, make in tools:
            out = tempfile.mkdtemp(prefix="lector-bench-")
            try:
                args, stdin = make(out)
                start = time.perf_counter()
                result = subprocess.run(args, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                elapsed = time.perf_counter() - start
                if result.returncode != 0:
                    say(f"{name}: exit status {result.returncode} (some files failed; time still counted)")
            finally:
                shutil.rmtree(out, ignore_errors=True)
            say(f"round {round_index + 1}: {name} {elapsed:.2f} s")
            best[name] = min(best[name], elapsed)
    return best


def words(text):
    return Counter(re.findall(r"[0-9a-z]+", text.lower()))


def f1(extracted, truth):
    a, b = words(extracted), words(truth)
    common = sum((a & b).values())
    if common == 0:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def quality(lector, files):
    """Word-level F1 of Lector's text against CUAD's own text, per file that has one."""
    rows = []
    for path in files:
        truth = Path(path).parent / "ground_truth_txt" / (Path(path).name + ".txt")
        if not truth.exists():
            continue
        out = subprocess.run([lector, "extract", "--json", "--vision", "none", path], capture_output=True, text=True)
        if out.returncode != 0:
            rows.append((Path(path).name, 0.0))
            continue
        text = "\n".join(p["text"] for p in json.loads(out.stdout)["pages"])
        rows.append((Path(path).name, f1(text, truth.read_text(errors="replace"))))
    return rows


def parent_peak_rss(lector, files, mode):
    """The `lector extract` process's own peak RSS (VmHWM; its children are other processes) per file,
    in MiB, in the mode's heaviest form: JSON with words for text, images to disk for render."""
    rows = []
    for path in files:
        out = tempfile.mkdtemp(prefix="lector-bench-rss-")
        try:
            extra = ["--json", "--words"] if mode == "extraction" else ["--vision", "all", "--images", out]
            process = subprocess.Popen([lector, "extract", *extra, path], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            peak = 0
            while process.poll() is None:
                try:
                    status = Path(f"/proc/{process.pid}/status").read_text()
                    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
                    if match:
                        peak = max(peak, int(match.group(1)))
                except OSError:
                    pass
                time.sleep(0.005)
            rows.append((Path(path).name, peak / 1024))
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return rows


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("extraction", "render"):
        sys.exit("usage: pdfbench.py extraction|render DIR")
    mode, directory = sys.argv[1], sys.argv[2]
    rounds = int(os.environ.get("ROUNDS", "2" if mode == "extraction" else "1"))
    files = pdf_files(directory)
    lector = lector_binary()
    python = pymupdf_python()
    pages = sum(page_count(f) for f in files)
    for f in files:  # the page cache warm for everyone
        Path(f).read_bytes()
    say(f"{len(files)} files, {pages} pages, {CORES} cores, {rounds} round(s)")
    data = "\0".join(files).encode()

    if mode == "extraction":
        tools = [
            ("lector", lambda out: ([lector, "extract", *files], None)),
            ("lector_words", lambda out: ([lector, "extract", "--words", *files], None)),
            ("lector_keep_output_intents", lambda out: ([lector, "extract", "--keep-output-intents", *files], None)),
            ("lector_keep_off_page_text", lambda out: ([lector, "extract", "--keep-off-page-text", *files], None)),
            # pdftotext FILE would write FILE.txt next to the input: "-" sends the text to stdout.
            ("pdftotext", lambda out: (["xargs", "-0", "-P", str(CORES), "-I{}", "pdftotext", "-q", "{}", "-"], data)),
            ("pymupdf", lambda out: ([python, "-c", PYMUPDF_TEXT, str(CORES), *files], None)),
        ]
    else:
        tools = [
            ("lector", lambda out: ([lector, "extract", "--vision", "all", "--images", out, "--format", "jpeg",
                                     "--quality", "85", "--max-side", "1540", *files], None)),
            ("pdftoppm", lambda out: (["xargs", "-0", "-P", str(CORES), "-n", "1", "sh", "-c",
                                       f'pdftoppm -q -scale-to 1540 -jpeg -jpegopt quality=85 "$0" "{out}/$(basename "$0")"'], data)),
            ("pymupdf", lambda out: ([python, "-c", PYMUPDF_RENDER, str(CORES), "own", out, *files], None)),
            ("pymupdf_pillow", lambda out: ([python, "-c", PYMUPDF_RENDER, str(CORES), "pillow", out, *files], None)),
        ]
    best = measure(tools, rounds)
    pps = {name: pages / seconds for name, seconds in best.items()}

    print(f"\n{mode}: {len(files)} files, {pages} pages, {CORES} cores, best of {rounds} round(s)")
    print(f"{'tool':<28}{'seconds':>10}{'pages/s':>10}{'lector x':>10}")
    for name, seconds in best.items():
        print(f"{name:<28}{seconds:>10.2f}{pps[name]:>10.1f}{pps['lector'] / pps[name]:>10.2f}")
    result = {"mode": mode, "files": len(files), "pages": pages, "cores": CORES, "rounds": rounds,
              "pymupdf_version": PYMUPDF_VERSION, "pillow_version": PILLOW_VERSION}
    for name, value in pps.items():
        result[f"{name}_pps"] = round(value, 1)
    for name in pps:
        if name != "lector" and not name.startswith("lector_"):
            result[f"lector_vs_{name}"] = round(pps["lector"] / pps[name], 2)

    if mode == "extraction":
        rows = quality(lector, files)
        if rows:
            print(f"\nword-level F1 against CUAD's text ({len(rows)} files)")
            for name, score in sorted(rows, key=lambda r: r[1]):
                print(f"  {score:.4f}  {name}")
            scores = [s for _, s in rows]
            result["quality_files"] = len(rows)
            result["quality_f1_min"] = round(min(scores), 4)
            result["quality_f1_mean"] = round(sum(scores) / len(scores), 4)
            result["quality_files_below_0_97"] = sum(1 for s in scores if s < 0.97)
    memory = parent_peak_rss(lector, files, mode)
    name, peak = max(memory, key=lambda r: r[1])
    print(f"\nparent process peak RSS: at most {peak:.0f} MiB ({name}); goal < 300 MiB")
    result["lector_parent_peak_rss_mib"] = round(peak, 1)
    print("RESULT " + json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
