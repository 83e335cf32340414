# Time lme4's parametric bootstrap (bootMer) on the sleepstudy slope model.
# Usage: Rscript bootmer.R NSIM ; prints one JSON line {"nsim":..,"seconds":..,"n_failed":..}
suppressPackageStartupMessages({library(lme4); library(jsonlite)})
nsim <- as.integer(commandArgs(trailingOnly = TRUE)[1])
fit <- lmer(Reaction ~ Days + (Days | Subject), data = sleepstudy)
set.seed(1)
elapsed <- system.time(b <- bootMer(fit, fixef, nsim = nsim))[["elapsed"]]
failed <- sum(!stats::complete.cases(b$t))
cat(toJSON(list(nsim = nsim, seconds = elapsed, n_failed = failed), auto_unbox = TRUE), "\n")
