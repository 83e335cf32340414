"""The console command."""

import pytest

from mixedmodels.cli import main


def test_fit_prints_summary(capsys):
    assert main(["fit", "Reaction ~ Days + (Days | Subject)", "--data", "sleepstudy"]) == 0
    out = capsys.readouterr().out
    assert "Linear mixed model fit by REML" in out and "Subject" in out


def test_fit_ml_from_csv(tmp_path, capsys):
    from mixedmodels import datasets

    path = tmp_path / "sleep.csv"
    datasets.load("sleepstudy").to_csv(path, index=False)
    assert main(["fit", "Reaction ~ Days + (1 | Subject)", "--data", str(path), "--ml"]) == 0
    out = capsys.readouterr().out
    assert "maximum likelihood" in out and "Data: sleep" in out


def test_bad_formula_exits_with_message(capsys):
    assert main(["fit", "Reaction ~ Dayz + (1 | Subject)", "--data", "sleepstudy"]) == 2
    assert "Dayz" in capsys.readouterr().err


def test_unknown_dataset():
    with pytest.raises(SystemExit, match="neither"):
        main(["fit", "y ~ (1 | g)", "--data", "nosuchdata"])


def test_parquet_without_engine_or_with_it(tmp_path, capsys):
    from mixedmodels import datasets

    path = tmp_path / "sleep.parquet"
    frame = datasets.load("sleepstudy")
    try:
        frame.to_parquet(path)
    except ImportError:
        path.write_bytes(b"PAR1")
        with pytest.raises(SystemExit, match="pyarrow"):
            main(["fit", "Reaction ~ Days + (1 | Subject)", "--data", str(path)])
        return
    assert main(["fit", "Reaction ~ Days + (1 | Subject)", "--data", str(path)]) == 0
    assert "Linear mixed model" in capsys.readouterr().out
