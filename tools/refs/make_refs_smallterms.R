# make_refs_smallterms.R -- lme4::lmer fits of models with a small trailing
# term (few levels, lme4 puts it last), the shape in which mixedmodels'
# lmer profiles that term's covariance parameters out of the deviance.
#
# Usage (from anywhere):
#   Rscript tools/refs/make_refs_smallterms.R
# Reads tests/fixtures/reference_extra/data/sim_smallterms.csv.gz (written by
# simulate_smallterms.py) and writes tests/fixtures/reference_extra/
# smallterms_*.json with the fields of the shared lmer references
# (extract_lme4 of make_refs.R).  See common.R for OUT_DIR and N_REP.

.f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(normalizePath(.f)), "common.R"))

extra <- load_extra_data("data/sim_smallterms.csv.gz")

MODELS <- list(
  list(name = "smallterms_int_ml", formula = "y ~ x + (1 | subj) + (1 | item) + (1 | site)", REML = FALSE),
  list(name = "smallterms_slope_reml", formula = "y ~ x + (1 | subj) + (1 | item) + (1 + x | site)", REML = TRUE)
)
write_lmer_refs(MODELS, extra$data, list(data_file = extra$file))
