"""Link-check throughput: LinkChecker against a loopback server that answers after a fixed latency.

    python bench/links_bench.py [--urls 1000] [--latency 0.05] [--concurrency 64] [--hosts 16]

The ideal time is urls x latency / concurrency. The server is an asyncio server in a separate
process, so it neither competes with the client for the GIL nor limits concurrency (a
`ThreadingHTTPServer` spends a thread and ~1 ms of CPU per request, and its default backlog of 5
stalls bursts of connections for seconds). It listens on the same port of 127.0.0.1 ...
127.0.0.<hosts>: with the default `per_host=4`, 16 distinct loopback hosts allow 64 requests at
once, which is what a real run over many news sites looks like. A second run puts every URL on
127.0.0.1 with `per_host` raised to the concurrency; a third uses one naive `httpx.AsyncClient`
(one pool of `concurrency` connections) for comparison.

Importable: `run_links_bench(urls, latency, concurrency) -> dict` (used by bench/run.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `reader` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from reader.links import LinkChecker
from reader.model import LinkKind, LinkStatus

_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Type: text/plain\r\n\r\n"


# -- the server (runs in a child process) --------------------------------------------------------


async def _serve(latency: float, hosts: int) -> None:
    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")  # HEAD/GET: no request body
                await asyncio.sleep(latency)
                writer.write(_RESPONSE)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    first = await asyncio.start_server(connection, "127.0.0.1", 0, backlog=4096)
    port = first.sockets[0].getsockname()[1]
    servers = [first]
    for index in range(2, hosts + 1):
        try:
            servers.append(
                await asyncio.start_server(connection, f"127.0.0.{index}", port, backlog=4096)
            )
        except OSError:  # e.g. macOS configures only 127.0.0.1: use the hosts we have
            break
    print(port, len(servers), flush=True)
    # Serve until the parent closes our stdin.
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    for server in servers:
        server.close()


class _LoopbackServer:
    """The child-process server: `with _LoopbackServer(latency, hosts) as (port, hosts): ...`."""

    def __init__(self, latency: float, hosts: int) -> None:
        self.latency = latency
        self.hosts = hosts
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> tuple[int, int]:
        """Start the server; return (port, number of loopback hosts it listens on)."""
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve",
            "--latency",
            str(self.latency),
            "--hosts",
            str(self.hosts),
        ]
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().split()
        if len(line) != 2:
            self._process.kill()
            self._process.wait()
            raise RuntimeError("bench server did not start")
        return int(line[0]), int(line[1])

    def __exit__(self, *exc: object) -> None:
        process = self._process
        if process is None:
            return
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- the clients ---------------------------------------------------------------------------------


def _urls(count: int, port: int, hosts: int) -> list[str]:
    return [f"http://127.0.0.{i % hosts + 1}:{port}/page/{i}" for i in range(count)]


async def _run_checker(urls: list[str], concurrency: int, per_host: int) -> dict[str, Any]:
    cpu, wall = time.process_time(), time.perf_counter()
    async with LinkChecker(concurrency=concurrency, per_host=per_host) as checker:
        results = await checker.check_many((url, LinkKind.WEB) for url in urls)
    return _figures(wall, cpu, sum(r.status is LinkStatus.ALIVE for r in results))


async def _run_naive(urls: list[str], concurrency: int) -> dict[str, Any]:
    """What an obvious implementation does: one client, one pool, a semaphore."""
    cpu, wall = time.process_time(), time.perf_counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:

        async def one(url: str) -> bool:
            async with gate:
                response = await client.head(url)
                return response.status_code == 200

        alive = await asyncio.gather(*(one(url) for url in urls))
    return _figures(wall, cpu, sum(alive))


def _figures(wall: float, cpu: float, alive: int) -> dict[str, Any]:
    return {
        "elapsed_s": round(time.perf_counter() - wall, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
        "alive": alive,
    }


def run_links_bench(
    urls: int = 1000,
    latency: float = 0.05,
    concurrency: int = 64,
    *,
    hosts: int = 16,
    naive: bool = True,
) -> dict[str, Any]:
    """Run the three cases and return their figures (elapsed, CPU, ratio to the ideal)."""
    ideal = urls * latency / concurrency
    report: dict[str, Any] = {
        "urls": urls,
        "latency_s": latency,
        "concurrency": concurrency,
        "ideal_s": round(ideal, 3),
        "cpus": os.cpu_count(),
    }
    with _LoopbackServer(latency, hosts) as (port, hosts):
        report["hosts"] = hosts
        cases: dict[str, tuple[str, Any]] = {
            # The headline: default per_host=4, URLs spread over the loopback hosts.
            "checker": (
                f"LinkChecker, {hosts} hosts, per_host=4",
                lambda: _run_checker(_urls(urls, port, hosts), concurrency, 4),
            ),
            "checker_one_host": (
                f"LinkChecker, 1 host, per_host={concurrency}",
                lambda: _run_checker(_urls(urls, port, 1), concurrency, concurrency),
            ),
        }
        if naive:
            cases["naive"] = (
                "one httpx.AsyncClient (naive)",
                lambda: _run_naive(_urls(urls, port, 1), concurrency),
            )
        # One-off costs of the first check in a process (lazy imports, the SSL context): measured
        # apart so the cases below compare steady-state throughput.
        started = time.perf_counter()
        asyncio.run(_run_checker(_urls(min(urls, 16), port, 1), concurrency, concurrency))
        report["first_use_s"] = round(time.perf_counter() - started, 3)
        for key, (label, make) in cases.items():
            figures = asyncio.run(make())
            figures["label"] = label
            figures["ratio"] = round(figures["elapsed_s"] / ideal, 2)
            figures["cpu_ms_per_url"] = round(figures["cpu_s"] * 1000 / urls, 2)
            report[key] = figures
    report["ratio"] = report["checker"]["ratio"]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--urls", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--hosts", type=int, default=16, help="distinct loopback addresses")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive-client run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(_serve(args.latency, args.hosts))
        return 0
    report = run_links_bench(
        args.urls, args.latency, args.concurrency, hosts=args.hosts, naive=not args.no_naive
    )
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"{report['urls']} URLs, latency {args.latency * 1000:g} ms, concurrency "
        f"{report['concurrency']}: ideal {report['ideal_s']:.2f} s "
        f"(untimed warm-up, first use in the process: {report['first_use_s']:.2f} s)"
    )
    for figures in report.values():
        if isinstance(figures, dict):
            print(
                f"  {figures['label']:<36} {figures['elapsed_s']:6.2f} s  x{figures['ratio']:<5} "
                f"cpu {figures['cpu_ms_per_url']:.2f} ms/url  alive {figures['alive']}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
