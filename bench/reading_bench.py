"""Reading-mode bench: fetch + extract the 90 pages of ../shared/extraction-bench over loopback.

Each page is served (gunzipped) by a local HTTP server, read through `reader.reading.fetch_page`
and `extract`, and the plain text is scored against `ground-truth.json` with the benchmark's own
`evaluate()` (imported from its file, not copied). Prints F1 for the combined method and for each
extractor alone, and the median time per page (fetch + extract).

Run: `python bench/reading_bench.py [--bench-dir PATH]`.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import importlib.util
import json
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

from reader.model import Article, Urls
from reader.reading import extract, fetch_page, make_client

DEFAULT_BENCH = Path(__file__).resolve().parents[2] / "shared" / "extraction-bench"


def load_evaluate(bench: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("extraction_evaluate", bench / "evaluate.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {bench / 'evaluate.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def serve(pages: dict[str, bytes]) -> tuple[ThreadingHTTPServer, int]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = pages.get(self.path.strip("/").removesuffix(".html"))
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


async def run(bench: Path, n_bootstrap: int) -> None:
    evaluate = load_evaluate(bench)
    truth: dict[str, Any] = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {
        key: gzip.decompress((bench / "html" / f"{key}.html.gz").read_bytes()) for key in truth
    }
    server, port = serve(pages)
    predictions: dict[str, dict[str, dict[str, str]]] = {
        m: {} for m in ("auto", "trafilatura", "readability")
    }
    times: list[float] = []
    try:
        async with make_client(timeout=30.0) as client:
            for key in truth:
                article = Article(
                    id=key, path="", title="", urls=Urls(original=f"http://127.0.0.1:{port}/{key}")
                )
                started = time.perf_counter()
                page = await fetch_page(article, client=client, timeout=30.0)
                got = extract(page.html, truth[key].get("url") or page.url)
                times.append(time.perf_counter() - started)
                predictions["auto"][key] = {"articleBody": got.text}
                for method in ("trafilatura", "readability"):
                    alone = extract(page.html, truth[key].get("url"), method=method)
                    predictions[method][key] = {"articleBody": alone.text}
    finally:
        server.shutdown()
        server.server_close()
    for method, prediction in predictions.items():
        metrics = evaluate.evaluate(truth, prediction, n_bootstrap)
        print(
            f"{method:<12} F1 {metrics['f1']:.3f}  precision {metrics['precision']:.3f}  "
            f"recall {metrics['recall']:.3f}"
        )
    print(
        f"pages {len(times)}  median read+extract {statistics.median(times):.3f} s  "
        f"max {max(times):.3f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--n-bootstrap", type=int, default=100)
    args = parser.parse_args()
    if not (args.bench_dir / "ground-truth.json").exists():
        sys.exit(f"no benchmark at {args.bench_dir}")
    asyncio.run(run(args.bench_dir, args.n_bootstrap))


if __name__ == "__main__":
    main()
