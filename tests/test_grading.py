"""The grader marks planted submissions built from the real student notebooks: correct
ones get their points, wrong ones none, and it survives notebooks that raise, loop, kill
their kernel, are not JSON, lack an exercise, renamed the function or attack the
checkers.

Each planted notebook is a real student notebook (``companion.students``) cut to its
opening cells (title, note, install cell), a short imports cell and its exercises
section, with the answer written into the stub cell: a few seconds a notebook instead of
a whole chapter."""

import csv
import json
from pathlib import Path

import pytest

from companion.cli import main
from companion.grading import Options, grade
from companion.students import write_student_notebooks

BOOK = Path(__file__).resolve().parents[1] / "book"
C1, C4, C9 = (
    "01_exponential_family.ipynb",
    "04_maximum_likelihood.ipynb",
    "09_learned_features.ipynb",
)
LABELS = ["ch1-ex-softplus", "ch4-ex-my-gradient", "ch9-ex-features-hook"]
OPTIONS = Options(LABELS, {"ch4-ex-my-gradient": 2}, cell_timeout=15, time_limit=3)
IMPORTS = "import numpy as np\n\nfrom companion import losses\n"

SOFTPLUS = (
    "def my_softplus(z):\n    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))\n"
)
GRADIENT = (
    "def my_gradient(theta, X, y):\n    return X.T @ (losses.sigmoid(X @ theta) - y) / "
    "X.shape[0]\n"
)
FEATURES = """\
import torch


def my_features(model, X):
    seen = []
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    hooks = [m.register_forward_hook(lambda m, inputs, out: seen.append(inputs[0]))
             for m in linears]
    model.eval()
    try:
        with torch.no_grad():
            model(torch.as_tensor(X, dtype=torch.float32))
    finally:
        for hook in hooks:
            hook.remove()
    return seen[-1].numpy().astype(np.float64)
"""
HOSTILE = """\
import pathlib, sys
import numpy as np
import companion, companion.checking, companion.exercises
from companion.checking import Feedback

# 1. the checkers and numpy, patched in this kernel
passed = lambda *args, **kwargs: Feedback("check_softplus", True, "✓ passed")
companion.exercises.check_softplus = passed
companion.checking.verdict = passed
companion.checking.evaluate = lambda *args, **kwargs: []
np.allclose = lambda *args, **kwargs: True
# 2. the package's files, sabotaged for the students graded next
source = pathlib.Path(companion.__file__).parent
if "companion-grade-" not in str(source):  # never touch the repository
    raise RuntimeError(f"companion was imported from {source}, not the grader's copy")
(source / "notebook_runs.py").write_text("raise ImportError('sabotaged')\\n")
# 3. a fake package first on the path, whose report claims made-up results
fake = pathlib.Path("fake/companion")
fake.mkdir(parents=True)
(fake / "__init__.py").write_text("")
(fake / "notebook_runs.py").write_text(
    "import json\\n"
    "def report_outcomes(label, namespace, nonce, time_limit):\\n"
    "    out = {'status': 'returned', 'kind': 'numpy.ndarray', 'dtype': 'float64',\\n"
    "           'shape': [12], 'value': [1.0] * 12}\\n"
    "    print(nonce + json.dumps({'inputs': 'x', 'outcomes': [out] * 5}))\\n")
sys.path.insert(0, str(fake.parent.resolve()))
"""


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    out = tmp_path_factory.mktemp("handout")
    write_student_notebooks(BOOK, out)
    return out


def _planted(handout, name, answers=(), cells=()):
    """The student notebook ``name``, cut to its opening and its exercises, with the
    stub of each ``(function, code)`` in ``answers`` replaced and ``(position, code)``
    cells inserted (position counted in the cut notebook)."""
    nb = json.loads((handout / name).read_text(encoding="utf-8"))
    start = next(
        i for i, c in enumerate(nb["cells"]) if "## Exercises" in "".join(c["source"])
    )
    nb["cells"] = nb["cells"][:3] + nb["cells"][start:]
    nb["cells"].insert(
        3,
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "id": "imports",
            "execution_count": None,
            "source": IMPORTS,
        },
    )
    for function, code in answers:
        stub = next(
            c for c in nb["cells"] if f"def {function}(" in "".join(c["source"])
        )
        stub["source"] = code
    for position, code in cells:
        nb["cells"].insert(
            position,
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": code,
                "id": f"planted{position}",
            },
        )
    return json.dumps(nb)


