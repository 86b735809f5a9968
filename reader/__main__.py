"""`python -m reader`. Guarded: a process the parse pool spawns imports this module again (as
`__mp_main__`), and must not start a second reader."""

from reader.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
