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


def test_fit_glmer_with_family_and_link(capsys):
    formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
    assert main(["fit", formula, "--data", "cbpp", "--family", "binomial", "--link", "probit"]) == 0
    out = capsys.readouterr().out
    assert "Generalized linear mixed model fit by maximum likelihood (Laplace Approximation)" in out
    assert "binomial  ( probit )" in out and "herd" in out


def test_fit_glmer_quadrature_and_lmertest_summary(capsys):
    formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
    assert main(["fit", formula, "--data", "cbpp", "--family", "binomial", "--nagq", "5"]) == 0
    assert "Adaptive Gauss-Hermite Quadrature, nAGQ = 5" in capsys.readouterr().out
    assert main(["fit", "Reaction ~ Days + (Days | Subject)", "--data", "sleepstudy", "--ddf", "satterthwaite"]) == 0
    assert "Satterthwaite" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--link", "log"], "--link needs --family"),
    (["--family", "poisson", "--ml"], "--ml and --ddf are for lmer"),
    (["--family", "nosuch"], "nosuch"),
])
def test_bad_options_exit_with_message(argv, message, capsys):
    assert main(["fit", "Reaction ~ Days + (1 | Subject)", "--data", "sleepstudy", *argv]) == 2
    assert message in capsys.readouterr().err