def _submit(root, student, files):
    (root / student).mkdir(parents=True)
    for name, text in files.items():
        (root / student / name).write_text(text, encoding="utf-8")


def _grades(out):
    with open(out / "grades.csv", encoding="utf-8") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}


def _row(*points):
    return dict(zip([*LABELS, "total"], [f"{p:g}" for p in points], strict=True))


def _feedback(out, student):
    return (out / "feedback" / f"{student}.md").read_text(encoding="utf-8")


def test_grade_marks_correct_partly_wrong_and_incomplete_submissions(handout, tmp_path):
    subs, out = tmp_path / "submissions", tmp_path / "grades"
    _submit(
        subs,
        "alice",
        {
            C1: _planted(handout, C1, [("my_softplus", SOFTPLUS)]),
            C4: _planted(handout, C4, [("my_gradient", GRADIENT)]),
            C9: _planted(handout, C9, cells=[(-1, FEATURES)]),
        },
    )
    _submit(
        subs,
        "bob",
        {
            C1: _planted(handout, C1, [("my_softplus", SOFTPLUS)]),
            C4: _planted(
                handout, C4, [("my_gradient", GRADIENT.replace("- y)", "- y) * -1"))]
            ),
        },
    )
    homework = json.loads(_planted(handout, C4))
    homework["cells"] = [
        c for c in homework["cells"] if "gradient" not in "".join(c["source"])
    ]
    _submit(
        subs,
        "dave",
        {
            C1: _planted(
                handout,
                C1,
                [("my_softplus", SOFTPLUS.replace("my_softplus", "my_softpluss"))],
            ),
            "homework.ipynb": json.dumps(homework),
            "dave gradient.ipynb": _planted(handout, C4, [("my_gradient", GRADIENT)]),
        },
    )
    log = []
    grade(subs, out, OPTIONS, log=log.append)
    grades = _grades(out)
    assert grades["alice"] == {"student": "alice", **_row(1, 2, 1, 4)}
    assert grades["bob"] == {"student": "bob", **_row(1, 0, 0, 1)}
    assert grades["dave"] == {"student": "dave", **_row(0, 2, 0, 2)}
    assert log == ["alice: 4 of 4 points", "bob: 1 of 4 points", "dave: 2 of 4 points"]
    alice, bob, dave = (_feedback(out, s) for s in ("alice", "bob", "dave"))
    assert alice.count("passed all") == 3 and "4 of 4 points" in alice
    assert "| ch9-ex-features-hook | 1 / 1 | 09_learned_features.ipynb |" in alice
    assert (
        "opposite sign" in bob and "X.T @" not in bob
    )  # names the mistake, not the answer
    assert "no notebook handed in contains exercise ch9-ex-features-hook" in bob
    assert (
        "my_softplus is not defined when the notebook has run (found my_softpluss"
        in dave
    )
    assert "homework.ipynb: contains none of the graded exercises; not run" in dave
    assert "| ch4-ex-my-gradient | 2 / 2 | dave gradient.ipynb |" in dave


