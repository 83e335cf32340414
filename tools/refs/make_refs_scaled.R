# make_refs_scaled.R -- lme4::lmer fits with a random slope on a predictor
# whose root mean square is outside [0.1, 10] (Orthodont's age, 8-14 years:
# 11.2), the models mixedmodels searches in the columns' units
# (src/mixedmodels/core/_thetascale.py).  Their numbers must still be lme4's.
#
# Usage (from anywhere):
#   Rscript tools/refs/make_refs_scaled.R
# Writes tests/fixtures/reference_extra/orthodont_*.json with the fields of
# the shared lmer references (extract_lme4 of make_refs.R).  See common.R for
# DATA_DIR, OUT_DIR and N_REP.

.f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(normalizePath(.f)), "common.R"))

ld <- load_dataset("Orthodont")
dat <- ld$data
MODELS <- list(
  list(name = "orthodont_slope_reml", formula = "distance ~ age + (age | Subject)", REML = TRUE),
  list(name = "orthodont_slope_ml", formula = "distance ~ age + (age | Subject)", REML = FALSE),
  list(name = "orthodont_uncorr_reml", formula = "distance ~ age + (age || Subject)", REML = TRUE)
)
write_lmer_refs(MODELS, dat, list(set = "reference_extra", dataset = "Orthodont",
                                  data_file = paste0("src/mixedmodels/datasets/data/", ld$file)))
