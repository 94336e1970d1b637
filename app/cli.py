"""The command line's entry point (`pomoshnik`, `python -m app.cli`); the commands are in
app.commands, imported when one runs.

Kept this small on purpose: a process that multiprocessing starts from a fork server or by spawning
(a document renderer, the mailbox's reading process, the API's workers) imports its parent's main
module again before it does anything. With the commands here, each render process imported the
whole application that way and held some 100 MB of its own for it.
"""

from __future__ import annotations


def main() -> None:
    from app.commands import main as run

    run()


if __name__ == "__main__":
    main()