def test_grade_survives_broken_and_hostile_notebooks(handout, tmp_path):
    subs, out = tmp_path / "submissions", tmp_path / "grades"
    looping = (
        "def my_gradient(theta, X, y):\n    while True:\n        try:\n            "
        "pass\n        except Exception:\n            pass\n"
    )
    _submit(
        subs,
        "carol",
        {
            "extra.ipynb": "{ this is not a notebook",
            C1: _planted(
                handout,
                C1,
                [("my_softplus", SOFTPLUS)],
                cells=[
                    (4, "raise RuntimeError('a cell that raises')"),
                    (5, "while True:\n    pass"),
                ],
            ),
            C4: _planted(handout, C4, [("my_gradient", looping)]),
        },
    )
    _submit(
        subs,
        "eve",
        {
            C1: _planted(
                handout,
                C1,
                [("my_softplus", "def my_softplus(z):\n    return z\n")],
                cells=[(4, HOSTILE)],
            )
        },
    )
    stubborn = (
        "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n    except "
        "BaseException:\n        pass"
    )
    _submit(
        subs,
        "frank",
        {
            C1: _planted(
                handout, C1, [("my_softplus", SOFTPLUS)], cells=[(4, stubborn)]
            ),
            C4: _planted(
                handout,
                C4,
                [("my_gradient", GRADIENT)],
                cells=[(4, "import os\nos._exit(1)")],
            ),
        },
    )
    grade(subs, out, OPTIONS, log=lambda line: None)
    grades = _grades(out)
    assert grades["carol"] == {"student": "carol", **_row(1, 0, 0, 1)}
    assert grades["eve"] == {"student": "eve", **_row(0, 0, 0, 0)}
    assert grades["frank"] == {"student": "frank", **_row(1, 2, 0, 3)}
    carol, eve, frank = (_feedback(out, s) for s in ("carol", "eve", "frank"))
    assert "extra.ipynb: not a valid notebook" in carol
    assert "raised RuntimeError: a cell that raises" in carol
    assert "(`while True:`) was stopped after 15 s" in carol
    assert "my_gradient did not return within 3 s" in carol
    assert (
        "my_softplus could not be checked: the hidden cases in the notebook's kernel "
        "differ from the grader's"
    ) in eve
    assert "✓" not in eve and "not the grader's copy" not in eve
    # frank, graded after eve, got a pristine package: the sabotage stayed in eve's copy
    assert "the kernel stopped answering, so the notebook was run again" in frank
    assert "the kernel died, so the notebook was run again" in frank


def test_grade_command_with_points_from_a_config_file(handout, tmp_path, capsys):
    subs, out = tmp_path / "submissions", tmp_path / "grades"
    _submit(subs, "s1", {C1: _planted(handout, C1, [("my_softplus", SOFTPLUS)])})
    config = tmp_path / "grading.toml"
    config.write_text(
        'exercises = ["ch1-ex-softplus", "ch5-ex-softmax"]\ntime-limit = 3\n'
        '[points]\n"ch1-ex-softplus" = 1.5\n',
        encoding="utf-8",
    )
    args = ["grade", str(subs), "--out", str(out), "--config", str(config)]
    assert main(args) == 0
    assert (out / "grades.csv").read_text(encoding="utf-8").splitlines() == [
        "student,ch1-ex-softplus,ch5-ex-softmax,total",
        "s1,1.5,0,1.5",
    ]
    assert main(args) == 2
    assert "already exists; use --force" in capsys.readouterr().err
    assert main([*args, "--force", "--points", "ch5-ex-softmax=3"]) == 0
    assert "s1: 1.5 of 4.5 points" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["grade", "{tmp}/missing", "--out", "{tmp}/o"], "is not a folder"),
        (["grade", "{tmp}", "--out", "{tmp}/o"], "is inside SUBMISSIONS"),
        (
            [
                "grade",
                "{tmp}/subs",
                "--out",
                "{tmp}/o",
                "--points",
                "ch4-ex-my-gradient",
            ],
            "write LABEL=N",
        ),
        (
            ["grade", "{tmp}/subs", "--out", "{tmp}/o", "--exercises", "ch4-ex-nope"],
            "unknown exercise 'ch4-ex-nope'",
        ),
        (
            [
                "grade",
                "{tmp}/subs",
                "--out",
                "{tmp}/o",
                "--points",
                "ch5-ex-softmax=-1",
            ],
            "must be a finite number >= 0",
        ),
        (["grade", "{tmp}/subs", "--out", "{tmp}/o"], "no student folders"),
        (["grade", "{tmp}/subs", "--out", "{tmp}/file"], "is a file, not a folder"),
    ],
)
def test_grade_command_reports_a_wrong_argument_in_one_line(
    args, message, tmp_path, capsys
):
    (tmp_path / "subs").mkdir()
    (tmp_path / "file").write_text("x")
    assert main([a.format(tmp=tmp_path) for a in args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
