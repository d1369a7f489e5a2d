"""The command line, ``python -m companion COMMAND``: tools for teaching with the book.

- ``students OUT_DIR``: write the student notebooks (:mod:`companion.students`);
- ``grade SUBMISSIONS --out DIR``: mark submitted notebooks (:mod:`companion.grading`);
- ``install-cells``: write the repository's URL into every chapter's install cell
  (:mod:`companion.launch`).

A mistake in the arguments or the folders ends with a one-line ``error: ...`` on
standard error and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .grading import Options

__all__ = ["main"]


def _default_book() -> Path:
    return Path(__file__).resolve().parent.parent / "book"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m companion", description="Tools for teaching with the book."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    book_help = "folder of the chapter notebooks (default: %(default)s)"
    students = sub.add_parser(
        "students",
        help="write student notebooks: every solution replaced by a stub and a checker",
    )
    students.add_argument(
        "out_dir",
        type=Path,
        help="folder for the student notebooks (created if missing; not inside book/)",
    )
    students.add_argument("--book", type=Path, default=_default_book(), help=book_help)
    students.add_argument(
        "--force",
        action="store_true",
        help="overwrite student notebooks that already exist in OUT_DIR",
    )
    grade = sub.add_parser(
        "grade",
        help="mark submitted notebooks: grades.csv and a feedback page per student",
    )
    grade.add_argument(
        "submissions",
        type=Path,
        help="folder with one folder per student (named by the student's id)",
    )
    grade.add_argument(
        "--out",
        type=Path,
        required=True,
        help="folder for grades.csv and feedback/ (outside SUBMISSIONS)",
    )
    grade.add_argument(
        "--exercises",
        default="",
        help="comma-separated labels to grade, "
        "in the CSV's order (default: every coding exercise)",
    )
    grade.add_argument(
        "--points",
        action="append",
        default=[],
        metavar="LABEL=N",
        help="points for an exercise (default 1); may be repeated",
    )
    grade.add_argument(
        "--config",
        type=Path,
        help="a TOML file with `exercises = [...]`, a "
        "[points] table, `cell-timeout` and `time-limit`",
    )
    grade.add_argument(
        "--cell-timeout",
        type=float,
        help="seconds each notebook cell may run (default 120)",
    )
    grade.add_argument(
        "--time-limit", type=float, help="seconds each hidden case may take (default 5)"
    )
    grade.add_argument(
        "--kernel",
        default="python3",
        help="Jupyter kernel to run the notebooks in (default: %(default)s)",
    )
    grade.add_argument("--force", action="store_true", help="overwrite DIR/grades.csv")
    install = sub.add_parser(
        "install-cells",
        help="write the repository URL of _config.yml "
        "into every chapter's hidden install cell",
    )
    install.add_argument("--book", type=Path, default=_default_book(), help=book_help)
    return parser


def _options(args: argparse.Namespace) -> Options:
    """The grading options from ``--config``, then the command line; ``ValueError``
    names what is wrong."""
    from .exercises import EXERCISES
    from .grading import Options

    config = {}
    if args.config is not None:
        try:
            config = tomllib.loads(args.config.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"cannot read --config {args.config}: {exc}") from None
    points = dict(config.get("points", {}))
    for item in args.points:
        label, _, value = item.partition("=")
        try:
            points[label.strip()] = float(value)
        except ValueError:
            raise ValueError(
                f"--points {item!r}: write LABEL=N, e.g. ch4-ex-my-gradient=2"
            ) from None
    labels = (
        [x.strip() for x in args.exercises.split(",") if x.strip()]
        or list(config.get("exercises", []))
        or list(EXERCISES)
    )
    unknown = [label for label in [*labels, *points] if label not in EXERCISES]
    if unknown:
        raise ValueError(
            f"unknown exercise {unknown[0]!r}: the coding exercises are "
            + ", ".join(EXERCISES)
        )
    bad = [
        label
        for label, value in points.items()
        if not isinstance(value, (int, float))
        or not (math.isfinite(value) and value >= 0)
    ]
    if bad:
        raise ValueError(f"the points of {bad[0]} must be a finite number >= 0")
    cell_timeout = args.cell_timeout or config.get("cell-timeout", 120.0)
    time_limit = args.time_limit or config.get("time-limit", 5.0)
    if not (cell_timeout > 0 and time_limit > 0):
        raise ValueError("the time limits must be positive numbers of seconds")
    return Options(labels, points, float(cell_timeout), float(time_limit), args.kernel)


def _run(args: argparse.Namespace) -> int:
    if args.command == "install-cells":
        from .launch import sync_install_cells

        for path in sync_install_cells(
            args.book, args.book.resolve().parent / "_config.yml"
        ):
            print(f"updated {path}")
        return 0
    if args.command == "students":
        from .students import write_student_notebooks

        for path in write_student_notebooks(args.book, args.out_dir, force=args.force):
            print(f"wrote {path}")
        return 0
    from .grading import grade

    grade(args.submissions, args.out, _options(args), force=args.force)
    out = args.out.resolve()
    print(f"wrote {out / 'grades.csv'} and {out / 'feedback'}/")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one command; 0 on success, 2 with a one-line error for a usage mistake."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (ValueError, OSError) as exc:  # FileExistsError is an OSError
        print(f"error: {exc}", file=sys.stderr)
        return 2
