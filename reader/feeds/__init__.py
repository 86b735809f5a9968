"""Feeds (issue 16): subscriptions, fetching RSS / Atom / JSON Feed, and writing their entries as
article files in the collection's own format, so everything else reader does applies to them.

model.py (the shared records) · fetch.py (httpx: conditional, polite, capped) · parse.py (bytes
-> ParsedFeed) · articles.py (entries -> files, idempotent) · opml.py (import, export) ·
subscriptions.py (the state file's feeds table) · service.py (fetch every feed into a folder).
"""
