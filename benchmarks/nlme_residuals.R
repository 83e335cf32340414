# Time nlme::lme with a residual structure; used by benchmarks/residual_structures.py.
# Usage: Rscript nlme_residuals.R CSV FORMULA RANDOM STRUCTURE REPEATS
#   STRUCTURE: nlme calls separated by ';', e.g. 'corAR1(form = ~ t | g)' or
#   'varIdent(form = ~ 1 | occasion); corAR1(form = ~ occasion | student)'
# Prints one JSON line {"seconds": median elapsed, "loglik": REML log-likelihood}.
suppressPackageStartupMessages({library(nlme); library(jsonlite)})
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1])
for (v in names(d)) if (is.character(d[[v]])) d[[v]] <- factor(d[[v]])
call <- call("lme", as.formula(a[2]), data = quote(d), random = as.formula(a[3]))
for (text in strsplit(a[4], ";")[[1]]) {
  structure <- eval(parse(text = text))
  call[[if (inherits(structure, "varFunc")) "weights" else "correlation"]] <- structure
}
times <- numeric(as.integer(a[5]))
for (i in seq_along(times)) times[i] <- system.time(fit <- eval(call))[["elapsed"]]
cat(toJSON(list(seconds = median(times), loglik = as.numeric(logLik(fit))), auto_unbox = TRUE, digits = NA), "\n")
