# make_refs_nested.R -- lme4::lmer fits of a three-level nested design: the
# names lme4 gives the terms of (1 | a/b/c) ("c:(b:a)", "b:a", "a") and the
# same terms written out.
#
# Usage (from anywhere):
#   Rscript tools/refs/make_refs_nested.R
# Reads tests/fixtures/reference_extra/data/sim_nested3.csv.gz (data set 0 of
# the lme4_diff class lmm_nested3_reml at seed 301: tools/lme4_diff/run.py
# --seed 301 --classes lmm_nested3_reml, function sim_fifth) and writes
# tests/fixtures/reference_extra/nested3_*.json with the fields of the
# shared lmer references (extract_lme4 of make_refs.R).

.f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(normalizePath(.f)), "common.R"))

extra <- load_extra_data("data/sim_nested3.csv.gz")

MODELS <- list(
  list(name = "nested3_reml", formula = "y ~ x + (1 | a/b/c)", REML = TRUE),
  list(name = "nested3_explicit_ml", formula = "y ~ x + (1 | a) + (1 | b:a) + (1 | c:(b:a))", REML = FALSE)
)
write_lmer_refs(MODELS, extra$data, list(data_file = extra$file))
