"""Post-fit quantities of mixedmodels against lme4, on run.py's simulated jobs.

For every job of ``run.py``'s classes, fits with lme4 (``postfit.R``, one
Rscript call; GLMMs with ``tolPwrss = 1e-12``) and mixedmodels, and -- where
both log-likelihoods agree within 1e-6 (the same optimum; other jobs are
optimizer differences, covered by run.py) -- compares:

- conditional modes (``ranef``): each value within 1e-3 relative, or 1e-6 absolute;
- their conditional variances (``ranef(condVar = TRUE)`` postVar vs ``ranef_condvar``): 1e-3 relative;
- ``fitted``, ``predict(re.form = NA)`` (response scale), residuals (pearson for
  GLMMs, response for LMMs) and ``predict(newdata, allow.new.levels = TRUE)``
  (link scale; four rows of the data, one with a new level of the first
  grouping column, one with new levels of every grouping column): within 1e-6 of max |lme4 value|;
- sigma, deviance, AIC, BIC (1e-6 relative) and df.residual (equal).

Usage::

    .venv/bin/python tools/lme4_diff/postfit.py --seed 1 --n 5
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run

import mixedmodels as mm

SAME_OPTIMUM = 1e-6
MODE_REL, MODE_ABS, CONDVAR_REL, VEC_REL, SCALAR_REL = 1e-3, 1e-6, 1e-3, 1e-6, 1e-6
VECTORS = ["fitted", "pop", "resid", "newpred"]
SCALARS = ["sigma", "deviance", "aic", "bic", "df_residual"]
QUANTITIES = ["ranef", "condvar", *VECTORS, *SCALARS, "deviance_vs_REMLFALSE"]


def grouping_columns(formula: str) -> list[str]:
    """The columns named after the bars of ``formula`` (``(x | g/h)``: g, h), in order."""
    groups = re.findall(r"\|\s*([^()|]+?)\s*\)", formula)
    return list(dict.fromkeys(c.strip() for g in groups for c in re.split(r"[/:]", g)))


def write_newdata(job: dict) -> None:
    """Four complete rows of the data: the third with the first grouping column
    (g, or a of a/b/c) at a new level, the fourth with every grouping column new."""
    data = pd.read_csv(job["file"], dtype={c: str for c in job["factors"]})
    groups = grouping_columns(job["formula"])
    rows = data.dropna().iloc[:4].copy().reset_index(drop=True)
    rows.loc[2, groups[0]] = f"{groups[0]}NEW"
    for c in groups:
        rows.loc[3, c] = f"{c}NEW"
    text = rows.assign(**{c: rows[c].map({True: "TRUE", False: "FALSE"})
                          for c in rows.columns if pd.api.types.is_bool_dtype(rows[c])})
    path = Path(job["file"]).with_name(Path(job["file"]).stem + "_new.csv")
    text.to_csv(path, index=False, float_format="%.12g", na_rep="NA")
    job["newdata"] = str(path)


def fit_ours(job: dict):
    data = pd.read_csv(job["file"], dtype={c: str for c in job["factors"]})
    weights = job.get("weights")
    if job["nb"]:
        return mm.glmer_nb(job["formula"], data, nagq=job["nagq"], weights=weights)
    if job["family"] == "gaussian":
        return mm.lmer(job["formula"], data, reml=job["reml"], weights=weights)
    family = mm.families.get_family(job["family"], job["link"])
    return mm.glmer(job["formula"], data, family=family, nagq=job["nagq"], weights=weights)


def post_ours(job: dict) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_ours(job)
        glmm = job["family"] != "gaussian"
        newdata = pd.read_csv(job["newdata"], dtype={c: str for c in job["factors"]})
        out = {"at_theta": fit.theta.to_numpy(float).tolist(), "at_beta": fit.fixef.to_numpy(float).tolist(),
               "at_nb_theta": float(fit.family.theta) if job["nb"] else None,
               "loglik": float(fit.loglik), "ranef": fit.ranef, "condvar": fit.ranef_condvar,
               "fitted": fit.fitted().to_numpy(float),
               "pop": (fit.predict(re_form="~0", type="response") if glmm else fit.predict(re_form="~0")).to_numpy(float),
               "resid": fit.residuals("pearson" if glmm else "response").to_numpy(float),
               "newpred": fit.predict(newdata, allow_new_levels=True).to_numpy(float)}
        for name in SCALARS:
            try:
                out[name] = float(getattr(fit, name))
            except Exception as exc:  # noqa: BLE001
                out[name] = f"{type(exc).__name__}: {exc}"
    return out


def compare(job: dict, ours: dict, ref: dict) -> list[dict]:
    """One row per quantity: agree (bool), the worst difference and where."""
    rows = []

    def add(q, ok, worst="", ours_v=None, ref_v=None, measure=None, note=""):
        rows.append({"id": job["id"], "class": job["class"], "quantity": q, "agree": bool(ok), "where": worst,
                     "ours": ours_v, "lme4": ref_v, "measure": measure, "note": note})

    # conditional modes
    ok_names = set(ours["ranef"]) == set(ref["ranef"])
    if not ok_names:
        add("ranef", False, note=f"groups ours {sorted(ours['ranef'])} lme4 {sorted(ref['ranef'])}")
        add("condvar", False, note="groups differ")
        return rows + _vectors(job, ours, ref) + _scalars(job, ours, ref)
    worst, ok = (0.0, "", None, None), True
    cworst, cok, cnote = (0.0, "", None, None), True, ""
    for g, r in ref["ranef"].items():
        levels, effects = list(r["levels"]), list(r["effects"])
        want = np.array(r["values"], float).reshape(len(levels), len(effects), order="F")
        frame = ours["ranef"][g]
        if list(frame.columns) != effects or sorted(map(str, frame.index)) != sorted(levels):
            ok = False
            add("ranef", False, g, note=f"{g}: columns {list(frame.columns)} vs {effects}, "
                f"{len(frame)} vs {len(levels)} levels")
            continue
        got = frame.loc[levels, effects].to_numpy(float)
        d = np.abs(got - want)
        excess = d / np.maximum(MODE_REL * np.abs(want), MODE_ABS)
        i = np.unravel_index(np.argmax(excess), excess.shape)
        if excess[i] > worst[0]:
            worst = (excess[i], f"{g}[{levels[i[0]]}, {effects[i[1]]}]", got[i], want[i])
        # condVar: lme4 k x k x nlevels per term (a list if several terms)
        terms = ours["condvar"][g]
        if len(terms) != len(r["condvar"]):
            cok, cnote = False, f"{g}: {len(terms)} terms vs {len(r['condvar'])}"
            continue
        order = [list(map(str, frame.index)).index(lv) for lv in levels]
        for (names, arr), cv in zip(terms, r["condvar"]):
            dims = list(cv["dim"])
            want_cv = np.array(cv["values"], float).reshape(dims, order="F").transpose(2, 0, 1)
            got_cv = np.asarray(arr, float)[order]
            if got_cv.shape != want_cv.shape:
                cok, cnote = False, f"{g}: shape {got_cv.shape} vs {want_cv.shape}"
                continue
            scale = np.maximum(np.abs(want_cv), 1e-12)
            ex = np.abs(got_cv - want_cv) / (CONDVAR_REL * scale)
            j = np.unravel_index(np.argmax(ex), ex.shape)
            if ex[j] > cworst[0]:
                cworst = (ex[j], f"{g}[{levels[j[0]]}, {names[j[1]]}, {names[j[2]]}]", got_cv[j], want_cv[j])
    add("ranef", ok and worst[0] <= 1, worst[1], worst[2], worst[3], worst[0])
    add("condvar", cok and cworst[0] <= 1, cworst[1], cworst[2], cworst[3], cworst[0], cnote)
    return rows + _vectors(job, ours, ref) + _scalars(job, ours, ref)


def _vectors(job, ours, ref):
    rows = []
    for q in VECTORS:
        got, want = np.asarray(ours[q], float), np.array(ref[q], float)
        if got.shape != want.shape:
            rows.append({"id": job["id"], "class": job["class"], "quantity": q, "agree": False,
                         "note": f"length ours {got.shape} lme4 {want.shape}"})
            continue
        scale = max(np.nanmax(np.abs(want)), 1e-300)
        d = np.abs(got - want)
        i = int(np.nanargmax(d))
        rows.append({"id": job["id"], "class": job["class"], "quantity": q, "agree": bool(d[i] <= VEC_REL * scale),
                     "where": f"row {i}", "ours": got[i], "lme4": want[i], "measure": d[i] / (VEC_REL * scale),
                     "note": f"scale {scale:.4g}"})
    return rows


def _scalars(job, ours, ref):
    rows = []
    for q in SCALARS:
        got, want = ours[q], ref[q]
        if isinstance(got, str):
            rows.append({"id": job["id"], "class": job["class"], "quantity": q, "agree": False, "note": got,
                         "lme4": want})
            continue
        ex = abs(got - want) / (SCALAR_REL * max(abs(want), 1e-300)) if q != "df_residual" else abs(got - want)
        rows.append({"id": job["id"], "class": job["class"], "quantity": q, "agree": bool(ex <= (0 if q == "df_residual" else 1)),
                     "ours": got, "lme4": want, "measure": ex})
    if "deviance_ml" in ref and ref["deviance_ml"] is not None:
        ex = abs(ours["deviance"] - ref["deviance_ml"]) / (SCALAR_REL * abs(ref["deviance_ml"]))
        rows.append({"id": job["id"], "class": job["class"], "quantity": "deviance_vs_REMLFALSE",
                     "agree": bool(ex <= 1), "ours": ours["deviance"], "lme4": ref["deviance_ml"], "measure": ex})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--classes", nargs="+")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--reuse-lme4", action="store_true")
    args = ap.parse_args()
    out = args.out or Path(f"/tmp/lme4_diff/postfit_seed{args.seed}_n{args.n}")
    classes = [c for c in run.CLASSES if not args.classes or c.name in args.classes]
    jobs = run.make_jobs(classes, args.seed, args.n, out / "data")
    ours_all, skipped = {}, []
    for job in jobs:
        write_newdata(job)
        try:
            ours_all[job["id"]] = post_ours(job)
            job.update({k: ours_all[job["id"]][k] for k in ("at_theta", "at_beta", "at_nb_theta")})
        except Exception as exc:  # noqa: BLE001
            skipped.append((job["id"], f"ours error {type(exc).__name__}: {exc}"))
    (out / "jobs.json").write_text(json.dumps(jobs, indent=1))
    if not (args.reuse_lme4 and (out / "postfit_lme4.json").exists()):
        with open(out / "postfit_lme4.log", "w") as log:
            subprocess.run(["Rscript", str(run.HERE / "postfit.R"), str(out / "jobs.json"),
                            str(out / "postfit_lme4.json")], check=True, stdout=log, stderr=subprocess.STDOUT)
    refs = json.loads((out / "postfit_lme4.json").read_text())
    rows = []
    for job in jobs:
        ref, ours = refs[job["id"]], ours_all.get(job["id"])
        if ours is None:
            continue
        if "error" in ref:
            skipped.append((job["id"], f"lme4 error {ref['error']}"))
            continue
        dll = ours["loglik"] - ref["loglik"]
        if abs(dll) > SAME_OPTIMUM:
            skipped.append((job["id"], f"loglik diff {dll:.3g}"))
            continue
        for against, r in (("lme4_fit", ref), ("lme4_at_our_params", ref.get("at_ours"))):
            if r is None or "error" in r:
                rows.append({"id": job["id"], "class": job["class"], "quantity": "at_params", "against": against,
                             "agree": False, "note": str(r and r.get("error"))})
                continue
            got = compare(job, ours, r)
            for g in got:
                g["against"] = against
            rows += got
            if against == "lme4_at_our_params":
                rows.append({"id": job["id"], "class": job["class"], "quantity": "loglik_at_params",
                             "against": against, "agree": abs(ours["loglik"] - r["loglik"]) <= 1e-8,
                             "ours": ours["loglik"], "lme4": r["loglik"], "measure": ours["loglik"] - r["loglik"]})
    table = pd.DataFrame(rows)
    table.to_csv(out / "postfit_results.csv", index=False)
    lines = [(f"# post-fit check (seed {args.seed}, n {args.n}): {table['id'].nunique()} jobs compared, "
             f"{len(skipped)} skipped"), "",
             "| quantity | agree vs lme4 fit | disagree | agree vs lme4 at our params | disagree |", "|---|---|---|---|---|"]
    for q in [*QUANTITIES, "loglik_at_params", "at_params"]:
        cells = []
        for against in ("lme4_fit", "lme4_at_our_params"):
            sub = table[(table["quantity"] == q) & (table["against"] == against)]
            cells += [str(int(sub["agree"].sum())), str(int((~sub["agree"]).sum()))]
        lines.append(f"| {q} | " + " | ".join(cells) + " |")
    for against in ("lme4_at_our_params", "lme4_fit"):
        lines += ["", f"## disagreements against {against}", ""]
        for _, r in table[(~table["agree"]) & (table["against"] == against)].iterrows():
            job = next(j for j in jobs if j["id"] == r["id"])
            lines.append(f"- {r['quantity']} `{r['id']}` `{job['formula']}` {job['family']}({job['link']}) "
                         f"reml={job['reml']} nagq={job['nagq']} nb={job['nb']} w={job['weights']} `{job['file']}`: "
                         f"{r.get('where', '')} ours {r['ours']!r} lme4 {r['lme4']!r} ({r['measure']} x allowed) "
                         f"{r.get('note', '')}")
    lines += ["", "## skipped", ""] + [f"- {i}: {why}" for i, why in skipped]
    text = "\n".join(lines) + "\n"
    (out / "postfit_summary.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
